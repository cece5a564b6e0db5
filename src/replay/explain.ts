/**
 * `gwplane explain`: where would this flow go, and why (Katran's `getRealForFlow`).
 *
 * The flow is written as `PROTO SRC[:PORT] > DST[:PORT]` (tcpdump's arrow), e.g.
 * `udp 192.0.2.1:4500 > 203.0.113.10:4500`, `esp 192.0.2.1 > 203.0.113.10 spi 0x1001`,
 * `gre 192.0.2.1 > 198.51.100.21`, with `--vlan N` for an 802.1Q tag and `--vsid N` to send
 * it as NVGRE from a compute host (the flow is then the inner one). A one-packet batch is
 * built and run through the real dissector and data path, with the tables in force at
 * `--at T` seconds of the scenario, so the answer is the data plane's own.
 */
import { LINK_ETHERNET, PacketBatch } from '../batch/packet-batch.js';
import type { GwConfig } from '../control/config-schema.js';
import { Controller } from '../control/controller.js';
import { HealthSim } from '../control/health-sim.js';
import { FlowTable } from '../lb/flow-table.js';
import { dissectBatch } from '../nodes/dissect.js';
import { forwardBatch, FlowKeyColumns, NEXT_GATEWAY, NEXT_REPLY, NEXT_TUNNEL } from '../nodes/gateway-forward.js';
import { DataplaneCounters } from '../stats/counters.js';
import { dropName, DROP_REASONS } from '../stats/drop-reasons.js';
import { ethEmit, ETHERTYPE_IP4, ETHERTYPE_TEB, ETHERTYPE_VLAN } from '../wire/ethernet.js';
import { espEmit } from '../wire/esp.js';
import { greEmit } from '../wire/gre.js';
import { IKE_SA_INIT, ikeEmit } from '../wire/ike.js';
import { ip4Emit, IPPROTO_ESP, IPPROTO_GRE, IPPROTO_TCP, IPPROTO_UDP } from '../wire/ipv4.js';
import { tcpEmit, tcpFillChecksum } from '../wire/tcp.js';
import { udpEmit, udpFillChecksum } from '../wire/udp.js';
import { vlanEmit } from '../wire/vlan.js';
import { ip4FromString, ip4ToString } from '../wire/view.js';

export interface FlowSpec {
  proto: 'udp' | 'tcp' | 'esp' | 'gre';
  src: number;
  dst: number;
  sport: number;
  dport: number;
  spi: number;
}

/** Parse `udp 192.0.2.1:4500 > 203.0.113.10:4500` (optionally `spi N` for esp). */
export function parseFlow(text: string): FlowSpec | string {
  const m = /^\s*(udp|tcp|esp|gre)\s+(\d+\.\d+\.\d+\.\d+)(?::(\d+))?\s*>\s*(\d+\.\d+\.\d+\.\d+)(?::(\d+))?(?:\s+spi\s+(0x[0-9a-fA-F]+|\d+))?\s*$/.exec(text);
  if (!m) return `cannot parse flow '${text}': expected 'PROTO SRC[:PORT] > DST[:PORT]', e.g. 'udp 192.0.2.1:4500 > 203.0.113.10:4500'`;
  const src = ip4FromString(m[2]!);
  const dst = ip4FromString(m[4]!);
  if (Number.isNaN(src) || Number.isNaN(dst)) return `bad IPv4 address in '${text}'`;
  const proto = m[1] as FlowSpec['proto'];
  const sport = m[3] ? Number(m[3]) : 0;
  const dport = m[5] ? Number(m[5]) : 0;
  if (sport > 65535 || dport > 65535) return `port out of range in '${text}'`;
  if ((proto === 'udp' || proto === 'tcp') && (!m[3] || !m[5])) return `${proto} needs both ports in '${text}'`;
  return { proto, src, dst, sport, dport, spi: m[6] ? Number(m[6]) : 0x1001 };
}

/**
 * Write the flow's packet at `o`; returns the end offset. The payload is what the port or
 * protocol expects (an IKE header on 500, ESP on 4500, an inner IPv4/UDP packet in GRE), so
 * the dissector accepts it.
 */
