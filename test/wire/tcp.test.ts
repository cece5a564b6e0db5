/**
 * TCP header (src/wire/tcp.ts), smoltcp style: real segments from the corpus taken apart,
 * built back byte for byte (checksum included), check_len and the data offset rule, and the
 * RFC 1624 pseudo-header address update against full recomputation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DROP_TCP_BAD_OFF, DROP_TCP_SHORT } from '../../src/stats/drop-reasons.js';
import {
  TCP_F_ACK,
  TCP_F_FIN,
  TCP_F_PSH,
  TCP_F_RST,
  TCP_F_SYN,
  TCP_MIN_HLEN,
  tcpAck,
  tcpCheck,
  tcpChecksumOk,
  tcpCsum,
  tcpCsumAddrUpdate,
  tcpDport,
  tcpEmit,
  tcpFillChecksum,
  tcpFlags,
  tcpHeaderLen,
  tcpPorts,
  tcpSeq,
  tcpSetCsum,
  tcpSport,
} from '../../src/wire/tcp.js';
import { blank, bytesAt, hex, ip, place, toHex, truncations } from './bytes.js';

// zeek_http-vlan-0.pcap frame 1, bytes 38..81: SYN 141.142.228.5:59856 -> 192.150.187.43:80
// with 24 bytes of options (the whole segment: no data)
const SYN = hex(`
  e9 d0 00 50   # ports 59856 -> 80
  fe 21 32 3a   # seq 4263588410
  00 00 00 00   # ack 0
  b0 02 ff ff   # data offset 11 (44 bytes), flags SYN, window 65535
  3b c0 00 00   # checksum 0x3bc0, urgent 0
  02 04 05 b4   # MSS 1460
  01 03 03 04   # NOP, window scale 4
  01 01 08 0a 16 4a dd 20 00 00 00 00  # NOP, NOP, timestamps 374005024 / 0
  04 02 00 00   # SACK permitted, EOL, EOL
`);
const SYN_SRC = ip('141.142.228.5');
const SYN_DST = ip('192.150.187.43');

// pcpp_GrePackets.pcapng frame 7, bytes 76..95: the inner SYN of an NVGRE packet,
// 10.0.0.4:1232 -> 10.0.0.5:80, no options
const INNER_SYN = hex('04 d0 00 50  00 00 00 00  00 00 00 00  50 02 20 00  76 ba 00 00');

// zeek_tcp_truncated-header.pcap frame 1, bytes 34..67: data offset 10 (40 bytes), only 34 captured
const TRUNC_SYN = hex('ed 9b 00 19 3e 17 75 de 00 00 00 00 a0 c2 16 d0 90 d6 00 00 02 04 05 b4 04 02 08 08 00 00 00 01 00 00');

describe('tcp: deconstruct', () => {
  it('SYN with options (zeek_http-vlan-0 frame 1)', () => {
    const { v, o, end } = place(SYN);
    expect(tcpCheck(v, o, end)).toBe(44);
    expect(tcpSport(v, o)).toBe(59856);
    expect(tcpDport(v, o)).toBe(80);
    expect(tcpPorts(v, o)).toBe((59856 << 16) | 80);
    expect(tcpSeq(v, o)).toBe(4263588410);
    expect(tcpAck(v, o)).toBe(0);
    expect(tcpHeaderLen(v, o)).toBe(44);
    expect(tcpFlags(v, o)).toBe(TCP_F_SYN);
    expect(v.getUint16(o + 14)).toBe(65535); // window (no getter)
    expect(tcpCsum(v, o)).toBe(0x3bc0);
    expect(tcpChecksumOk(v, o, 44, SYN_SRC, SYN_DST)).toBe(true);
    expect(tcpChecksumOk(v, o, 44, SYN_DST, SYN_DST)).toBe(false);
  });

  it('20-byte SYN (pcpp_GrePackets frame 7, inner)', () => {
    const { v, o, end } = place(INNER_SYN);
    expect(tcpCheck(v, o, end)).toBe(20);
    expect([tcpSport(v, o), tcpDport(v, o), tcpSeq(v, o), tcpAck(v, o)]).toEqual([1232, 80, 0, 0]);
    expect(tcpFlags(v, o)).toBe(TCP_F_SYN);
    expect(tcpCsum(v, o)).toBe(0x76ba);
    expect(tcpChecksumOk(v, o, 20, ip('10.0.0.4'), ip('10.0.0.5'))).toBe(true);
  });

  it('flag bits', () => {
    expect([TCP_F_FIN, TCP_F_SYN, TCP_F_RST, TCP_F_PSH, TCP_F_ACK]).toEqual([1, 2, 4, 8, 16]);
    const { v, o } = place(TRUNC_SYN); // 0xc2 = CWR, ECE, SYN
    expect(tcpFlags(v, o)).toBe(0xc2);
    expect(tcpFlags(v, o) & TCP_F_SYN).toBe(TCP_F_SYN);
  });
});

describe('tcp: construct', () => {
  it('tcpEmit + tcpFillChecksum writes the same bytes (SYN with options)', () => {
    const p = blank(44);
    const n = tcpEmit(p.v, p.o, { sport: 59856, dport: 80, seq: 4263588410, ack: 0, flags: TCP_F_SYN, window: 65535, options: SYN.subarray(20) });
    expect(n).toBe(44);
    expect(tcpCsum(p.v, p.o)).toBe(0);
    tcpFillChecksum(p.v, p.o, 44, SYN_SRC, SYN_DST);
    expect(toHex(bytesAt(p, 44))).toBe(toHex(SYN));
    expect(p.buf[p.o - 1]).toBe(0xee);
    expect(p.buf[p.o + 44]).toBe(0xee);
  });

  it('tcpEmit + tcpFillChecksum writes the same bytes (20-byte SYN)', () => {
    const p = blank(20);
    expect(tcpEmit(p.v, p.o, { sport: 1232, dport: 80, flags: TCP_F_SYN, window: 8192 })).toBe(20);
    tcpFillChecksum(p.v, p.o, 20, ip('10.0.0.4'), ip('10.0.0.5'));
    expect(toHex(bytesAt(p, 20))).toBe(toHex(INNER_SYN));
  });

  it('tcpEmit defaults: ACK, window 65535, seq/ack 0', () => {
    const p = blank(20);
    tcpEmit(p.v, p.o, { sport: 1, dport: 2 });
    expect(toHex(bytesAt(p, 20))).toBe('00 01 00 02 00 00 00 00 00 00 00 00 50 10 ff ff 00 00 00 00');
  });

  it('emit -> check -> getters round trip, checksum verifies (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.record({
          sport: fc.integer({ min: 0, max: 0xffff }),
          dport: fc.integer({ min: 0, max: 0xffff }),
          seq: fc.integer({ min: 0, max: 0xffffffff }),
          ack: fc.integer({ min: 0, max: 0xffffffff }),
          flags: fc.integer({ min: 0, max: 255 }),
          window: fc.integer({ min: 0, max: 0xffff }),
        }),
        fc.integer({ min: 0, max: 10 }).chain((w) => fc.uint8Array({ minLength: 4 * w, maxLength: 4 * w })),
        fc.uint8Array({ maxLength: 40 }),
        fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        (f, options, data, src, dst) => {
          const hlen = 20 + options.length;
          const len = hlen + data.length;
          const p = blank(len);
          expect(tcpEmit(p.v, p.o, { ...f, options })).toBe(hlen);
          p.buf.set(data, p.o + hlen);
          tcpFillChecksum(p.v, p.o, len, src, dst);
          const { v, o } = p;
          expect(tcpCheck(v, o, p.end)).toBe(hlen);
          expect([tcpSport(v, o), tcpDport(v, o), tcpSeq(v, o), tcpAck(v, o), tcpFlags(v, o), tcpHeaderLen(v, o)]).toEqual([f.sport, f.dport, f.seq, f.ack, f.flags, hlen]);
          expect(v.getUint16(o + 14)).toBe(f.window);
          expect([...bytesAt(p, len).subarray(20, hlen)]).toEqual([...options]);
          expect(tcpChecksumOk(v, o, len, src, dst)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('tcp: check_len and data offset', () => {
  it('every truncation 0..19 is DROP_TCP_SHORT; 20..43 of a 44-byte header is DROP_TCP_BAD_OFF', () => {
    const { v, o } = place(SYN);
    for (const n of truncations(44)) expect(tcpCheck(v, o, o + n)).toBe(n < TCP_MIN_HLEN ? -DROP_TCP_SHORT : -DROP_TCP_BAD_OFF);
    expect(tcpCheck(v, o, o + 44)).toBe(44);
  });

  it('every truncation 0..19 of a 20-byte header is DROP_TCP_SHORT', () => {
    const { v, o } = place(INNER_SYN);
    for (const n of truncations(20)) expect(tcpCheck(v, o, o + n)).toBe(-DROP_TCP_SHORT);
  });

  it('data offset past the captured bytes (zeek_tcp_truncated-header frame 1) is DROP_TCP_BAD_OFF', () => {
    const { v, o, end } = place(TRUNC_SYN);
    expect(tcpHeaderLen(v, o)).toBe(40);
    expect(end - o).toBe(34);
    expect(tcpCheck(v, o, end)).toBe(-DROP_TCP_BAD_OFF);
  });

  it('data offset 0..4 is DROP_TCP_BAD_OFF; 5..15 accepted when the bytes are there', () => {
    for (let off = 0; off < 16; off++) {
      const b = new Uint8Array(60);
      b.set(INNER_SYN);
      b[12] = (off << 4) | (b[12]! & 0x0f);
      const { v, o } = place(b);
      expect(tcpCheck(v, o, o + 60)).toBe(off < 5 ? -DROP_TCP_BAD_OFF : off * 4);
      // only 20 bytes present: offsets beyond 5 run past the end
      expect(tcpCheck(v, o, o + 20)).toBe(off === 5 ? 20 : -DROP_TCP_BAD_OFF);
    }
  });

  it('the reserved bits next to the data offset do not change the header length', () => {
    const b = INNER_SYN.slice();
    b[12] = 0x5f;
    const { v, o, end } = place(b);
    expect(tcpCheck(v, o, end)).toBe(20);
    expect(tcpHeaderLen(v, o)).toBe(20);
  });
});

describe('tcp: tcpCsumAddrUpdate (RFC 1624) equals a full recomputation', () => {
  const addr = fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.constantFrom(0, -1, 0x0000ffff, 0xffff0000 | 0));

  it('for random segments and address changes (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), addr, addr, addr, fc.boolean(), (data, src, dst, a, changeSrc) => {
        const len = 20 + data.length;
        const p = blank(len);
        tcpEmit(p.v, p.o, { sport: 1, dport: 2 });
        p.buf.set(data, p.o + 20);
        tcpFillChecksum(p.v, p.o, len, src, dst);
        tcpCsumAddrUpdate(p.v, p.o, changeSrc ? src : dst, a);
        const inc = tcpCsum(p.v, p.o);
        const [s1, d1] = changeSrc ? [a, dst] : [src, a];
        tcpFillChecksum(p.v, p.o, len, s1, d1);
        expect(inc).toBe(tcpCsum(p.v, p.o));
      }),
      { numRuns: 5000 },
    );
  });

  it('RFC 1624 section 3 edge: an update landing on 0x0000 gives 0x0000 (TCP has no 0xFFFF rule)', () => {
    const src = ip('141.142.228.5');
    const a = ip('10.1.1.1');
    // pick the urgent pointer so that the SYN sent from `a` has checksum 0x0000
    const { v, o } = place(SYN);
    tcpSetCsum(v, o, 0);
    v.setUint16(o + 18, 0);
    tcpFillChecksum(v, o, 44, a, SYN_DST);
    v.setUint16(o + 18, tcpCsum(v, o));
    tcpFillChecksum(v, o, 44, a, SYN_DST);
    expect(tcpCsum(v, o)).toBe(0x0000);
    // now send it from `src`, then NAT it to `a`
    tcpFillChecksum(v, o, 44, src, SYN_DST);
    tcpCsumAddrUpdate(v, o, src, a);
    expect(tcpCsum(v, o)).toBe(0x0000);
    expect(tcpChecksumOk(v, o, 44, a, SYN_DST)).toBe(true);
    // and from 0x0000 back
    tcpCsumAddrUpdate(v, o, a, src);
    expect(tcpChecksumOk(v, o, 44, src, SYN_DST)).toBe(true);
  });

  it('real segment: DNAT of the SYN destination', () => {
    const { v, o } = place(SYN);
    const a = ip('10.9.8.7');
    tcpCsumAddrUpdate(v, o, SYN_DST, a);
    expect(tcpChecksumOk(v, o, 44, SYN_SRC, a)).toBe(true);
  });
});
