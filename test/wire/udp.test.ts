/**
 * UDP header (src/wire/udp.ts), smoltcp style, plus the RFC 768 checksum rules: a zero
 * checksum means "none", a computed zero is sent as 0xFFFF, and the RFC 1624 address update
 * keeps both rules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DROP_UDP_BAD_LEN, DROP_UDP_SHORT } from '../../src/stats/drop-reasons.js';
import { csumAdd, csumPseudo, csumReplace32 } from '../../src/wire/checksum.js';
import { IPPROTO_UDP } from '../../src/wire/ipv4.js';
import {
  PORT_NATT,
  UDP_HLEN,
  udpCheck,
  udpChecksumOk,
  udpCsum,
  udpCsumAddrUpdate,
  udpDport,
  udpEmit,
  udpFillChecksum,
  udpLen,
  udpPorts,
  udpSetCsum,
  udpSetLen,
  udpSetPorts,
  udpSport,
} from '../../src/wire/udp.js';
import { blank, bytesAt, hex, ip, place, toHex, truncations } from './bytes.js';

// tcpdump_isakmp4500.pcap frame 18, bytes 34..42: NAT-T keepalive, 192.1.2.254 -> 192.1.2.23
const KEEPALIVE = hex(`
  11 94 11 94   # ports 4500 -> 4500
  00 09 58 9b   # length 9, checksum 0x589b
  ff            # payload: the keepalive octet
`);
const KA_SRC = ip('192.1.2.254');
const KA_DST = ip('192.1.2.23');

// zeek_chksums_ip4-udp-good-chksum.pcap frame 1, bytes 34..45: 127.0.0.1 -> 127.0.0.1, "XXXX"
const LOOPBACK = hex('75 30 32 c8  00 0c a9 2a  58 58 58 58');
const LO = ip('127.0.0.1');

/** Choose the last payload word so that the datagram's computed checksum is 0x0000. */
function zeroSumDatagram(src: number, dst: number): ReturnType<typeof blank> {
  const p = blank(12);
  udpEmit(p.v, p.o, { sport: 1234, dport: 5678, len: 12 });
  p.v.setUint16(p.o + 8, 0xabcd);
  p.v.setUint16(p.o + 10, 0);
  const c = ~csumAdd(p.v, p.o, 12, csumPseudo(src, dst, IPPROTO_UDP, 12)) & 0xffff;
  p.v.setUint16(p.o + 10, c); // now the sum over pseudo-header + datagram is 0xffff
  return p;
}

describe('udp: deconstruct', () => {
  it('NAT-T keepalive (tcpdump_isakmp4500 frame 18)', () => {
    const { v, o, end } = place(KEEPALIVE);
    expect(udpCheck(v, o, end)).toBe(UDP_HLEN);
    expect(udpSport(v, o)).toBe(PORT_NATT);
    expect(udpDport(v, o)).toBe(PORT_NATT);
    expect(udpPorts(v, o)).toBe((4500 << 16) | 4500);
    expect(udpLen(v, o)).toBe(9);
    expect(udpCsum(v, o)).toBe(0x589b);
    expect(udpChecksumOk(v, o, 9, KA_SRC, KA_DST)).toBe(true);
    expect(udpChecksumOk(v, o, 9, KA_SRC, KA_SRC)).toBe(false);
  });

  it('loopback datagram (zeek_chksums_ip4-udp-good-chksum frame 1)', () => {
    const { v, o, end } = place(LOOPBACK);
    expect(udpCheck(v, o, end)).toBe(8);
    expect(udpSport(v, o)).toBe(30000);
    expect(udpDport(v, o)).toBe(13000);
    expect(udpLen(v, o)).toBe(12);
    expect(udpCsum(v, o)).toBe(0xa92a);
    expect(udpChecksumOk(v, o, 12, LO, LO)).toBe(true);
  });

  it('udpPorts is sport << 16 | dport as an int32 (negative for sport >= 32768)', () => {
    const p = blank(8);
    udpSetPorts(p.v, p.o, 0xc001, 53);
    expect(udpPorts(p.v, p.o)).toBe((0xc001 << 16) | 53);
    expect(udpPorts(p.v, p.o)).toBeLessThan(0);
  });
});

