/**
 * TCP header (RFC 9293 section 3.1).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { DROP_TCP_BAD_OFF, DROP_TCP_SHORT } from '../stats/drop-reasons.js';
import { csumAdd, csumPseudo, csumReplace32 } from './checksum.js';
import { IPPROTO_TCP } from './ipv4.js';

export const TCP_SPORT = 0;
export const TCP_DPORT = 2;
export const TCP_SEQ = 4;
export const TCP_ACK = 8;
export const TCP_OFF_FLAGS = 12;
export const TCP_WINDOW = 14;
export const TCP_CSUM = 16;
export const TCP_URG = 18;
export const TCP_MIN_HLEN = 20;

export const TCP_F_FIN = 0x01;
export const TCP_F_SYN = 0x02;
export const TCP_F_RST = 0x04;
export const TCP_F_PSH = 0x08;
export const TCP_F_ACK = 0x10;

/** Returns the header length (data offset x 4) or a negative drop code. */
export function tcpCheck(v: DataView, o: number, end: number): number {
  if (end - o < TCP_MIN_HLEN) return -DROP_TCP_SHORT;
  // RFC 9293: Data Offset is "the number of 32-bit words in the TCP header", at least 5.
  const hlen = (v.getUint8(o + TCP_OFF_FLAGS) >>> 4) << 2;
  if (hlen < TCP_MIN_HLEN || hlen > end - o) return -DROP_TCP_BAD_OFF;
  return hlen;
}

export function tcpSport(v: DataView, o: number): number {
  return v.getUint16(o + TCP_SPORT);
}
export function tcpDport(v: DataView, o: number): number {
  return v.getUint16(o + TCP_DPORT);
}
export function tcpPorts(v: DataView, o: number): number {
  return v.getInt32(o);
}
export function tcpSeq(v: DataView, o: number): number {
  return v.getUint32(o + TCP_SEQ);
}
export function tcpAck(v: DataView, o: number): number {
  return v.getUint32(o + TCP_ACK);
}
export function tcpHeaderLen(v: DataView, o: number): number {
  return (v.getUint8(o + TCP_OFF_FLAGS) >>> 4) << 2;
}
export function tcpFlags(v: DataView, o: number): number {
  return v.getUint8(o + TCP_OFF_FLAGS + 1);
}
export function tcpCsum(v: DataView, o: number): number {
  return v.getUint16(o + TCP_CSUM);
}
export function tcpSetCsum(v: DataView, o: number, x: number): void {
  v.setUint16(o + TCP_CSUM, x);
}

/** `len` is the TCP segment length (header + data) from the IP header. */
export function tcpChecksumOk(v: DataView, o: number, len: number, src: number, dst: number): boolean {
  return csumAdd(v, o, len, csumPseudo(src, dst, IPPROTO_TCP, len)) === 0xffff;
}

export function tcpFillChecksum(v: DataView, o: number, len: number, src: number, dst: number): void {
  v.setUint16(o + TCP_CSUM, 0);
  v.setUint16(o + TCP_CSUM, ~csumAdd(v, o, len, csumPseudo(src, dst, IPPROTO_TCP, len)) & 0xffff);
}

/** Patch the checksum for a pseudo-header address change (RFC 1624). */
export function tcpCsumAddrUpdate(v: DataView, o: number, old: number, a: number): void {
  v.setUint16(o + TCP_CSUM, csumReplace32(v.getUint16(o + TCP_CSUM), old, a));
}

export interface TcpFields {
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  flags?: number;
  window?: number;
  options?: Uint8Array;
}

/** Write a TCP header with checksum 0; returns its length. */
export function tcpEmit(v: DataView, o: number, f: TcpFields): number {
  const optLen = f.options ? f.options.length : 0;
  const hlen = TCP_MIN_HLEN + optLen;
  v.setUint16(o + TCP_SPORT, f.sport);
  v.setUint16(o + TCP_DPORT, f.dport);
  v.setUint32(o + TCP_SEQ, f.seq ?? 0);
  v.setUint32(o + TCP_ACK, f.ack ?? 0);
  v.setUint8(o + TCP_OFF_FLAGS, (hlen >>> 2) << 4);
  v.setUint8(o + TCP_OFF_FLAGS + 1, f.flags ?? TCP_F_ACK);
  v.setUint16(o + TCP_WINDOW, f.window ?? 65535);
  v.setUint16(o + TCP_CSUM, 0);
  v.setUint16(o + TCP_URG, 0);
  for (let k = 0; k < optLen; k++) v.setUint8(o + TCP_MIN_HLEN + k, f.options![k]!);
  return hlen;
}
