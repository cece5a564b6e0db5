/**
 * ICMP echo header (src/wire/icmp.ts), smoltcp style.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DROP_ICMP_SHORT } from '../../src/stats/drop-reasons.js';
import {
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  ICMP_HLEN,
  icmpCheck,
  icmpChecksumOk,
  icmpCode,
  icmpEmit,
  icmpFillChecksum,
  icmpId,
  icmpSeq,
  icmpType,
} from '../../src/wire/icmp.js';
import { blank, bytesAt, hex, place, toHex, truncations } from './bytes.js';

// tcpdump_vxlan.pcap frame 1, bytes 84..147: the inner ICMP echo request of a VXLAN packet,
// 192.168.203.3 -> 192.168.203.5, id 0x050c, seq 1, 56 bytes of data (timestamp + 0x10..0x37)
const ECHO = hex(`
  08 00 f6 f2   # type 8 (echo request), code 0, checksum 0xf6f2
  05 0c 00 01   # identifier 0x050c, sequence 1
  fc e2 97 51 00 00 00 00 a6 f8 02 00 00 00 00 00
  10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f
  20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f
  30 31 32 33 34 35 36 37
`);

// pcpp_VlanPackets.pcap frame 1, bytes 42..121: echo request, id 3, seq 0, 72 data bytes
const ECHO_VLAN = hex(`
  08 00 ce b7 00 03 00 00
  00 00 00 00 00 1f af 70` + ' ab cd'.repeat(32));

describe('icmp', () => {
  it('deconstruct (tcpdump_vxlan frame 1, inner)', () => {
    const { v, o, end } = place(ECHO);
    expect(icmpCheck(v, o, end)).toBe(ICMP_HLEN);
    expect(icmpType(v, o)).toBe(ICMP_ECHO_REQUEST);
    expect(icmpCode(v, o)).toBe(0);
    expect(v.getUint16(o + 2)).toBe(0xf6f2);
    expect(icmpId(v, o)).toBe(0x050c);
    expect(icmpSeq(v, o)).toBe(1);
    expect(icmpChecksumOk(v, o, 64)).toBe(true);
    expect(icmpChecksumOk(v, o, 63)).toBe(false);
  });

  it('deconstruct (pcpp_VlanPackets frame 1)', () => {
    const { v, o, end } = place(ECHO_VLAN);
    expect(end - o).toBe(80);
    expect([icmpType(v, o), icmpCode(v, o), icmpId(v, o), icmpSeq(v, o)]).toEqual([8, 0, 3, 0]);
    expect(icmpChecksumOk(v, o, 80)).toBe(true);
  });

  it('construct: icmpEmit + data + icmpFillChecksum writes the same bytes', () => {
    for (const [bytes, id, seq] of [
      [ECHO, 0x050c, 1],
      [ECHO_VLAN, 3, 0],
    ] as const) {
      const p = blank(bytes.length);
      expect(icmpEmit(p.v, p.o, { type: ICMP_ECHO_REQUEST, id, seq })).toBe(ICMP_HLEN);
      p.buf.set(bytes.subarray(8), p.o + 8);
      icmpFillChecksum(p.v, p.o, bytes.length);
      expect(toHex(bytesAt(p, bytes.length))).toBe(toHex(bytes));
      expect(p.buf[p.o - 1]).toBe(0xee);
    }
  });

  it('an echo reply to the request: type 0, same checksum + 0x0800 (RFC 1624)', () => {
    const { v, o } = place(ECHO);
    v.setUint8(o, ICMP_ECHO_REPLY);
    icmpFillChecksum(v, o, 64);
    expect(v.getUint16(o + 2)).toBe(0xf6f2 + 0x0800);
    expect(icmpChecksumOk(v, o, 64)).toBe(true);
  });

  it('emit -> check -> getters round trip (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 65 }), (type, code, id, seq, data) => {
        const len = 8 + data.length;
        const p = blank(len);
        icmpEmit(p.v, p.o, { type, code, id, seq });
        p.buf.set(data, p.o + 8);
        icmpFillChecksum(p.v, p.o, len);
        expect(icmpCheck(p.v, p.o, p.end)).toBe(8);
        expect([icmpType(p.v, p.o), icmpCode(p.v, p.o), icmpId(p.v, p.o), icmpSeq(p.v, p.o)]).toEqual([type, code, id, seq]);
        expect(icmpChecksumOk(p.v, p.o, len)).toBe(true);
      }),
    );
  });

  it('check_len: every truncation 0..7 is DROP_ICMP_SHORT', () => {
    const { v, o } = place(ECHO);
    for (const n of truncations(8)) expect(icmpCheck(v, o, o + n)).toBe(-DROP_ICMP_SHORT);
    expect(icmpCheck(v, o, o + 8)).toBe(8);
  });
});
