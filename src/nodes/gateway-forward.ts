/**
 * The gateway data path over a dissected batch: every packet gets a verdict (VPP's next node)
 * and is rewritten in place.
 *
 *   1. NVGRE from compute hosts (GRE 0x6558) -> site -> tunnel: nvgre-tunnel.ts.
 *   2. To an SLB VIP (IKE 500, NAT-T 4500, ESP): (VIP, source IP) -> designated gateway,
 *      destination rewritten to its DIP (RFC 1624 incremental checksums), delivered.
 *   3. From a gateway DIP to a tenant public IP: the reverse rewrite, source DIP -> VIP.
 *   4. GRE (not NVGRE) to a gateway's GRE VIP: delivered to the VIP's current owner.
 *   5. 802.1Q-tagged, to a tenant's CA IP on its VLAN: delivered to the owner of (VLAN, CA IP).
 *   Anything else is dropped with a named reason.
 *
 * "Delivered to gateway g": deliver.ts (MAC rewrite, or IP-in-IP to its DIP).
 *
 * Lost packets: `gwAlive` is the ground truth of the replay's scenario (all 1 on a live
 * forwarder). A packet the tables still send to a gateway that has in fact failed, before
 * health checking detected it, is counted as lost (DROP_GATEWAY_FAILED).
 *
 * Per packet: no allocation, no throw, no string, no await. Counters are accumulated in
 * typed arrays.
 */
import {
  ENCAP_GRE, ENCAP_NATT_KEEPALIVE, ENCAP_NVGRE, F_LATER_FRAG, K_DROP, K_DST, K_ENCAP, K_FLAGS, K_L3, K_L4, K_LEN, K_NEXT, K_PORTS, K_PROTO, K_SRC,
  K_TARGET, K_VLAN0, K_VLANCOUNT, K_WIRELEN, type PacketBatch,
} from '../batch/packet-batch.js';
import { C_GRE_VIP, C_L3, C_NAT_FORWARD, C_NAT_REVERSE, C_RX, C_RX_BYTES, C_TX, C_TX_BYTES } from '../stats/counters.js';
import {
  DROP_GATEWAY_FAILED, DROP_IP4_FRAGMENT, DROP_L2_NOT_IP4, DROP_NO_CA_OWNER, DROP_NO_NAT_RULE, DROP_NO_VIP_OWNER, DROP_NOT_FOR_US,
  DROP_POOL_DEGRADED, DROP_UDP_UNSUPPORTED_PORT,
} from '../stats/drop-reasons.js';
import { csumReplace32 } from '../wire/checksum.js';
import { IPPROTO_ESP, IPPROTO_GRE, IPPROTO_UDP } from '../wire/ipv4.js';
import { PORT_IKE, PORT_NATT } from '../wire/udp.js';
import { ADDR_GRE_VIP, ADDR_SLB_VIP } from './dataplane-tables.js';
import { deliverToGateway } from './deliver.js';
import { NEXT_DROP, NEXT_GATEWAY, NEXT_REPLY, type FlowKeyColumns, type ForwardContext } from './forward-context.js';
import { nvgreHashPass, nvgreTunnelNode } from './nvgre-tunnel.js';

export { FlowKeyColumns, NEXT_DROP, NEXT_GATEWAY, NEXT_NAMES, NEXT_REPLY, NEXT_TUNNEL, type ForwardContext } from './forward-context.js';

/**
 * Process packets [from, to) of a dissected batch. Fills `next`, `target`, `drop` and
 * `hash`, rewrites packets in place (moving `base`/`len` when the encapsulation changes),
 * and adds to the counters.
 *
 * Three loops, each flat and free of calls it does not need: every packet but NVGRE's (SLB
 * NAT, reverse NAT, GRE VIP, L3, drops), then NVGRE's hash pass and tunnel pass over the
 * batch's NVGRE packets in their order (nvgre-tunnel.ts). Only NVGRE packets touch the flow
 * table, so their order among themselves is all that decides it, and each packet's verdict is
 * its own: the result is the one a single loop in packet order gives.
 *
 * One loop with a branch per path rather than a loop per path (VPP's frame per next node):
 * measured on the trace mix, a classifier then one loop per node was no faster (137 against 133
 * ns/packet for dissect + forward) and the SLB NAT job was 12 ns/packet slower (the second
 * pass over the packets costs what the better-predicted branches save); it is kept in
 * bench/nodes/forward-per-node.ts beside this one.
 */
