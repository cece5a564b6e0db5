/**
 * The gateway data path over a dissected batch: one flat loop that gives every packet a
 * verdict (VPP's next node) and rewrites it in place.
 *
 *   1. NVGRE from compute hosts (GRE 0x6558, key = VSID << 8 | FlowID): VSID -> tenant,
 *      (tenant, inner destination) -> site by longest prefix, inner 5-tuple -> flow table ->
 *      tunnel (weighted Maglev on a miss), decapsulated and re-encapsulated in GRE to the
 *      tunnel's remote device from its local IP with its key.
 *   2. To an SLB VIP (IKE 500, NAT-T 4500, ESP): (VIP, source IP) -> designated gateway,
 *      destination rewritten to its DIP (RFC 1624 incremental checksums), delivered.
 *   3. From a gateway DIP to a tenant public IP: the reverse rewrite, source DIP -> VIP.
 *   4. GRE (not NVGRE) to a gateway's GRE VIP: delivered to the VIP's current owner.
 *   5. 802.1Q-tagged, to a tenant's CA IP on its VLAN: delivered to the owner of (VLAN, CA IP).
 *   Anything else is dropped with a named reason.
 *
 * "Delivered to gateway g": the destination MAC becomes g's MAC, or with delivery `ipip`
 * the packet is encapsulated in IPv4 (protocol 4) to g's DIP, as Maglev and Katran do.
 *
 * Lost packets: `gwAlive` is the ground truth of the replay's scenario (all 1 on a live
 * forwarder). A packet the tables still send to a gateway that has in fact failed, before
 * health checking detected it, is counted as lost (DROP_GATEWAY_FAILED).
 *
 * Per packet: no allocation, no throw, no string, no await. Counters are accumulated in
 * typed arrays.
 */
import {
  ENCAP_GRE,
  ENCAP_NATT_KEEPALIVE,
  ENCAP_NVGRE,
  F_LATER_FRAG,
  LINK_ETHERNET,
  type PacketBatch,
} from '../batch/packet-batch.js';
import type { FlowTable } from '../lb/flow-table.js';
import { flowHash, flowHashSymmetric, toeplitzHash } from '../lb/hash.js';
import {
  C_FLOWS_MOVED,
  C_FLOWS_NEW,
  C_GRE_VIP,
  C_L3,
  C_NAT_FORWARD,
  C_NAT_REVERSE,
  C_RX,
  C_RX_BYTES,
  C_TUNNEL,
  C_TX,
  C_TX_BYTES,
  type DataplaneCounters,
} from '../stats/counters.js';
import {
  DROP_FLOW_TABLE_FULL,
  DROP_GATEWAY_FAILED,
  DROP_IP4_FRAGMENT,
  DROP_IP4_TTL_EXPIRED,
  DROP_L2_NOT_IP4,
  DROP_NO_CA_OWNER,
  DROP_NO_NAT_RULE,
  DROP_NO_ROUTE,
  DROP_NO_TUNNEL,
  DROP_NO_VIP_OWNER,
  DROP_NOT_FOR_US,
  DROP_POOL_DEGRADED,
  DROP_UDP_UNSUPPORTED_PORT,
  DROP_UNKNOWN_VSID,
  DROP_NO_HEADROOM,
} from '../stats/drop-reasons.js';
import { csumAdd, csumReplace32 } from '../wire/checksum.js';
import { ETHERTYPE_IP4 } from '../wire/ethernet.js';
import { IPPROTO_ESP, IPPROTO_GRE, IPPROTO_IPIP, IPPROTO_TCP, IPPROTO_UDP } from '../wire/ipv4.js';
import { PORT_IKE, PORT_NATT } from '../wire/udp.js';
import { ADDR_GRE_VIP, ADDR_GW_DIP, ADDR_SLB_VIP, DELIVERY_IPIP, HASH_KEYED, type DataplaneTables } from './dataplane-tables.js';

/** Verdicts (`batch.next`). */
export const NEXT_DROP = 0;
/** Delivered to gateway `target[i]`. */
export const NEXT_GATEWAY = 1;
/** Sent on tunnel `target[i]` (GRE to the tunnel's remote device). */
export const NEXT_TUNNEL = 2;
/** A reply from a gateway, rewritten to come from the SLB VIP, out to the tenant. */
export const NEXT_REPLY = 3;
export const NEXT_NAMES: readonly string[] = ['drop', 'gateway', 'tunnel', 'reply'];

