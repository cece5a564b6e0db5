/**
 * IKE / ISAKMP header (src/wire/ike.ts; RFC 7296 section 3.1, RFC 2408 section 3.1).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DROP_IKE_SHORT } from '../../src/stats/drop-reasons.js';
import {
  IKE_AUTH,
  IKE_HLEN,
  IKE_SA_INIT,
  ikeCheck,
  ikeEmit,
  ikeExchangeType,
  ikeIspiHi,
  ikeIspiLo,
  ikeLength,
  ikeRspiHi,
  ikeRspiLo,
  ikeVersion,
} from '../../src/wire/ike.js';
import { blank, bytesAt, hex, place, toHex, truncations } from './bytes.js';

// tcpdump_isakmp4500.pcap frame 7, bytes 46..73: IKEv1 Main Mode on UDP 4500, after the
// 4-byte non-ESP marker
const IKEV1 = hex(`
  9e 89 f2 38 8f 90 bc 1e   # initiator SPI
  0a 74 35 7c e3 d1 a4 bf   # responder SPI
  05 10 02 01               # next payload 5 (ID), version 1.0, exchange 2 (Identity Protection), flags 0x01 (E)
  00 00 00 00               # message ID 0
  00 00 01 44               # length 324
`);

// tcpdump_ikev2-id-normal.pcap frame 1, bytes 42..69: IKEv2 IKE_AUTH on UDP 500
const IKEV2 = hex(`
  00 00 00 00 00 00 00 00   # initiator SPI 0
  00 00 00 00 00 00 00 00   # responder SPI 0
  23 20 23 08               # next payload 35 (SK), version 2.0, exchange 35 (IKE_AUTH), flags 0x08 (Initiator)
  00 00 00 01               # message ID 1
  00 00 00 4c               # length 76
`);

describe('ike', () => {
  it('deconstruct IKEv1 behind NAT-T (tcpdump_isakmp4500 frame 7)', () => {
    const { v, o, end } = place(IKEV1);
    expect(ikeCheck(v, o, end)).toBe(IKE_HLEN);
    expect(ikeIspiHi(v, o)).toBe(0x9e89f238 | 0);
    expect(ikeIspiLo(v, o)).toBe(0x8f90bc1e | 0);
    expect(ikeRspiHi(v, o)).toBe(0x0a74357c);
    expect(ikeRspiLo(v, o)).toBe(0xe3d1a4bf | 0);
    expect(ikeVersion(v, o)).toBe(0x10);
    expect(ikeExchangeType(v, o)).toBe(2);
    expect(ikeLength(v, o)).toBe(324);
    expect(v.getUint8(o + 16)).toBe(5); // next payload (no getter)
    expect(v.getUint8(o + 19)).toBe(0x01); // flags (no getter)
  });

  it('deconstruct IKEv2 IKE_AUTH (tcpdump_ikev2-id-normal frame 1)', () => {
    const { v, o, end } = place(IKEV2);
    expect(ikeCheck(v, o, end)).toBe(28);
    expect([ikeIspiHi(v, o), ikeIspiLo(v, o), ikeRspiHi(v, o), ikeRspiLo(v, o)]).toEqual([0, 0, 0, 0]);
    expect(ikeVersion(v, o)).toBe(0x20);
    expect(ikeExchangeType(v, o)).toBe(IKE_AUTH);
    expect(ikeLength(v, o)).toBe(76);
    expect(v.getUint32(o + 20)).toBe(1); // message ID
  });

  it('construct: ikeEmit writes the same bytes', () => {
    let p = blank(28);
    const n = ikeEmit(p.v, p.o, { ispi: 0x9e89f2388f90bc1en, rspi: 0x0a74357ce3d1a4bfn, nextPayload: 5, version: 0x10, exchangeType: 2, flags: 0x01, messageId: 0, length: 324 });
    expect(n).toBe(IKE_HLEN);
    expect(toHex(bytesAt(p, 28))).toBe(toHex(IKEV1));
    expect(p.buf[p.o - 1]).toBe(0xee);
    expect(p.buf[p.o + 28]).toBe(0xee);
    // defaults: version 2.0, flags 0x08 (Initiator), message ID 0
    p = blank(28);
    ikeEmit(p.v, p.o, { ispi: 0n, rspi: 0n, nextPayload: 35, exchangeType: IKE_AUTH, messageId: 1, length: 76 });
    expect(toHex(bytesAt(p, 28))).toBe(toHex(IKEV2));
  });

  it('emit -> check -> getters round trip (fast-check)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffffffff }), (ispi, rspi, xt, length) => {
        const p = blank(28);
        ikeEmit(p.v, p.o, { ispi, rspi, exchangeType: xt, length });
        expect(ikeCheck(p.v, p.o, p.end)).toBe(28);
        expect(BigInt.asUintN(32, BigInt(ikeIspiHi(p.v, p.o)))).toBe(ispi >> 32n);
        expect(BigInt.asUintN(32, BigInt(ikeIspiLo(p.v, p.o)))).toBe(ispi & 0xffffffffn);
        expect(BigInt.asUintN(32, BigInt(ikeRspiHi(p.v, p.o)))).toBe(rspi >> 32n);
        expect(BigInt.asUintN(32, BigInt(ikeRspiLo(p.v, p.o)))).toBe(rspi & 0xffffffffn);
        expect(ikeExchangeType(p.v, p.o)).toBe(xt);
        expect(ikeVersion(p.v, p.o)).toBe(0x20);
        expect(ikeLength(p.v, p.o)).toBe(length);
      }),
    );
  });

  it('exchange type constants (RFC 7296 section 3.1)', () => {
    expect([IKE_SA_INIT, IKE_AUTH]).toEqual([34, 35]);
  });

  it('check_len: every truncation 0..27 is DROP_IKE_SHORT', () => {
    const { v, o } = place(IKEV1);
    for (const n of truncations(28)) expect(ikeCheck(v, o, o + n)).toBe(-DROP_IKE_SHORT);
    expect(ikeCheck(v, o, o + 28)).toBe(28);
  });
});
