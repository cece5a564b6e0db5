/**
 * GRE (src/wire/gre.ts): RFC 2784 with the RFC 2890 key and sequence extensions, and NVGRE
 * (RFC 7637). Real headers from the corpus, all eight C/K/S layouts, check_len, the version
 * and flag rules, the checksum, and the NVGRE key split.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DROP_GRE_BAD_FLAGS, DROP_GRE_BAD_VERSION, DROP_GRE_SHORT } from '../../src/stats/drop-reasons.js';
import { ETHERTYPE_IP4, ETHERTYPE_TEB } from '../../src/wire/ethernet.js';
import {
  GRE_F_CSUM,
  GRE_F_KEY,
  GRE_F_ROUTING,
  GRE_F_SEQ,
  GRE_F_SSR,
  GRE_MIN_HLEN,
  greCheck,
  greChecksumOk,
  greEmit,
  greFillChecksum,
  greFlags,
  greHeaderLen,
  greKey,
  greKeyOffset,
  greProto,
  greSeq,
  greSeqOffset,
  greSetKey,
  nvgreFlowId,
  nvgreVsid,
} from '../../src/wire/gre.js';
import { blank, bytesAt, hex, place, toHex, truncations } from './bytes.js';

// zeek_tunnels_gre-sample.pcap frame 1, bytes 34..37: plain GRE carrying IPv4
const PLAIN = hex('00 00 08 00');

// pcpp_GrePackets.pcapng frame 7, bytes 34..41: NVGRE: K set, protocol 0x6558 (TEB),
// key 0x0000fde8 = VSID 0x0000fd, FlowID 0xe8
const NVGRE = hex(`
  20 00 65 58   # K, version 0, Transparent Ethernet Bridging
  00 00 fd e8   # key: VSID 253, FlowID 232
`);

// tcpdump_erspan-type-ii-1.pcap frame 1, bytes 34..41: S set, ERSPAN (0x88be), sequence 171
const SEQ_ONLY = hex('10 00 88 be  00 00 00 ab');

// tcpdump_various_gre.pcap frame 12, bytes 38..45: K set, protocol 0 (keepalive), key 0x28
const KEY_KEEPALIVE = hex('20 00 00 00  00 00 00 28');

// pcpp_GrePackets.pcapng frame 2, bytes 34..45: PPTP "enhanced GRE" (RFC 2637): K, A,
// version 1, protocol 0x880b (PPP), payload length 6, call ID 0, ack 0x1a
const PPTP = hex('20 81 88 0b  00 06 00 00  00 00 00 1a');

// tcpdump_gre-heapoverflow-2.pcap frame 2, bytes 34..47: fuzzed, flags 0xc030: C and R (routing)
const ROUTING = hex('c0 30 30 30 30 30 30 30 30 30 30 30 30 30');

// Hand-made (RFC 2784 / 2890 layout): C, K and S all set, IPv4, checksum over header +
// 4-byte payload, key 0xdeadbeef, sequence 0x01020304
const CKS = hex(`
  b0 00 08 00   # C K S, version 0, IPv4
  61 47 00 00   # checksum (RFC 1071 over header and payload), reserved1
  de ad be ef   # key
  01 02 03 04   # sequence number
  45 00 00 14   # payload (first word of an IPv4 header)
`);

describe('gre: deconstruct', () => {
  it('plain GRE (zeek_tunnels_gre-sample frame 1)', () => {
    const { v, o, end } = place(PLAIN);
    expect(greCheck(v, o, end)).toBe(4);
    expect(greFlags(v, o)).toBe(0);
    expect(greProto(v, o)).toBe(ETHERTYPE_IP4);
    expect(greHeaderLen(greFlags(v, o))).toBe(GRE_MIN_HLEN);
  });

  it('NVGRE, K set (pcpp_GrePackets frame 7)', () => {
    const { v, o, end } = place(NVGRE);
    expect(greCheck(v, o, end)).toBe(8);
    expect(greFlags(v, o)).toBe(GRE_F_KEY);
    expect(greProto(v, o)).toBe(ETHERTYPE_TEB);
    expect(greKey(v, o)).toBe(0x0000fde8);
    expect(nvgreVsid(greKey(v, o))).toBe(0xfd);
    expect(nvgreFlowId(greKey(v, o))).toBe(0xe8);
  });

  it('S set (tcpdump_erspan-type-ii-1 frame 1)', () => {
    const { v, o, end } = place(SEQ_ONLY);
    expect(greCheck(v, o, end)).toBe(8);
    expect(greFlags(v, o)).toBe(GRE_F_SEQ);
    expect(greProto(v, o)).toBe(0x88be);
    expect(greSeq(v, o)).toBe(171);
  });

  it('K set, protocol 0 keepalive (tcpdump_various_gre frame 12)', () => {
    const { v, o, end } = place(KEY_KEEPALIVE);
    expect(greCheck(v, o, end)).toBe(8);
    expect(greProto(v, o)).toBe(0);
    expect(greKey(v, o)).toBe(0x28);
  });

  it('C, K and S (hand-made): offsets, fields and checksum', () => {
    const { v, o, end } = place(CKS);
    expect(greCheck(v, o, end)).toBe(16);
    expect(greFlags(v, o)).toBe(GRE_F_CSUM | GRE_F_KEY | GRE_F_SEQ);
    expect(greKey(v, o)).toBe(0xdeadbeef | 0); // int32
    expect(greSeq(v, o)).toBe(0x01020304);
    expect(greChecksumOk(v, o, 20)).toBe(true);
    v.setUint8(o + 19, 0x15);
    expect(greChecksumOk(v, o, 20)).toBe(false);
  });
});

describe('gre: construct', () => {
  it('greEmit writes the same bytes as the captures', () => {
    const cases = [
      [PLAIN, { proto: ETHERTYPE_IP4 }],
      [NVGRE, { proto: ETHERTYPE_TEB, key: 0x0000fde8 }],
      [SEQ_ONLY, { proto: 0x88be, seq: 171 }],
      [KEY_KEEPALIVE, { proto: 0, key: 0x28 }],
    ] as const;
    for (const [bytes, f] of cases) {
      const p = blank(bytes.length);
      expect(greEmit(p.v, p.o, f)).toBe(bytes.length);
      expect(toHex(bytesAt(p, bytes.length))).toBe(toHex(bytes));
      expect(p.buf[p.o - 1]).toBe(0xee);
      expect(p.buf[p.o + bytes.length]).toBe(0xee);
    }
  });

  it('greEmit + greFillChecksum writes the hand-made C/K/S header', () => {
    const p = blank(20);
    expect(greEmit(p.v, p.o, { proto: ETHERTYPE_IP4, csum: true, key: 0xdeadbeef, seq: 0x01020304 })).toBe(16);
    p.buf.set(CKS.subarray(16), p.o + 16);
    greFillChecksum(p.v, p.o, 20);
    expect(toHex(bytesAt(p, 20))).toBe(toHex(CKS));
  });

  it('greEmit with a version writes it (for crafting invalid headers)', () => {
    const p = blank(12);
    greEmit(p.v, p.o, { proto: 0x880b, key: 0x0006_0000, seq: 0, version: 1 });
    expect(greCheck(p.v, p.o, p.end)).toBe(-DROP_GRE_BAD_VERSION);
  });
});

describe('gre: the eight C/K/S combinations', () => {
  const combos = [0, 1, 2, 3, 4, 5, 6, 7].map((bits) => ({ c: (bits & 4) !== 0, k: (bits & 2) !== 0, s: (bits & 1) !== 0 }));

  it.each(combos)('C=$c K=$k S=$s: length, key/seq offsets, emit layout, check_len', ({ c, k, s }) => {
    const flags = (c ? GRE_F_CSUM : 0) | (k ? GRE_F_KEY : 0) | (s ? GRE_F_SEQ : 0);
    const hlen = 4 + 4 * (Number(c) + Number(k) + Number(s));
    const keyOff = 4 + (c ? 4 : 0);
    const seqOff = 4 + (c ? 4 : 0) + (k ? 4 : 0);
    expect(greHeaderLen(flags)).toBe(hlen);
    expect(greKeyOffset(flags)).toBe(keyOff);
    expect(greSeqOffset(flags)).toBe(seqOff);
    // the offsets depend on C, K, S only (not on version, reserved0, or each field's own flag)
    expect(greHeaderLen(flags | 0x0ff8)).toBe(hlen);
    expect(greKeyOffset(flags | GRE_F_KEY | GRE_F_SEQ)).toBe(keyOff);
    expect(greSeqOffset(flags | GRE_F_SEQ)).toBe(seqOff);

    const KEY = 0x89abcdef;
    const SEQ = 0xfedcba98;
    const p = blank(hlen + 4);
    const n = greEmit(p.v, p.o, { proto: ETHERTYPE_TEB, csum: c, key: k ? KEY : undefined, seq: s ? SEQ : undefined });
    expect(n).toBe(hlen);
    // expected layout, field by field (RFC 2784 section 2.1, RFC 2890 section 2)
    const want = [((flags >>> 8) & 0xff).toString(16).padStart(2, '0'), '00', '65', '58'];
    if (c) want.push('00', '00', '00', '00');
    if (k) want.push('89', 'ab', 'cd', 'ef');
    if (s) want.push('fe', 'dc', 'ba', '98');
    expect(toHex(bytesAt(p, hlen))).toBe(want.join(' '));
    expect(greCheck(p.v, p.o, p.o + hlen)).toBe(hlen);
    expect(greFlags(p.v, p.o)).toBe(flags);
    if (k) expect(greKey(p.v, p.o)).toBe(KEY | 0);
    if (s) expect(greSeq(p.v, p.o)).toBe(SEQ);
    if (k) {
      greSetKey(p.v, p.o, 0x01020304);
      expect(p.v.getUint32(p.o + keyOff)).toBe(0x01020304);
      if (s) expect(greSeq(p.v, p.o)).toBe(SEQ); // the neighbour is untouched
    }
    if (c) {
      greFillChecksum(p.v, p.o, hlen + 4);
      expect(greChecksumOk(p.v, p.o, hlen + 4)).toBe(true);
      if (k) expect(greKey(p.v, p.o)).toBe(0x01020304); // the checksum went to offset 4
    }
    // check_len: every truncation of this header is DROP_GRE_SHORT
    for (const len of truncations(hlen)) expect(greCheck(p.v, p.o, p.o + len)).toBe(-DROP_GRE_SHORT);
  });

  it('K and S set (NVGRE with sequence) truncated anywhere is DROP_GRE_SHORT', () => {
    const b = hex('30 00 65 58  00 00 fd e8  00 00 00 07');
    const { v, o } = place(b);
    expect(greCheck(v, o, o + 12)).toBe(12);
    for (const n of truncations(12)) expect(greCheck(v, o, o + n)).toBe(-DROP_GRE_SHORT);
  });
});

describe('gre: version and flag rules', () => {
  it('version 1..7 is DROP_GRE_BAD_VERSION (RFC 2784: MUST be zero)', () => {
    for (let ver = 0; ver < 8; ver++) {
      const b = NVGRE.slice();
      b[1] = ver;
      const { v, o, end } = place(b);
      expect(greCheck(v, o, end)).toBe(ver === 0 ? 8 : -DROP_GRE_BAD_VERSION);
    }
  });

  it('PPTP enhanced GRE, version 1 (pcpp_GrePackets frame 2) is DROP_GRE_BAD_VERSION', () => {
    const { v, o, end } = place(PPTP);
    expect(greFlags(v, o) & 7).toBe(1);
    expect(greCheck(v, o, end)).toBe(-DROP_GRE_BAD_VERSION);
  });

  it('the routing bit is DROP_GRE_BAD_FLAGS (real fuzzed header: C and R set)', () => {
    const { v, o, end } = place(ROUTING);
    expect(greFlags(v, o) & GRE_F_ROUTING).toBe(GRE_F_ROUTING);
    expect(greCheck(v, o, end)).toBe(-DROP_GRE_BAD_FLAGS);
  });

  it.each([
    ['R (routing, RFC 1701)', GRE_F_ROUTING],
    ['s (strict source route, RFC 1701)', GRE_F_SSR],
    ['recursion control (bit 5)', 0x0400],
  ])('%s set is DROP_GRE_BAD_FLAGS, with or without C/K/S', (_, bit) => {
    for (const base of [0, GRE_F_CSUM, GRE_F_KEY, GRE_F_SEQ, GRE_F_CSUM | GRE_F_KEY | GRE_F_SEQ]) {
      const p = blank(16);
      p.v.setUint16(p.o, base | bit);
      p.v.setUint16(p.o + 2, ETHERTYPE_IP4);
      expect(greCheck(p.v, p.o, p.end)).toBe(-DROP_GRE_BAD_FLAGS);
    }
  });

  it('reserved0 bits 6-12 are ignored on receipt (RFC 2784: "MUST be ignored")', () => {
    for (let bit = 0x0008; bit <= 0x0200; bit <<= 1) {
      const p = blank(8);
      p.v.setUint16(p.o, GRE_F_KEY | bit);
      p.v.setUint16(p.o + 2, ETHERTYPE_TEB);
      expect(greCheck(p.v, p.o, p.end)).toBe(8);
    }
  });

  it('a bad version is reported even when the header is also cut short; a short header before flags', () => {
    const p = blank(16);
    p.v.setUint16(p.o, GRE_F_CSUM | GRE_F_KEY | GRE_F_SEQ | 1);
    expect(greCheck(p.v, p.o, p.o + 8)).toBe(-DROP_GRE_BAD_VERSION);
    p.v.setUint16(p.o, GRE_F_ROUTING);
    expect(greCheck(p.v, p.o, p.o + 3)).toBe(-DROP_GRE_SHORT);
  });
});

describe('gre: NVGRE key = VSID << 8 | FlowID (RFC 7637 section 3.2)', () => {
  it('round trip through greEmit / greKey for every VSID and FlowID range (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffff }), fc.integer({ min: 0, max: 0xff }), (vsid, flow) => {
        const key = (vsid << 8) | flow;
        const p = blank(8);
        greEmit(p.v, p.o, { proto: ETHERTYPE_TEB, key });
        expect(greCheck(p.v, p.o, p.end)).toBe(8);
        expect(p.v.getUint8(p.o + 4)).toBe(vsid >>> 16);
        expect(p.v.getUint8(p.o + 7)).toBe(flow);
        expect(nvgreVsid(greKey(p.v, p.o))).toBe(vsid);
        expect(nvgreFlowId(greKey(p.v, p.o))).toBe(flow);
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    [0xffffff, 0xff, 'ff ff ff ff'],
    [0x800000, 0x00, '80 00 00 00'],
    [0x000001, 0x80, '00 00 01 80'],
    [0x000fd, 0xe8, '00 00 fd e8'],
  ])('VSID %i FlowID %i -> key bytes %s', (vsid, flow, bytes) => {
    const p = blank(8);
    greEmit(p.v, p.o, { proto: ETHERTYPE_TEB, key: (vsid << 8) | flow });
    expect(toHex(bytesAt(p, 8).subarray(4))).toBe(bytes);
    expect(nvgreVsid(greKey(p.v, p.o))).toBe(vsid);
    expect(nvgreFlowId(greKey(p.v, p.o))).toBe(flow);
  });
});