const TTL_DEFAULT = 64;
const GRE_TEMPLATE_FLAGS_KEY = 0x2000;

/** Per-run state of the data path besides the immutable tables. */
export interface ForwardContext {
  tables: DataplaneTables;
  flows: FlowTable;
  counters: DataplaneCounters;
  /** Ground truth of gateway liveness (replay); all 1 on a live forwarder. */
  gwAlive: Uint8Array;
  /** Current time in ms (capture-relative in replay), int32. */
  nowMs: number;
}

/** Flow key words kept per packet for observers (replay's stickiness check). */
export class FlowKeyColumns {
  readonly c: Int32Array;
  readonly d: Int32Array;
  constructor(n: number) {
    this.c = new Int32Array(n);
    this.d = new Int32Array(n);
  }
}

/**
 * Process packets [from, to) of a dissected batch. Fills `next`, `target`, `drop` and
 * `hash`, rewrites packets in place (moving `base`/`len` when the encapsulation changes),
 * and adds to the counters.
 */
export function forwardBatch(b: PacketBatch, from: number, to: number, ctx: ForwardContext, keys: FlowKeyColumns | null): void {
  const v = b.dv;
  const T = ctx.tables;
  const flows = ctx.flows;
  const cnt = ctx.counters;
  const alive = ctx.gwAlive;
  const now = ctx.nowMs | 0;
  const drops = cnt.drops;
  let rx = 0;
  let rxBytes = 0;
  let tx = 0;
  let txBytes = 0;
  nvgreHashPass(b, from, to, T, flows);

  for (let i = from; i < to; i++) {
    rx++;
    rxBytes += b.wireLen[i]!;
    let drop = b.drop[i]!;
    let next = NEXT_DROP;
    let target = -1;
    if (drop === 0) {
      const encap = b.encap[i]!;
      const dst = b.dst[i]!;
      const src = b.src[i]!;
      const proto = b.proto[i]!;
      const l3 = b.l3[i]!;
      if (l3 < 0) {
        drop = DROP_L2_NOT_IP4;
      } else if (encap === ENCAP_NVGRE) {
        // ---- 1. NVGRE -> site -> tunnel (flow key and hash from nvgreHashPass) ----
        const tenant = T.vsidTenant.get(b.greKey[i]! >>> 8, 0);
        const il3 = b.il3[i]!;
        if (tenant < 0) drop = DROP_UNKNOWN_VSID;
        else if (il3 < 0) drop = DROP_L2_NOT_IP4;
        else {
          const idst = b.idst[i]!;
          let site = -1;
          for (let r = T.routeStart[tenant]!, re = T.routeStart[tenant + 1]!; r < re; r++) {
            if ((idst & T.routeMask[r]!) === T.routeNet[r]!) {
              site = T.routeSite[r]!;
              break;
            }
          }
          if (site < 0) drop = DROP_NO_ROUTE;
          else if (v.getUint8(il3 + 8) <= 1) drop = DROP_IP4_TTL_EXPIRED;
          else {
            const isrc = b.isrc[i]!;
            const ip = b.iproto[i]!;
            const kc = b.fkc[i]!;
            const kd = b.fkd[i]!;
            const h = b.hash[i]!;
            if (keys !== null) {
              keys.c[i] = kc;
              keys.d[i] = kd;
            }
            let t = flows.lookup(h, isrc, idst, kc, kd, now);
            let known = false;
            if (t >= 0 && (T.tunUp[t] === 0 || T.tunSite[t] !== site)) {
              // Its tunnel went down: the flow moves (only these flows move).
              cnt.c[C_FLOWS_MOVED]++;
              t = -1;
              known = true;
            }
            if (t < 0) {
              t = T.siteMaglev[site]![(h >>> 0) % T.maglevSize]!;
              if (t >= 0) {
                const idle = ip === IPPROTO_TCP ? T.tcpIdleMs : ip === IPPROTO_UDP ? T.udpIdleMs : T.otherIdleMs;
                // After a miss the key is absent: skip the second probe.
                const ins = known ? flows.insert(h, isrc, idst, kc, kd, t, now, idle) : flows.insertAbsent(h, isrc, idst, kc, kd, t, now, idle);
                if (ins < 0) drop = DROP_FLOW_TABLE_FULL;
                else if (ins === 1) {
                  cnt.c[C_FLOWS_NEW]++;
                  cnt.tunFlows[t]++;
                }
              }
            }
            if (drop !== 0) {
              // flow table refused the flow
            } else if (t < 0) drop = DROP_NO_TUNNEL;
            else if (alive[T.tunGw[t]!] === 0) {
              drop = DROP_GATEWAY_FAILED;
              target = T.tunGw[t]!;
            } else {
              // Re-encapsulate: [Ethernet] IPv4 GRE in front of the inner IPv4 packet.
              const capEnd = b.base[i]! + b.len[i]!;
              let innerLen = v.getUint16(il3 + 2);
              if (il3 + innerLen > capEnd) innerLen = capEnd - il3;
              const greLen = T.tunHasKey[t] === 1 ? 8 : 4;
              const eth = b.link[i] === LINK_ETHERNET;
              const hdr = (eth ? 14 : 0) + 20 + greLen;
              const nb = il3 - hdr;
              let o = nb;
              if (eth) {
                const base = b.base[i]!;
                // source MAC: the address the frame was sent to (ours); read before writing.
                const sHi = v.getInt32(base);
                const sLo = v.getUint16(base + 4);
                const g = T.tunGw[t]!;
                v.setInt32(o, T.gwMacHi[g]!);
                v.setUint16(o + 4, T.gwMacLo[g]!);
                v.setInt32(o + 6, sHi);
                v.setUint16(o + 10, sLo);
                v.setUint16(o + 12, ETHERTYPE_IP4);
                o += 14;
              }
              const total = 20 + greLen + innerLen;
              v.setInt32(o, (0x4500 << 16) | total);
              v.setInt32(o + 4, 0);
              v.setInt32(o + 8, (TTL_DEFAULT << 24) | (IPPROTO_GRE << 16));
              v.setInt32(o + 12, T.tunLocal[t]!);
              v.setInt32(o + 16, T.tunRemote[t]!);
              v.setUint16(o + 10, ~csumAdd(v, o, 20, 0) & 0xffff);
              v.setInt32(o + 20, greLen === 8 ? (GRE_TEMPLATE_FLAGS_KEY << 16) | ETHERTYPE_IP4 : ETHERTYPE_IP4);
              if (greLen === 8) v.setInt32(o + 24, T.tunKey[t]!);
              const newLen = o + 20 + greLen + innerLen - nb;
              b.base[i] = nb;
              b.len[i] = newLen;
              b.wireLen[i] = newLen;
              next = NEXT_TUNNEL;
              target = t;
              cnt.c[C_TUNNEL]++;
              cnt.tunPackets[t]++;
              cnt.tunBytes[t] += newLen;
            }
          }
        }
      } else {
        // One lookup classifies the destination (SLB VIP, GRE VIP); a reply is recognised by
        // its source, a gateway DIP, before the reverse-NAT rule is looked up.
        const dcls = T.addrClass.get(dst, 0);
        let rv = -1;
        if (dcls < 0 && (proto === IPPROTO_UDP || proto === IPPROTO_ESP) && T.addrClass.get(src, 0) === ADDR_GW_DIP) rv = T.natReverse.get(src, dst);
        if (dcls === ADDR_SLB_VIP) {
          // ---- 2. SLB NAT by (VIP, source IP) ----
          let ok = proto === IPPROTO_ESP;
          if (proto === IPPROTO_UDP) {
            const dp = b.ports[i]! & 0xffff;
            ok = dp === PORT_IKE || dp === PORT_NATT || (b.flags[i]! & F_LATER_FRAG) !== 0;
            if (b.encap[i] === ENCAP_NATT_KEEPALIVE) {
              // RFC 3948: keepalives only refresh NAT state; the gateway may ignore them,
              // but they must still reach it to keep the mapping: forward like NAT-T.
              ok = true;
            }
          }
          if (!ok) drop = proto === IPPROTO_UDP ? DROP_UDP_UNSUPPORTED_PORT : DROP_NOT_FOR_US;
          else {
            const g = T.nat.get(dst, src);
            if (g < 0) drop = DROP_NO_NAT_RULE;
            else if (T.gwUp[g] === 0) drop = DROP_POOL_DEGRADED;
            else if (alive[g] === 0) {
            drop = DROP_GATEWAY_FAILED;
            target = g;
          }
            else {
              const dip = T.gwDip[g]!;
              v.setInt32(l3 + 16, dip);
              v.setUint16(l3 + 10, csumReplace32(v.getUint16(l3 + 10), dst, dip));
              const l4 = b.l4[i]!;
              if (proto === IPPROTO_UDP && l4 >= 0 && (b.flags[i]! & F_LATER_FRAG) === 0) {
                // RFC 768 / RFC 1624: a zero UDP checksum stays zero; a computed zero is 0xFFFF.
                const c = v.getUint16(l4 + 6);
                if (c !== 0) {
                  const c1 = csumReplace32(c, dst, dip);
                  v.setUint16(l4 + 6, c1 === 0 ? 0xffff : c1);
                }
              }
              b.dst[i] = dip;
              cnt.c[C_NAT_FORWARD]++;
              next = NEXT_GATEWAY;
              target = g;
            }
          }
        } else if (rv >= 0) {
          // ---- 3. reverse NAT: replies from the DIP leave from the VIP ----
          const vip = T.slbVipAddr[rv]!;
          v.setInt32(l3 + 12, vip);
          v.setUint16(l3 + 10, csumReplace32(v.getUint16(l3 + 10), src, vip));
          const l4 = b.l4[i]!;
          if (proto === IPPROTO_UDP && l4 >= 0 && (b.flags[i]! & F_LATER_FRAG) === 0) {
            const c = v.getUint16(l4 + 6);
            if (c !== 0) {
              const c1 = csumReplace32(c, src, vip);
              v.setUint16(l4 + 6, c1 === 0 ? 0xffff : c1);
            }
          }
          b.src[i] = vip;
          cnt.c[C_NAT_REVERSE]++;
          next = NEXT_REPLY;
        } else if (dcls === ADDR_GRE_VIP && proto === IPPROTO_GRE && encap === ENCAP_GRE) {
          // ---- 4. GRE to a gateway's GRE VIP ----
          const g = T.greVip.get(dst, 0);
          if (g < 0 || g >= T.gwCount) drop = DROP_NO_VIP_OWNER;
          else if (T.gwUp[g] === 0) drop = DROP_POOL_DEGRADED;
          else if (alive[g] === 0) {
            drop = DROP_GATEWAY_FAILED;
            target = g;
          }
          else {
            cnt.c[C_GRE_VIP]++;
            next = NEXT_GATEWAY;
            target = g;
          }
        } else if (b.vlanCount[i]! > 0 && T.vlanTenant.get(b.vlan0[i]!, 0) >= 0) {
          // ---- 5. L3: (VLAN, CA IP) -> owner; the lookup always includes the VLAN ----
          const g = T.l3.get(b.vlan0[i]!, dst);
          if (g < 0 || g >= T.gwCount) drop = DROP_NO_CA_OWNER;
          else if (T.gwUp[g] === 0) drop = DROP_POOL_DEGRADED;
          else if (alive[g] === 0) {
            drop = DROP_GATEWAY_FAILED;
            target = g;
          }
          else {
            cnt.c[C_L3]++;
            next = NEXT_GATEWAY;
            target = g;
          }
        } else if ((b.flags[i]! & F_LATER_FRAG) !== 0 && proto !== IPPROTO_ESP) {
          drop = DROP_IP4_FRAGMENT;
        } else drop = DROP_NOT_FOR_US;
      }

      if (next === NEXT_GATEWAY) {
        // Deliver to gateway `target`: MAC rewrite, or IP-in-IP to its DIP.
        if (T.delivery === DELIVERY_IPIP) {
          const r = encapIpip(b, v, i, T.gwDip[target]!, dst);
          if (r < 0) {
            drop = -r;
            next = NEXT_DROP;
          }
        } else if (b.link[i] === LINK_ETHERNET) {
          const base = b.base[i]!;
          v.setInt32(base, T.gwMacHi[target]!);
          v.setUint16(base + 4, T.gwMacLo[target]!);
        }
        if (next === NEXT_GATEWAY) {
          cnt.gwPackets[target]++;
          cnt.gwBytes[target] += b.len[i]!;
        }
      }
    }
    if (next === NEXT_DROP) {
      drops[drop]++;
      // a lost packet keeps the gateway it was sent to in `target`, for the scorecard
      if (drop !== DROP_GATEWAY_FAILED) target = -1;
    } else {
      tx++;
      txBytes += b.len[i]!;
    }
    b.drop[i] = drop;
    b.next[i] = next;
    b.target[i] = target;
  }
  cnt.c[C_RX] += rx;
  cnt.c[C_RX_BYTES] += rxBytes;
  cnt.c[C_TX] += tx;
  cnt.c[C_TX_BYTES] += txBytes;
}

