import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isPrime,
  MAGLEV_SIZE,
  maglevBuild,
  maglevBuildRef,
  maglevDelta,
  maglevOffsetSkip,
  maglevPermutation,
  type MaglevBackend,
} from '../../src/lb/maglev.js';

function backendsFor(n: number, weight: (i: number) => number = () => 1, size = MAGLEV_SIZE): MaglevBackend[] {
  return Array.from({ length: n }, (_, i) => ({ id: i, weight: weight(i), ...maglevOffsetSkip(`10.0.${i >> 8}.${i & 255}:gw-${i}`, size) }));
}

function counts(table: Int32Array, n: number): Int32Array {
  const c = new Int32Array(n);
  for (const id of table) c[id]++;
  return c;
}

describe('isPrime', () => {
  it('knows small and table-sized primes', () => {
    for (const p of [2, 3, 5, 7, 13, 65521, 65537, 655373]) expect(isPrime(p)).toBe(true);
    for (const q of [-7, 0, 1, 4, 9, 65535, 65536, 65539 * 3, 7.5, NaN]) expect(isPrime(q)).toBe(false);
  });
});

describe('Maglev paper, Table 1 (M = 7)', () => {
  // B0: offset 3, skip 4; B1: offset 0, skip 2; B2: offset 3, skip 1.
  const B0 = { id: 0, offset: 3, skip: 4, weight: 1 };
  const B1 = { id: 1, offset: 0, skip: 2, weight: 1 };
  const B2 = { id: 2, offset: 3, skip: 1, weight: 1 };

  it('permutation tables', () => {
    expect(Array.from(maglevPermutation(3, 4, 7))).toEqual([3, 0, 4, 1, 5, 2, 6]);
    expect(Array.from(maglevPermutation(0, 2, 7))).toEqual([0, 2, 4, 6, 1, 3, 5]);
    expect(Array.from(maglevPermutation(3, 1, 7))).toEqual([3, 4, 5, 6, 0, 1, 2]);
  });

  it('lookup table before and after B1 is removed', () => {
    expect(Array.from(maglevBuild([B0, B1, B2], 7))).toEqual([1, 0, 1, 0, 2, 2, 0]); // B1 B0 B1 B0 B2 B2 B0
    // The paper's "after" row is B0 B0 B0 B0 B2 B2 B2: slots 0 and 2 (B1's) move, and so
    // does slot 6 (B0 -> B2), the one disruption the paper points out. (Following
    // Pseudocode 1 by hand gives the same: B2 claims 4, 5, 6 before B0 reaches 6.)
    expect(Array.from(maglevBuild([B0, B2], 7))).toEqual([0, 0, 0, 0, 2, 2, 2]);
    expect(Array.from(maglevBuildRef([B0, B2], 7))).toEqual([0, 0, 0, 0, 2, 2, 2]);
  });
});

