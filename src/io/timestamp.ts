/**
 * pcapng timestamps: a 64-bit count of units (Enhanced Packet Block, draft-ietf-opsawg-pcapng
 * section 4.3, stored as two 32-bit halves) whose unit is set by the interface's `if_tsresol`
 * option (section 4.2): MSB 0 -> 10^-v seconds, MSB 1 -> 2^-v seconds, default 10^-6.
 *
 * The batch wants seconds + nanoseconds as two uint32. A nanosecond count since 1970 is about
 * 1.7e18 > 2^53, so doubles cannot hold the 64-bit value exactly, and BigInt would allocate
 * per packet. Instead we do schoolbook long division on the two 32-bit halves, one 16-bit
 * digit at a time: each step divides `r * 2^16 + digit` with r < d, which stays below 2^52 as
 * long as d <= 2^36, so every `Math.floor` and product is exact.
 *
 * - 10^-k, k <= 9: seconds = floor(ts / 10^k), nsec = remainder * 10^(9-k). Exact.
 * - 10^-k, k > 9: divide by 10^(k-9) in steps of at most 10^10 (floor(floor(a/b)/c) ==
 *   floor(a/(bc))) to get whole nanoseconds, then split by 10^9. Exact.
 * - 2^-k, k <= 32: seconds = ts >> k, nsec = floor(frac * 10^9 / 2^k) computed as
 *   floor(frac * 1953125 / 2^(k-9)) (10^9 = 2^9 * 1953125; frac * 1953125 < 2^53). Exact.
 * - 2^-k, k > 32: the bits finer than 2^-32 s (0.23 ns) are dropped first, so nsec may be
 *   1 below the exact floor. No known writer uses such a resolution.
 *
 * Seconds are delivered modulo 2^32 (pcap's own range, until 2106).
 * Results go to `tsOut` (no allocation per call).
 */

/** `if_tsresol` kinds. */
export const TS_DEC = 0; // unit 10^-exp s
export const TS_BIN = 1; // unit 2^-exp s

/** Default `if_tsresol` when the option is absent: 10^-6 (section 4.2). */
export const TSRESOL_DEFAULT = 6;

/** Conversion results: [0] = seconds (or high half), [1] = nanoseconds (or low half). */
export const tsOut = new Float64Array(2);
/**
 * Input of unitsToSecNsec: [0] = high, [1] = low 32 bits of the unit count. Passed through a
 * Float64Array rather than as arguments: a uint32 above 2^30 is not a small integer in V8,
 * and would be boxed in a heap number at every call that is not inlined.
 */
export const tsIn = new Float64Array(2);

const TWO32 = 4294967296;
const POW10: readonly number[] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];
const POW2: readonly number[] = Array.from({ length: 33 }, (_, i) => 2 ** i);

/** Long-division results: [0] quotient high 32 bits, [1] quotient low 32 bits, [2] remainder. */
const DIV = new Float64Array(3);

/** (hi * 2^32 + lo) / d for integer 1 <= d <= 2^36, exactly, into DIV. */
function div64(hi: number, lo: number, d: number): void {
  let v = hi >>> 16;
  const q3 = Math.floor(v / d);
  let r = v - q3 * d;
  v = r * 65536 + (hi & 0xffff);
  const q2 = Math.floor(v / d);
  r = v - q2 * d;
  v = r * 65536 + (lo >>> 16);
  const q1 = Math.floor(v / d);
  r = v - q1 * d;
  v = r * 65536 + (lo & 0xffff);
  const q0 = Math.floor(v / d);
  r = v - q0 * d;
  DIV[0] = q3 * 65536 + q2;
  DIV[1] = q1 * 65536 + q0;
  DIV[2] = r;
}

/** Split `if_tsresol` into kind and exponent. */
export function tsresolKind(tsresol: number): number {
  return tsresol & 0x80 ? TS_BIN : TS_DEC;
}
export function tsresolExp(tsresol: number): number {
  return tsresol & 0x7f;
}

/**
 * Convert a 64-bit count of units (unsigned 32-bit halves in tsIn[0] high, tsIn[1] low) to
 * seconds (mod 2^32) and nanoseconds, into tsOut[0] and tsOut[1].
 */
export function unitsToSecNsec(kind: number, exp: number): void {
  let hi = tsIn[0]!;
  let lo = tsIn[1]!;
  if (kind === TS_DEC) {
    if (exp <= 9) {
      div64(hi, lo, POW10[exp]);
      tsOut[0] = DIV[1];
      tsOut[1] = DIV[2] * POW10[9 - exp];
      return;
    }
    // Finer than 1 ns: reduce to whole nanoseconds first.
    let e = exp - 9;
    while (e > 0 && (hi !== 0 || lo !== 0)) {
      const step = e > 10 ? 10 : e;
      div64(hi, lo, POW10[step]);
      hi = DIV[0];
      lo = DIV[1];
      e -= step;
    }
    div64(hi, lo, 1e9);
    tsOut[0] = DIV[1];
    tsOut[1] = DIV[2];
    return;
  }
  if (exp > 32) {
    // Drop the bits finer than 2^-32 s (see the header comment).
    const s = exp - 32;
    if (s >= 64) {
      hi = 0;
      lo = 0;
    } else if (s >= 32) {
      lo = hi >>> (s - 32);
      hi = 0;
    } else {
      lo = ((hi << (32 - s)) | (lo >>> s)) >>> 0;
      hi = hi >>> s;
    }
    exp = 32;
  }
  let sec: number;
  let frac: number;
  if (exp === 0) {
    sec = lo;
    frac = 0;
  } else if (exp === 32) {
    sec = hi;
    frac = lo;
  } else {
    sec = ((hi << (32 - exp)) | (lo >>> exp)) >>> 0;
    frac = (lo & (0xffffffff >>> (32 - exp))) >>> 0;
  }
  tsOut[0] = sec;
  tsOut[1] = exp >= 9 ? Math.floor((frac * 1953125) / POW2[exp - 9]) : frac * 1953125 * POW2[9 - exp];
}

/**
 * Seconds + nanoseconds to a 64-bit nanosecond count, as tsOut[0] = high 32 bits,
 * tsOut[1] = low 32 bits (for writing an EPB with if_tsresol 9). Exact: the seconds are split
 * into 16-bit halves so that every partial product stays below 2^53.
 */
export function secNsecToNs64(sec: number, nsec: number): void {
  const a = Math.floor(sec / 65536); // sec = a * 2^16 + b
  const b = sec - a * 65536;
  const low = b * 1e9 + nsec; // < 2^47
  const big = a * 1e9; // < 2^46, weighs 2^16
  const bigHi = Math.floor(big / 65536); // big * 2^16 = bigHi * 2^32 + bigLo * 2^16
  const bigLo = big - bigHi * 65536;
  const lowHi = Math.floor(low / TWO32);
  const sumLo = bigLo * 65536 + (low - lowHi * TWO32); // < 2^33
  const carry = Math.floor(sumLo / TWO32);
  tsOut[0] = bigHi + lowHi + carry;
  tsOut[1] = sumLo - carry * TWO32;
}
