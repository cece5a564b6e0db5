/**
 * IEEE 802.1Q VLAN tag (C-tag, TPID 0x8100) and IEEE 802.1ad S-tag (TPID 0x88a8).
 * The TPID sits in the type field before the tag; `o` points at the TCI:
 *
 *  0                   1                   2                   3
 * +-----+-+-----------------------+-------------------------------+
 * | PCP |D|        VLAN ID        |   EtherType of what follows   |
 * +-----+-+-----------------------+-------------------------------+
 */
import { DROP_VLAN_SHORT } from '../stats/drop-reasons.js';

export const VLAN_TCI = 0;
export const VLAN_TYPE = 2;
export const VLAN_HLEN = 4;
/** Outer tags we walk before giving up (QinQ is 2; 3 is seen in the wild, e.g. zeek's qinqinq). */
export const VLAN_MAX_TAGS = 4;

export function vlanCheck(v: DataView, o: number, end: number): number {
  return end - o >= VLAN_HLEN ? VLAN_HLEN : -DROP_VLAN_SHORT;
}
export function vlanId(v: DataView, o: number): number {
  return v.getUint16(o + VLAN_TCI) & 0x0fff;
}
export function vlanPcp(v: DataView, o: number): number {
  return v.getUint8(o + VLAN_TCI) >>> 5;
}
export function vlanDei(v: DataView, o: number): number {
  return (v.getUint8(o + VLAN_TCI) >>> 4) & 1;
}
export function vlanType(v: DataView, o: number): number {
  return v.getUint16(o + VLAN_TYPE);
}
export function vlanSetId(v: DataView, o: number, id: number): void {
  v.setUint16(o + VLAN_TCI, (v.getUint16(o + VLAN_TCI) & 0xf000) | (id & 0x0fff));
}

export interface VlanFields {
  pcp?: number;
  dei?: number;
  id: number;
  type: number;
}

/** Write a tag's TCI and inner type at `o` (the TPID is the preceding type field). */
export function vlanEmit(v: DataView, o: number, f: VlanFields): number {
  v.setUint16(o + VLAN_TCI, (((f.pcp ?? 0) & 7) << 13) | (((f.dei ?? 0) & 1) << 12) | (f.id & 0x0fff));
  v.setUint16(o + VLAN_TYPE, f.type);
  return VLAN_HLEN;
}