function emitIp(v: DataView, o: number, f: FlowSpec): number {
  const proto = f.proto === 'udp' ? IPPROTO_UDP : f.proto === 'tcp' ? IPPROTO_TCP : f.proto === 'esp' ? IPPROTO_ESP : IPPROTO_GRE;
  const l4len = f.proto === 'udp' ? 8 : f.proto === 'tcp' ? 20 : f.proto === 'esp' ? 8 : 4;
  const ike = f.proto === 'udp' && (f.dport === 500 || f.sport === 500);
  const payload = ike ? 28 : f.proto === 'gre' ? 28 : 16;
  const total = 20 + l4len + payload;
  ip4Emit(v, o, { totalLen: total, proto, src: f.src, dst: f.dst, ttl: 64 });
  const t = o + 20;
  const p = t + l4len;
  if (ike) ikeEmit(v, p, { ispi: 0x1122334455667788n, rspi: 0n, exchangeType: IKE_SA_INIT, length: 28 });
  else if (f.proto === 'udp' && (f.dport === 4500 || f.sport === 4500)) espEmit(v, p, { spi: f.spi, seq: 1 });
  if (f.proto === 'udp') {
    udpEmit(v, t, { sport: f.sport, dport: f.dport, len: 8 + payload });
    udpFillChecksum(v, t, 8 + payload, f.src, f.dst);
  } else if (f.proto === 'tcp') {
    tcpEmit(v, t, { sport: f.sport, dport: f.dport, flags: 0x02 });
    tcpFillChecksum(v, t, 20 + payload, f.src, f.dst);
  } else if (f.proto === 'esp') espEmit(v, t, { spi: f.spi, seq: 1 });
  else {
    greEmit(v, t, { proto: ETHERTYPE_IP4 });
    ip4Emit(v, p, { totalLen: 28, proto: IPPROTO_UDP, src: '10.0.0.1', dst: '10.0.0.2' });
    udpEmit(v, p + 20, { sport: 1, dport: 2, len: 8 });
  }
  return o + total;
}

export interface ExplainResult {
  flow: string;
  at_s: number;
  generation: number;
  verdict: 'gateway' | 'tunnel' | 'reply' | 'drop';
  path: string;
  gateway: string | null;
  tunnel: string | null;
  drop: string | null;
  why: string[];
}

