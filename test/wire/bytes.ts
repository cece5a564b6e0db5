/**
 * Helpers shared by the per-header tests of test/wire (smoltcp's `PACKET_BYTES` style):
 * inline hex with comments, placing a header at a non-zero (odd) offset inside a larger
 * arena (the data plane reads headers at absolute offsets of one long-lived DataView),
 * and a seeded PRNG so that every random case reproduces.
 */

/** Bytes from hex text; whitespace, newlines and `#`/`//` comments to end of line are ignored. */
export function hex(s: string): Uint8Array {
  const t = s.replace(/(#|\/\/)[^\n]*/g, '').replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(t)) throw new Error(`hex: not an even run of hex digits: ${t}`);
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Lower-case hex, space separated (readable expect() diffs). */
export function toHex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** Default placement: 7 bytes of 0xEE before the header (odd offset), 5 after. */
export const PRE = 7;
export const POST = 5;

export interface Placed {
  /** the whole arena */
  buf: Uint8Array;
  /** a DataView over the whole arena */
  v: DataView;
  /** where the header starts */
  o: number;
  /** o + bytes.length: the end of the captured bytes */
  end: number;
}

/**
 * Copy `bytes` into a fresh arena at offset `pre` with `post` filler bytes after it (0xEE,
 * so a getter reading past the header would see garbage, not zeros). `end` is the end of
 * `bytes`, not of the arena: checks are given `end`, so the filler must never matter.
 */
export function place(bytes: Uint8Array, pre = PRE, post = POST): Placed {
  const buf = new Uint8Array(pre + bytes.length + post).fill(0xee);
  buf.set(bytes, pre);
  return { buf, v: new DataView(buf.buffer), o: pre, end: pre + bytes.length };
}

/** A zero-filled arena of `len` bytes at offset `pre` (for emit), with 0xEE filler around. */
export function blank(len: number, pre = PRE, post = POST): Placed {
  const p = place(new Uint8Array(len), pre, post);
  return p;
}

/** The `len` bytes at p.o (what an emit wrote). */
export function bytesAt(p: Placed, len: number): Uint8Array {
  return p.buf.slice(p.o, p.o + len);
}

/** Deterministic PRNG (mulberry32): returns uint32 values. */
export function rng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Dotted quad to int32 for readable test data (independent of src/wire/view.ts). */
export function ip(s: string): number {
  const p = s.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !(x >= 0 && x <= 255))) throw new Error(`ip: ${s}`);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) | 0;
}

/** Every length 0..n-1: the truncations of an n-byte header. */
export function truncations(n: number): number[] {
  return Array.from({ length: n }, (_, k) => k);
}
