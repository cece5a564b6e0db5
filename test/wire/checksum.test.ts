/**
 * The Internet checksum (src/wire/checksum.ts): RFC 1071 full computation, differential
 * against the slow reference (checksum-ref.ts), and RFC 1624 incremental updates.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  csumAdd,
  csumCompute,
  csumFold,
  csumPseudo,
  csumReplace16,
  csumReplace32,
} from '../../src/wire/checksum.js';
import { csumRef } from '../../src/wire/checksum-ref.js';
import { hex, place, rng } from './bytes.js';

describe('RFC 1071 worked example (section 3)', () => {
  // RFC 1071 3: "bytes 00 01 f2 03 f4 f5 f6 f7" -> one's complement sum ddf2 (checksum 220d)
  const BYTES = hex('00 01 f2 03 f4 f5 f6 f7');

  it('sums to 0xddf2 and the checksum is its complement 0x220d', () => {
    for (const pre of [0, 1, 2, 3, 7]) {
      const p = place(BYTES, pre);
      expect(csumAdd(p.v, p.o, 8, 0)).toBe(0xddf2);
      expect(csumCompute(p.v, p.o, 8, 0)).toBe(0x220d);
    }
    expect(csumRef(BYTES)).toBe(0x220d);
  });

  it('is independent of byte order in the sense of RFC 1071 1.2(B): swapped input gives the swapped sum', () => {
    const swapped = hex('01 00 03 f2 f5 f4 f7 f6');
    const p = place(swapped);
    expect(csumAdd(p.v, p.o, 8, 0)).toBe(0xf2dd);
  });

  it('appending the checksum makes the whole sum 0xffff (the receiver check)', () => {
    const p = place(hex('00 01 f2 03 f4 f5 f6 f7 22 0d'));
    expect(csumAdd(p.v, p.o, 10, 0)).toBe(0xffff);
  });

  it('pads an odd trailing byte with zero on the right', () => {
    const p = place(hex('00 01 f2'));
    // 0x0001 + 0xf200
    expect(csumAdd(p.v, p.o, 3, 0)).toBe(0xf201);
    expect(csumRef(hex('00 01 f2'))).toBe(~0xf201 & 0xffff);
  });

  it('of nothing is the initial sum', () => {
    const p = place(new Uint8Array(0));
    expect(csumAdd(p.v, p.o, 0, 0)).toBe(0);
    expect(csumCompute(p.v, p.o, 0, 0)).toBe(0xffff);
    expect(csumAdd(p.v, p.o, 0, 0x1234)).toBe(0x1234);
    expect(csumRef(new Uint8Array(0))).toBe(0xffff);
  });
});

describe('csumFold', () => {
  it.each([
    [0, 0],
    [0xffff, 0xffff],
    [0x10000, 1],
    [0x1fffe, 0xffff],
    [0x2fffd, 0xffff], // two carries
    [0xffffffff, 0xffff],
    [0x12345678, 0x68ac],
  ])('folds %i to %i', (s, want) => {
    expect(csumFold(s)).toBe(want);
  });
});

describe('csumAdd / csumCompute against csumRef (differential)', () => {
  // Two pools: uniform bytes, and bytes biased to 0xff/0x00 (long runs of carries).
  const POOL = 1 << 16;
  const r = rng(0x1071);
  const uniform = new Uint8Array(POOL);
  const biased = new Uint8Array(POOL);
  for (let i = 0; i < POOL; i++) {
    uniform[i] = r() & 255;
    const q = r() % 10;
    biased[i] = q < 7 ? 0xff : q < 8 ? 0x00 : r() & 255;
  }
  const vu = new DataView(uniform.buffer);
  const vb = new DataView(biased.buffer);

  it('agree on 100k random buffers of length 0..1500 at random (odd and even) offsets', () => {
    const g = rng(20240601);
    let odd = 0;
    let oddLen = 0;
    let bad = '';
    for (let n = 0; n < 100_000 && bad === ''; n++) {
      const useBiased = (g() & 3) === 0;
      const pool = useBiased ? biased : uniform;
      const v = useBiased ? vb : vu;
      const len = g() % 1501;
      const o = g() % (POOL - len + 1);
      const init = (g() & 7) === 0 ? 0 : g() & 0xffff;
      if (o & 1) odd++;
      if (len & 1) oddLen++;
      const want = csumRef(pool.subarray(o, o + len), init);
      const got = csumCompute(v, o, len, init);
      const sum = csumAdd(v, o, len, init);
      if (got !== want || sum !== (~want & 0xffff)) bad = `n=${n} o=${o} len=${len} init=${init}: ${got} vs ${want}`;
    }
    expect(bad).toBe('');
    // the sample did cover odd offsets and odd lengths
    expect(odd).toBeGreaterThan(40_000);
    expect(oddLen).toBeGreaterThan(40_000);
  });

  it('agree on every length 0..64 at every offset 0..7 (all tail shapes of the 32-bit loop)', () => {
    for (let o = 0; o < 8; o++) {
      for (let len = 0; len <= 64; len++) {
        for (const [pool, v] of [
          [uniform, vu],
          [biased, vb],
        ] as const) {
          expect(csumCompute(v, o + 1000, len, 0)).toBe(csumRef(pool.subarray(o + 1000, o + 1000 + len)));
        }
      }
    }
  });

  it('never read past o + len (a DataView of exactly len bytes, any over-read throws)', () => {
    for (let len = 0; len <= 9; len++) {
      const b = uniform.slice(0, len);
      expect(csumCompute(new DataView(b.buffer), 0, len, 0)).toBe(csumRef(b));
      if (len >= 1) expect(csumCompute(new DataView(b.buffer), 1, len - 1, 0)).toBe(csumRef(b.subarray(1)));
    }
  });

  it('agree beyond the in-loop fold threshold (64 KiB of 0xff, and a whole 64 KiB pool)', () => {
    // 0x3fffffff / 0x1fffe ~ 8192 words of 0xffff: the loop must fold at least once here
    const ff = new Uint8Array(65535).fill(0xff);
    const v = new DataView(ff.buffer);
    expect(csumCompute(v, 0, 65535, 0)).toBe(csumRef(ff));
    expect(csumAdd(v, 0, 65534, 0)).toBe(0xffff); // 32767 words of 0xffff: -0
    expect(csumAdd(v, 0, 65535, 0)).toBe(0xff00); // ... plus the odd byte padded to 0xff00
    expect(csumCompute(vu, 0, POOL, 0)).toBe(csumRef(uniform));
    expect(csumCompute(vb, 1, POOL - 1, 0xfedc)).toBe(csumRef(biased.subarray(1), 0xfedc));
  });

  it('take an unfolded 32-bit partial sum as the initial value (carries are not dropped)', () => {
    const b = hex('12 34 56 78');
    const p = place(b);
    for (const init of [0x10000, 0x1fffe, 0x12345678, 0xffffffff, 0x7fffffff]) {
      expect(csumCompute(p.v, p.o, 4, init)).toBe(csumRef(b, init));
    }
  });
});

describe('csumPseudo (RFC 768 / RFC 793 pseudo-header)', () => {
  it('is the folded sum of src, dst, zero+proto and length as 16-bit words', () => {
    const b = hex('c0 01 02 fe  c0 01 02 17  00 11  00 09'); // 192.1.2.254 -> 192.1.2.23, UDP, length 9
    const p = place(b);
    expect(csumPseudo(0xc00102fe | 0, 0xc0010217 | 0, 17, 9)).toBe(csumAdd(p.v, p.o, 12, 0));
  });

  it('equals the byte-wise sum of the 12-byte pseudo-header for random addresses', () => {
    fc.assert(
      fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffff }), (s, d, pr, len) => {
        const b = new Uint8Array(12);
        const v = new DataView(b.buffer);
        v.setInt32(0, s);
        v.setInt32(4, d);
        v.setUint8(9, pr);
        v.setUint16(10, len);
        expect(csumPseudo(s, d, pr, len)).toBe(~csumRef(b) & 0xffff);
      }),
    );
  });
});

describe('RFC 1624 incremental update (eqn. 3)', () => {
  it('section 3 example: m 0x5555 -> 0x3285 with the other words summing to 0xcd7a gives 0x0000, not 0xffff', () => {
    // HC = ~(0xcd7a + 0x5555) = ~(0x122cf folded = 0x22d0) = 0xdd2f
    const other = 0xcd7a;
    const hc = ~csumFold(other + 0x5555) & 0xffff;
    expect(hc).toBe(0xdd2f);
    // recomputation: ~(0xcd7a + 0x3285) = ~0xffff = 0x0000
    expect(~csumFold(other + 0x3285) & 0xffff).toBe(0x0000);
    // eqn. 3: ~(~HC + ~m + m') = ~(0x22d0 + 0xaaaa + 0x3285) = 0x0000
    expect(csumReplace16(hc, 0x5555, 0x3285)).toBe(0x0000);
    // (eqn. 2 of RFC 1141, HC - ~m - m', gives 0xffff here: the bug RFC 1624 fixes)
  });

  it('starting from a checksum of 0x0000 (~HC = 0xffff) still updates correctly', () => {
    // other words sum to 0xcd7a, m = 0x3285: HC = 0x0000; m -> 0x5555 must give back 0xdd2f
    expect(csumReplace16(0x0000, 0x3285, 0x5555)).toBe(0xdd2f);
  });

  it('a no-op replacement keeps every checksum value that a sender can produce (0x0000..0xfffe)', () => {
    for (let hc = 0; hc < 0xffff; hc++) {
      if (csumReplace16(hc, 0xabcd, 0xabcd) !== hc) throw new Error(`hc ${hc}`);
    }
    expect(csumReplace32(0x1234, 0x0a000001, 0x0a000001)).toBe(0x1234);
    expect(csumReplace32(0x0000, -1, -1)).toBe(0x0000);
  });

  /**
   * Random even-length data with a checksum word at `c`; word (or 32-bit field) at `k`
   * changes. The incremental result equals the recomputation exactly whenever the data
   * (other than the checksum) has a non-zero word before and after; in the all-zero case
   * RFC 1624 allows +0/-0 (0x0000 vs 0xffff), and both then verify.
   */
  const data = fc
    .integer({ min: 4, max: 40 })
    .chain((words) =>
      fc.record({
        words: fc.array(fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0, 0xffff)), { minLength: words, maxLength: words }),
        c: fc.integer({ min: 0, max: words - 1 }),
        k: fc.integer({ min: 0, max: words - 2 }),
        nw: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 0xffffffff, 0x0000ffff, 0xffff0000)),
      }),
    )
    .filter(({ c, k }) => c !== k && c !== k + 1);

  function build(words: number[], c: number): DataView {
    const b = new Uint8Array(words.length * 2);
    const v = new DataView(b.buffer);
    words.forEach((w, i) => v.setUint16(2 * i, w));
    v.setUint16(2 * c, 0);
    v.setUint16(2 * c, ~csumAdd(v, 0, b.length, 0) & 0xffff);
    return v;
  }
  const allZeroBut = (v: DataView, c: number) => {
    for (let i = 0; i < v.byteLength; i += 2) if (i !== 2 * c && v.getUint16(i) !== 0) return false;
    return true;
  };

  it('csumReplace16 equals a full recomputation (fast-check)', () => {
    fc.assert(
      fc.property(data, ({ words, c, k, nw }) => {
        const v = build(words, c);
        const degenerate = allZeroBut(v, c);
        const m = v.getUint16(2 * k);
        const m1 = nw & 0xffff;
        const inc = csumReplace16(v.getUint16(2 * c), m, m1);
        v.setUint16(2 * k, m1);
        const degenerate1 = allZeroBut(v, c);
        v.setUint16(2 * c, 0);
        const full = ~csumAdd(v, 0, v.byteLength, 0) & 0xffff;
        if (degenerate1) {
          expect(full).toBe(0xffff);
          expect([0x0000, 0xffff]).toContain(inc);
          return;
        }
        if (!degenerate) expect(inc).toBe(full);
        v.setUint16(2 * c, inc);
        expect(csumAdd(v, 0, v.byteLength, 0)).toBe(0xffff);
      }),
      { numRuns: 5000 },
    );
  });

  it('csumReplace32 equals a full recomputation (fast-check)', () => {
    fc.assert(
      fc.property(data, ({ words, c, k, nw }) => {
        const v = build(words, c);
        const degenerate = allZeroBut(v, c);
        const m = v.getInt32(2 * k);
        const m1 = nw | 0;
        const inc = csumReplace32(v.getUint16(2 * c), m, m1);
        v.setInt32(2 * k, m1);
        const degenerate1 = allZeroBut(v, c);
        v.setUint16(2 * c, 0);
        const full = ~csumAdd(v, 0, v.byteLength, 0) & 0xffff;
        if (degenerate1) {
          expect(full).toBe(0xffff);
          expect([0x0000, 0xffff]).toContain(inc);
          return;
        }
        if (!degenerate) expect(inc).toBe(full);
        v.setUint16(2 * c, inc);
        expect(csumAdd(v, 0, v.byteLength, 0)).toBe(0xffff);
      }),
      { numRuns: 5000 },
    );
  });

  it('csumReplace32 takes addresses as int32 or as uint32 alike', () => {
    expect(csumReplace32(0x1234, 0xc0a80001 | 0, 0x0a000001)).toBe(csumReplace32(0x1234, 0xc0a80001, 0x0a000001));
    expect(csumReplace32(0x1234, 0x0a000001, 0xffffffff | 0)).toBe(csumReplace32(0x1234, 0x0a000001, 0xffffffff));
  });

  it('the all-zero edge: when the covered data becomes all zero, eqn. 3 gives 0x0000 where recomputation gives 0xffff', () => {
    // covered data = one word m plus the checksum; m 0x1234 -> 0x0000. Recomputation:
    // ~(sum of nothing) = 0xffff. Eqn. 3: ~(~HC + ~m + m') = ~(0x1234 + 0xedcb + 0) = 0x0000.
    // Both are one's complement zero; this case cannot arise for IPv4/UDP/TCP, whose covered
    // data always has a non-zero word (version nibble, pseudo-header protocol).
    const hc = ~0x1234 & 0xffff;
    expect(csumReplace16(hc, 0x1234, 0)).toBe(0x0000);
    expect(~csumFold(0) & 0xffff).toBe(0xffff);
  });
});
