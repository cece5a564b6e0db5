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
import { csumAdd, csumFold5, csumReplace32 } from '../wire/checksum.js';
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
 *
 * Three loops, each flat and free of calls it does not need: every packet but NVGRE's (SLB
 * NAT, reverse NAT, GRE VIP, L3, drops), then NVGRE's hash-and-probe pass and NVGRE's
 * forwarding pass over the batch's NVGRE packets in their order. Only NVGRE packets touch
 * the flow table, so their order among themselves is all that decides it, and each packet's
 * verdict is its own: the result is the one a single loop in packet order gives.
 */
export function forwardBatch(b: PacketBatch, from: number, to: number, ctx: ForwardContext, keys: FlowKeyColumns | null): void {
  const v = b.dv;
  const T = ctx.tables;
  const cnt = ctx.counters;
  const alive = ctx.gwAlive;
  const drops = cnt.drops;
  const gwPackets = cnt.gwPackets;
  const gwBytes = cnt.gwBytes;
  // columns and tables, loaded once
  const cDrop = b.drop;
  const cNext = b.next;
  const cTarget = b.target;
  const cEncap = b.encap;
  const cL3 = b.l3;
  const cL4 = b.l4;
  const cSrc = b.src;
  const cDst = b.dst;
  const cProto = b.proto;
  const cPorts = b.ports;
  const cFlags = b.flags;
  const cBase = b.base;
  const cLen = b.len;
  const cWire = b.wireLen;
  const cLink = b.link;
  const cVlanCount = b.vlanCount;
  const cVlan0 = b.vlan0;
  const addrClass = T.addrClass;
  const nat = T.nat;
  const natReverse = T.natReverse;
  const greVip = T.greVip;
  const l3Owner = T.l3;
  const vlanTenant = T.vlanTenant;
  const gwDip = T.gwDip;
  const gwUp = T.gwUp;
  const gwMacHi = T.gwMacHi;
  const gwMacLo = T.gwMacLo;
  const gwCount = T.gwCount;
  const slbVipAddr = T.slbVipAddr;
  const ipip = T.delivery === DELIVERY_IPIP;
  const nvgre = nvgreList(to - from);
  let nNvgre = 0;
  let rxBytes = 0;
  let tx = 0;
  let txBytes = 0;
  let natForward = 0;
  let natReverseN = 0;
  let greVipN = 0;
  let l3N = 0;

  for (let i = from; i < to; i++) {
    rxBytes += cWire[i]!;
    let drop = cDrop[i]!;
    let next = NEXT_DROP;
    let target = -1;
    if (drop === 0) {
      const encap = cEncap[i]!;
      const dst = cDst[i]!;
      const src = cSrc[i]!;
      const proto = cProto[i]!;
      const l3 = cL3[i]!;
      if (l3 < 0) {
        drop = DROP_L2_NOT_IP4;
      } else if (encap === ENCAP_NVGRE) {
        // ---- 1. NVGRE -> site -> tunnel: in the passes below ----
        nvgre[nNvgre++] = i;
        continue;
      } else {
        // One lookup classifies the destination (SLB VIP, GRE VIP); a reply is recognised by
        // its source, a gateway DIP, before the reverse-NAT rule is looked up.
        const dcls = addrClass.get(dst, 0);
        let rv = -1;
        if (dcls < 0 && (proto === IPPROTO_UDP || proto === IPPROTO_ESP) && addrClass.get(src, 0) === ADDR_GW_DIP) rv = natReverse.get(src, dst);
        if (dcls === ADDR_SLB_VIP) {
          // ---- 2. SLB NAT by (VIP, source IP) ----
          let ok = proto === IPPROTO_ESP;
          if (proto === IPPROTO_UDP) {
            const dp = cPorts[i]! & 0xffff;
            // RFC 3948: keepalives only refresh NAT state; the gateway may ignore them, but
            // they must still reach it to keep the mapping: forwarded like NAT-T.
            ok = dp === PORT_IKE || dp === PORT_NATT || (cFlags[i]! & F_LATER_FRAG) !== 0 || encap === ENCAP_NATT_KEEPALIVE;
          }
          if (!ok) drop = proto === IPPROTO_UDP ? DROP_UDP_UNSUPPORTED_PORT : DROP_NOT_FOR_US;
          else {
            const g = nat.get(dst, src);
            if (g < 0) drop = DROP_NO_NAT_RULE;
            else if (gwUp[g] === 0) drop = DROP_POOL_DEGRADED;
            else if (alive[g] === 0) {
              drop = DROP_GATEWAY_FAILED;
              target = g;
            } else {
              const dip = gwDip[g]!;
              v.setInt32(l3 + 16, dip);
              v.setUint16(l3 + 10, csumReplace32(v.getUint16(l3 + 10), dst, dip));
              const l4 = cL4[i]!;
              if (proto === IPPROTO_UDP && l4 >= 0 && (cFlags[i]! & F_LATER_FRAG) === 0) {
                // RFC 768 / RFC 1624: a zero UDP checksum stays zero; a computed zero is 0xFFFF.
                const c = v.getUint16(l4 + 6);
                if (c !== 0) {
                  const c1 = csumReplace32(c, dst, dip);
                  v.setUint16(l4 + 6, c1 === 0 ? 0xffff : c1);
                }
              }
              cDst[i] = dip;
              natForward++;
              next = NEXT_GATEWAY;
              target = g;
            }
          }
        } else if (rv >= 0) {
          // ---- 3. reverse NAT: replies from the DIP leave from the VIP ----
          const vip = slbVipAddr[rv]!;
          v.setInt32(l3 + 12, vip);
          v.setUint16(l3 + 10, csumReplace32(v.getUint16(l3 + 10), src, vip));
          const l4 = cL4[i]!;
          if (proto === IPPROTO_UDP && l4 >= 0 && (cFlags[i]! & F_LATER_FRAG) === 0) {
            const c = v.getUint16(l4 + 6);
            if (c !== 0) {
              const c1 = csumReplace32(c, src, vip);
              v.setUint16(l4 + 6, c1 === 0 ? 0xffff : c1);
            }
          }
          cSrc[i] = vip;
          natReverseN++;
          next = NEXT_REPLY;
        } else if (dcls === ADDR_GRE_VIP && proto === IPPROTO_GRE && encap === ENCAP_GRE) {
          // ---- 4. GRE to a gateway's GRE VIP ----
          const g = greVip.get(dst, 0);
          if (g < 0 || g >= gwCount) drop = DROP_NO_VIP_OWNER;
          else if (gwUp[g] === 0) drop = DROP_POOL_DEGRADED;
          else if (alive[g] === 0) {
            drop = DROP_GATEWAY_FAILED;
            target = g;
          } else {
            greVipN++;
            next = NEXT_GATEWAY;
            target = g;
          }
        } else if (cVlanCount[i]! > 0 && vlanTenant.get(cVlan0[i]!, 0) >= 0) {
          // ---- 5. L3: (VLAN, CA IP) -> owner; the lookup always includes the VLAN ----
          const g = l3Owner.get(cVlan0[i]!, dst);
          if (g < 0 || g >= gwCount) drop = DROP_NO_CA_OWNER;
          else if (gwUp[g] === 0) drop = DROP_POOL_DEGRADED;
          else if (alive[g] === 0) {
            drop = DROP_GATEWAY_FAILED;
            target = g;
          } else {
            l3N++;
            next = NEXT_GATEWAY;
            target = g;
          }
        } else if ((cFlags[i]! & F_LATER_FRAG) !== 0 && proto !== IPPROTO_ESP) {
          drop = DROP_IP4_FRAGMENT;
        } else drop = DROP_NOT_FOR_US;
      }

      if (next === NEXT_GATEWAY) {
        // Deliver to gateway `target`: MAC rewrite, or IP-in-IP to its DIP.
        if (ipip) {
          const r = encapIpip(b, v, i, gwDip[target]!, dst);
          if (r < 0) {
            drop = -r;
            next = NEXT_DROP;
          }
        } else if (cLink[i] === LINK_ETHERNET) {
          const base = cBase[i]!;
          v.setInt32(base, gwMacHi[target]!);
          v.setUint16(base + 4, gwMacLo[target]!);
        }
        if (next === NEXT_GATEWAY) {
          gwPackets[target]++;
          gwBytes[target] += cLen[i]!;
        }
      }
    }
    if (next === NEXT_DROP) {
      drops[drop]++;
      // a lost packet keeps the gateway it was sent to in `target`, for the scorecard
      if (drop !== DROP_GATEWAY_FAILED) target = -1;
    } else {
      tx++;
      txBytes += cLen[i]!;
    }
    cDrop[i] = drop;
    cNext[i] = next;
    cTarget[i] = target;
  }

  if (nNvgre > 0) {
    nvgreHashPass(b, nvgre, nNvgre, T, ctx.flows);
    nvgreForward(b, nvgre, nNvgre, ctx, keys);
  }

  const c = cnt.c;
  c[C_RX] += to - from;
  c[C_RX_BYTES] += rxBytes;
  c[C_TX] += tx;
  c[C_TX_BYTES] += txBytes;
  c[C_NAT_FORWARD] += natForward;
  c[C_NAT_REVERSE] += natReverseN;
  c[C_GRE_VIP] += greVipN;
  c[C_L3] += l3N;
}