/**
 * First pass over the batch for NVGRE packets: re-point nested tenant packets, compute each
 * flow's key words (`fkc`, `fkd`) and keyed hash (`hash`), and probe the flow table. The probes
 * of a whole batch are independent, so their cache misses overlap (VPP prefetches the bucket
 * the same way, a few packets ahead); the main loop then finds the table's lines in cache.
 */
function nvgreHashPass(b: PacketBatch, from: number, to: number, T: DataplaneTables, flows: FlowTable): void {
  const v = b.dv;
  let touched = 0;
  for (let i = from; i < to; i++) {
    if (b.drop[i] !== 0 || b.encap[i] !== ENCAP_NVGRE || b.l3[i]! < 0) continue;
    // Tunnels inside the tenant's packet: route, hash and send the tenant's packet itself.
    if (b.depth[i]! > 1 && b.il3[i]! >= 0) nvgrePayloadColumns(b, v, i);
    const il3 = b.il3[i]!;
    const tenant = T.vsidTenant.get(b.greKey[i]! >>> 8, 0);
    if (il3 < 0 || tenant < 0) continue;
    const isrc = b.isrc[i]!;
    const idst = b.idst[i]!;
    const ip = b.iproto[i]!;
    let kc = b.iports[i]!;
    if (ip === IPPROTO_ESP) {
      // ESP flows are keyed by SPI (no ports).
      const espAt = il3 + ((v.getUint8(il3) & 15) << 2);
      kc = espAt + 4 <= b.base[i]! + b.len[i]! ? v.getInt32(espAt) : 0;
    }
    const kd = ip | (tenant << 8);
    let h: number;
    if (T.hashKind === HASH_KEYED) {
      h = T.symmetric ? flowHashSymmetric(T.hashKey, isrc, idst, kc, kd) : flowHash(T.hashKey, isrc, idst, kc, kd);
    } else h = toeplitzHash(T.toeplitz!, isrc, idst, kc, true) ^ kd;
    b.fkc[i] = kc;
    b.fkd[i] = kd;
    b.hash[i] = h;
    touched ^= flows.probe(h, isrc, idst, kc, kd);
  }
  b.probeSink = touched;
}

