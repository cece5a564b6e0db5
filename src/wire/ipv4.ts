/**
 * IPv4 header (RFC 791 section 3.1).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|      Fragment Offset    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import {
  DROP_IP4_BAD_IHL,
  DROP_IP4_BAD_OPTION,
  DROP_IP4_BAD_TOTAL_LEN,
  DROP_IP4_BAD_VERSION,
  DROP_IP4_HDR_TRUNC,
  DROP_IP4_SHORT,
} from '../stats/drop-reasons.js';
import { csumAdd, csumReplace16, csumReplace32 } from './checksum.js';
import { ip4FromString } from './view.js';

export const IP4_VER_IHL = 0;
export const IP4_TOS = 1;
export const IP4_TOTAL_LEN = 2;
export const IP4_ID = 4;
export const IP4_FLAGS_FRAG = 6;
export const IP4_TTL = 8;
export const IP4_PROTO = 9;
export const IP4_CSUM = 10;
export const IP4_SRC = 12;
export const IP4_DST = 16;
export const IP4_MIN_HLEN = 20;
export const IP4_MAX_HLEN = 60;

export const IP4_F_DF = 0x4000;
export const IP4_F_MF = 0x2000;
export const IP4_FRAG_MASK = 0x1fff;

export const IPPROTO_ICMP = 1;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_GRE = 47;
export const IPPROTO_ESP = 50;

const IPOPT_EOL = 0;
const IPOPT_NOP = 1;

/**
 * Structural check; returns the header length (IHL x 4) or a negative drop code.
 * `end` is the end of the captured bytes. Total Length against the capture and the
 * header checksum are separate (the dissector treats them as soft: it records the drop
 * and keeps reading what is there, as tshark does).
 */
export function ip4Check(v: DataView, o: number, end: number): number {
  const avail = end - o;
  if (avail < IP4_MIN_HLEN) return -DROP_IP4_SHORT;
  const vi = v.getUint8(o);
  // RFC 791: "The Version field indicates the format of the internet header" (4).
  if (vi >>> 4 !== 4) return -DROP_IP4_BAD_VERSION;
  // RFC 791: "the minimum value for a correct header is 5" (32-bit words).
  const hlen = (vi & 15) << 2;
  if (hlen < IP4_MIN_HLEN) return -DROP_IP4_BAD_IHL;
  if (hlen > avail) return -DROP_IP4_HDR_TRUNC;
  // Total Length is "the length of the datagram ... including internet header and data".
  if (v.getUint16(o + IP4_TOTAL_LEN) < hlen) return -DROP_IP4_BAD_TOTAL_LEN;
  return hlen;
}

/**
 * Options walk (RFC 791 "Options"): EOL ends the list, NOP is one byte, every other option
 * is type, length (>= 2, counting type and length) and data, and must end within the header.
 * Returns 0 or -DROP_IP4_BAD_OPTION. Only called when IHL > 5.
 */
export function ip4OptionsCheck(v: DataView, o: number, hlen: number): number {
  let p = o + IP4_MIN_HLEN;
  const end = o + hlen;
  while (p < end) {
    const t = v.getUint8(p);
    if (t === IPOPT_EOL) return 0;
    if (t === IPOPT_NOP) {
      p++;
      continue;
    }
    if (p + 1 >= end) return -DROP_IP4_BAD_OPTION;
    const l = v.getUint8(p + 1);
    if (l < 2 || p + l > end) return -DROP_IP4_BAD_OPTION;
    p += l;
  }
  return 0;
}

/** True when the header checksum verifies (sum over the header is 0xFFFF). */
export function ip4ChecksumOk(v: DataView, o: number, hlen: number): boolean {
  return csumAdd(v, o, hlen, 0) === 0xffff;
}

export function ip4Version(v: DataView, o: number): number {
  return v.getUint8(o) >>> 4;
}
export function ip4HeaderLen(v: DataView, o: number): number {
  return (v.getUint8(o) & 15) << 2;
}
export function ip4Tos(v: DataView, o: number): number {
  return v.getUint8(o + IP4_TOS);
}
export function ip4TotalLen(v: DataView, o: number): number {
  return v.getUint16(o + IP4_TOTAL_LEN);
}
export function ip4Id(v: DataView, o: number): number {
  return v.getUint16(o + IP4_ID);
}
export function ip4FlagsFrag(v: DataView, o: number): number {
  return v.getUint16(o + IP4_FLAGS_FRAG);
}
export function ip4Df(v: DataView, o: number): number {
  return (v.getUint16(o + IP4_FLAGS_FRAG) >>> 14) & 1;
}
export function ip4Mf(v: DataView, o: number): number {
  return (v.getUint16(o + IP4_FLAGS_FRAG) >>> 13) & 1;
}
/** Raw 13-bit fragment offset (units of 8 bytes). */
export function ip4FragOffset(v: DataView, o: number): number {
  return v.getUint16(o + IP4_FLAGS_FRAG) & IP4_FRAG_MASK;
}
export function ip4Ttl(v: DataView, o: number): number {
  return v.getUint8(o + IP4_TTL);
}
export function ip4Proto(v: DataView, o: number): number {
  return v.getUint8(o + IP4_PROTO);
}
export function ip4Csum(v: DataView, o: number): number {
  return v.getUint16(o + IP4_CSUM);
}
export function ip4Src(v: DataView, o: number): number {
  return v.getInt32(o + IP4_SRC);
}
export function ip4Dst(v: DataView, o: number): number {
  return v.getInt32(o + IP4_DST);
}

