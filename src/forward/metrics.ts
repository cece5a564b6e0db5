/**
 * `--metrics HOST:PORT`: Prometheus text on GET /metrics (prom-client, imported only when the
 * flag is given). Every value is read from the forwarder's typed-array counters when a scrape
 * arrives (prom-client `collect` hooks): the data path does nothing per packet for metrics.
 */
import { createServer } from 'node:http';
import type * as PromClient from 'prom-client';
import { CliError, EXIT_ADDRESS, EXIT_RUNTIME } from '../cli/exit-codes.js';
import { importExternal } from '../cli/external-import.js';
import { COUNTER_NAMES } from '../stats/counters.js';
import { DROP_REASONS } from '../stats/drop-reasons.js';
import { FT_COUNTER_NAMES } from '../lb/flow-table.js';
import { HEALTH_COUNTER_NAMES, type LiveHealth } from '../health/live-health.js';
import { IO_COUNTER_NAMES, type Forwarder } from './forwarder.js';

export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

type Prom = typeof PromClient;

async function loadProm(): Promise<Prom> {
  try {
    const m = (await importExternal('prom-client', () => import('prom-client'))) as Prom & { default?: Prom };
    return m.default ?? m;
  } catch (e) {
    throw new CliError(`--metrics: prom-client cannot be loaded (${(e as Error).message}); reinstall dependencies with npm ci`, EXIT_RUNTIME);
  }
}

/** Build the registry for a forwarder (exported for tests). */
export async function forwarderRegistry(fwd: Forwarder, health: LiveHealth | null, mode: string): Promise<PromClient.Registry> {
  const prom = await loadProm();
  const reg = new prom.Registry();
  prom.collectDefaultMetrics({ register: reg, prefix: 'gwplane_' });
  const cnt = fwd.counters;
  const ctl = fwd.ctl;
  const gws = fwd.cfg.gateways.map((g) => g.name);
  const counter = (name: string, help: string, labelNames: string[], fill: (set: (labels: Record<string, string>, v: number) => void) => void): void => {
    new prom.Counter({
      name,
      help,
      labelNames,
      registers: [reg],
      collect() {
        this.reset();
        fill((labels, v) => this.inc(labels, v));
      },
    });
  };
  const gauge = (name: string, help: string, labelNames: string[], fill: (set: (labels: Record<string, string>, v: number) => void) => void): void => {
    new prom.Gauge({
      name,
      help,
      labelNames,
      registers: [reg],
      collect() {
        this.reset();
        fill((labels, v) => this.set(labels, v));
      },
    });
  };
  gauge('gwplane_info', 'The forwarder: I/O mode.', ['io'], (set) => set({ io: mode }, 1));
  counter('gwplane_packets_total', 'Data-plane counters (rx, tx, per path, flows).', ['counter'], (set) => {
    COUNTER_NAMES.forEach((n, k) => {
      if (!n.endsWith('bytes') && n !== 'drops') set({ counter: n }, cnt.c[k]!);
    });
  });
  counter('gwplane_bytes_total', 'Bytes received and sent by the data plane.', ['direction'], (set) => {
    set({ direction: 'rx' }, cnt.c[COUNTER_NAMES.indexOf('rx_bytes')]!);
    set({ direction: 'tx' }, cnt.c[COUNTER_NAMES.indexOf('tx_bytes')]!);
  });
  counter('gwplane_drops_total', 'Packets dropped, by reason (rx == tx + sum of drops).', ['reason'], (set) => {
    for (const d of DROP_REASONS) if (d.code > 0) set({ reason: d.name }, cnt.drops[d.code]!);
  });
  counter('gwplane_gateway_packets_total', 'Packets delivered to each gateway.', ['gateway'], (set) => gws.forEach((g, k) => set({ gateway: g }, cnt.gwPackets[k]!)));
  counter('gwplane_gateway_bytes_total', 'Bytes delivered to each gateway.', ['gateway'], (set) => gws.forEach((g, k) => set({ gateway: g }, cnt.gwBytes[k]!)));
  gauge('gwplane_gateway_up', '1 while health checking sees the gateway up.', ['gateway'], (set) => gws.forEach((g, k) => set({ gateway: g }, ctl.gwUp[k]!)));
  gauge('gwplane_gateway_active', '1 for an active gateway, 0 for a standby (or a failed one).', ['gateway'], (set) => gws.forEach((g, k) => set({ gateway: g }, ctl.gwActive[k]!)));
  counter('gwplane_service_packets_total', 'Packets delivered per service address (SLB VIP, GRE VIP, CA IP) and gateway.', ['service', 'kind', 'gateway'], (set) => {
    fwd.services.forEach((s, si) => {
      const svc = s.vlan > 0 ? `${s.ip}/vlan${s.vlan}` : s.ip;
      gws.forEach((g, k) => {
        const v = fwd.svcPackets[si * gws.length + k]!;
        if (v > 0) set({ service: svc, kind: s.kind, gateway: g }, v);
      });
    });
  });
  counter('gwplane_tunnel_packets_total', 'Packets sent on each site tunnel.', ['tunnel'], (set) => ctl.tunnelNames.forEach((t, k) => set({ tunnel: t }, cnt.tunPackets[k]!)));
  counter('gwplane_tunnel_flows_total', 'New flows pinned to each tunnel.', ['tunnel'], (set) => ctl.tunnelNames.forEach((t, k) => set({ tunnel: t }, cnt.tunFlows[k]!)));
  gauge('gwplane_tunnel_up', '1 while the tunnel carries traffic.', ['tunnel'], (set) => ctl.tunnelNames.forEach((t, k) => set({ tunnel: t }, ctl.tunnelUp(k) ? 1 : 0)));
  counter('gwplane_flow_table_total', 'Flow table events.', ['event'], (set) => FT_COUNTER_NAMES.forEach((n, k) => set({ event: n }, fwd.ctx.flows.counters[k]!)));
  counter('gwplane_io_total', 'Socket-level events (before and after the data path).', ['event'], (set) => IO_COUNTER_NAMES.forEach((n, k) => set({ event: n }, fwd.io[k]!)));
  if (health) counter('gwplane_health_total', 'Health probes.', ['event'], (set) => HEALTH_COUNTER_NAMES.forEach((n, k) => set({ event: n }, health.counters[k]!)));
  gauge('gwplane_tables_generation', 'Generation of the data-plane tables in force.', [], (set) => set({}, ctl.tables.generation));
  return reg;
}

/** Serve /metrics on host:port. EADDRINUSE and friends become CliErrors (exit 5). */
export async function startMetrics(host: string, port: number, fwd: Forwarder, health: LiveHealth | null, mode: string): Promise<MetricsServer> {
  const reg = await forwarderRegistry(fwd, health, mode);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url !== '/metrics' && req.url !== '/')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('see /metrics\n');
      return;
    }
    reg.metrics().then(
      (text) => res.writeHead(200, { 'content-type': reg.contentType }).end(text),
      (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(e as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new CliError(`--metrics ${host}:${port}: address in use`, EXIT_ADDRESS));
      else if (e.code === 'EADDRNOTAVAIL') reject(new CliError(`--metrics ${host}:${port}: not an address of this host`, EXIT_ADDRESS));
      else reject(new CliError(`--metrics ${host}:${port}: ${e.message}`, e.code === 'EACCES' ? 3 : EXIT_ADDRESS));
    });
    server.listen(port, host, () => resolve());
  });
  const a = server.address();
  const realPort = typeof a === 'object' && a !== null ? a.port : port;
  return {
    url: `http://${host}:${realPort}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
