/**
 * What `replay` prints: a tcpreplay-style summary (`Actual:` / `Rated:`), counters per
 * verdict and drop reason, ipvsadm-style tables per gateway and per tunnel, and the
 * failover scorecard; `--json` gives the same as one object.
 */
import { FT_COUNTER_NAMES, type FlowTable } from '../lb/flow-table.js';
import { COUNTER_NAMES } from '../stats/counters.js';
import { DROP_REASONS } from '../stats/drop-reasons.js';
import type { ReplayResult } from './replay.js';

function fmt(x: number, d = 2): string {
  return x.toFixed(d);
}

function table(rows: string[][]): string {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(w[c]!) : cell.padStart(w[c]!))).join('  ').trimEnd()).join('\n');
}

/** The flow table's bound, occupancy and counters (inserts = new flows, evictions = stalest of a full bucket). */
function flowTableJson(ft: FlowTable): Record<string, number> {
  const o: Record<string, number> = { capacity: ft.capacity, size: ft.size };
  FT_COUNTER_NAMES.forEach((n, k) => (o[n] = ft.counters[k]!));
  return o;
}

export function replaySummaryJson(r: ReplayResult): Record<string, unknown> {
  const ctl = r.controller;
  const cnt = r.counters;
  const counters: Record<string, number> = {};
  COUNTER_NAMES.forEach((n, k) => (counters[n] = cnt.c[k]!));
  counters.drops = cnt.dropped;
  const drops: Record<string, number> = {};
  for (const d of DROP_REASONS) if (d.code > 0 && cnt.drops[d.code]! > 0) drops[d.name] = cnt.drops[d.code]!;
  return {
    file: r.file,
    output: r.output,
    interrupted: r.interrupted,
    packets: r.packets,
    bytes: r.bytes,
    capture_seconds: r.captureSeconds,
    wall_seconds: r.wallSeconds,
    rated: {
      capture_pps: r.captureSeconds > 0 ? r.packets / r.captureSeconds : null,
      wall_pps: r.wallSeconds > 0 ? r.packets / r.wallSeconds : null,
    },
    counters,
    drops,
    invariant_rx_eq_tx_plus_drops: cnt.rx === cnt.tx + cnt.dropped,
    flow_table: flowTableJson(r.flows),
    gateways: ctl.cfg.gateways.map((g, k) => ({
      name: g.name,
      dip: g.dip,
      pool: g.pool,
      role: ctl.gwActive[k] === 1 ? 'active' : 'standby',
      state: ctl.gwUp[k] === 1 ? 'up' : 'down',
      packets: cnt.gwPackets[k],
      bytes: cnt.gwBytes[k],
    })),
    tunnels: ctl.tunnelNames.map((name, k) => ({
      name,
      gateway: ctl.gatewayName(ctl.tunGw[k]!),
      weight: ctl.tunWeight[k],
      state: ctl.tunnelUp(k) ? 'up' : 'down',
      packets: cnt.tunPackets[k],
      bytes: cnt.tunBytes[k],
      flows: cnt.tunFlows[k],
    })),
    scorecard: r.scorecard,
    stickiness_violations: r.stickinessViolations,
    changes: r.changes,
    series: r.series,
    generation: ctl.generation,
    warnings: r.warnings,
    truncated_records: r.truncatedRecords,
  };
}