export function explainFlow(cfg: GwConfig, flowText: string, opts: { atS?: number; vlan?: number; vsid?: number; hashKey?: Uint32Array }): ExplainResult | string {
  const f = parseFlow(flowText);
  if (typeof f === 'string') return f;
  const ctl = new Controller(cfg, opts.hashKey ? { hashKey: opts.hashKey } : {});
  const at = opts.atS ?? 0;
  // Bring the control plane to time `at`, as replay would.
  const health = new HealthSim(cfg.gateways.length, cfg.health.interval_ms, cfg.health.fall, cfg.health.rise);
  const alive = new Uint8Array(cfg.gateways.length).fill(1);
  for (const e of cfg.scenario) {
    if (e.at > at) continue;
    if (e.event === 'gateway_down' || e.event === 'gateway_up') {
      health.setAlive(ctl.gw(e.gateway), e.event === 'gateway_up', e.at * 1000);
      alive[ctl.gw(e.gateway)] = e.event === 'gateway_up' ? 1 : 0;
    }
  }
  const pending = cfg.scenario.filter((e) => e.at <= at && e.event !== 'gateway_down' && e.event !== 'gateway_up');
  for (const c of health.advance(at * 1000)) {
    if (c.up) ctl.gatewayUp(ctl.gatewayName(c.gateway), c.atMs);
    else ctl.gatewayDown(ctl.gatewayName(c.gateway), c.atMs);
  }
  for (const e of pending) {
    if (e.event === 'tunnel_down' || e.event === 'tunnel_up') ctl.setTunnel(e.site, e.tunnel, e.event === 'tunnel_up', e.at * 1000);
    else if (e.event === 'weight') ctl.setWeight(e.site, e.tunnel, e.weight, e.at * 1000);
  }
  const T = ctl.tables;

  const b = new PacketBatch(1, 4096);
  const base = b.reserve(512);
  const v = b.dv;
  let o = base;
  o += ethEmit(v, o, { dst: '02:00:00:00:00:01', src: '02:00:00:00:00:02', type: opts.vlan !== undefined ? ETHERTYPE_VLAN : ETHERTYPE_IP4 });
  if (opts.vlan !== undefined) o += vlanEmit(v, o, { id: opts.vlan, type: ETHERTYPE_IP4 });
  if (opts.vsid !== undefined) {
    // NVGRE from a compute host: outer IPv4 + GRE(K, 0x6558) + inner Ethernet + the flow.
    const outer = o;
    o += 20;
    o += greEmit(v, o, { proto: ETHERTYPE_TEB, key: ((opts.vsid << 8) | 0) | 0 });
    o += ethEmit(v, o, { dst: '02:00:00:00:00:03', src: '02:00:00:00:00:04', type: ETHERTYPE_IP4 });
    const end = emitIp(v, o, f);
    ip4Emit(v, outer, { totalLen: end - outer, proto: IPPROTO_GRE, src: '10.1.0.1', dst: '10.1.0.2' });
    o = end;
  } else o = emitIp(v, o, f);
  b.commit(base, o - base, o - base, 0, 0, LINK_ETHERNET);
  dissectBatch(b);
  const counters = new DataplaneCounters(T.gwCount, T.tunCount);
  const flows = new FlowTable(1024);
  forwardBatch(b, 0, 1, { tables: T, flows, counters, gwAlive: alive, nowMs: Math.round(at * 1000) }, new FlowKeyColumns(1));

  const why: string[] = [];
  const nx = b.next[0]!;
  let path = 'dropped';
  let gateway: string | null = null;
  let tunnel: string | null = null;
  const d = b.drop[0]!;
  if (d !== 0) why.push(`dropped: ${dropName(d)} (${DROP_REASONS[d]!.description})`);
  if (opts.vsid !== undefined) {
    path = 'nvgre -> site tunnel (ECMP)';
    why.push(`VSID ${opts.vsid} -> tenant ${cfg.tenants.find((t) => t.vsid === opts.vsid)?.name ?? '(none)'}`);
    if (nx === NEXT_TUNNEL) {
      const t = b.target[0]!;
      tunnel = ctl.tunnelNames[t]!;
      gateway = ctl.gatewayName(T.tunGw[t]!);
      const slot = (b.hash[0]! >>> 0) % T.maglevSize;
      why.push(`inner destination ${ip4ToString(f.dst)} -> site ${cfg.sites[T.tunSite[t]!]!.name} (longest prefix)`);
      why.push(`flow hash 0x${(b.hash[0]! >>> 0).toString(16)} -> Maglev slot ${slot} of ${T.maglevSize} -> tunnel ${tunnel} on ${gateway}`);
      why.push(`re-encapsulated in GRE ${ip4ToString(T.tunLocal[t]!)} > ${ip4ToString(T.tunRemote[t]!)}${T.tunHasKey[t] ? ` key ${T.tunKey[t]! >>> 0}` : ''}`);
    }
  } else if (nx === NEXT_GATEWAY || (d !== 0 && (T.slbVips.get(f.dst, 0) >= 0 || (f.proto === 'gre' && T.greVip.get(f.dst, 0) !== -1) || opts.vlan !== undefined))) {
    if (T.slbVips.get(f.dst, 0) >= 0) {
      path = 'SLB NAT (VIP, source IP) -> designated gateway';
      const rule = ctl.placement.nat.find((r) => ip4FromString(r.public_ip) === f.src && ip4FromString(r.vip) === f.dst);
      if (rule) why.push(`NAT rule: (${rule.vip}, ${rule.public_ip}) of tenant ${rule.tenant} (connection ${rule.connection})`);
    } else if (f.proto === 'gre') path = 'GRE to gateway VIP -> owner';
    else path = 'L3: (VLAN, CA IP) -> owner';
    if (nx === NEXT_GATEWAY) {
      gateway = ctl.gatewayName(b.target[0]!);
      why.push(`delivered to ${gateway} (DIP ${ctl.cfg.gateways[b.target[0]!]!.dip}) by ${cfg.delivery === 'ipip' ? 'IP-in-IP to its DIP' : 'rewriting the destination MAC'}`);
    }
  } else if (nx === NEXT_REPLY) {
    path = 'reverse SLB NAT (DIP -> VIP)';
    why.push(`source rewritten to the SLB VIP ${ip4ToString(b.src[0]!)}`);
  }
  why.push(`tables generation ${T.generation} (state at t=${at} s of the scenario)`);
  return {
    flow: flowText.trim(),
    at_s: at,
    generation: T.generation,
    verdict: nx === NEXT_GATEWAY ? 'gateway' : nx === NEXT_TUNNEL ? 'tunnel' : nx === NEXT_REPLY ? 'reply' : 'drop',
    path,
    gateway,
    tunnel,
    drop: d !== 0 ? dropName(d) : null,
    why,
  };
}