export function ip4SetTotalLen(v: DataView, o: number, x: number): void {
  v.setUint16(o + IP4_TOTAL_LEN, x);
}
export function ip4SetCsum(v: DataView, o: number, x: number): void {
  v.setUint16(o + IP4_CSUM, x);
}
export function ip4SetSrc(v: DataView, o: number, a: number): void {
  v.setInt32(o + IP4_SRC, a);
}
export function ip4SetDst(v: DataView, o: number, a: number): void {
  v.setInt32(o + IP4_DST, a);
}

/** Recompute and store the header checksum (RFC 1071 over the header, field zeroed). */
export function ip4FillChecksum(v: DataView, o: number, hlen: number): void {
  v.setUint16(o + IP4_CSUM, 0);
  v.setUint16(o + IP4_CSUM, ~csumAdd(v, o, hlen, 0) & 0xffff);
}

/** Rewrite the destination address and update the header checksum incrementally (RFC 1624). */
export function ip4SetDstUpdate(v: DataView, o: number, a: number): void {
  const old = v.getInt32(o + IP4_DST);
  v.setInt32(o + IP4_DST, a);
  v.setUint16(o + IP4_CSUM, csumReplace32(v.getUint16(o + IP4_CSUM), old, a));
}

/** Rewrite the source address and update the header checksum incrementally (RFC 1624). */
export function ip4SetSrcUpdate(v: DataView, o: number, a: number): void {
  const old = v.getInt32(o + IP4_SRC);
  v.setInt32(o + IP4_SRC, a);
  v.setUint16(o + IP4_CSUM, csumReplace32(v.getUint16(o + IP4_CSUM), old, a));
}

/** Decrement TTL and patch the checksum (RFC 1624: the TTL shares a word with the protocol). */
export function ip4DecTtlUpdate(v: DataView, o: number): void {
  const w = v.getUint16(o + IP4_TTL);
  const w1 = w - 0x100;
  v.setUint16(o + IP4_TTL, w1);
  v.setUint16(o + IP4_CSUM, csumReplace16(v.getUint16(o + IP4_CSUM), w, w1));
}

export interface Ip4Fields {
  tos?: number;
  totalLen: number;
  id?: number;
  df?: boolean;
  mf?: boolean;
  fragOffset?: number;
  ttl?: number;
  proto: number;
  src: string | number;
  dst: string | number;
  /** option bytes (padded by the caller to a multiple of 4) */
  options?: Uint8Array;
  /** leave the checksum as given instead of computing it */
  csum?: number;
}

/** Write an IPv4 header with a correct checksum (unless `csum` is given); returns its length. */
export function ip4Emit(v: DataView, o: number, f: Ip4Fields): number {
  const optLen = f.options ? f.options.length : 0;
  const hlen = IP4_MIN_HLEN + optLen;
  v.setUint8(o, 0x40 | (hlen >>> 2));
  v.setUint8(o + IP4_TOS, f.tos ?? 0);
  v.setUint16(o + IP4_TOTAL_LEN, f.totalLen);
  v.setUint16(o + IP4_ID, f.id ?? 0);
  v.setUint16(o + IP4_FLAGS_FRAG, (f.df ? IP4_F_DF : 0) | (f.mf ? IP4_F_MF : 0) | ((f.fragOffset ?? 0) & IP4_FRAG_MASK));
  v.setUint8(o + IP4_TTL, f.ttl ?? 64);
  v.setUint8(o + IP4_PROTO, f.proto);
  v.setInt32(o + IP4_SRC, typeof f.src === 'string' ? ip4FromString(f.src) : f.src);
  v.setInt32(o + IP4_DST, typeof f.dst === 'string' ? ip4FromString(f.dst) : f.dst);
  for (let k = 0; k < optLen; k++) v.setUint8(o + IP4_MIN_HLEN + k, f.options![k]!);
  if (f.csum !== undefined) v.setUint16(o + IP4_CSUM, f.csum);
  else ip4FillChecksum(v, o, hlen);
  return hlen;
}
