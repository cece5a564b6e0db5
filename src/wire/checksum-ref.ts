/**
 * Slow, obviously-correct reference of the RFC 1071 checksum, kept on purpose for the
 * differential tests (gVisor keeps `ChecksumOld` for the same reason). Byte at a time,
 * no folding tricks: sum 16-bit words in a JS number (exact up to 2^53), fold at the end.
 */
export function csumRef(bytes: Uint8Array, initial = 0): number {
  let s = initial;
  for (let i = 0; i < bytes.length; i += 2) {
    const hi = bytes[i]!;
    const lo = i + 1 < bytes.length ? bytes[i + 1]! : 0;
    s += hi * 256 + lo;
  }
  while (s > 0xffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}
