/**
 * Flow sharding for worker threads (RSS done in software): which of `shards` workers a
 * frame belongs to, from the fields that identify its flow, so that a flow always meets the
 * same worker and its flow-table entry lives in that worker's table only.
 *
 * The only per-flow state of the data path is the NVGRE flow table, keyed by the inner
 * 5-tuple and the tenant; every other path (SLB NAT, reverse NAT, GRE VIP, L3) is a pure
 * function of the outer addresses and the tables. So an NVGRE frame is sharded by its VSID
 * and inner addresses and ports, GRE carrying IPv4 by its outer and inner addresses (for
 * balance: few devices carry many flows), anything else by its outer source and destination. The
 * walk is a cut-down dissector (Ethernet, up to two tags, IPv4, GRE with TEB, Ethernet,
 * IPv4, ports): a dozen reads, no checksums, no validation beyond bounds; a frame it cannot
 * read goes to shard 0 (the dissector then drops it there, with its reason).
 *
 * Per packet: no allocation, no throw. Returns an integer in [0, shards).
 */
import { ETHERTYPE_IP4, ETHERTYPE_QINQ, ETHERTYPE_TEB, ETHERTYPE_VLAN } from '../wire/ethernet.js';
import { IPPROTO_GRE } from '../wire/ipv4.js';
import { fmix32 } from '../lb/hash.js';

/** Offset of the IPv4 header after an Ethernet header and up to two tags at `o`, or -1. */
function l3After(v: DataView, o: number, end: number): number {
  if (end - o < 14) return -1;
  let t = v.getUint16(o + 12);
  o += 14;
  for (let k = 0; k < 2 && (t === ETHERTYPE_VLAN || t === ETHERTYPE_QINQ); k++) {
    if (end - o < 4) return -1;
    t = v.getUint16(o + 2);
    o += 4;
  }
  return t === ETHERTYPE_IP4 && end - o >= 20 ? o : -1;
}

export function shardOf(v: DataView, base: number, len: number, ethernet: boolean, shards: number): number {
  if (shards <= 1) return 0;
  const end = base + len;
  const l3 = ethernet ? l3After(v, base, end) : end - base >= 20 ? base : -1;
  if (l3 < 0) return 0;
  let h = fmix32(v.getInt32(l3 + 12) ^ Math.imul(v.getInt32(l3 + 16), 0x9e3779b1));
  if (v.getUint8(l3 + 9) === IPPROTO_GRE) {
    const g = l3 + ((v.getUint8(l3) & 15) << 2);
    const gp = end - g >= 4 ? v.getUint16(g + 2) : 0;
    if (gp === ETHERTYPE_IP4) {
      // GRE to a GRE VIP (stateless): a few tenant devices carry many flows, so spread by
      // the inner addresses too (the same inner flow always lands on the same shard)
      const f = v.getUint16(g);
      const il3 = g + 4 + ((f & 0x8000) !== 0 ? 4 : 0) + ((f & 0x2000) !== 0 ? 4 : 0) + ((f & 0x1000) !== 0 ? 4 : 0);
      if (end - il3 >= 20) h = fmix32(h ^ v.getInt32(il3 + 12) ^ Math.imul(v.getInt32(il3 + 16), 0x85ebca6b));
    } else if (end - g >= 8 && gp === ETHERTYPE_TEB) {
      const f = v.getUint16(g);
      if ((f & 0x2000) !== 0) {
        const key = v.getInt32(g + 4 + ((f >>> 13) & 4));
        const il3 = l3After(v, g + 4 + ((f & 0x8000) !== 0 ? 4 : 0) + 4 + ((f & 0x1000) !== 0 ? 4 : 0), end);
        if (il3 >= 0) {
          // tenant (VSID, without the FlowID byte) and the inner 5-tuple
          h = fmix32(v.getInt32(il3 + 12) ^ Math.imul(v.getInt32(il3 + 16), 0x9e3779b1) ^ (key >>> 8));
          const t = il3 + ((v.getUint8(il3) & 15) << 2);
          if (end - t >= 4) h = fmix32(h ^ v.getInt32(t) ^ v.getUint8(il3 + 9));
        }
      }
    }
  }
  return (h >>> 0) % shards;
}
