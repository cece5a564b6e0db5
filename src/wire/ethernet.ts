/**
 * Ethernet II (IEEE 802.3 with an EtherType, RFC 894).
 *
 *  0                   1
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  destination  |   source  |type|
 *     6 bytes        6 bytes   2 bytes
 *
 * MAC addresses are handled as a 32-bit high part and a 16-bit low part (int32 each).
 */
import { DROP_ETH_SHORT } from '../stats/drop-reasons.js';

export const ETH_DST = 0;
export const ETH_SRC = 6;
export const ETH_TYPE = 12;
export const ETH_HLEN = 14;

export const ETHERTYPE_IP4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100; // IEEE 802.1Q C-tag
export const ETHERTYPE_QINQ = 0x88a8; // IEEE 802.1ad S-tag
export const ETHERTYPE_QINQ_OLD = 0x9100; // pre-standard QinQ TPID
export const ETHERTYPE_IP6 = 0x86dd;
export const ETHERTYPE_TEB = 0x6558; // Transparent Ethernet Bridging (NVGRE payload)

/** Values below 1536 in the type field are 802.3 lengths, not EtherTypes. */
export const ETHERTYPE_MIN = 0x0600;

export function ethCheck(v: DataView, o: number, end: number): number {
  return end - o >= ETH_HLEN ? ETH_HLEN : -DROP_ETH_SHORT;
}

export function ethType(v: DataView, o: number): number {
  return v.getUint16(o + ETH_TYPE);
}
export function ethSetType(v: DataView, o: number, t: number): void {
  v.setUint16(o + ETH_TYPE, t);
}
export function ethDstHi(v: DataView, o: number): number {
  return v.getInt32(o + ETH_DST);
}
export function ethDstLo(v: DataView, o: number): number {
  return v.getUint16(o + ETH_DST + 4);
}
export function ethSrcHi(v: DataView, o: number): number {
  return v.getInt32(o + ETH_SRC);
}
export function ethSrcLo(v: DataView, o: number): number {
  return v.getUint16(o + ETH_SRC + 4);
}
export function ethSetDst(v: DataView, o: number, hi: number, lo: number): void {
  v.setInt32(o + ETH_DST, hi);
  v.setUint16(o + ETH_DST + 4, lo);
}
export function ethSetSrc(v: DataView, o: number, hi: number, lo: number): void {
  v.setInt32(o + ETH_SRC, hi);
  v.setUint16(o + ETH_SRC + 4, lo);
}

export interface EthFields {
  dst: string; // "02:00:00:00:00:01"
  src: string;
  type: number;
}

/** Parse "aa:bb:cc:dd:ee:ff" into [hi32, lo16], or null (control plane only). */
export function macParse(s: string): [number, number] | null {
  const m = /^([0-9a-fA-F]{2})(?::([0-9a-fA-F]{2})){5}$/.test(s) ? s.split(':').map((x) => parseInt(x, 16)) : null;
  if (m === null) return null;
  return [((m[0]! << 24) | (m[1]! << 16) | (m[2]! << 8) | m[3]!) | 0, (m[4]! << 8) | m[5]!];
}

export function macToString(hi: number, lo: number): string {
  const b = [hi >>> 24, (hi >>> 16) & 255, (hi >>> 8) & 255, hi & 255, lo >>> 8, lo & 255];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Write an Ethernet header; returns its length (builders and tests). */
export function ethEmit(v: DataView, o: number, f: EthFields): number {
  const d = macParse(f.dst) ?? [0, 0];
  const s = macParse(f.src) ?? [0, 0];
  ethSetDst(v, o, d[0], d[1]);
  ethSetSrc(v, o, s[0], s[1]);
  ethSetType(v, o, f.type);
  return ETH_HLEN;
}
