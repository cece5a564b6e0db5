/**
 * What `forward` prints: a one-line record every `--stats N` seconds, and on SIGINT/SIGTERM a
 * final summary in the replay's style (verdicts, drops by reason) with ipvsadm-style tables
 * (`ipvsadm -L -n --stats`): each service address (SLB VIP, GRE VIP, CA IP) with the
 * gateways it was delivered to, then the gateways, the tunnels and the health changes.
 */
import { COUNTER_NAMES, C_DROPS } from '../stats/counters.js';
import { DROP_REASONS } from '../stats/drop-reasons.js';
import { HEALTH_COUNTER_NAMES, type LiveHealth } from '../health/live-health.js';
import { IO_COUNTER_NAMES, type Forwarder } from './forwarder.js';

/** Columns [0, left) are left-aligned (names), the rest right-aligned (numbers). */
function table(rows: string[][], left = 1): string {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c < left ? cell.padEnd(w[c]!) : cell.padStart(w[c]!))).join('  ').trimEnd()).join('\n');
}

function role(fwd: Forwarder, g: number): string {
  return fwd.ctl.gwUp[g] === 0 ? 'down' : fwd.ctl.gwActive[g] === 1 ? 'active' : 'standby';
}

export interface StatsSnapshot {
  atMs: number;
  rx: number;
  tx: number;
}

/** One line: totals, rates since the previous line, each gateway's role and packets. */
export function statsLine(fwd: Forwarder, prev: StatsSnapshot): { line: string; snap: StatsSnapshot } {
  const c = fwd.counters;
  const now = fwd.nowMs();
  const dt = Math.max(1e-3, (now - prev.atMs) / 1000);
  const gws = fwd.cfg.gateways.map((g, k) => `${g.name}=${role(fwd, k)}:${c.gwPackets[k]}`).join(' ');
  const line =
    `stats t=${(now / 1000).toFixed(1)}s rx=${c.rx} tx=${c.tx} drop=${c.dropped} ` +
    `rx_pps=${((c.rx - prev.rx) / dt).toFixed(1)} tx_pps=${((c.tx - prev.tx) / dt).toFixed(1)} ${gws} gen=${fwd.ctl.tables.generation}`;
  return { line, snap: { atMs: now, rx: c.rx, tx: c.tx } };
}

export function forwardSummaryJson(fwd: Forwarder, health: LiveHealth | null, mode: string): Record<string, unknown> {
  const c = fwd.counters;
  const ctl = fwd.ctl;
  const secs = fwd.nowMs() / 1000;
  const counters: Record<string, number> = {};
  COUNTER_NAMES.forEach((n, k) => (counters[n] = c.c[k]!));
  counters[COUNTER_NAMES[C_DROPS]!] = c.dropped;
  const drops: Record<string, number> = {};
  for (const d of DROP_REASONS) if (d.code > 0 && c.drops[d.code]! > 0) drops[d.name] = c.drops[d.code]!;
  const io: Record<string, number> = {};
  IO_COUNTER_NAMES.forEach((n, k) => (io[n] = fwd.io[k]!));
  const ng = fwd.cfg.gateways.length;
  return {
    io_mode: mode,
    seconds: secs,
    counters,
    drops,
    invariant_rx_eq_tx_plus_drops: c.rx === c.tx + c.dropped,
    io,
    health: health ? Object.fromEntries(HEALTH_COUNTER_NAMES.map((n, k) => [n, health.counters[k]!])) : null,
    services: fwd.services.map((s, si) => ({
      kind: s.kind,
      address: s.ip,
      vlan: s.vlan,
      gateways: fwd.cfg.gateways
        .map((g, k) => ({ gateway: g.name, dip: g.dip, packets: fwd.svcPackets[si * ng + k]!, bytes: fwd.svcBytes[si * ng + k]! }))
        .filter((x) => x.packets > 0),
    })),
    gateways: fwd.cfg.gateways.map((g, k) => ({ name: g.name, dip: g.dip, pool: g.pool, role: role(fwd, k), packets: c.gwPackets[k], bytes: c.gwBytes[k] })),
    tunnels: ctl.tunnelNames.map((name, k) => ({
      name,
      gateway: ctl.gatewayName(ctl.tunGw[k]!),
      state: ctl.tunnelUp(k) ? 'up' : 'down',
      packets: c.tunPackets[k],
      bytes: c.tunBytes[k],
      flows: c.tunFlows[k],
    })),
    health_changes: fwd.healthLog,
    generation: ctl.tables.generation,
  };
}