export function forwardBatch(b: PacketBatch, from: number, to: number, ctx: ForwardContext, keys: FlowKeyColumns | null): void {
  const v = b.dv;
  const T = ctx.tables;
  const cnt = ctx.counters;
  const alive = ctx.gwAlive;
  const drops = cnt.drops;
  // The columns, as offsets into the batch's one Int32Array of columns (see dissectBatch):
  // dissect + forward 0.98x on the SLB NAT job and 0.97x on the trace mix against one typed
  // array per column (in-process alternating rounds, both orders, 8 runs each).
  const cols = b.i32;
  const S = b.capacity;
  const oDrop = K_DROP * S;
  const oDst = K_DST * S;
  const oEncap = K_ENCAP * S;
  const oFlags = K_FLAGS * S;
  const oL3 = K_L3 * S;
  const oL4 = K_L4 * S;
  const oLen = K_LEN * S;
  const oNext = K_NEXT * S;
  const oPorts = K_PORTS * S;
  const oProto = K_PROTO * S;
  const oSrc = K_SRC * S;
  const oTarget = K_TARGET * S;
  const oVlan0 = K_VLAN0 * S;
  const oVlanCount = K_VLANCOUNT * S;
  const oWire = K_WIRELEN * S;
  // tables, loaded once
  const addrClass = T.addrClass;
  const nat = T.nat;
  const natReverse = T.natReverse;
  const greVip = T.greVip;
  const l3Owner = T.l3;
  const vlanTenant = T.vlanTenant;
  const gwDip = T.gwDip;
  const gwUp = T.gwUp;
  const gwCount = T.gwCount;
  const slbVipAddr = T.slbVipAddr;
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
    rxBytes += cols[oWire + i]!;
    let drop = cols[oDrop + i]!;
    let next = NEXT_DROP;
    let target = -1;
    if (drop === 0) {
      const encap = cols[oEncap + i]!;
      const dst = cols[oDst + i]!;
      const src = cols[oSrc + i]!;
      const proto = cols[oProto + i]!;
      const l3 = cols[oL3 + i]!;
      if (l3 < 0) {
        drop = DROP_L2_NOT_IP4;
      } else if (encap === ENCAP_NVGRE) {
        // ---- 1. NVGRE -> site -> tunnel: in the passes below ----
        nvgre[nNvgre++] = i;
        continue;
      } else {
        // One lookup classifies the destination (SLB VIP, GRE VIP); a reply is one that has a
        // reverse rule, (gateway DIP, tenant public IP): the rule's key names the DIP itself.
        const dcls = addrClass.get(dst, 0);
        let rv = -1;
        if (dcls < 0 && (proto === IPPROTO_UDP || proto === IPPROTO_ESP)) rv = natReverse.get(src, dst);
        if (dcls === ADDR_SLB_VIP) {
          // ---- 2. SLB NAT by (VIP, source IP) ----
          let ok = proto === IPPROTO_ESP;
          if (proto === IPPROTO_UDP) {
            const dp = cols[oPorts + i]! & 0xffff;
            // RFC 3948: keepalives only refresh NAT state; the gateway may ignore them, but
            // they must still reach it to keep the mapping: forwarded like NAT-T.
            ok = dp === PORT_IKE || dp === PORT_NATT || (cols[oFlags + i]! & F_LATER_FRAG) !== 0 || encap === ENCAP_NATT_KEEPALIVE;
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
              const l4 = cols[oL4 + i]!;
              if (proto === IPPROTO_UDP && l4 >= 0 && (cols[oFlags + i]! & F_LATER_FRAG) === 0) {
                // RFC 768 / RFC 1624: a zero UDP checksum stays zero; a computed zero is 0xFFFF.
                const c = v.getUint16(l4 + 6);
                if (c !== 0) {
                  const c1 = csumReplace32(c, dst, dip);
                  v.setUint16(l4 + 6, c1 === 0 ? 0xffff : c1);
                }
              }
              cols[oDst + i] = dip;
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
          const l4 = cols[oL4 + i]!;
          if (proto === IPPROTO_UDP && l4 >= 0 && (cols[oFlags + i]! & F_LATER_FRAG) === 0) {
            const c = v.getUint16(l4 + 6);
            if (c !== 0) {
              const c1 = csumReplace32(c, src, vip);
              v.setUint16(l4 + 6, c1 === 0 ? 0xffff : c1);
            }
          }
          cols[oSrc + i] = vip;
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
        } else if (cols[oVlanCount + i]! > 0 && vlanTenant.get(cols[oVlan0 + i]!, 0) >= 0) {
          // ---- 5. L3: (VLAN, CA IP) -> owner; the lookup always includes the VLAN ----
          const g = l3Owner.get(cols[oVlan0 + i]!, dst);
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
        } else if ((cols[oFlags + i]! & F_LATER_FRAG) !== 0 && proto !== IPPROTO_ESP) {
          drop = DROP_IP4_FRAGMENT;
        } else drop = DROP_NOT_FOR_US;
      }

      if (next === NEXT_GATEWAY) {
        const r = deliverToGateway(b, v, i, T, target, dst, cnt);
        if (r < 0) {
          drop = -r;
          next = NEXT_DROP;
        }
      }
    }
    if (next === NEXT_DROP) {
      drops[drop]++;
      // a lost packet keeps the gateway it was sent to in `target`, for the scorecard
      if (drop !== DROP_GATEWAY_FAILED) target = -1;
    } else {
      tx++;
      txBytes += cols[oLen + i]!;
    }
    cols[oDrop + i] = drop;
    cols[oNext + i] = next;
    cols[oTarget + i] = target;
  }

  if (nNvgre > 0) {
    nvgreHashPass(b, nvgre, 0, nNvgre, T, ctx.flows);
    nvgreTunnelNode(b, nvgre, 0, nNvgre, ctx, keys);
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

/** The batch's NVGRE packets (indices), in a list grown once for a bigger batch (no allocation per batch). */
function nvgreList(n: number): Int32Array {
  if (nvgreIdx.length < n) nvgreIdx = new Int32Array(n);
  return nvgreIdx;
}
