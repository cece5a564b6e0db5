/**
 * Address helpers shared by the config loader, the placement and the table builders.
 *
 * The validated `GwConfig` keeps addresses as the strings written in the file (readable,
 * JSON-able, what error messages show); the control plane turns them into numbers with
 * `ip4()` / `prefix4()` / `mac()` when it builds the data plane's typed-array tables. Those
 * three throw on input the loader would have rejected, so they are only for validated config.
 *
 * IPv4 addresses are unsigned 32-bit numbers in host order (`192.0.2.1` -> 0xc0000201).
 */

/** Strict dotted quad: four decimal octets 0..255, no leading zeros (`010` is ambiguous). */
export function parseIp4(s: string): number | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n >>> 0;
}

export function formatIp4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** A host address a packet can be sent to or from: not 0/8, 127/8, 224/4 (multicast) or 240/4. */
export function isUnicast4(n: number): boolean {
  const a = n >>> 24;
  return a !== 0 && a !== 127 && a < 224;
}

/** Network mask of a prefix length 0..32 as an unsigned 32-bit number. */
export function prefixMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

export interface Prefix4 {
  /** Network address (host bits zero in validated config). */
  addr: number;
  /** Prefix length 0..32. */
  len: number;
}

/** `a.b.c.d/len`; host bits are not checked here (the loader reports them separately). */
export function parsePrefix4(s: string): Prefix4 | null {
  const slash = s.indexOf("/");
  if (slash < 0) return null;
  const addr = parseIp4(s.slice(0, slash));
  const lenText = s.slice(slash + 1);
  if (addr === null || !/^(0|[1-9][0-9]?)$/.test(lenText)) return null;
  const len = Number(lenText);
  if (len > 32) return null;
  return { addr, len };
}

export function formatPrefix4(p: Prefix4): string {
  return `${formatIp4(p.addr)}/${p.len}`;
}

/** True when the two prefixes share at least one address (one contains the other). */
export function prefixesOverlap(a: Prefix4, b: Prefix4): boolean {
  const m = prefixMask(Math.min(a.len, b.len));
  return ((a.addr & m) >>> 0) === ((b.addr & m) >>> 0);
}

/** `xx:xx:xx:xx:xx:xx` (hex, either case) -> 6 bytes. */
export function parseMac(s: string): Uint8Array | null {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(s)) return null;
  return Uint8Array.from(s.split(":"), (h) => parseInt(h, 16));
}

/** Validated IPv4 address string -> number (throws on anything the loader rejects). */
export function ip4(s: string): number {
  const n = parseIp4(s);
  if (n === null) throw new TypeError(`not an IPv4 address: ${s}`);
  return n;
}

/** Validated prefix string -> { addr, len } (throws on anything the loader rejects). */
export function prefix4(s: string): Prefix4 {
  const p = parsePrefix4(s);
  if (p === null) throw new TypeError(`not an IPv4 prefix: ${s}`);
  return p;
}

/** Validated MAC string -> 6 bytes (throws on anything the loader rejects). */
export function mac(s: string): Uint8Array {
  const m = parseMac(s);
  if (m === null) throw new TypeError(`not a MAC address: ${s}`);
  return m;
}