let nvgreIdx = new Int32Array(256);

/** The batch's NVGRE packet indices, in a list grown once for a bigger batch (no allocation per batch). */
function nvgreList(n: number): Int32Array {
  if (nvgreIdx.length < n) nvgreIdx = new Int32Array(n);
  return nvgreIdx;
}

/**
 * NVGRE from compute hosts -> site -> tunnel, for the listed packets (dissected, no drop,
 * flow keys and hashes from `nvgreHashPass`): VSID -> tenant, (tenant, inner destination) ->
 * site by longest prefix, inner 5-tuple -> flow table -> tunnel (weighted Maglev on a miss),
 * decapsulated and re-encapsulated in GRE to the tunnel's remote device. Writes the verdict
 * columns and adds to the counters (tx included; rx is counted by the caller).
 */
function nvgreForward(b: PacketBatch, list: Int32Array, n: number, ctx: ForwardContext, keys: FlowKeyColumns | null): void {
  const v = b.dv;
  const T = ctx.tables;
  const flows = ctx.flows;
  const cnt = ctx.counters;
  const alive = ctx.gwAlive;
  const now = ctx.nowMs | 0;
  const drops = cnt.drops;
  const cDrop = b.drop;
  const cNext = b.next;
  const cTarget = b.target;
  const cBase = b.base;
  const cLen = b.len;
  const cIl3 = b.il3;
  const cLink = b.link;
  const tunGw = T.tunGw;
  let tx = 0;
  let txBytes = 0;
  let tunnels = 0;
  for (let k = 0; k < n; k++) {
    const i = list[k]!;
    let drop = 0;
    let next = NEXT_DROP;
    let target = -1;
    const tenant = T.vsidTenant.get(b.greKey[i]! >>> 8, 0);
    const il3 = cIl3[i]!;
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
        else if (alive[tunGw[t]!] === 0) {
          drop = DROP_GATEWAY_FAILED;
          target = tunGw[t]!;
        } else {
          // Re-encapsulate: [Ethernet] IPv4 GRE in front of the inner IPv4 packet.
          const capEnd = cBase[i]! + cLen[i]!;
          let innerLen = v.getUint16(il3 + 2);
          if (il3 + innerLen > capEnd) innerLen = capEnd - il3;
          const greLen = T.tunHasKey[t] === 1 ? 8 : 4;
          const eth = cLink[i] === LINK_ETHERNET;
          const hdr = (eth ? 14 : 0) + 20 + greLen;
          const nb = il3 - hdr;
          let o = nb;
          if (eth) {
            const base = cBase[i]!;
            // source MAC: the address the frame was sent to (ours); read before writing.
            const sHi = v.getInt32(base);
            const sLo = v.getUint16(base + 4);
            const g = tunGw[t]!;
            v.setInt32(o, T.gwMacHi[g]!);
            v.setUint16(o + 4, T.gwMacLo[g]!);
            v.setInt32(o + 6, sHi);
            v.setUint16(o + 10, sLo);
            v.setUint16(o + 12, ETHERTYPE_IP4);
            o += 14;
          }
          const total = 20 + greLen + innerLen;
          const w0 = (0x4500 << 16) | total;
          const w2 = (TTL_DEFAULT << 24) | (IPPROTO_GRE << 16);
          const local = T.tunLocal[t]!;
          const remote = T.tunRemote[t]!;
          v.setInt32(o, w0);
          v.setInt32(o + 4, 0);
          v.setInt32(o + 12, local);
          v.setInt32(o + 16, remote);
          // RFC 1071 over the five header words (checksum word zero), then complemented
          v.setInt32(o + 8, w2 | (~csumFold5(w0, 0, w2, local, remote) & 0xffff));
          v.setInt32(o + 20, greLen === 8 ? (GRE_TEMPLATE_FLAGS_KEY << 16) | ETHERTYPE_IP4 : ETHERTYPE_IP4);
          if (greLen === 8) v.setInt32(o + 24, T.tunKey[t]!);
          const newLen = o + 20 + greLen + innerLen - nb;
          cBase[i] = nb;
          cLen[i] = newLen;
          b.wireLen[i] = newLen;
          next = NEXT_TUNNEL;
          target = t;
          tunnels++;
          cnt.tunPackets[t]++;
          cnt.tunBytes[t] += newLen;
        }
      }
    }
    if (next === NEXT_DROP) {
      drops[drop]++;
      // a lost packet keeps the gateway it was sent to in `target`, for the scorecard
      if (drop !== DROP_GATEWAY_FAILED) target = -1;
    } else {
      tx++;
      txBytes += cLen[i]!;
    }
    cDrop[i] = drop;
    cNext[i] = next;
    cTarget[i] = target;
  }
  cnt.c[C_TUNNEL] += tunnels;
  cnt.c[C_TX] += tx;
  cnt.c[C_TX_BYTES] += txBytes;
}

/**
 * First pass over the batch's NVGRE packets: re-point nested tenant packets, compute each
 * flow's key words (`fkc`, `fkd`) and keyed hash (`hash`), and probe the flow table. The probes
 * of a whole batch are independent, so their cache misses overlap (VPP prefetches the bucket
 * the same way, a few packets ahead); the forwarding pass then finds the table's lines in cache.
 */
function nvgreHashPass(b: PacketBatch, list: Int32Array, n: number, T: DataplaneTables, flows: FlowTable): void {
  const v = b.dv;
  let touched = 0;
  for (let k = 0; k < n; k++) {
    const i = list[k]!;
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

