/**
 * The alternative kept beside src/nodes/gateway-forward.ts (bench/nodes/pipeline.bench.ts
 * measures both): VPP's frame per next node. A classifier gives every packet its node, then
 * one loop per node (SLB NAT, reply, GRE VIP, L3, NVGRE) runs over its packets, so that the
 * branches of a path's checks come out the same way packet after packet. Measured here it was
 * no faster on the trace mix and slower on the SLB NAT job (the second pass costs what the
 * predicted branches save), so the data path keeps one loop. Same verdicts, bytes and counters
 * (test/bench/fast-path.test.ts runs it against the reference too).
 */
import { ENCAP_GRE, ENCAP_NATT_KEEPALIVE, ENCAP_NVGRE, F_LATER_FRAG, type PacketBatch } from '../../src/batch/packet-batch.js';
import type { IntMap } from '../../src/lb/int-map.js';
import { ADDR_GRE_VIP, ADDR_SLB_VIP } from '../../src/nodes/dataplane-tables.js';
import { deliverToGateway } from '../../src/nodes/deliver.js';
import { NEXT_DROP, NEXT_GATEWAY, NEXT_REPLY, type FlowKeyColumns, type ForwardContext } from '../../src/nodes/forward-context.js';
import { nvgreHashPass, nvgreTunnelNode } from '../../src/nodes/nvgre-tunnel.js';
import { C_GRE_VIP, C_L3, C_NAT_FORWARD, C_NAT_REVERSE, C_RX, C_RX_BYTES, C_TX, C_TX_BYTES, type DataplaneCounters } from '../../src/stats/counters.js';
import {
  DROP_GATEWAY_FAILED, DROP_IP4_FRAGMENT, DROP_L2_NOT_IP4, DROP_NO_CA_OWNER, DROP_NO_NAT_RULE, DROP_NO_VIP_OWNER, DROP_NOT_FOR_US,
  DROP_POOL_DEGRADED, DROP_UDP_UNSUPPORTED_PORT,
} from '../../src/stats/drop-reasons.js';
import { csumReplace32 } from '../../src/wire/checksum.js';
import { IPPROTO_ESP, IPPROTO_GRE, IPPROTO_UDP } from '../../src/wire/ipv4.js';
import { PORT_IKE, PORT_NATT } from '../../src/wire/udp.js';

/** Write packet i's verdict and count it. */
function setVerdict(b: PacketBatch, i: number, next: number, target: number, drop: number, cnt: DataplaneCounters): void {
  b.next[i] = next;
  if (next === NEXT_DROP) {
    cnt.drops[drop]++;
    b.drop[i] = drop;
    b.target[i] = drop === DROP_GATEWAY_FAILED ? target : -1;
  } else {
    cnt.c[C_TX]++;
    cnt.c[C_TX_BYTES] += b.len[i]!;
    b.drop[i] = 0;
    b.target[i] = target;
  }
}

/** The nodes a packet can be given to (index of its list). */
const N_NAT = 0;
const N_REPLY = 1;
const N_GRE_VIP = 2;
const N_L3 = 3;
const N_NVGRE = 4;
const NODES = 5;

/** Per node, the indices of its packets (list k at k * cap), and the reply rule of each reply. */
let lists = new Int32Array(NODES * 256);
let rules = new Int32Array(256);
let cap = 256;

/**
 * Process packets [from, to) of a dissected batch. Fills `next`, `target`, `drop` and `hash`,
 * rewrites packets in place (moving `base`/`len` when the encapsulation changes), and adds to
 * the counters.
 */
