/**
 * ICMP (RFC 792) echo-style header: type, code, checksum, then identifier and sequence
 * for echo request (8) and reply (0).
 */
import { DROP_ICMP_SHORT } from '../stats/drop-reasons.js';
import { csumAdd } from './checksum.js';

export const ICMP_TYPE = 0;
export const ICMP_CODE = 1;
export const ICMP_CSUM = 2;
export const ICMP_ID = 4;
export const ICMP_SEQ = 6;
export const ICMP_HLEN = 8;

export const ICMP_ECHO_REPLY = 0;
export const ICMP_ECHO_REQUEST = 8;

export function icmpCheck(v: DataView, o: number, end: number): number {
  return end - o >= ICMP_HLEN ? ICMP_HLEN : -DROP_ICMP_SHORT;
}
export function icmpType(v: DataView, o: number): number {
  return v.getUint8(o + ICMP_TYPE);
}
export function icmpCode(v: DataView, o: number): number {
  return v.getUint8(o + ICMP_CODE);
}
export function icmpId(v: DataView, o: number): number {
  return v.getUint16(o + ICMP_ID);
}
export function icmpSeq(v: DataView, o: number): number {
  return v.getUint16(o + ICMP_SEQ);
}
/** The checksum covers the whole ICMP message (`len` bytes). */
export function icmpChecksumOk(v: DataView, o: number, len: number): boolean {
  return csumAdd(v, o, len, 0) === 0xffff;
}
export function icmpFillChecksum(v: DataView, o: number, len: number): void {
  v.setUint16(o + ICMP_CSUM, 0);
  v.setUint16(o + ICMP_CSUM, ~csumAdd(v, o, len, 0) & 0xffff);
}

export interface IcmpFields {
  type: number;
  code?: number;
  id?: number;
  seq?: number;
}
export function icmpEmit(v: DataView, o: number, f: IcmpFields): number {
  v.setUint8(o + ICMP_TYPE, f.type);
  v.setUint8(o + ICMP_CODE, f.code ?? 0);
  v.setUint16(o + ICMP_CSUM, 0);
  v.setUint16(o + ICMP_ID, f.id ?? 0);
  v.setUint16(o + ICMP_SEQ, f.seq ?? 0);
  return ICMP_HLEN;
}
