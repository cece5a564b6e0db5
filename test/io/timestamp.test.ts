/**
 * pcapng timestamp arithmetic without BigInt, checked against BigInt.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TS_BIN, TS_DEC, secNsecToNs64, tsIn, tsOut, unitsToSecNsec } from '../../src/io/timestamp.js';

/** Reference: seconds mod 2^32 and floor(fraction * 1e9), in BigInt. */
function reference(ts: bigint, kind: number, exp: number): [number, number] {
  const unit = kind === TS_DEC ? 10n ** BigInt(exp) : 1n << BigInt(exp);
  return [Number((ts / unit) & 0xffffffffn), Number(((ts % unit) * 1_000_000_000n) / unit)];
}

function convert(ts: bigint, kind: number, exp: number): [number, number] {
  tsIn[0] = Number(ts >> 32n);
  tsIn[1] = Number(ts & 0xffffffffn);
  unitsToSecNsec(kind, exp);
  return [tsOut[0]!, tsOut[1]!];
}

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

describe('unitsToSecNsec', () => {
  it('is exact for every decimal resolution 10^0 .. 10^-127', () => {
    fc.assert(fc.property(u64, fc.integer({ min: 0, max: 127 }), (ts, exp) => {
      expect(convert(ts, TS_DEC, exp)).toEqual(reference(ts, TS_DEC, exp));
    }), { numRuns: 5000 });
  });

  it('is exact for binary resolutions 2^0 .. 2^-32', () => {
    fc.assert(fc.property(u64, fc.integer({ min: 0, max: 32 }), (ts, exp) => {
      expect(convert(ts, TS_BIN, exp)).toEqual(reference(ts, TS_BIN, exp));
    }), { numRuns: 5000 });
  });

  it('is within 1 ns below the exact value for 2^-33 .. 2^-127', () => {
    fc.assert(fc.property(u64, fc.integer({ min: 33, max: 127 }), (ts, exp) => {
      const [sec, nsec] = convert(ts, TS_BIN, exp);
      const [rs, rn] = reference(ts, TS_BIN, exp);
      expect(sec).toBe(rs);
      expect(rn - nsec).toBeGreaterThanOrEqual(0);
      expect(rn - nsec).toBeLessThanOrEqual(1);
    }), { numRuns: 3000 });
  });

  it('handles the edges: 0, all ones, a nanosecond clock of today', () => {
    for (const ts of [0n, 1n, (1n << 64n) - 1n, 1_700_000_000_123_456_789n, (1n << 53n) + 1n]) {
      for (const [kind, exp] of [[TS_DEC, 0], [TS_DEC, 6], [TS_DEC, 9], [TS_DEC, 12], [TS_DEC, 19], [TS_DEC, 20],
        [TS_DEC, 127], [TS_BIN, 0], [TS_BIN, 10], [TS_BIN, 20], [TS_BIN, 31], [TS_BIN, 32]] as const) {
        expect(convert(ts, kind, exp), `${ts} ${kind} ${exp}`).toEqual(reference(ts, kind, exp));
      }
    }
    expect(convert(1_700_000_000_123_456_789n, TS_DEC, 9)).toEqual([1_700_000_000, 123_456_789]);
  });
});

describe('secNsecToNs64', () => {
  it('is exact over the whole uint32 seconds range', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 999_999_999 }), (sec, nsec) => {
      secNsecToNs64(sec, nsec);
      const want = BigInt(sec) * 1_000_000_000n + BigInt(nsec);
      expect(BigInt(tsOut[0]!) * 4294967296n + BigInt(tsOut[1]!)).toBe(want);
      expect(tsOut[1]!).toBeLessThan(4294967296);
      // and back
      expect(convert(want, TS_DEC, 9)).toEqual([sec, nsec]);
    }), { numRuns: 5000 });
    secNsecToNs64(0xffffffff, 999_999_999);
    expect(BigInt(tsOut[0]!) * 4294967296n + BigInt(tsOut[1]!)).toBe(0xffffffffn * 1_000_000_000n + 999_999_999n);
  });
});
