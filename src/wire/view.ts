/**
 * Header functions in this folder read and write over `(v: DataView, o: number)`: one
 * long-lived DataView over a whole arena (the batch's `dv`) and an absolute offset.
 * Reading 32-bit fields through one DataView is faster than byte shifts and far faster
 * than `Buffer.readUInt32BE` (see bench/wire/read.bench.ts). Never create a view per packet.
 *
 * Contract (smoltcp `check_len`, gVisor `IsValid`): each layer's `xxxCheck(v, o, end)`
 * returns the header length (> 0) or a negative drop code; only after it returned >= 0
 * may the unchecked getters of that header be used. An out-of-range DataView read throws,
 * so the check is also what keeps the hot path from throwing.
 */

/** A DataView over exactly the bytes of `b` (for tests, builders and the control plane). */
export function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Dotted-quad text of an int32 IPv4 address (control plane and printing only). */
export function ip4ToString(a: number): string {
  return `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** Parse a dotted quad to int32, or return NaN when it is not one (never throws). */
export function ip4FromString(s: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (m === null) return NaN;
  let a = 0;
  for (let k = 1; k <= 4; k++) {
    const x = Number(m[k]);
    if (x > 255 || (m[k]!.length > 1 && m[k]![0] === '0')) return NaN;
    a = (a << 8) | x;
  }
  return a | 0;
}
