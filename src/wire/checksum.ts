/**
 * The Internet checksum: RFC 1071 (full computation) and RFC 1624 (incremental update).
 *
 * RFC 1071: the one's complement of the one's complement sum of the 16-bit words; an odd
 * trailing byte is padded with a zero byte on the right. Sums are accumulated in an int and
 * folded ("end-around carry") before they can pass 2^31.
 *
 * RFC 1624 eqn. 3: when a 16-bit word m of the covered data becomes m',
 *     HC' = ~(~HC + ~m + m')
 * which, unlike eqn. 2 of RFC 1141, never produces the 0x0000 / 0xFFFF ambiguity wrongly.
 * A 32-bit field (an IPv4 address) is two such words.
 *
 * The slow reference used by the differential tests is in `checksum-ref.ts`.
 */

/** Fold a 32-bit-ish sum into 16 bits with end-around carries (not complemented). */
export function csumFold(sum: number): number {
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return sum & 0xffff;
}

/**
 * Add the 16-bit big-endian words of v[o .. o+len) to `sum` (a partial sum of up to 32 bits,
 * folded or not) and return the folded, uncomplemented 16-bit sum. Reads 32 bits at a time.
 */
export function csumAdd(v: DataView, o: number, len: number, sum: number): number {
  // fold, not `& 0xffff`: masking an unfolded partial sum would drop its carries
  let s = csumFold(sum);
  let i = o;
  const end4 = o + (len & ~3);
  while (i < end4) {
    const w = v.getUint32(i);
    s += (w >>> 16) + (w & 0xffff);
    i += 4;
    // at most 2 x 0xffff added per step: fold before 2^31
    if (s > 0x3fffffff) s = (s & 0xffff) + (s >>> 16);
  }
  if (len & 2) {
    s += v.getUint16(i);
    i += 2;
  }
  if (len & 1) s += v.getUint8(i) << 8;
  return csumFold(s);
}

/**
 * The folded, uncomplemented RFC 1071 sum of a 20-byte IPv4 header given as its five 32-bit
 * words (as read once by the dissector): 0xFFFF when the header checksum is good.
 */
export function csumFold5(w0: number, w1: number, w2: number, w3: number, w4: number): number {
  return csumFold(
    (w0 >>> 16) + (w0 & 0xffff) + (w1 >>> 16) + (w1 & 0xffff) + (w2 >>> 16) + (w2 & 0xffff) + (w3 >>> 16) + (w3 & 0xffff) + (w4 >>> 16) + (w4 & 0xffff),
  );
}

/** The checksum (complemented) of v[o .. o+len) with an initial partial sum. */
export function csumCompute(v: DataView, o: number, len: number, sum: number): number {
  return ~csumAdd(v, o, len, sum) & 0xffff;
}

/** Partial sum of the IPv4 pseudo-header (RFC 768, RFC 793): src, dst, zero, proto, length. */
export function csumPseudo(src: number, dst: number, proto: number, len: number): number {
  return csumFold((src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + len);
}

/** RFC 1624 eqn. 3 for one 16-bit word: returns the new checksum field value. */
export function csumReplace16(hc: number, m: number, m1: number): number {
  return ~csumFold((~hc & 0xffff) + (~m & 0xffff) + (m1 & 0xffff)) & 0xffff;
}

/** RFC 1624 eqn. 3 for a 32-bit field (two words): the new checksum field value. */
export function csumReplace32(hc: number, m: number, m1: number): number {
  const s = (~hc & 0xffff) + (~m >>> 16 & 0xffff) + (~m & 0xffff) + (m1 >>> 16) + (m1 & 0xffff);
  return ~csumFold(s) & 0xffff;
}
