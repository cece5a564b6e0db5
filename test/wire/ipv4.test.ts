/**
 * IPv4 header (src/wire/ipv4.ts), smoltcp style: deconstruct real headers from the corpus,
 * construct them back byte for byte, check_len, the RFC 791 field rules and the options
 * walk, and the RFC 1624 incremental updates against full recomputation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DROP_IP4_BAD_IHL,
  DROP_IP4_BAD_OPTION,
  DROP_IP4_BAD_TOTAL_LEN,
  DROP_IP4_BAD_VERSION,
  DROP_IP4_HDR_TRUNC,
  DROP_IP4_SHORT,
} from '../../src/stats/drop-reasons.js';
import { csumAdd } from '../../src/wire/checksum.js';
import {
  IP4_MIN_HLEN,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  ip4Check,
  ip4ChecksumOk,
  ip4Csum,
  ip4DecTtlUpdate,
  ip4Df,
  ip4Dst,
  ip4Emit,
  ip4FillChecksum,
  ip4FlagsFrag,
  ip4FragOffset,
  ip4HeaderLen,
  ip4Id,
  ip4Mf,
  ip4OptionsCheck,
  ip4Proto,
  ip4SetCsum,
  ip4SetDst,
  ip4SetDstUpdate,
  ip4SetSrc,
  ip4SetSrcUpdate,
  ip4SetTotalLen,
  ip4Src,
  ip4Tos,
  ip4TotalLen,
  ip4Ttl,
  ip4Version,
} from '../../src/wire/ipv4.js';
import { blank, bytesAt, hex, ip, place, toHex, truncations } from './bytes.js';

const IPPROTO_IGMP = 2;

// zeek_http-vlan-0.pcap frame 1, bytes 18..37: TCP SYN 141.142.228.5 -> 192.150.187.43,
// total length 64, id 0xdf8e, DF, TTL 64, checksum 0x6dd3
const SYN_HDR = hex(`
  45 00 00 40   # version 4, IHL 5, TOS 0, total length 64
  df 8e 40 00   # id 0xdf8e, flags DF, offset 0
  40 06 6d d3   # TTL 64, protocol 6 (TCP), header checksum 0x6dd3
  8d 8e e4 05   # source 141.142.228.5
  c0 96 bb 2b   # destination 192.150.187.43
`);

// pcpp_IPv4Frag.pcap frame 2, bytes 14..33: UDP fragment, MF set, offset 0xb9 (1480 bytes)
const FRAG_HDR = hex(`
  45 00 05 dc   # IHL 5, total length 1500
  9c 89 20 b9   # id 0x9c89, MF, fragment offset 185 (x 8 = 1480)
  40 11 35 7e   # TTL 64, UDP, checksum 0x357e
  c0 a8 00 fe   # 192.168.0.254
  c0 a8 00 02   # 192.168.0.2
`);

// pcpp_ipv4-options.pcap frame 3, bytes 14..37: IGMPv3 query with a Router Alert option
const RA_HDR = hex(`
  46 00 00 24   # IHL 6 (24 bytes), total length 36
  00 00 40 00   # DF
  01 02 fa 48   # TTL 1, protocol 2 (IGMP), checksum 0xfa48
  0a 00 00 8a   # 10.0.0.138
  e0 00 00 01   # 224.0.0.1
  94 04 00 00   # option 148 Router Alert, length 4, value 0
`);

// pcpp_ipv4-options.pcap frame 6, bytes 14..41: ICMP echo with NOP then Strict Source Route
const SSRR_HDR = hex(`
  47 00 00 24   # IHL 7 (28 bytes), total length 36
  33 4c 00 00
  40 01 28 71   # TTL 64, ICMP, checksum 0x2871
  0a 00 00 06   # 10.0.0.6
  0a 00 00 8a   # 10.0.0.138
  01            # NOP
  89 07 04 00 00 00 00  # option 137 SSRR, length 7, pointer 4, one address 0.0.0.0
`);

// pcpp_ipv4-options.pcap frame 1, bytes 14..57: ICMP with a 22-byte CIPSO option, then EOL
const CIPSO_HDR = hex(`
  4b 00 00 6c   # IHL 11 (44 bytes), total length 108
  78 37 00 00
  40 01 75 2d   # TTL 64, ICMP, checksum 0x752d
  7f 00 00 01   # 127.0.0.1
  7f 00 00 01   # 127.0.0.1
  86 16 00 00 00 02 02 10 00 02 00 00 00 02 00 04 00 05 00 06 00 ef  # option 134 CIPSO, length 22
  00 00         # EOL, padding
`);

describe('ipv4: deconstruct', () => {
  it('TCP SYN header (zeek_http-vlan-0 frame 1)', () => {
    const { v, o, end } = place(SYN_HDR);
    expect(ip4Check(v, o, end)).toBe(20);
    expect(ip4Version(v, o)).toBe(4);
    expect(ip4HeaderLen(v, o)).toBe(20);
    expect(ip4Tos(v, o)).toBe(0);
    expect(ip4TotalLen(v, o)).toBe(64);
    expect(ip4Id(v, o)).toBe(0xdf8e);
    expect(ip4FlagsFrag(v, o)).toBe(0x4000);
    expect(ip4Df(v, o)).toBe(1);
    expect(ip4Mf(v, o)).toBe(0);
    expect(ip4FragOffset(v, o)).toBe(0);
    expect(ip4Ttl(v, o)).toBe(64);
    expect(ip4Proto(v, o)).toBe(IPPROTO_TCP);
    expect(ip4Csum(v, o)).toBe(0x6dd3);
    expect(ip4Src(v, o)).toBe(ip('141.142.228.5'));
    expect(ip4Dst(v, o)).toBe(ip('192.150.187.43'));
    expect(ip4Dst(v, o)).toBeLessThan(0); // int32, high bit set
    expect(ip4ChecksumOk(v, o, 20)).toBe(true);
  });

  it('fragment with MF and an offset (pcpp_IPv4Frag frame 2)', () => {
    const { v, o, end } = place(FRAG_HDR);
    expect(ip4Check(v, o, end)).toBe(20);
    expect(ip4TotalLen(v, o)).toBe(1500);
    expect(ip4Id(v, o)).toBe(0x9c89);
    expect(ip4Df(v, o)).toBe(0);
    expect(ip4Mf(v, o)).toBe(1);
    expect(ip4FragOffset(v, o)).toBe(185);
    expect(ip4FragOffset(v, o) * 8).toBe(1480);
    expect(ip4Proto(v, o)).toBe(IPPROTO_UDP);
    expect(ip4Src(v, o)).toBe(ip('192.168.0.254'));
    expect(ip4Dst(v, o)).toBe(ip('192.168.0.2'));
    expect(ip4ChecksumOk(v, o, 20)).toBe(true);
  });

  it('Router Alert option, IHL 6 (pcpp_ipv4-options frame 3)', () => {
    const { v, o, end } = place(RA_HDR);
    expect(ip4Check(v, o, end)).toBe(24);
    expect(ip4HeaderLen(v, o)).toBe(24);
    expect(ip4Ttl(v, o)).toBe(1);
    expect(ip4Proto(v, o)).toBe(IPPROTO_IGMP);
    expect(ip4Dst(v, o)).toBe(ip('224.0.0.1'));
    expect(ip4OptionsCheck(v, o, 24)).toBe(0);
    expect(ip4ChecksumOk(v, o, 24)).toBe(true);
  });

  it('NOP then Strict Source Route, IHL 7 (pcpp_ipv4-options frame 6)', () => {
    const { v, o, end } = place(SSRR_HDR);
    expect(ip4Check(v, o, end)).toBe(28);
    expect(ip4Proto(v, o)).toBe(IPPROTO_ICMP);
    expect(ip4Dst(v, o)).toBe(ip('10.0.0.138')); // the header field, not the route's final hop
    expect(ip4OptionsCheck(v, o, 28)).toBe(0);
    expect(ip4ChecksumOk(v, o, 28)).toBe(true);
  });

  it('CIPSO option then EOL, IHL 11 (pcpp_ipv4-options frame 1)', () => {
    const { v, o, end } = place(CIPSO_HDR);
    expect(ip4Check(v, o, end)).toBe(44);
    expect(ip4TotalLen(v, o)).toBe(108);
    expect(ip4OptionsCheck(v, o, 44)).toBe(0);
    expect(ip4ChecksumOk(v, o, 44)).toBe(true);
  });
});

describe('ipv4: construct', () => {
  it('ip4Emit writes the same bytes, checksum included (TCP SYN header)', () => {
    const p = blank(20);
    const n = ip4Emit(p.v, p.o, { totalLen: 64, id: 0xdf8e, df: true, ttl: 64, proto: IPPROTO_TCP, src: '141.142.228.5', dst: '192.150.187.43' });
    expect(n).toBe(20);
    expect(toHex(bytesAt(p, 20))).toBe(toHex(SYN_HDR));
    expect(p.buf[p.o - 1]).toBe(0xee);
    expect(p.buf[p.o + 20]).toBe(0xee);
  });

  it('ip4Emit writes the same bytes (fragment, int32 addresses)', () => {
    const p = blank(20);
    ip4Emit(p.v, p.o, { totalLen: 1500, id: 0x9c89, mf: true, fragOffset: 185, ttl: 64, proto: IPPROTO_UDP, src: ip('192.168.0.254'), dst: ip('192.168.0.2') });
    expect(toHex(bytesAt(p, 20))).toBe(toHex(FRAG_HDR));
  });

  it('ip4Emit writes the same bytes with options (Router Alert, SSRR, CIPSO)', () => {
    const cases = [
      [RA_HDR, { totalLen: 36, df: true, ttl: 1, proto: IPPROTO_IGMP, src: '10.0.0.138', dst: '224.0.0.1' }],
      [SSRR_HDR, { totalLen: 36, id: 0x334c, ttl: 64, proto: IPPROTO_ICMP, src: '10.0.0.6', dst: '10.0.0.138' }],
      [CIPSO_HDR, { totalLen: 108, id: 0x7837, ttl: 64, proto: IPPROTO_ICMP, src: '127.0.0.1', dst: '127.0.0.1' }],
    ] as const;
    for (const [bytes, f] of cases) {
      const hlen = bytes.length;
      const p = blank(hlen);
      expect(ip4Emit(p.v, p.o, { ...f, options: bytes.subarray(20) })).toBe(hlen);
      expect(toHex(bytesAt(p, hlen))).toBe(toHex(bytes));
    }
  });

  it('ip4Emit with an explicit checksum leaves it as given', () => {
    const p = blank(20);
    ip4Emit(p.v, p.o, { totalLen: 20, proto: 6, src: 1, dst: 2, csum: 0xbeef });
    expect(ip4Csum(p.v, p.o)).toBe(0xbeef);
    expect(ip4ChecksumOk(p.v, p.o, 20)).toBe(false);
  });

  it('emit -> check -> getters round trip (fast-check)', () => {
    const fields = fc.record({
      tos: fc.integer({ min: 0, max: 255 }),
      totalLen: fc.integer({ min: 60, max: 0xffff }),
      id: fc.integer({ min: 0, max: 0xffff }),
      df: fc.boolean(),
      mf: fc.boolean(),
      fragOffset: fc.integer({ min: 0, max: 0x1fff }),
      ttl: fc.integer({ min: 0, max: 255 }),
      proto: fc.integer({ min: 0, max: 255 }),
      src: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
      dst: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
      optWords: fc.integer({ min: 0, max: 10 }),
    });
    fc.assert(
      fc.property(fields, ({ optWords, ...f }) => {
        const options = new Uint8Array(optWords * 4).fill(1); // NOPs
        const hlen = 20 + options.length;
        const p = blank(hlen);
        expect(ip4Emit(p.v, p.o, { ...f, options })).toBe(hlen);
        const { v, o } = p;
        expect(ip4Check(v, o, o + hlen)).toBe(hlen);
        if (hlen > 20) expect(ip4OptionsCheck(v, o, hlen)).toBe(0);
        expect(ip4ChecksumOk(v, o, hlen)).toBe(true);
        expect(ip4Version(v, o)).toBe(4);
        expect(ip4HeaderLen(v, o)).toBe(hlen);
        expect(ip4Tos(v, o)).toBe(f.tos);
        expect(ip4TotalLen(v, o)).toBe(f.totalLen);
        expect(ip4Id(v, o)).toBe(f.id);
        expect(ip4Df(v, o)).toBe(f.df ? 1 : 0);
        expect(ip4Mf(v, o)).toBe(f.mf ? 1 : 0);
        expect(ip4FragOffset(v, o)).toBe(f.fragOffset);
        expect(ip4Ttl(v, o)).toBe(f.ttl);
        expect(ip4Proto(v, o)).toBe(f.proto);
        expect(ip4Src(v, o)).toBe(f.src);
        expect(ip4Dst(v, o)).toBe(f.dst);
        expect(p.buf[o + hlen]).toBe(0xee);
      }),
      { numRuns: 2000 },
    );
  });

  it('setters write the fields that the getters read', () => {
    const { v, o } = place(SYN_HDR);
    ip4SetTotalLen(v, o, 1234);
    ip4SetSrc(v, o, ip('10.1.2.3'));
    ip4SetDst(v, o, ip('250.1.2.3'));
    ip4SetCsum(v, o, 0x1234);
    expect([ip4TotalLen(v, o), ip4Src(v, o), ip4Dst(v, o), ip4Csum(v, o)]).toEqual([1234, ip('10.1.2.3'), ip('250.1.2.3'), 0x1234]);
    ip4FillChecksum(v, o, 20);
    expect(ip4ChecksumOk(v, o, 20)).toBe(true);
  });
});

describe('ipv4: check_len', () => {
  it('every truncation 0..19 of a 20-byte header is DROP_IP4_SHORT', () => {
    const { v, o } = place(SYN_HDR);
    for (const n of truncations(20)) expect(ip4Check(v, o, o + n)).toBe(-DROP_IP4_SHORT);
    expect(ip4Check(v, o, o + 20)).toBe(20);
  });

  it('IHL 6: 0..19 bytes is DROP_IP4_SHORT, 20..23 is DROP_IP4_HDR_TRUNC', () => {
    const { v, o } = place(RA_HDR);
    for (const n of truncations(24)) expect(ip4Check(v, o, o + n)).toBe(n < 20 ? -DROP_IP4_SHORT : -DROP_IP4_HDR_TRUNC);
    expect(ip4Check(v, o, o + 24)).toBe(24);
  });

  it('IHL 11: 20..43 bytes is DROP_IP4_HDR_TRUNC', () => {
    const { v, o } = place(CIPSO_HDR);
    for (const n of truncations(44)) expect(ip4Check(v, o, o + n)).toBe(n < 20 ? -DROP_IP4_SHORT : -DROP_IP4_HDR_TRUNC);
  });

  it('IHL 15 with 20 bytes captured (zeek_trunc_ipv4-internally-truncated-header) is DROP_IP4_HDR_TRUNC', () => {
    // frame 1, bytes 14..33: 0x4f = IHL 15 (60 bytes) but the capture stops after 20
    const b = hex('4f 00 00 72 6d ec 00 00 40 06 bc 7e a3 fd 30 b7 c0 96 bb 2b');
    const { v, o, end } = place(b);
    expect(ip4Check(v, o, end)).toBe(-DROP_IP4_HDR_TRUNC);
    // with the full 60 bytes (zero options = EOL) it would pass
    const full = place(new Uint8Array([...b, ...new Uint8Array(40)]));
    expect(ip4Check(full.v, full.o, full.end)).toBe(60);
    expect(ip4OptionsCheck(full.v, full.o, 60)).toBe(0);
  });

  it('total length is not compared with the capture here (soft, checked by the caller)', () => {
    const { v, o } = place(FRAG_HDR); // total length 1500, 20 bytes captured
    expect(ip4Check(v, o, o + 20)).toBe(20);
  });
});

describe('ipv4: field rules', () => {
  it('version != 4 is DROP_IP4_BAD_VERSION, for every other version nibble', () => {
    for (let ver = 0; ver < 16; ver++) {
      const b = SYN_HDR.slice();
      b[0] = (ver << 4) | 5;
      const { v, o, end } = place(b);
      expect(ip4Check(v, o, end)).toBe(ver === 4 ? 20 : -DROP_IP4_BAD_VERSION);
    }
  });

  it('version 6 in a real capture (tcpdump_bad-ipv4-version-pgm-heapoverflow frame 1) is DROP_IP4_BAD_VERSION', () => {
    // bytes 14..33 of a fuzzed frame with ethertype 0x0800 and first byte 0x65
    const b = hex('65 30 30 30 30 30 00 00 30 71 30 30 30 30 30 30 30 30 30 30');
    const { v, o, end } = place(b);
    expect(ip4Check(v, o, end)).toBe(-DROP_IP4_BAD_VERSION);
  });

  it('IHL 0..4 is DROP_IP4_BAD_IHL (before any truncation verdict)', () => {
    for (let ihl = 0; ihl < 16; ihl++) {
      const b = new Uint8Array(60);
      b.set(SYN_HDR);
      b[0] = 0x40 | ihl;
      const { v, o } = place(b);
      const want = ihl < 5 ? -DROP_IP4_BAD_IHL : ihl * 4;
      expect(ip4Check(v, o, o + 60)).toBe(want);
      // with only 20 bytes: bad IHL still wins over truncation
      expect(ip4Check(v, o, o + 20)).toBe(ihl < 5 ? -DROP_IP4_BAD_IHL : ihl === 5 ? 20 : -DROP_IP4_HDR_TRUNC);
    }
  });

  it('IHL 4 in a real capture (tcpdump_ipv4_invalid_hdr_length frame 1) is DROP_IP4_BAD_IHL', () => {
    const b = hex('44 00 00 54 f1 a6 00 00 40 11 45 94 8c d3 09 ce 2d 21 7f 9c');
    const { v, o, end } = place(b);
    expect(ip4Check(v, o, end)).toBe(-DROP_IP4_BAD_IHL);
  });

  it('version is checked before IHL, IHL before truncation, truncation before total length', () => {
    const b = hex('3f 00 00 00  00 00 00 00  40 06 00 00  01 02 03 04  05 06 07 08');
    let p = place(b);
    expect(ip4Check(p.v, p.o, p.end)).toBe(-DROP_IP4_BAD_VERSION); // version 3, IHL 15, length 0
    b[0] = 0x43;
    p = place(b);
    expect(ip4Check(p.v, p.o, p.end)).toBe(-DROP_IP4_BAD_IHL); // IHL 3, length 0
    b[0] = 0x4f;
    p = place(b);
    expect(ip4Check(p.v, p.o, p.end)).toBe(-DROP_IP4_HDR_TRUNC); // IHL 15, 20 bytes, length 0
  });

  it('total length < header length is DROP_IP4_BAD_TOTAL_LEN; equal is accepted', () => {
    for (const [bytes, hlen] of [
      [SYN_HDR, 20],
      [RA_HDR, 24],
      [CIPSO_HDR, 44],
    ] as const) {
      const { v, o, end } = place(bytes);
      for (let tl = 0; tl < hlen; tl++) {
        ip4SetTotalLen(v, o, tl);
        expect(ip4Check(v, o, end)).toBe(-DROP_IP4_BAD_TOTAL_LEN);
      }
      ip4SetTotalLen(v, o, hlen);
      expect(ip4Check(v, o, end)).toBe(hlen);
      ip4SetTotalLen(v, o, 0xffff);
      expect(ip4Check(v, o, end)).toBe(hlen);
    }
  });

  it('total length 0 in a real capture (zeek_ip-bogus-header-len frame 1) is DROP_IP4_BAD_TOTAL_LEN', () => {
    const b = hex('45 03 00 00 25 2c 00 00 00 01 00 01 76 b5 90 c2 88 ff 73 74');
    const { v, o, end } = place(b);
    expect(ip4Check(v, o, end)).toBe(-DROP_IP4_BAD_TOTAL_LEN);
  });
});

describe('ipv4: options walk (ip4OptionsCheck)', () => {
  /** A header of 20 + opts.length bytes (opts padded by the caller to a multiple of 4). */
  function withOptions(opts: string) {
    const o = hex(opts);
    if (o.length % 4 !== 0) throw new Error('pad the options');
    const p = blank(20 + o.length);
    ip4Emit(p.v, p.o, { totalLen: 20 + o.length, proto: IPPROTO_UDP, src: 1, dst: 2, options: o });
    expect(ip4Check(p.v, p.o, p.end)).toBe(20 + o.length);
    return ip4OptionsCheck(p.v, p.o, 20 + o.length);
  }

  it.each([
    ['EOL only', '00 00 00 00'],
    ['EOL ends the list: garbage after it is not read', '00 44 ff 07'],
    ['EOL after a NOP: a length of 0 behind it is not read', '01 00 00 ff'],
    ['four NOPs', '01 01 01 01'],
    ['NOPs then EOL', '01 01 00 00'],
    ['Router Alert (length 4, fills the word)', '94 04 00 00'],
    ['an option of length 2 (type and length only), then EOL', '88 02 00 00'],
    ['NOP, NOP, Router Alert', '01 01 94 04 00 00 00 00'],
    ['Timestamp filling the 40-byte maximum', '44 28 05 00' + ' 00'.repeat(36)],
    ['NOP then a 39-byte Record Route ending at the last byte', '01 07 27 04' + ' 00'.repeat(36)],
    ['two options back to back', '94 04 00 00 88 04 12 34'],
  ])('accepts: %s', (_, opts) => {
    expect(withOptions(opts)).toBe(0);
  });

  it.each([
    ['length 0', '88 00 00 00'],
    ['length 1', '88 01 00 00'],
    ['length runs past the header by one byte', '94 05 00 00'],
    ['length runs far past the header', '44 ff 00 00'],
    ['an option after NOPs runs past the header', '01 01 94 04'],
    ['type byte is the last byte of the header (no room for its length)', '01 01 01 94'],
    ['second option runs past the header', '94 04 00 00 88 06 00 00'],
    ['length 1 after a valid option', '94 04 00 00 88 01 00 00'],
    ['40 bytes, Timestamp claiming 41', '44 29 05 00' + ' 00'.repeat(36)],
  ])('rejects with DROP_IP4_BAD_OPTION: %s', (_, opts) => {
    expect(withOptions(opts)).toBe(-DROP_IP4_BAD_OPTION);
  });

  it('with IHL 5 there is nothing to walk', () => {
    const { v, o } = place(SYN_HDR);
    expect(ip4OptionsCheck(v, o, 20)).toBe(0);
  });

  it('never reads past the header (fast-check over random option bytes)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }).chain((w) => fc.uint8Array({ minLength: 4 * w, maxLength: 4 * w })), (opts) => {
        // the header is the whole DataView: any read past it throws RangeError
        const b = new Uint8Array(20 + opts.length);
        const v = new DataView(b.buffer);
        ip4Emit(v, 0, { totalLen: b.length, proto: 17, src: 1, dst: 2, options: opts });
        const r = ip4OptionsCheck(v, 0, b.length);
        expect([0, -DROP_IP4_BAD_OPTION]).toContain(r);
        // reference walk
        let p = 20;
        let want = 0;
        while (p < b.length) {
          const t = b[p]!;
          if (t === 0) break;
          if (t === 1) {
            p++;
            continue;
          }
          if (p + 1 >= b.length || b[p + 1]! < 2 || p + b[p + 1]! > b.length) {
            want = -DROP_IP4_BAD_OPTION;
            break;
          }
          p += b[p + 1]!;
        }
        expect(r).toBe(want);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('ipv4: RFC 1624 incremental updates equal a full recomputation', () => {
  /** Random valid header (IHL 5..15 with NOP options) at an odd offset, checksum filled. */
  const header = fc.record({
    words: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 10, maxLength: 10 }),
    optWords: fc.integer({ min: 0, max: 10 }),
    optByte: fc.constantFrom(0, 1, 0xff),
    ttl: fc.integer({ min: 1, max: 255 }),
  });
  function build({ words, optWords, optByte, ttl }: { words: number[]; optWords: number; optByte: number; ttl: number }) {
    const hlen = 20 + 4 * optWords;
    const p = blank(hlen);
    words.forEach((w, i) => p.v.setUint16(p.o + 2 * i, w));
    p.v.setUint8(p.o, 0x40 | (hlen >>> 2));
    p.v.setUint8(p.o + 8, ttl);
    for (let k = 20; k < hlen; k++) p.v.setUint8(p.o + k, optByte);
    ip4FillChecksum(p.v, p.o, hlen);
    return { ...p, hlen };
  }
  /** The checksum a full recomputation gives for the header as it is now. */
  function full(v: DataView, o: number, hlen: number): number {
    const saved = v.getUint16(o + 10);
    v.setUint16(o + 10, 0);
    const c = ~csumAdd(v, o, hlen, 0) & 0xffff;
    v.setUint16(o + 10, saved);
    return c;
  }
  const addr = fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.constantFrom(0, -1, 0x0000ffff, 0xffff0000 | 0, 0x7fffffff, -0x80000000));

  it('ip4SetDstUpdate', () => {
    fc.assert(
      fc.property(header, addr, (h, a) => {
        const { v, o, hlen } = build(h);
        ip4SetDstUpdate(v, o, a);
        expect(ip4Dst(v, o)).toBe(a);
        expect(ip4Csum(v, o)).toBe(full(v, o, hlen));
        expect(ip4ChecksumOk(v, o, hlen)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('ip4SetSrcUpdate', () => {
    fc.assert(
      fc.property(header, addr, (h, a) => {
        const { v, o, hlen } = build(h);
        ip4SetSrcUpdate(v, o, a);
        expect(ip4Src(v, o)).toBe(a);
        expect(ip4Csum(v, o)).toBe(full(v, o, hlen));
        expect(ip4ChecksumOk(v, o, hlen)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('ip4DecTtlUpdate (TTL 1..255), protocol untouched', () => {
    fc.assert(
      fc.property(header, (h) => {
        const { v, o, hlen } = build(h);
        const proto = ip4Proto(v, o);
        ip4DecTtlUpdate(v, o);
        expect(ip4Ttl(v, o)).toBe(h.ttl - 1);
        expect(ip4Proto(v, o)).toBe(proto);
        expect(ip4Csum(v, o)).toBe(full(v, o, hlen));
        expect(ip4ChecksumOk(v, o, hlen)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('a chain of updates stays equal to recomputation', () => {
    fc.assert(
      fc.property(header, fc.array(fc.tuple(fc.constantFrom('src', 'dst', 'ttl'), addr), { maxLength: 20 }), (h, ops) => {
        const { v, o, hlen } = build(h);
        for (const [op, a] of ops) {
          if (op === 'src') ip4SetSrcUpdate(v, o, a);
          else if (op === 'dst') ip4SetDstUpdate(v, o, a);
          else if (ip4Ttl(v, o) > 0) ip4DecTtlUpdate(v, o);
          expect(ip4Csum(v, o)).toBe(full(v, o, hlen));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('real header: TTL 64 -> 63 and a DNAT of the destination (zeek_http-vlan-0 frame 1)', () => {
    const { v, o } = place(SYN_HDR);
    ip4DecTtlUpdate(v, o);
    // 0x6dd3 + 0x0100 (TTL word 0x4006 -> 0x3f06)
    expect(ip4Csum(v, o)).toBe(0x6ed3);
    ip4SetDstUpdate(v, o, ip('10.0.0.1'));
    expect(ip4Csum(v, o)).toBe(full(v, o, 20));
    expect(ip4ChecksumOk(v, o, 20)).toBe(true);
  });

  /**
   * RFC 1624 section 3: the update must produce 0x0000 (what recomputation gives), never
   * 0xffff, when the new header sums to 0xffff; and it must start correctly from a checksum
   * of 0x0000. The ID word is chosen so that the header after the change sums to 0xffff.
   */
  it('RFC 1624 section 3 edge: a result of 0x0000 stays 0x0000, and updating from 0x0000 works', () => {
    for (const [newDst, fn] of [
      [ip('10.0.0.1'), ip4SetDstUpdate],
      [ip('255.255.255.255'), ip4SetDstUpdate],
      [ip('0.0.0.0'), ip4SetSrcUpdate],
      [ip('192.0.2.77'), ip4SetSrcUpdate],
    ] as const) {
      const { v, o } = place(SYN_HDR);
      // 1. choose the ID so that the header with the new address has checksum 0x0000
      const tmp = place(SYN_HDR);
      if (fn === ip4SetDstUpdate) ip4SetDst(tmp.v, tmp.o, newDst);
      else ip4SetSrc(tmp.v, tmp.o, newDst);
      tmp.v.setUint16(tmp.o + 4, 0);
      const c0 = full(tmp.v, tmp.o, 20); // ~sum with ID 0: setting ID = c0 makes the sum 0xffff
      v.setUint16(o + 4, c0);
      ip4FillChecksum(v, o, 20);
      const before = ip4Csum(v, o);
      // 2. the incremental update lands on 0x0000, as recomputation does
      fn(v, o, newDst);
      expect(full(v, o, 20)).toBe(0x0000);
      expect(ip4Csum(v, o)).toBe(0x0000);
      expect(ip4ChecksumOk(v, o, 20)).toBe(true);
      // 3. and from 0x0000 back to the old address gives the old checksum again
      if (fn === ip4SetDstUpdate) ip4SetDstUpdate(v, o, ip('192.150.187.43'));
      else ip4SetSrcUpdate(v, o, ip('141.142.228.5'));
      expect(ip4Csum(v, o)).toBe(before);
    }
  });

  it('RFC 1624 section 3 edge: TTL decrement landing on 0x0000', () => {
    const { v, o } = place(SYN_HDR);
    // header with TTL 63 must sum to 0xffff: pick the ID accordingly, then set TTL 64
    v.setUint8(o + 8, 63);
    v.setUint16(o + 4, 0);
    v.setUint16(o + 4, full(v, o, 20));
    v.setUint8(o + 8, 64);
    ip4FillChecksum(v, o, 20);
    expect(ip4Csum(v, o)).toBe(0xfeff);
    ip4DecTtlUpdate(v, o);
    expect(ip4Ttl(v, o)).toBe(63);
    expect(ip4Csum(v, o)).toBe(0x0000);
    expect(ip4ChecksumOk(v, o, 20)).toBe(true);
  });
});
