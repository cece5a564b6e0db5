/**
 * The NVGRE node (DESIGN.md path 4): tenant traffic from compute hosts (GRE 0x6558, key =
 * VSID << 8 | FlowID) toward a site. VSID -> tenant, (tenant, inner destination) -> site by
 * longest prefix, inner 5-tuple -> flow table -> tunnel (weighted Maglev on a miss: only the
 * flows of a tunnel that went down move), decapsulated and re-encapsulated in GRE to the
 * tunnel's remote device from its local IP with its key.
 *
 * Two passes over the batch's NVGRE packets, in their order (the flow table's inserts and
 * evictions follow it): `nvgreHashPass` (tenant, flow key words, keyed hash, then a touch of
 * each packet's bucket so that the cache misses of the batch overlap), then `nvgreTunnelNode`.
 */
import { LINK_ETHERNET, type PacketBatch } from '../batch/packet-batch.js';
import type { FlowTable } from '../lb/flow-table.js';
import { flowHash, flowHashSymmetric, toeplitzHash } from '../lb/hash.js';
import { C_FLOWS_MOVED, C_FLOWS_NEW, C_TUNNEL, C_TX, C_TX_BYTES } from '../stats/counters.js';
import {
  DROP_FLOW_TABLE_FULL, DROP_GATEWAY_FAILED, DROP_IP4_TTL_EXPIRED, DROP_L2_NOT_IP4, DROP_NO_ROUTE, DROP_NO_TUNNEL, DROP_UNKNOWN_VSID,
} from '../stats/drop-reasons.js';
import { csumFold5 } from '../wire/checksum.js';
import { ETHERTYPE_IP4 } from '../wire/ethernet.js';
import { IPPROTO_ESP, IPPROTO_GRE, IPPROTO_TCP, IPPROTO_UDP } from '../wire/ipv4.js';
import { HASH_KEYED, type DataplaneTables } from './dataplane-tables.js';
import { NEXT_DROP, NEXT_TUNNEL, type FlowKeyColumns, type ForwardContext } from './forward-context.js';

const TTL_DEFAULT = 64;
const GRE_TEMPLATE_FLAGS_KEY = 0x2000;

/** The tenant of each NVGRE packet of the batch (-1: unknown VSID), from the hash pass; grown once. */
let tenantOf = new Int32Array(256);

function tenantList(n: number): Int32Array {
  if (tenantOf.length < n) tenantOf = new Int32Array(n);
  return tenantOf;
}

/**
 * NVGRE from compute hosts -> site -> tunnel, for the listed packets (dissected, no drop,
 * flow keys and hashes from `nvgreHashPass`): VSID -> tenant, (tenant, inner destination) ->
 * site by longest prefix, inner 5-tuple -> flow table -> tunnel (weighted Maglev on a miss),
 * decapsulated and re-encapsulated in GRE to the tunnel's remote device. Writes the verdict
 * columns and adds to the counters (tx included; rx is counted by the caller).
 */
export function nvgreTunnelNode(b: PacketBatch, list: Int32Array, off: number, n: number, ctx: ForwardContext, keys: FlowKeyColumns | null): void {
  const v = b.dv;
  const T = ctx.tables;
  const flows = ctx.flows;
  const cnt = ctx.counters;
  const alive = ctx.gwAlive;
  const now = ctx.nowMs | 0;
  const cBase = b.base;
  const cLen = b.len;
  const cIl3 = b.il3;
  const cLink = b.link;
  const cIdst = b.idst;
  const tunGw = T.tunGw;
  const routeStart = T.routeStart;
  const routeMask = T.routeMask;
  const routeNet = T.routeNet;
  const routeSite = T.routeSite;
  const tunUp = T.tunUp;
  const tunSite = T.tunSite;
  const tunPackets = cnt.tunPackets;
  const tunBytes = cnt.tunBytes;
  const drops = cnt.drops;
  const cDrop = b.drop;
  const cNext = b.next;
  const cTarget = b.target;
  let tx = 0;
  let txBytes = 0;
  let tunnels = 0;
  for (let k = off, end = off + n; k < end; k++) {
    const i = list[k]!;
    let drop = 0;
    let next = NEXT_DROP;
    let target = -1;
    const tenant = tenantOf[k - off]!;
    const il3 = cIl3[i]!;
    if (tenant < 0) drop = DROP_UNKNOWN_VSID;
    else if (il3 < 0) drop = DROP_L2_NOT_IP4;
    else {
      const idst = cIdst[i]!;
      let site = -1;
      for (let r = routeStart[tenant]!, re = routeStart[tenant + 1]!; r < re; r++) {
        if ((idst & routeMask[r]!) === routeNet[r]!) {
          site = routeSite[r]!;
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
        if (t >= 0 && (tunUp[t] === 0 || tunSite[t] !== site)) {
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
          tunPackets[t]++;
          tunBytes[t] += newLen;
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
 * First pass over the batch's NVGRE packets: re-point nested tenant packets, look up the tenant,
 * compute each flow's key words (`fkc`, `fkd`) and keyed hash (`hash`); then, in a loop of their
 * own, touch every flow's bucket (`FlowTable.touch`). The touches of a whole batch are
 * independent, so their cache misses overlap (VPP prefetches the bucket the same way, a few
 * packets ahead); the forwarding pass then finds the table's lines in cache. In the hashing
 * loop, each touch sat behind a hash's hundred instructions and only a few misses were in
 * flight at once (`perf annotate`: 90% of this function's samples on the two loads); apart,
 * dissect + forward took 0.886x the time on the trace mix (in-process, both orders, 8 runs).
 */
export function nvgreHashPass(b: PacketBatch, list: Int32Array, off: number, n: number, T: DataplaneTables, flows: FlowTable): void {
  const v = b.dv;
  const tenants = tenantList(n);
  let touched = 0;
  for (let k = 0; k < n; k++) {
    const i = list[off + k]!;
    // Tunnels inside the tenant's packet: route, hash and send the tenant's packet itself.
    if (b.depth[i]! > 1 && b.il3[i]! >= 0) nvgrePayloadColumns(b, v, i);
    const il3 = b.il3[i]!;
    const tenant = T.vsidTenant.get(b.greKey[i]! >>> 8, 0);
    tenants[k] = tenant;
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
  }
  // The touches in a loop of their own: a few instructions each, so that the CPU has many of
  // their cache misses in flight at once.
  const hs = b.hash;
  const cIl3 = b.il3;
  for (let k = 0; k < n; k++) {
    const i = list[off + k]!;
    if (tenants[k]! >= 0 && cIl3[i]! >= 0) touched ^= flows.touch(hs[i]!);
  }
  b.touchSink = touched;
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
