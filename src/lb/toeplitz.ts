/**
 * Toeplitz hash, as specified for Receive Side Scaling (Microsoft, "RSS hashing
 * functions" / "Verifying the RSS hash calculation", Windows driver docs).
 *
 * For every bit of the input, most significant bit of the first byte first, that is
 * set: result ^= the left-most 32 bits of the key, where the key is shifted left by
 * one bit per input bit. The IPv4 input is the source address, the destination
 * address, then (with ports) the source port and the destination port, all in network
 * byte order: 8 or 12 bytes. A 40-byte key covers inputs of up to 36 bytes.
 *
 * Because the hash is linear over GF(2), the contribution of one input byte depends
 * only on its position and value: `toeplitzPrepare` computes a 12 x 256 table of
 * int32 contributions (12 KiB), and `toeplitzHash` is 8 or 12 loads and xors.
 *
 * A key with a 16-bit period (0x6d5a repeated, Woo & Park, "Scalable TCP Session
 * Monitoring with Symmetric Receive-side Scaling", 2012) makes the hash symmetric:
 * swapping (src, dst) and (sport, dport) leaves it unchanged.
 */

/** The default key from the Microsoft RSS verification suite (40 bytes). */
export const RSS_KEY_MICROSOFT: Uint8Array = hexBytes(
  '6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa',
);

/** The symmetric key: 0x6d5a repeated 20 times (40 bytes). */
export const RSS_KEY_SYMMETRIC: Uint8Array = hexBytes('6d5a'.repeat(20));

/** Input bytes covered by the table: IPv4 src (4) + dst (4) + sport (2) + dport (2). */
const TABLE_BYTES = 12;

/**
 * Precompute the per-(byte position, byte value) contributions for IPv4 (+ ports).
 * Control plane only; throws if the key is shorter than 16 bytes (12 + 4).
 */
export function toeplitzPrepare(keyBytes: Uint8Array): Int32Array {
  if (keyBytes.length < TABLE_BYTES + 4) throw new RangeError('toeplitz: key must be at least 16 bytes');
  const t = new Int32Array(TABLE_BYTES * 256);
  for (let pos = 0; pos < TABLE_BYTES; pos++) {
    // w[b]: the 32 key bits that line up with bit b (0 = MSB) of this input byte.
    const w = new Int32Array(8);
    for (let b = 0; b < 8; b++) w[b] = keyWindow(keyBytes, pos * 8 + b);
    for (let v = 0; v < 256; v++) {
      let h = 0;
      for (let b = 0; b < 8; b++) if (v & (0x80 >>> b)) h ^= w[b];
      t[pos * 256 + v] = h;
    }
  }
  return t;
}

/**
 * Toeplitz hash of an IPv4 flow from a `toeplitzPrepare` table. `ports` is
 * sport << 16 | dport; it is ignored unless `withPorts`. Returns an int32 (print it
 * with `>>> 0`).
 */
export function toeplitzHash(table: Int32Array, src: number, dst: number, ports: number, withPorts: boolean): number {
  let h =
    table[src >>> 24] ^
    table[256 + ((src >>> 16) & 255)] ^
    table[512 + ((src >>> 8) & 255)] ^
    table[768 + (src & 255)] ^
    table[1024 + (dst >>> 24)] ^
    table[1280 + ((dst >>> 16) & 255)] ^
    table[1536 + ((dst >>> 8) & 255)] ^
    table[1792 + (dst & 255)];
  if (withPorts) {
    h ^=
      table[2048 + (ports >>> 24)] ^
      table[2304 + ((ports >>> 16) & 255)] ^
      table[2560 + ((ports >>> 8) & 255)] ^
      table[2816 + (ports & 255)];
  }
  return h;
}

/**
 * Slow bit-by-bit reference, literally the specification's loop, for differential
 * tests. Works for any input length up to keyBytes.length - 4. Returns an int32.
 */
export function toeplitzHashRef(keyBytes: Uint8Array, inputBytes: Uint8Array): number {
  if (inputBytes.length + 4 > keyBytes.length) throw new RangeError('toeplitz: key too short for input');
  let result = 0;
  // The left-most 32 bits of the (shifting) key.
  let k = (keyBytes[0] << 24) | (keyBytes[1] << 16) | (keyBytes[2] << 8) | keyBytes[3];
  for (let i = 0; i < inputBytes.length; i++) {
    for (let b = 7; b >= 0; b--) {
      if (inputBytes[i] & (1 << b)) result ^= k;
      // Shift the key left one bit, pulling in the next key bit.
      const next = 32 + i * 8 + (7 - b);
      k = (k << 1) | ((keyBytes[next >>> 3] >>> (7 - (next & 7))) & 1);
    }
  }
  return result | 0;
}

/** The RSS input bytes for an IPv4 flow (8 bytes, or 12 with ports). Control plane/tests. */
export function rssInputIPv4(src: number, dst: number, ports: number, withPorts: boolean): Uint8Array {
  const b = new Uint8Array(withPorts ? 12 : 8);
  const words = [src, dst, ports];
  for (let i = 0; i < b.length; i++) b[i] = (words[i >>> 2] >>> (24 - 8 * (i & 3))) & 255;
  return b;
}

/** 32 key bits starting at bit offset `bit` (bit 0 = MSB of byte 0). */
function keyWindow(key: Uint8Array, bit: number): number {
  let w = 0;
  for (let j = 0; j < 32; j++) {
    const n = bit + j;
    w = (w << 1) | ((key[n >>> 3] >>> (7 - (n & 7))) & 1);
  }
  return w;
}

function hexBytes(hex: string): Uint8Array {
  const b = new Uint8Array(hex.length >>> 1);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return b;
}