export function forwardSummaryText(fwd: Forwarder, health: LiveHealth | null, mode: string): string {
  const c = fwd.counters;
  const ctl = fwd.ctl;
  const secs = fwd.nowMs() / 1000;
  const out: string[] = [];
  const cc = (n: string): number => c.c[COUNTER_NAMES.indexOf(n)]!;
  out.push(`gwplane forward --io ${mode}: ${secs.toFixed(1)} s, tables generation ${ctl.tables.generation}`);
  out.push(`Actual: ${c.rx} packets (${cc('rx_bytes')} bytes) received, ${c.tx} sent (${cc('tx_bytes')} bytes), ${c.dropped} dropped`);
  if (secs > 0) out.push(`Rated: ${(c.rx / secs).toFixed(1)} pps in, ${(c.tx / secs).toFixed(1)} pps out (wall clock, average)`);
  out.push('');
  out.push('Verdicts:');
  out.push(
    table([
      ['  rx', 'tx', 'nat_forward', 'nat_reverse', 'gre_vip', 'l3', 'tunnel', 'dropped', 'flows_new', 'flows_moved'],
      [`  ${c.rx}`, `${c.tx}`, ...['nat_forward', 'nat_reverse', 'gre_vip', 'l3', 'tunnel'].map((n) => String(cc(n))), String(c.dropped), String(cc('flows_new')), String(cc('flows_moved'))],
    ]),
  );
  out.push(`  rx == tx + drops: ${c.rx === c.tx + c.dropped ? 'yes' : 'NO'}`);
  const drops = DROP_REASONS.filter((d) => d.code > 0 && c.drops[d.code]! > 0);
  if (drops.length > 0) {
    out.push('');
    out.push('Drops by reason:');
    out.push(table([['  reason', 'packets'], ...drops.map((d) => [`  ${d.name}`, String(c.drops[d.code])])]));
  }
  out.push('');
  out.push('I/O: ' + IO_COUNTER_NAMES.map((n, k) => `${n}=${fwd.io[k]}`).join(' '));
  if (health) out.push('Health: ' + HEALTH_COUNTER_NAMES.map((n, k) => `${n}=${health.counters[k]}`).join(' '));

  // ipvsadm -L -n --stats: a virtual service line, then its real servers
  const ng = fwd.cfg.gateways.length;
  out.push('');
  out.push('Services (ipvsadm -L -n --stats style):');
  const rows: string[][] = [['Prot LocalAddress', 'Forward', 'State', 'Role', 'Packets', 'Bytes']];
  rows.push(['  -> Gateway RemoteAddress', '', '', '', '', '']);
  fwd.services.forEach((s, si) => {
    let p = 0;
    let by = 0;
    for (let k = 0; k < ng; k++) {
      p += fwd.svcPackets[si * ng + k]!;
      by += fwd.svcBytes[si * ng + k]!;
    }
    const prot = s.kind === 'slb' ? 'SLB ' : s.kind === 'gre' ? 'GRE ' : 'L3  ';
    const what = s.kind === 'slb' ? `${s.ip} (IKE 500, NAT-T 4500, ESP; NAT by source IP)` : s.kind === 'gre' ? `${s.ip} (GRE VIP)` : `${s.ip} vlan ${s.vlan} (CA IP)`;
    rows.push([`${prot} ${what}`, '', '', '', String(p), String(by)]);
    // current owners, and every gateway that received packets for it
    const owners = new Set<number>();
    if (s.kind === 'slb') for (const g of ctl.natOwner.values()) owners.add(g);
    else if (s.kind === 'gre') {
      const g = ctl.greVipOwner.get(s.ip);
      if (g !== undefined) owners.add(g);
    } else {
      for (const [key, g] of ctl.l3Owner) {
        const o = ctl.placement.l3[key]!;
        if (o.ca_ip === s.ip && o.vlan === s.vlan) owners.add(g);
      }
    }
    for (let k = 0; k < ng; k++) {
      const pk = fwd.svcPackets[si * ng + k]!;
      if (pk === 0 && !owners.has(k)) continue;
      const g = fwd.cfg.gateways[k]!;
      const tenants = s.kind === 'slb' ? [...ctl.natOwner].filter(([, x]) => x === k).map(([t]) => t) : [];
      rows.push([
        `  -> ${g.name.padEnd(6)} ${g.dip}${owners.has(k) ? ' *' : ''}${tenants.length ? ` (${tenants.join(', ')})` : ''}`,
        s.kind === 'slb' ? 'Masq' : 'Route',
        ctl.gwUp[k] === 1 ? 'up' : 'down',
        role(fwd, k),
        String(pk),
        String(fwd.svcBytes[si * ng + k]!),
      ]);
    }
  });
  out.push(table(rows, 4));
  out.push('  (* = current owner; Masq = destination NATed to the DIP, Route = delivered by MAC with the address unchanged)');
  out.push('');
  out.push('Gateways:');
  out.push(
    table([
      ['  Gateway', 'DIP', 'Pool', 'Role', 'Packets', 'Bytes'],
      ...fwd.cfg.gateways.map((g, k) => [`  -> ${g.name}`, g.dip, g.pool, role(fwd, k), String(c.gwPackets[k]), String(c.gwBytes[k])]),
    ], 4),
  );
  if (ctl.tunnelNames.length > 0) {
    out.push('');
    out.push('Tunnels:');
    out.push(
      table([
        ['  Tunnel', 'Gateway', 'State', 'Packets', 'Bytes', 'Flows'],
        ...ctl.tunnelNames.map((t, k) => [`  -> ${t}`, ctl.gatewayName(ctl.tunGw[k]!), ctl.tunnelUp(k) ? 'up' : 'down', String(c.tunPackets[k]), String(c.tunBytes[k]), String(c.tunFlows[k])]),
      ], 3),
    );
  }
  out.push('');
  out.push('Health changes:');
  if (fwd.healthLog.length === 0) out.push('  (none)');
  for (const h of fwd.healthLog) {
    const t = ((h.time - fwd.startedAt) / 1000).toFixed(3);
    out.push(`  t=${t}s ${h.event} ${h.gateway} -> ${h.role}${h.takeover_by ? `, takeover by ${h.takeover_by}` : ''}${h.changes.length ? `; ${h.changes.join('; ')}` : ''}${h.garp.length ? `; garp ${h.garp.join(', ')}` : ''}`);
  }
  return out.join('\n') + '\n';
}