export function forwardBatchPerNode(b: PacketBatch, from: number, to: number, ctx: ForwardContext, keys: FlowKeyColumns | null): void {
  if (to - from > cap) {
    cap = to - from;
    lists = new Int32Array(NODES * cap);
    rules = new Int32Array(cap);
  }
  const L = lists;
  const R = rules;
  const c = cap;
  const T = ctx.tables;
  const cnt = ctx.counters;
  const addrClass = T.addrClass;
  const natReverse = T.natReverse;
  const vlanTenant = T.vlanTenant;
  const cDrop = b.drop;
  const cEncap = b.encap;
  const cL3 = b.l3;
  const cSrc = b.src;
  const cDst = b.dst;
  const cProto = b.proto;
  const cFlags = b.flags;
  const cWire = b.wireLen;
  const cVlanCount = b.vlanCount;
  const cVlan0 = b.vlan0;
  let nNat = 0;
  let nReply = 0;
  let nGreVip = 0;
  let nL3 = 0;
  let nNvgre = 0;
  let rxBytes = 0;

  for (let i = from; i < to; i++) {
    rxBytes += cWire[i]!;
    const drop = cDrop[i]!;
    if (drop !== 0) {
      setVerdict(b, i, NEXT_DROP, -1, drop, cnt);
      continue;
    }
    if (cL3[i]! < 0) {
      setVerdict(b, i, NEXT_DROP, -1, DROP_L2_NOT_IP4, cnt);
      continue;
    }
    const encap = cEncap[i]!;
    if (encap === ENCAP_NVGRE) {
      L[N_NVGRE * c + nNvgre++] = i;
      continue;
    }
    // One lookup classifies the destination (SLB VIP, GRE VIP).
    const dst = cDst[i]!;
    const dcls = addrClass.get(dst, 0);
    if (dcls === ADDR_SLB_VIP) {
      L[N_NAT * c + nNat++] = i;
      continue;
    }
    const proto = cProto[i]!;
    if (dcls < 0 && (proto === IPPROTO_UDP || proto === IPPROTO_ESP)) {
      // a reverse rule's key is (gateway DIP, tenant public IP): a hit is a reply
      const rv = natReverse.get(cSrc[i]!, dst);
      if (rv >= 0) {
        R[nReply] = rv;
        L[N_REPLY * c + nReply++] = i;
        continue;
      }
    }
    if (dcls === ADDR_GRE_VIP && proto === IPPROTO_GRE && encap === ENCAP_GRE) L[N_GRE_VIP * c + nGreVip++] = i;
    else if (cVlanCount[i]! > 0 && vlanTenant.get(cVlan0[i]!, 0) >= 0) L[N_L3 * c + nL3++] = i;
    else setVerdict(b, i, NEXT_DROP, -1, (cFlags[i]! & F_LATER_FRAG) !== 0 && proto !== IPPROTO_ESP ? DROP_IP4_FRAGMENT : DROP_NOT_FOR_US, cnt);
  }

  if (nNat > 0) slbNatNode(b, L, N_NAT * c, nNat, ctx);
  if (nReply > 0) slbReplyNode(b, L, R, N_REPLY * c, nReply, ctx);
  if (nGreVip > 0) greVipNode(b, L, N_GRE_VIP * c, nGreVip, ctx);
  if (nL3 > 0) l3Node(b, L, N_L3 * c, nL3, ctx);
  if (nNvgre > 0) {
    nvgreHashPass(b, L, N_NVGRE * c, nNvgre, T, ctx.flows);
    nvgreTunnelNode(b, L, N_NVGRE * c, nNvgre, ctx, keys);
  }
  cnt.c[C_RX] += to - from;
  cnt.c[C_RX_BYTES] += rxBytes;
}

/** Rewrite the 32-bit address at `at` from `was` to `now`, and the checksums that cover it. */
function rewriteAddress(v: DataView, l3: number, at: number, was: number, now: number, udp: number): void {
  v.setInt32(at, now);
  v.setUint16(l3 + 10, csumReplace32(v.getUint16(l3 + 10), was, now));
  if (udp >= 0) {
    // RFC 768 / RFC 1624: a zero UDP checksum stays zero; a computed zero is sent as 0xFFFF.
    const c = v.getUint16(udp + 6);
    if (c !== 0) {
      const c1 = csumReplace32(c, was, now);
      v.setUint16(udp + 6, c1 === 0 ? 0xffff : c1);
    }
  }
}

/** Packets list[off .. off+n) of the batch, each to an SLB VIP. */
function slbNatNode(b: PacketBatch, list: Int32Array, off: number, n: number, ctx: ForwardContext): void {
  const v = b.dv;
  const T = ctx.tables;
  const cnt = ctx.counters;
  const alive = ctx.gwAlive;
  const nat = T.nat;
  const gwUp = T.gwUp;
  const gwDip = T.gwDip;
  const cDst = b.dst;
  const cSrc = b.src;
  const cProto = b.proto;
  const cPorts = b.ports;
  const cFlags = b.flags;
  const cEncap = b.encap;
  const cL3 = b.l3;
  const cL4 = b.l4;
  let rewritten = 0;
  for (let k = off, end = off + n; k < end; k++) {
    const i = list[k]!;
    const dst = cDst[i]!;
    const proto = cProto[i]!;
    const laterFrag = (cFlags[i]! & F_LATER_FRAG) !== 0;
    let drop = 0;
    let next = NEXT_DROP;
    let target = -1;
    let ok = proto === IPPROTO_ESP;
    if (proto === IPPROTO_UDP) {
      const dp = cPorts[i]! & 0xffff;
      // RFC 3948: keepalives only refresh NAT state; the gateway may ignore them, but they must
      // still reach it to keep the mapping: forwarded like NAT-T.
      ok = dp === PORT_IKE || dp === PORT_NATT || laterFrag || cEncap[i] === ENCAP_NATT_KEEPALIVE;
    }
    if (!ok) drop = proto === IPPROTO_UDP ? DROP_UDP_UNSUPPORTED_PORT : DROP_NOT_FOR_US;
    else {
      const g = nat.get(dst, cSrc[i]!);
      if (g < 0) drop = DROP_NO_NAT_RULE;
      else if (gwUp[g] === 0) drop = DROP_POOL_DEGRADED;
      else if (alive[g] === 0) {
        drop = DROP_GATEWAY_FAILED;
        target = g;
      } else {
        const dip = gwDip[g]!;
        const l3 = cL3[i]!;
        const l4 = cL4[i]!;
        rewriteAddress(v, l3, l3 + 16, dst, dip, proto === IPPROTO_UDP && l4 >= 0 && !laterFrag ? l4 : -1);
        cDst[i] = dip;
        rewritten++;
        const r = deliverToGateway(b, v, i, T, g, dst, cnt);
        if (r < 0) drop = -r;
        else {
          next = NEXT_GATEWAY;
          target = g;
        }
      }
    }
    setVerdict(b, i, next, target, drop, cnt);
  }
  cnt.c[C_NAT_FORWARD] += rewritten;
}

