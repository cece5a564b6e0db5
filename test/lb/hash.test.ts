import { describe, expect, it } from 'vitest';
import {
  flowHash,
  flowHashSymmetric,
  halfSipHashRef,
  makeHashKey,
  RSS_KEY_MICROSOFT,
  RSS_KEY_SYMMETRIC,
  rssInputIPv4,
  toeplitzHash,
  toeplitzHashRef,
  toeplitzPrepare,
} from '../../src/lb/hash.js';

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) | 0;
  };
}

function ip(s: string): number {
  const p = s.split('.').map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) | 0;
}

/** LE bytes of the 4 words, the message `flowHash` hashes. */
function le(words: number[]): Uint8Array {
  const b = new Uint8Array(words.length * 4);
  words.forEach((w, i) => {
    for (let j = 0; j < 4; j++) b[i * 4 + j] = (w >>> (8 * j)) & 255;
  });
  return b;
}

describe('Toeplitz (RSS)', () => {
  // Microsoft "Verifying the RSS Hash Calculation", IPv4 table: source, destination,
  // hash over the addresses only, hash with the TCP ports.
  const vectors: [string, number, string, number, number, number][] = [
    ['66.9.149.187', 2794, '161.142.100.80', 1766, 0x323e8fc2, 0x51ccc178],
    ['199.92.111.2', 14230, '65.69.140.83', 4739, 0xd718262a, 0xc626b0ea],
    ['24.19.198.95', 12898, '12.22.207.184', 38024, 0xd2d0a5de, 0x5c2b394a],
    ['38.27.205.30', 48228, '209.142.163.6', 2217, 0x82989176, 0xafc7327f],
    ['153.39.163.191', 44251, '202.188.127.2', 1303, 0x5d1809c5, 0x10e828a2],
  ];
  const table = toeplitzPrepare(RSS_KEY_MICROSOFT);

  it.each(vectors)('%s:%i -> %s:%i', (s, sp, d, dp, h4, h4p) => {
    const src = ip(s);
    const dst = ip(d);
    const ports = (sp << 16) | dp;
    expect(toeplitzHash(table, src, dst, ports, false) >>> 0).toBe(h4);
    expect(toeplitzHash(table, src, dst, ports, true) >>> 0).toBe(h4p);
    expect(toeplitzHashRef(RSS_KEY_MICROSOFT, rssInputIPv4(src, dst, ports, false)) >>> 0).toBe(h4);
    expect(toeplitzHashRef(RSS_KEY_MICROSOFT, rssInputIPv4(src, dst, ports, true)) >>> 0).toBe(h4p);
  });

  it('table version equals the bit-by-bit reference on 10k random inputs', () => {
    const r = rng(1);
    const randKey = new Uint8Array(40).map(() => r() & 255);
    for (const key of [RSS_KEY_MICROSOFT, RSS_KEY_SYMMETRIC, randKey]) {
      const t = toeplitzPrepare(key);
      for (let i = 0; i < 10000; i++) {
        const src = r(), dst = r(), ports = r();
        const withPorts = (i & 1) === 1;
        expect(toeplitzHash(t, src, dst, ports, withPorts)).toBe(toeplitzHashRef(key, rssInputIPv4(src, dst, ports, withPorts)));
      }
    }
  });

  it('the symmetric key hashes both directions alike', () => {
    const t = toeplitzPrepare(RSS_KEY_SYMMETRIC);
    const r = rng(2);
    for (let i = 0; i < 10000; i++) {
      const src = r(), dst = r(), ports = r();
      const rev = (ports << 16) | (ports >>> 16);
      expect(toeplitzHash(t, dst, src, rev, true)).toBe(toeplitzHash(t, src, dst, ports, true));
      expect(toeplitzHash(t, dst, src, rev, false)).toBe(toeplitzHash(t, src, dst, ports, false));
    }
  });

  it('the Microsoft key is not symmetric', () => {
    const [s, sp, d, dp] = vectors[0];
    const a = toeplitzHash(table, ip(s), ip(d), (sp << 16) | dp, true);
    const b = toeplitzHash(table, ip(d), ip(s), (dp << 16) | sp, true);
    expect(a).not.toBe(b);
  });

  it('rejects short keys', () => {
    expect(() => toeplitzPrepare(new Uint8Array(15))).toThrow(RangeError);
    expect(() => toeplitzHashRef(new Uint8Array(15), new Uint8Array(12))).toThrow(RangeError);
  });
});

describe('HalfSipHash reference', () => {
  // vectors_hsip32 from github.com/veorq/SipHash vectors.h: HalfSipHash-2-4, 32-bit tag,
  // key = bytes 00..07, message = bytes 00..len-1.
  const published: [number, number[]][] = [
    [0, [0xa9, 0x35, 0x9f, 0x5b]],
    [1, [0x27, 0x47, 0x5a, 0xb8]],
    [3, [0x8a, 0xfe, 0xe7, 0x04]],
    [4, [0x2a, 0x6e, 0x46, 0x89]],
    [7, [0x8b, 0xcf, 0x63, 0xc5]],
    [8, [0xd0, 0xb8, 0x84, 0x8f]],
    [15, [0x74, 0xfe, 0x2b, 0x97]],
    [16, [0xd9, 0xb5, 0xac, 0x84]],
    [63, [0x59, 0xea, 0x4a, 0x74]],
  ];
  const k0 = 0x03020100, k1 = 0x07060504;

  it.each(published)('HalfSipHash-2-4 matches the published vector for %i bytes', (len, tag) => {
    const msg = new Uint8Array(len).map((_, i) => i);
    const expected = (tag[0] | (tag[1] << 8) | (tag[2] << 16) | (tag[3] << 24)) | 0;
    expect(halfSipHashRef([k0, k1, k0, k1], msg, 2, 4)).toBe(expected);
  });
});

