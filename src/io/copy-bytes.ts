/**
 * Copy bytes between two different Buffers without allocating.
 *
 * `Buffer.prototype.copy` of part of a buffer allocates a Uint8Array view of the source
 * range on every call in Node 20 (lib/buffer.js `_copyActual`), and so does
 * `target.set(source.subarray(...))`. For the common small packet we move 8 bytes at a time
 * through long-lived DataViews instead (unaligned access is fine for a DataView), which is
 * also faster than `copy` below about SMALL_COPY bytes; a larger record goes through
 * `Buffer.copy`, whose one short-lived view is cheaper than moving that many bytes in JS.
 * Measured on Node 20 (2 cores, noisy): 60 B 20 ns vs 94 ns for copy; 1500 B 717 ns vs 60 ns.
 */

/** At or below this many bytes, copy in JS (no allocation); above it, Buffer.copy. */
export const SMALL_COPY = 128;

/** Copy `n` bytes from `src[s]` to `dst[d]`; `srcDv` / `dstDv` are DataViews over the same bytes. */
export function copyBytes(
  src: Buffer, srcDv: DataView, s: number, dst: Buffer, dstDv: DataView, d: number, n: number,
): void {
  if (n > SMALL_COPY) {
    src.copy(dst, d, s, s + n);
    return;
  }
  let k = 0;
  for (; k + 8 <= n; k += 8) {
    dstDv.setInt32(d + k, srcDv.getInt32(s + k, true), true);
    dstDv.setInt32(d + k + 4, srcDv.getInt32(s + k + 4, true), true);
  }
  for (; k < n; k++) dst[d + k] = src[s + k]!;
}