export function replaySummaryText(r: ReplayResult): string {
  const j = replaySummaryJson(r) as ReturnType<typeof replaySummaryJson> & {
    gateways: Array<Record<string, string | number>>;
    tunnels: Array<Record<string, string | number>>;
  };
  const cnt = r.counters;
  const out: string[] = [];
  const cs = r.captureSeconds;
  out.push(`Actual: ${r.packets} packets (${r.bytes} bytes) sent in ${fmt(cs)} seconds of capture time`);
  if (cs > 0) out.push(`Rated: ${fmt(r.bytes / cs, 1)} Bps, ${fmt((r.bytes * 8) / cs / 1e6, 3)} Mbps, ${fmt(r.packets / cs)} pps (capture clock)`);
  out.push(
    `Processed: ${r.packets} packets in ${fmt(r.wallSeconds, 3)} seconds wall, ${fmt(r.packets / Math.max(r.wallSeconds, 1e-9) / 1e6, 3)} Mpps (read, process, write)`,
  );
  if (r.interrupted) out.push('Interrupted: the summary covers what was processed; no output file was left.');
  for (const w of r.warnings) out.push(`Warning: ${w}`);
  out.push('');
  out.push('Verdicts:');
  const c = j.counters as Record<string, number>;
  out.push(
    table([
      ['  rx', 'tx', 'nat_forward', 'nat_reverse', 'gre_vip', 'l3', 'tunnel', 'dropped', 'flows_new', 'flows_moved'],
      [`  ${c.rx}`, `${c.tx}`, `${c.nat_forward}`, `${c.nat_reverse}`, `${c.gre_vip}`, `${c.l3}`, `${c.tunnel}`, `${cnt.dropped}`, `${c.flows_new}`, `${c.flows_moved}`],
    ]),
  );
  out.push(`  rx == tx + drops: ${cnt.rx === cnt.tx + cnt.dropped ? 'yes' : 'NO'}`);
  const ft = r.flows;
  out.push(`  flow table: ${ft.size} of ${ft.capacity} entries; ${ft.inserts} inserted, ${ft.evictions} evicted (stalest of a full bucket), ${ft.expired} expired`);
  const drops = Object.entries(j.drops as Record<string, number>);
  if (drops.length > 0) {
    out.push('');
    out.push('Drops by reason:');
    out.push(table([['  reason', 'packets'], ...drops.map(([n, x]) => [`  ${n}`, String(x)])]));
  }
  out.push('');
  out.push('Gateways (ipvsadm -L -n style):');
  out.push(
    table([
      ['  Gateway', 'DIP', 'Pool', 'Role', 'State', 'Packets', 'Bytes'],
      ...j.gateways.map((g) => [`  -> ${g.name}`, String(g.dip), String(g.pool), String(g.role), String(g.state), String(g.packets), String(g.bytes)]),
    ]),
  );
  if (j.tunnels.length > 0) {
    out.push('');
    out.push('Tunnels:');
    out.push(
      table([
        ['  Tunnel', 'Gateway', 'Weight', 'State', 'Packets', 'Bytes', 'Flows'],
        ...j.tunnels.map((t) => [`  -> ${t.name}`, String(t.gateway), String(t.weight), String(t.state), String(t.packets), String(t.bytes), String(t.flows)]),
      ]),
    );
  }
  out.push('');
  out.push('Failover scorecard:');
  if (r.scorecard.length === 0) out.push('  (no scenario events)');
  else {
    out.push(
      table([
        ['  #', 'event', 'target', 'at s', 'detected s', 'detect ms', 'takeover', 'lost pkts', 'flows moved', 'minimum', 'stickiness viol.', 'converge ms'],
        ...r.scorecard.map((s) => [
          `  ${s.index}`,
          s.event,
          s.target,
          fmt(s.at_s, 3),
          s.detected_at_s === null ? '-' : fmt(s.detected_at_s, 3),
          s.detection_ms === null ? '-' : String(s.detection_ms),
          s.takeover_by ?? '-',
          String(s.packets_lost),
          String(s.flows_moved),
          String(s.flows_minimum),
          String(s.stickiness_violations),
          s.converge_ms === null ? '-' : String(s.converge_ms),
        ]),
      ]),
    );
    for (const s of r.scorecard) if (s.tunnels_down.length > 0) out.push(`  #${s.index} took down: ${s.tunnels_down.join(', ')}`);
  }
  out.push(`  stickiness violations in all: ${r.stickinessViolations}`);
  return out.join('\n') + '\n';
}