describe('flowHash', () => {
  const key = makeHashKey('test');

  it('is HalfSipHash-1-3 over the 4 words (64-bit key form and 128-bit key form)', () => {
    const r = rng(3);
    for (let i = 0; i < 2000; i++) {
      const k = [r(), r(), r(), r()];
      const k64 = new Int32Array([k[0], k[1], k[0], k[1]]);
      const w = [r(), r(), r(), r() & 0xffff];
      expect(flowHash(k64, w[0], w[1], w[2], w[3])).toBe(halfSipHashRef(k64, le(w), 1, 3));
      expect(flowHash(new Int32Array(k), w[0], w[1], w[2], w[3])).toBe(halfSipHashRef(k, le(w), 1, 3));
    }
  });

  it('returns an int32 and accepts Uint32Array or Int32Array keys alike', () => {
    const h = flowHash(key, ip('10.0.0.1'), ip('10.0.0.2'), (1234 << 16) | 80, 6);
    expect(h | 0).toBe(h);
    expect(flowHash(new Int32Array(key.buffer), ip('10.0.0.1'), ip('10.0.0.2'), (1234 << 16) | 80, 6)).toBe(h);
  });

  it('differs for most reversed pairs; the symmetric variant never does', () => {
    const r = rng(4);
    let same = 0;
    const n = 10000;
    for (let i = 0; i < n; i++) {
      const src = r(), dst = r(), ports = r(), proto = r() & 255;
      const rev = (ports << 16) | (ports >>> 16);
      if (flowHash(key, src, dst, ports, proto) === flowHash(key, dst, src, rev, proto)) same++;
      expect(flowHashSymmetric(key, dst, src, rev, proto)).toBe(flowHashSymmetric(key, src, dst, ports, proto));
    }
    expect(same).toBeLessThan(5);
  });

  it('symmetric: same address both sides orders the ports; distinct port swaps stay distinct', () => {
    const a = ip('192.0.2.1'), b = ip('198.51.100.7');
    expect(flowHashSymmetric(key, a, a, (80 << 16) | 5000, 17)).toBe(flowHashSymmetric(key, a, a, (5000 << 16) | 80, 17));
    // A:80 -> B:5000 is not the same flow as A:5000 -> B:80.
    expect(flowHashSymmetric(key, a, b, (80 << 16) | 5000, 17)).not.toBe(flowHashSymmetric(key, a, b, (5000 << 16) | 80, 17));
  });

  it('different keys give different hashes', () => {
    const k2 = makeHashKey('other');
    const r = rng(5);
    let same = 0;
    for (let i = 0; i < 10000; i++) {
      const src = r(), dst = r(), ports = r();
      if (flowHash(key, src, dst, ports, 6) === flowHash(k2, src, dst, ports, 6)) same++;
    }
    expect(same).toBeLessThan(5);
  });

  it('one-bit input changes flip about half the output bits', () => {
    const r = rng(6);
    let bits = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const w = [r(), r(), r(), r()];
      const h = flowHash(key, w[0], w[1], w[2], w[3]);
      const j = i & 3;
      w[j] ^= 1 << (i % 32);
      let x = h ^ flowHash(key, w[0], w[1], w[2], w[3]);
      for (; x !== 0; x &= x - 1) bits++;
    }
    expect(bits / n).toBeGreaterThan(15);
    expect(bits / n).toBeLessThan(17);
  });

  /** Pearson chi-square statistic of `n` samples over `k` buckets. */
  function chiSquare(counts: Int32Array, n: number): number {
    const e = n / counts.length;
    let x = 0;
    for (const c of counts) x += ((c - e) * (c - e)) / e;
    return x;
  }

  it('spreads structured flows uniformly (chi-square over 256 buckets, low bits and mod 65537)', () => {
    // Worst-case-looking input: one client, one server, consecutive source ports and
    // consecutive clients, as in a NAT pool or a port scan.
    const k = 256;
    const low = new Int32Array(k);
    const high = new Int32Array(k);
    const ring = new Int32Array(k);
    let n = 0;
    const server = ip('203.0.113.10');
    for (let c = 0; c < 64; c++) {
      const client = ip('10.1.0.0') + c;
      for (let sp = 1024; sp < 1024 + 1024; sp++) {
        const h = flowHash(key, client, server, (sp << 16) | 443, 6);
        low[h & 255]++;
        high[h >>> 24]++;
        ring[((h >>> 0) % 65537) & 255]++;
        n++;
      }
    }
    // 255 degrees of freedom: mean 255, sd ~22.6; 400 is more than 6 sd out.
    for (const counts of [low, high, ring]) {
      const x = chiSquare(counts, n);
      expect(x).toBeLessThan(400);
      expect(x).toBeGreaterThan(150); // suspiciously perfect would also be wrong
    }
  });
});

describe('makeHashKey', () => {
  it('is reproducible from a seed, and a number seed equals its string', () => {
    expect(Array.from(makeHashKey(7))).toEqual(Array.from(makeHashKey('7')));
    expect(Array.from(makeHashKey('run-1'))).toEqual(Array.from(makeHashKey('run-1')));
    expect(Array.from(makeHashKey('run-1'))).not.toEqual(Array.from(makeHashKey('run-2')));
    expect(makeHashKey(1)).toHaveLength(4);
  });

  it('is random without a seed', () => {
    const a = makeHashKey();
    const b = makeHashKey();
    expect(a).toHaveLength(4);
    expect(Array.from(a)).not.toEqual(Array.from(b));
  });
});
