/**
 * Delivery to a gateway, the last step of every path that ends at one (SLB NAT, GRE VIP, L3 CA
 * IP): the destination MAC becomes the gateway's MAC, or with delivery `ipip` the packet is
 * encapsulated in IPv4 (RFC 2003) to the gateway's DIP, as Maglev and Katran do. Counted per
 * gateway when delivered.
 */
import { LINK_ETHERNET, type PacketBatch } from '../batch/packet-batch.js';
import type { DataplaneCounters } from '../stats/counters.js';
import { DROP_NO_HEADROOM } from '../stats/drop-reasons.js';
import { csumAdd } from '../wire/checksum.js';
import { IPPROTO_IPIP } from '../wire/ipv4.js';
import { DELIVERY_IPIP, type DataplaneTables } from './dataplane-tables.js';

const TTL_DEFAULT = 64;

/**
 * Deliver packet i to gateway g; `self` is the address it was sent to (the outer source of
 * IP-in-IP). Returns 0, or a negative drop code (no headroom for IP-in-IP).
 */
export function deliverToGateway(b: PacketBatch, v: DataView, i: number, T: DataplaneTables, g: number, self: number, cnt: DataplaneCounters): number {
  if (T.delivery === DELIVERY_IPIP) {
    const r = encapIpip(b, v, i, T.gwDip[g]!, self);
    if (r < 0) return r;
  } else if (b.link[i] === LINK_ETHERNET) {
    const base = b.base[i]!;
    v.setInt32(base, T.gwMacHi[g]!);
    v.setUint16(base + 4, T.gwMacLo[g]!);
  }
  cnt.gwPackets[g]++;
  cnt.gwBytes[g] += b.len[i]!;
  return 0;
}

/**
 * IP-in-IP (RFC 2003) to `dip` from `src`: a 20-byte IPv4 header is inserted before the
 * packet's IPv4 header; the L2 header (and its tags) moves 20 bytes back into the headroom.
 * Returns 0 or a negative drop code.
 */
function encapIpip(b: PacketBatch, v: DataView, i: number, dip: number, src: number): number {
  const base = b.base[i]!;
  const l3 = b.l3[i]!;
  const l2len = l3 - base;
  const nb = base - 20;
  if (nb < 0 || l2len < 0) return -DROP_NO_HEADROOM;
  // move the L2 header back by 20 bytes (at most 14 + 4 x 4 bytes)
  for (let k = 0; k < l2len; k++) v.setUint8(nb + k, v.getUint8(base + k));
  const o = l3 - 20;
  const total = Math.min(v.getUint16(l3 + 2), b.base[i]! + b.len[i]! - l3) + 20;
  v.setInt32(o, (0x4500 << 16) | total);
  v.setInt32(o + 4, 0);
  v.setInt32(o + 8, (TTL_DEFAULT << 24) | (IPPROTO_IPIP << 16));
  v.setInt32(o + 12, src);
  v.setInt32(o + 16, dip);
  v.setUint16(o + 10, ~csumAdd(v, o, 20, 0) & 0xffff);
  b.base[i] = nb;
  b.len[i] += 20;
  b.wireLen[i] += 20;
  b.l3[i] = o;
  return 0;
}