/** Packets list[off .. off+n) of the batch, replies from a gateway DIP; `rule[k - off]` is the index of the SLB VIP each leaves from. */
function slbReplyNode(b: PacketBatch, list: Int32Array, rule: Int32Array, off: number, n: number, ctx: ForwardContext): void {
  const v = b.dv;
  const cnt = ctx.counters;
  const slbVipAddr = ctx.tables.slbVipAddr;
  const cSrc = b.src;
  const cProto = b.proto;
  const cFlags = b.flags;
  const cL3 = b.l3;
  const cL4 = b.l4;
  for (let k = off, end = off + n; k < end; k++) {
    const i = list[k]!;
    const src = cSrc[i]!;
    const vip = slbVipAddr[rule[k - off]!]!;
    const l3 = cL3[i]!;
    const l4 = cL4[i]!;
    rewriteAddress(v, l3, l3 + 12, src, vip, cProto[i] === IPPROTO_UDP && l4 >= 0 && (cFlags[i]! & F_LATER_FRAG) === 0 ? l4 : -1);
    cSrc[i] = vip;
    setVerdict(b, i, NEXT_REPLY, -1, 0, cnt);
  }
  cnt.c[C_NAT_REVERSE] += n;
}

/** Packets list[off .. off+n): GRE to a GRE VIP. */
function greVipNode(b: PacketBatch, list: Int32Array, off: number, n: number, ctx: ForwardContext): void {
  ownerNode(b, list, off, n, ctx, ctx.tables.greVip, false, DROP_NO_VIP_OWNER, C_GRE_VIP);
}

/** Packets list[off .. off+n): to a CA IP on a tenant's VLAN. */
function l3Node(b: PacketBatch, list: Int32Array, off: number, n: number, ctx: ForwardContext): void {
  ownerNode(b, list, off, n, ctx, ctx.tables.l3, true, DROP_NO_CA_OWNER, C_L3);
}

/** Deliver each packet to the owner of (VLAN or 0, destination) in `owners`. */
function ownerNode(
  b: PacketBatch, list: Int32Array, off: number, n: number, ctx: ForwardContext,
  owners: IntMap, byVlan: boolean, noOwner: number, counter: number,
): void {
  const v = b.dv;
  const T = ctx.tables;
  const cnt = ctx.counters;
  const alive = ctx.gwAlive;
  const gwUp = T.gwUp;
  const gwCount = T.gwCount;
  const cDst = b.dst;
  const cVlan0 = b.vlan0;
  let delivered = 0;
  for (let k = off, end = off + n; k < end; k++) {
    const i = list[k]!;
    const dst = cDst[i]!;
    let drop = 0;
    let next = NEXT_DROP;
    let target = -1;
    const g = owners.get(byVlan ? cVlan0[i]! : dst, byVlan ? dst : 0);
    if (g < 0 || g >= gwCount) drop = noOwner;
    else if (gwUp[g] === 0) drop = DROP_POOL_DEGRADED;
    else if (alive[g] === 0) {
      drop = DROP_GATEWAY_FAILED;
      target = g;
    } else {
      delivered++;
      const r = deliverToGateway(b, v, i, T, g, dst, cnt);
      if (r < 0) drop = -r;
      else {
        next = NEXT_GATEWAY;
        target = g;
      }
    }
    setVerdict(b, i, next, target, drop, cnt);
  }
  cnt.c[counter] += delivered;
}
