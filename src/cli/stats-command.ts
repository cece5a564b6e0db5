/**
 * `gwplane stats --metrics HOST:PORT`: the ipvsadm-style tables of a running forwarder
 * (started with `--metrics`), read from its Prometheus text: services (SLB VIP, GRE VIPs,
 * CA IPs) with the gateways they were delivered to, gateways with role and counters,
 * tunnels, totals. `--json` prints the same as one object.
 */
import { CliError, EXIT_RUNTIME } from './exit-codes.js';
import type { Endpoint } from '../forward/io-vxlan.js';
import { stdout } from './output.js';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parse Prometheus text exposition (0.0.4): one sample per non-comment line. */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

function table(rows: string[][], left: number): string {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c < left ? cell.padEnd(w[c]!) : cell.padStart(w[c]!))).join('  ').trimEnd()).join('\n');
}

export function statsFromMetrics(samples: Sample[]): Record<string, unknown> {
  const get = (name: string, labels: Record<string, string> = {}): number =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;
  const all = (name: string): Sample[] => samples.filter((s) => s.name === name);
  const gateways = all('gwplane_gateway_up').map((s) => s.labels.gateway!);
  return {
    io: all('gwplane_info')[0]?.labels.io ?? null,
    generation: get('gwplane_tables_generation'),
    counters: Object.fromEntries(all('gwplane_packets_total').map((s) => [s.labels.counter!, s.value])),
    dropped: all('gwplane_drops_total').reduce((a, s) => a + s.value, 0),
    drops: Object.fromEntries(all('gwplane_drops_total').filter((s) => s.value > 0).map((s) => [s.labels.reason!, s.value])),
    services: all('gwplane_service_packets_total').map((s) => ({ service: s.labels.service, kind: s.labels.kind, gateway: s.labels.gateway, packets: s.value })),
    gateways: gateways.map((g) => ({
      name: g,
      state: get('gwplane_gateway_up', { gateway: g }) === 1 ? 'up' : 'down',
      role: get('gwplane_gateway_up', { gateway: g }) === 0 ? 'down' : get('gwplane_gateway_active', { gateway: g }) === 1 ? 'active' : 'standby',
      packets: get('gwplane_gateway_packets_total', { gateway: g }),
      bytes: get('gwplane_gateway_bytes_total', { gateway: g }),
    })),
    tunnels: all('gwplane_tunnel_up').map((s) => ({
      name: s.labels.tunnel,
      state: s.value === 1 ? 'up' : 'down',
      packets: get('gwplane_tunnel_packets_total', { tunnel: s.labels.tunnel! }),
      flows: get('gwplane_tunnel_flows_total', { tunnel: s.labels.tunnel! }),
    })),
  };
}

export function statsText(j: ReturnType<typeof statsFromMetrics>): string {
  const c = j.counters as Record<string, number>;
  const out: string[] = [];
  out.push(`gwplane forward (--io ${String(j.io)}), tables generation ${String(j.generation)}`);
  out.push(`rx ${c.rx ?? 0}  tx ${c.tx ?? 0}  dropped ${String(j.dropped)}  nat_forward ${c.nat_forward ?? 0}  gre_vip ${c.gre_vip ?? 0}  l3 ${c.l3 ?? 0}  tunnel ${c.tunnel ?? 0}`);
  out.push('');
  const services = j.services as Array<{ service: string; kind: string; gateway: string; packets: number }>;
  const rows: string[][] = [['Prot LocalAddress', 'Gateway', 'Forward', 'Packets']];
  const keys = [...new Set(services.map((s) => `${s.kind}|${s.service}`))];
  for (const k of keys) {
    const [kind, svc] = k.split('|') as [string, string];
    const mine = services.filter((s) => s.kind === kind && s.service === svc);
    rows.push([`${kind.toUpperCase().padEnd(4)} ${svc}`, '', '', String(mine.reduce((a, s) => a + s.packets, 0))]);
    for (const s of mine) rows.push([`  ->`, s.gateway, kind === 'slb' ? 'Masq' : 'Route', String(s.packets)]);
  }
  out.push('Services (ipvsadm -L -n --stats style; services with traffic):');
  out.push(rows.length > 1 ? table(rows, 3) : '  (no traffic yet)');
  out.push('');
  out.push('Gateways:');
  const gws = j.gateways as Array<Record<string, string | number>>;
  out.push(table([['  Gateway', 'State', 'Role', 'Packets', 'Bytes'], ...gws.map((g) => [`  -> ${g.name}`, String(g.state), String(g.role), String(g.packets), String(g.bytes)])], 3));
  const tus = j.tunnels as Array<Record<string, string | number>>;
  if (tus.length > 0) {
    out.push('');
    out.push('Tunnels:');
    out.push(table([['  Tunnel', 'State', 'Packets', 'Flows'], ...tus.map((t) => [`  -> ${t.name}`, String(t.state), String(t.packets), String(t.flows)])], 2));
  }
  return out.join('\n') + '\n';
}

export async function runStatsCommand(o: { metrics: Endpoint; json?: boolean }): Promise<void> {
  const url = `http://${o.metrics.host}:${o.metrics.port}/metrics`;
  let text: string;
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!r.ok) throw new CliError(`stats: ${url}: HTTP ${r.status}`, EXIT_RUNTIME);
    text = await r.text();
  } catch (e) {
    if (e instanceof CliError) throw e;
    const cause = (e as { cause?: { code?: string } }).cause;
    throw new CliError(`stats: cannot read ${url} (${cause?.code ?? (e as Error).message}); is a forwarder running with --metrics ${o.metrics.host}:${o.metrics.port}?`, EXIT_RUNTIME);
  }
  const j = statsFromMetrics(parsePrometheus(text));
  if ((j.gateways as unknown[]).length === 0) throw new CliError(`stats: ${url} is not a gwplane forwarder's metrics`, EXIT_RUNTIME);
  stdout().write(o.json ? JSON.stringify(j, null, 2) + '\n' : statsText(j));
}