describe('udp: construct', () => {
  it('udpEmit + payload + udpFillChecksum writes the same bytes', () => {
    for (const [bytes, src, dst] of [
      [KEEPALIVE, KA_SRC, KA_DST],
      [LOOPBACK, LO, LO],
    ] as const) {
      const p = blank(bytes.length);
      const n = udpEmit(p.v, p.o, { sport: (bytes[0]! << 8) | bytes[1]!, dport: (bytes[2]! << 8) | bytes[3]!, len: bytes.length });
      expect(n).toBe(UDP_HLEN);
      expect(udpCsum(p.v, p.o)).toBe(0);
      p.buf.set(bytes.subarray(8), p.o + 8);
      udpFillChecksum(p.v, p.o, bytes.length, src, dst);
      expect(toHex(bytesAt(p, bytes.length))).toBe(toHex(bytes));
      expect(p.buf[p.o - 1]).toBe(0xee);
      expect(p.buf[p.o + bytes.length]).toBe(0xee);
    }
  });

  it('udpEmit with a given checksum writes it', () => {
    const p = blank(8);
    udpEmit(p.v, p.o, { sport: 4500, dport: 4500, len: 9, csum: 0x589b });
    expect(toHex(bytesAt(p, 8))).toBe(toHex(KEEPALIVE.subarray(0, 8)));
  });

  it('emit -> check -> getters round trip, checksum verifies (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.uint8Array({ maxLength: 100 }),
        fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        (sport, dport, payload, src, dst) => {
          const len = 8 + payload.length;
          const p = blank(len);
          udpEmit(p.v, p.o, { sport, dport, len });
          p.buf.set(payload, p.o + 8);
          udpFillChecksum(p.v, p.o, len, src, dst);
          expect(udpCheck(p.v, p.o, p.end)).toBe(8);
          expect([udpSport(p.v, p.o), udpDport(p.v, p.o), udpLen(p.v, p.o)]).toEqual([sport, dport, len]);
          expect(udpCsum(p.v, p.o)).not.toBe(0); // a computed checksum is never sent as 0
          expect(udpChecksumOk(p.v, p.o, len, src, dst)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('setters write the fields the getters read', () => {
    const { v, o } = place(LOOPBACK);
    udpSetLen(v, o, 4000);
    udpSetCsum(v, o, 0xbeef);
    udpSetPorts(v, o, 1, 65535);
    expect([udpLen(v, o), udpCsum(v, o), udpSport(v, o), udpDport(v, o)]).toEqual([4000, 0xbeef, 1, 65535]);
  });
});

describe('udp: check_len and length rule', () => {
  it('every truncation 0..7 is DROP_UDP_SHORT', () => {
    const { v, o } = place(LOOPBACK);
    for (const n of truncations(8)) expect(udpCheck(v, o, o + n)).toBe(-DROP_UDP_SHORT);
    expect(udpCheck(v, o, o + 8)).toBe(8); // header only: the length is the caller's to compare
  });

  it('length field 0..7 is DROP_UDP_BAD_LEN; 8 (empty payload) and above are accepted', () => {
    const { v, o, end } = place(LOOPBACK);
    for (let l = 0; l < 8; l++) {
      udpSetLen(v, o, l);
      expect(udpCheck(v, o, end)).toBe(-DROP_UDP_BAD_LEN);
    }
    for (const l of [8, 12, 0xffff]) {
      udpSetLen(v, o, l);
      expect(udpCheck(v, o, end)).toBe(8);
    }
  });
});

describe('udp: RFC 768 checksum rules', () => {
  it('a zero checksum means "not computed" and always verifies', () => {
    const { v, o } = place(LOOPBACK);
    udpSetCsum(v, o, 0);
    expect(udpChecksumOk(v, o, 12, LO, LO)).toBe(true);
    expect(udpChecksumOk(v, o, 12, 1, 2)).toBe(true);
  });

  it('a corrupted byte is caught', () => {
    const { v, o, buf } = place(LOOPBACK);
    buf[o + 9]! ^= 0x01;
    expect(udpChecksumOk(v, o, 12, LO, LO)).toBe(false);
  });

  it('a computed 0x0000 is sent as 0xFFFF, which verifies', () => {
    const src = ip('10.0.0.1');
    const dst = ip('10.0.0.2');
    const p = zeroSumDatagram(src, dst);
    udpFillChecksum(p.v, p.o, 12, src, dst);
    expect(udpCsum(p.v, p.o)).toBe(0xffff);
    expect(udpChecksumOk(p.v, p.o, 12, src, dst)).toBe(true);
  });
});

describe('udp: udpCsumAddrUpdate (RFC 1624) equals a full recomputation', () => {
  const addr = fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.constantFrom(0, -1, 0x0000ffff, 0xffff0000 | 0));

  it('for random datagrams and address changes, source or destination (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), addr, addr, addr, fc.boolean(), (payload, src, dst, a, changeSrc) => {
        const len = 8 + payload.length;
        const p = blank(len);
        udpEmit(p.v, p.o, { sport: 4500, dport: 4500, len });
        p.buf.set(payload, p.o + 8);
        udpFillChecksum(p.v, p.o, len, src, dst);
        udpCsumAddrUpdate(p.v, p.o, changeSrc ? src : dst, a);
        const inc = udpCsum(p.v, p.o);
        const [s1, d1] = changeSrc ? [a, dst] : [src, a];
        udpFillChecksum(p.v, p.o, len, s1, d1);
        expect(inc).toBe(udpCsum(p.v, p.o));
        expect(inc).not.toBe(0);
      }),
      { numRuns: 5000 },
    );
  });

  it('a zero (absent) checksum stays zero', () => {
    fc.assert(
      fc.property(addr, addr, (old, a) => {
        const { v, o } = place(LOOPBACK);
        udpSetCsum(v, o, 0);
        udpCsumAddrUpdate(v, o, old, a);
        expect(udpCsum(v, o)).toBe(0);
      }),
    );
  });

  it('an update whose result is zero writes 0xFFFF (as a sender would)', () => {
    const old = ip('192.168.1.10');
    const dst = ip('10.0.0.2');
    for (const a of [ip('10.0.0.1'), ip('0.0.0.0'), ip('255.255.255.255'), ip('172.16.5.4')]) {
      const p = zeroSumDatagram(a, dst); // the datagram sums to 0xffff with source a
      udpFillChecksum(p.v, p.o, 12, old, dst); // but is sent from `old` first
      const before = udpCsum(p.v, p.o);
      expect(csumReplace32(before, old, a)).toBe(0x0000); // the raw RFC 1624 result is 0
      udpCsumAddrUpdate(p.v, p.o, old, a);
      expect(udpCsum(p.v, p.o)).toBe(0xffff);
      expect(udpChecksumOk(p.v, p.o, 12, a, dst)).toBe(true);
      // and back: from the stored 0xffff (a computed zero) to the old address
      udpCsumAddrUpdate(p.v, p.o, a, old);
      expect(udpCsum(p.v, p.o)).toBe(before);
    }
  });

  it('real datagram: NAT of the keepalive source 192.1.2.254 -> 203.0.113.9', () => {
    const { v, o } = place(KEEPALIVE);
    const a = ip('203.0.113.9');
    udpCsumAddrUpdate(v, o, KA_SRC, a);
    expect(udpChecksumOk(v, o, 9, a, KA_DST)).toBe(true);
    const inc = udpCsum(v, o);
    udpFillChecksum(v, o, 9, a, KA_DST);
    expect(inc).toBe(udpCsum(v, o));
  });
});