/**
 * NVGRE whose tenant packet carries tunnels of its own (GRE, IP-in-IP, VXLAN): the dissector's
 * inner columns describe the innermost packet, but the data path routes, hashes and forwards
 * the packet the tenant sent, the IPv4 packet right after NVGRE's inner Ethernet header (and
 * its tags). Re-point il3/il4 and the inner 5-tuple at it. The dissector walked through these
 * bytes (depth > 1), so every read is in bounds.
 */
function nvgrePayloadColumns(b: PacketBatch, v: DataView, i: number): void {
  let o = b.tun[i]!; // NVGRE's inner Ethernet header
  let type = v.getUint16(o + 12);
  o += 14;
  while (type !== ETHERTYPE_IP4) {
    type = v.getUint16(o + 2); // an 802.1Q/802.1ad tag
    o += 4;
  }
  const p = v.getUint8(o + 9);
  const t = o + ((v.getUint8(o) & 15) << 2);
  b.il3[i] = o;
  b.isrc[i] = v.getInt32(o + 12);
  b.idst[i] = v.getInt32(o + 16);
  b.iproto[i] = p;
  // a deeper tunnel in UDP (VXLAN) had its UDP header checked; GRE and IP-in-IP have no ports
  b.il4[i] = p === IPPROTO_UDP ? t : -1;
  b.iports[i] = p === IPPROTO_UDP ? v.getInt32(t) : 0;
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

