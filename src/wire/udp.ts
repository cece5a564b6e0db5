/**
 * UDP header (RFC 768).
 *
 *  0      7 8     15 16    23 24    31
 * +--------+--------+--------+--------+
 * |     Source      |   Destination   |
 * |      Port       |      Port       |
 * +--------+--------+--------+--------+
 * |     Length      |    Checksum     |
 * +--------+--------+--------+--------+
 *
 * A zero checksum means "not computed" (RFC 768); a computed zero is sent as 0xFFFF.
 */
import { DROP_UDP_BAD_LEN, DROP_UDP_SHORT } from '../stats/drop-reasons.js';
import { csumAdd, csumPseudo, csumReplace32 } from './checksum.js';
import { IPPROTO_UDP } from './ipv4.js';

export const UDP_SPORT = 0;
export const UDP_DPORT = 2;
export const UDP_LEN = 4;
export const UDP_CSUM = 6;
export const UDP_HLEN = 8;

export const PORT_IKE = 500;
export const PORT_NATT = 4500;
export const PORT_VXLAN = 4789;

/** Returns 8 or a negative drop code. Length against the IP payload is checked by the caller. */
export function udpCheck(v: DataView, o: number, end: number): number {
  if (end - o < UDP_HLEN) return -DROP_UDP_SHORT;
  // RFC 768: "Length is the length in octets of this user datagram including this header"
  if (v.getUint16(o + UDP_LEN) < UDP_HLEN) return -DROP_UDP_BAD_LEN;
  return UDP_HLEN;
}

export function udpSport(v: DataView, o: number): number {
  return v.getUint16(o + UDP_SPORT);
}
export function udpDport(v: DataView, o: number): number {
  return v.getUint16(o + UDP_DPORT);
}
/** Both ports as one int32: sport << 16 | dport. */
export function udpPorts(v: DataView, o: number): number {
  return v.getInt32(o);
}
export function udpLen(v: DataView, o: number): number {
  return v.getUint16(o + UDP_LEN);
}
export function udpCsum(v: DataView, o: number): number {
  return v.getUint16(o + UDP_CSUM);
}
export function udpSetCsum(v: DataView, o: number, x: number): void {
  v.setUint16(o + UDP_CSUM, x);
}
export function udpSetLen(v: DataView, o: number, x: number): void {
  v.setUint16(o + UDP_LEN, x);
}
export function udpSetPorts(v: DataView, o: number, sport: number, dport: number): void {
  v.setUint16(o + UDP_SPORT, sport);
  v.setUint16(o + UDP_DPORT, dport);
}

/** Sum check over pseudo-header + datagram; `len` is the UDP length. True when valid or absent. */
export function udpChecksumOk(v: DataView, o: number, len: number, src: number, dst: number): boolean {
  if (v.getUint16(o + UDP_CSUM) === 0) return true;
  return csumAdd(v, o, len, csumPseudo(src, dst, IPPROTO_UDP, len)) === 0xffff;
}

/** Compute and store the checksum (a computed 0 is sent as 0xFFFF, RFC 768). */
export function udpFillChecksum(v: DataView, o: number, len: number, src: number, dst: number): void {
  v.setUint16(o + UDP_CSUM, 0);
  const c = ~csumAdd(v, o, len, csumPseudo(src, dst, IPPROTO_UDP, len)) & 0xffff;
  v.setUint16(o + UDP_CSUM, c === 0 ? 0xffff : c);
}

/**
 * Patch the checksum for an address in the pseudo-header changing from `old` to `a`
 * (RFC 1624). A zero checksum stays zero (not computed); a result of zero becomes 0xFFFF.
 */
export function udpCsumAddrUpdate(v: DataView, o: number, old: number, a: number): void {
  const c = v.getUint16(o + UDP_CSUM);
  if (c === 0) return;
  const c1 = csumReplace32(c, old, a);
  v.setUint16(o + UDP_CSUM, c1 === 0 ? 0xffff : c1);
}

export interface UdpFields {
  sport: number;
  dport: number;
  len: number;
  csum?: number;
}

/** Write a UDP header with checksum 0 unless given; callers fill it after the payload. */
export function udpEmit(v: DataView, o: number, f: UdpFields): number {
  v.setUint16(o + UDP_SPORT, f.sport);
  v.setUint16(o + UDP_DPORT, f.dport);
  v.setUint16(o + UDP_LEN, f.len);
  v.setUint16(o + UDP_CSUM, f.csum ?? 0);
  return UDP_HLEN;
}
