/**
 * VXLAN header (RFC 7348 section 5), UDP destination port 4789.
 *
 *  0                   1                   2                   3
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |R|R|R|R|I|R|R|R|            Reserved                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                VXLAN Network Identifier (VNI) |   Reserved    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * followed by the inner Ethernet frame.
 */
import { DROP_VXLAN_BAD_FLAGS, DROP_VXLAN_SHORT } from '../stats/drop-reasons.js';

export const VXLAN_FLAGS = 0;
export const VXLAN_VNI = 4;
export const VXLAN_HLEN = 8;
export const VXLAN_F_I = 0x08;

export function vxlanCheck(v: DataView, o: number, end: number): number {
  if (end - o < VXLAN_HLEN) return -DROP_VXLAN_SHORT;
  // RFC 7348: "The I flag MUST be set to 1 for a valid VXLAN Network ID (VNI)."
  if ((v.getUint8(o) & VXLAN_F_I) === 0) return -DROP_VXLAN_BAD_FLAGS;
  return VXLAN_HLEN;
}
export function vxlanFlags(v: DataView, o: number): number {
  return v.getUint8(o + VXLAN_FLAGS);
}
export function vxlanVni(v: DataView, o: number): number {
  return v.getUint32(o + VXLAN_VNI) >>> 8;
}

export interface VxlanFields {
  vni: number;
  flags?: number;
}
export function vxlanEmit(v: DataView, o: number, f: VxlanFields): number {
  v.setUint32(o, ((f.flags ?? VXLAN_F_I) << 24) >>> 0);
  v.setUint32(o + VXLAN_VNI, ((f.vni & 0xffffff) << 8) >>> 0);
  return VXLAN_HLEN;
}
