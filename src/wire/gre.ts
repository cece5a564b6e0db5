/**
 * GRE (RFC 2784) with the key and sequence number extensions (RFC 2890).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |C| |K|S| Reserved0       | Ver |         Protocol Type         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      Checksum (optional)      |       Reserved1 (Optional)    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Key (optional)                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Sequence Number (Optional)                    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * NVGRE (RFC 7637) is GRE with K set and protocol 0x6558 (Transparent Ethernet
 * Bridging); its key is VSID (24 bits) << 8 | FlowID (8 bits).
 */
import { DROP_GRE_BAD_FLAGS, DROP_GRE_BAD_VERSION, DROP_GRE_SHORT } from '../stats/drop-reasons.js';
import { csumAdd } from './checksum.js';

export const GRE_FLAGS = 0;
export const GRE_PROTO = 2;
export const GRE_MIN_HLEN = 4;

export const GRE_F_CSUM = 0x8000;
export const GRE_F_ROUTING = 0x4000; // RFC 1701 only
export const GRE_F_KEY = 0x2000;
export const GRE_F_SEQ = 0x1000;
export const GRE_F_SSR = 0x0800; // RFC 1701 strict source route
/** RFC 2784: "A receiver MUST discard a packet where any of bits 1-5 are non-zero, unless
 *  that receiver implements RFC 1701." Bits 2 and 3 are K and S under RFC 2890. */
export const GRE_F_MUST_BE_ZERO = 0x4c00;
export const GRE_VERSION_MASK = 0x0007;

export function greCheck(v: DataView, o: number, end: number): number {
  if (end - o < GRE_MIN_HLEN) return -DROP_GRE_SHORT;
  const f = v.getUint16(o);
  // RFC 2784: "The Version Number field MUST contain the value zero."
  if ((f & GRE_VERSION_MASK) !== 0) return -DROP_GRE_BAD_VERSION;
  if ((f & GRE_F_MUST_BE_ZERO) !== 0) return -DROP_GRE_BAD_FLAGS;
  const hlen = greHeaderLen(f);
  return end - o >= hlen ? hlen : -DROP_GRE_SHORT;
}

/** Header length from the first 16 bits: 4 plus 4 for each of C, K, S. */
export function greHeaderLen(flags: number): number {
  return 4 + ((flags >>> 13) & 4) + ((flags >>> 11) & 4) + ((flags >>> 10) & 4);
}

export function greFlags(v: DataView, o: number): number {
  return v.getUint16(o + GRE_FLAGS);
}
export function greProto(v: DataView, o: number): number {
  return v.getUint16(o + GRE_PROTO);
}
/** Offset of the key field (only meaningful when K is set). */
export function greKeyOffset(flags: number): number {
  return 4 + ((flags >>> 13) & 4);
}
/** Offset of the sequence field (only meaningful when S is set). */
export function greSeqOffset(flags: number): number {
  return 4 + ((flags >>> 13) & 4) + ((flags >>> 11) & 4);
}
export function greKey(v: DataView, o: number): number {
  return v.getInt32(o + greKeyOffset(v.getUint16(o)));
}
export function greSeq(v: DataView, o: number): number {
  return v.getUint32(o + greSeqOffset(v.getUint16(o)));
}
export function greSetKey(v: DataView, o: number, key: number): void {
  v.setInt32(o + greKeyOffset(v.getUint16(o)), key);
}

/** NVGRE (RFC 7637 section 3.2): the 24-bit Virtual Subnet ID in the key's high bits. */
export function nvgreVsid(key: number): number {
  return key >>> 8;
}
export function nvgreFlowId(key: number): number {
  return key & 0xff;
}

/** RFC 2784: the checksum covers the GRE header and the payload (`len` bytes from o). */
export function greChecksumOk(v: DataView, o: number, len: number): boolean {
  return csumAdd(v, o, len, 0) === 0xffff;
}
export function greFillChecksum(v: DataView, o: number, len: number): void {
  v.setUint16(o + 4, 0);
  v.setUint16(o + 4, ~csumAdd(v, o, len, 0) & 0xffff);
}

export interface GreFields {
  proto: number;
  csum?: boolean;
  key?: number;
  seq?: number;
  /** raw version bits, for crafting invalid headers in tests */
  version?: number;
}

/** Write a GRE header (checksum field zero; fill it after the payload); returns its length. */
export function greEmit(v: DataView, o: number, f: GreFields): number {
  const flags =
    (f.csum ? GRE_F_CSUM : 0) | (f.key !== undefined ? GRE_F_KEY : 0) | (f.seq !== undefined ? GRE_F_SEQ : 0) | ((f.version ?? 0) & 7);
  v.setUint16(o, flags);
  v.setUint16(o + GRE_PROTO, f.proto);
  let p = o + 4;
  if (f.csum) {
    v.setUint32(p, 0);
    p += 4;
  }
  if (f.key !== undefined) {
    v.setInt32(p, f.key);
    p += 4;
  }
  if (f.seq !== undefined) {
    v.setUint32(p, f.seq);
    p += 4;
  }
  return p - o;
}