describe('maglevBuild', () => {
  it('gives every backend M/N slots within 1% (N = 100 and N = 600, M = 65537)', () => {
    for (const n of [100, 600]) {
      const c = counts(maglevBuild(backendsFor(n)), n);
      const share = MAGLEV_SIZE / n;
      for (const x of c) expect(Math.abs(x - share) / share).toBeLessThanOrEqual(0.01);
    }
  });

  it('honours weights 1:2:3:4 within 1% of 10/20/30/40%', () => {
    const c = counts(maglevBuild(backendsFor(4, (i) => i + 1)), 4);
    [0.1, 0.2, 0.3, 0.4].forEach((want, i) => {
      expect(Math.abs(c[i] / MAGLEV_SIZE - want) / want).toBeLessThanOrEqual(0.01);
    });
  });

  it('honours weights across many backends (half at weight 3, half at weight 1)', () => {
    const n = 200;
    const c = counts(maglevBuild(backendsFor(n, (i) => (i % 2 === 0 ? 3 : 1))), n);
    const unit = MAGLEV_SIZE / ((n / 2) * 4);
    for (let i = 0; i < n; i++) {
      const want = (i % 2 === 0 ? 3 : 1) * unit;
      expect(Math.abs(c[i] - want) / want).toBeLessThanOrEqual(0.02);
    }
  });

  it('equal weights are the paper algorithm, and scaling all weights changes nothing', () => {
    const base = maglevBuild(backendsFor(50));
    expect(maglevBuild(backendsFor(50, () => 7))).toEqual(base);
    expect(maglevBuild(backendsFor(20, (i) => (i % 4) + 1))).toEqual(maglevBuild(backendsFor(20, (i) => 5 * ((i % 4) + 1))));
  });

  it('weight 0 takes no slots; no backends or all weight 0 fills with -1', () => {
    const b = backendsFor(5, (i) => (i === 2 ? 0 : 1));
    const c = counts(maglevBuild(b), 5);
    expect(c[2]).toBe(0);
    expect(maglevBuild([], 13).every((x) => x === -1)).toBe(true);
    expect(maglevBuild(backendsFor(3, () => 0, 13), 13).every((x) => x === -1)).toBe(true);
  });

  it('removing one backend moves its slots and under 1% of the others', () => {
    const n = 100;
    const all = backendsFor(n);
    const before = maglevBuild(all);
    let worst = 0;
    for (const victim of [0, 17, 50, 99]) {
      const after = maglevBuild(all.filter((b) => b.id !== victim));
      let others = 0;
      let moved = 0;
      for (let s = 0; s < MAGLEV_SIZE; s++) {
        if (before[s] === victim) {
          expect(after[s]).not.toBe(victim);
          continue;
        }
        others++;
        if (after[s] !== before[s]) moved++;
      }
      worst = Math.max(worst, moved / others);
      expect(maglevDelta(before, after).length).toBe(moved + (MAGLEV_SIZE - others));
    }
    expect(worst).toBeLessThan(0.01); // measured: about 0.6% for N = 100
  });

  it('writes into `out` and validates its size', () => {
    const out = new Int32Array(13).fill(99);
    const b = backendsFor(3, () => 1, 13);
    expect(maglevBuild(b, 13, out)).toBe(out);
    expect(out).toEqual(maglevBuildRef(b, 13));
    expect(() => maglevBuild(b, 13, new Int32Array(11))).toThrow(RangeError);
  });

  it('rejects a non-prime size and bad backends', () => {
    expect(() => maglevBuild([], 65536)).toThrow(/not prime/);
    expect(() => maglevOffsetSkip('x', 100)).toThrow(/not prime/);
    const ok = { id: 0, offset: 0, skip: 1, weight: 1 };
    expect(() => maglevBuild([{ ...ok, offset: 7 }], 7)).toThrow(RangeError);
    expect(() => maglevBuild([{ ...ok, skip: 0 }], 7)).toThrow(RangeError);
    expect(() => maglevBuild([{ ...ok, skip: 7 }], 7)).toThrow(RangeError);
    expect(() => maglevBuild([{ ...ok, id: -1 }], 7)).toThrow(RangeError);
    expect(() => maglevBuild([{ ...ok, weight: -1 }], 7)).toThrow(RangeError);
    expect(() => maglevBuild([{ ...ok, weight: 1.5 }], 7)).toThrow(RangeError);
  });

  it('equals the naive reference builder on random configurations', () => {
    const primes = [2, 3, 7, 11, 13, 31, 101, 251, 1021];
    const config = fc
      .constantFrom(...primes)
      .chain((size) =>
        fc.tuple(
          fc.constant(size),
          fc.array(
            fc.record({
              offset: fc.integer({ min: 0, max: size - 1 }),
              skip: fc.integer({ min: 1, max: Math.max(1, size - 1) }),
              weight: fc.integer({ min: 0, max: 6 }),
            }),
            { maxLength: 12 },
          ),
        ),
      )
      .filter(([size, bs]) => bs.every((b) => b.skip < size));
    fc.assert(
      fc.property(config, ([size, bs]) => {
        const backends = bs.map((b, i) => ({ id: i * 3 + 1, ...b }));
        expect(maglevBuild(backends, size)).toEqual(maglevBuildRef(backends, size));
      }),
      { numRuns: 300 },
    );
  });
});

describe('maglevOffsetSkip', () => {
  it('is deterministic and in range', () => {
    const a = maglevOffsetSkip('gw-1');
    expect(maglevOffsetSkip('gw-1')).toEqual(a);
    for (let i = 0; i < 1000; i++) {
      const { offset, skip } = maglevOffsetSkip(`gw-${i}`, 7);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(7);
      expect(skip).toBeGreaterThanOrEqual(1);
      expect(skip).toBeLessThan(7);
    }
  });

  it('spreads similar keys (offsets and skips of 1000 keys nearly all distinct)', () => {
    const offsets = new Set<number>();
    const skips = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const { offset, skip } = maglevOffsetSkip(`gw-${i}`);
      offsets.add(offset);
      skips.add(skip);
    }
    // Birthday bound: about 1000^2 / (2 * 65537) = 7.6 expected collisions.
    expect(offsets.size).toBeGreaterThan(975);
    expect(skips.size).toBeGreaterThan(975);
  });
});

describe('maglevDelta', () => {
  it('lists the changed slots', () => {
    expect(Array.from(maglevDelta(new Int32Array([1, 0, 1, 0, 2, 2, 0]), new Int32Array([0, 0, 0, 0, 2, 2, 2])))).toEqual([0, 2, 6]);
    expect(() => maglevDelta(new Int32Array(3), new Int32Array(4))).toThrow(RangeError);
  });
});
