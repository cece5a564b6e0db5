/**
 * Starting and stopping a live forwarder: the Forwarder, its I/O (vxlan or raw), live health
 * probes, `--stats` lines and `--metrics`. The CLI (`gwplane forward`) and the tests use this.
 *
 * Start order puts the errors a user meets first first: raw-socket missing (exit 4), no
 * CAP_NET_RAW (exit 3), unknown interface / address in use (exit 5); whatever was opened
 * before an error is closed again.
 */
import fs from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import { LINK_ETHERNET, LINK_RAW } from '../batch/packet-batch.js';
import { CliError, EXIT_ADDRESS } from '../cli/exit-codes.js';
import type { GwConfig } from '../control/config-schema.js';
import { IcmpProber } from '../health/icmp-prober.js';
import { LiveHealth, type Prober } from '../health/live-health.js';
import { UdpProber } from '../health/udp-prober.js';
import { Forwarder } from './forwarder.js';
import { RawIo } from './io-raw.js';
import { VxlanIo, type Endpoint } from './io-vxlan.js';
import { startMetrics, type MetricsServer } from './metrics.js';
import { loadRawSocket, openRawSocket, type RawSocketModule } from './raw-socket.js';
import { statsLine, type StatsSnapshot } from './summary.js';
import { stdout } from '../cli/output.js';

export interface ForwardRunOptions {
  cfg: GwConfig;
  io: 'vxlan' | 'raw';
  log: Logger;
  hashKey?: Uint32Array;
  /** Seconds between `--stats` lines (0/undefined: none), written with `statsOut`. */
  statsSec?: number;
  statsOut?: (line: string) => void;
  metrics?: Endpoint;
  /** Interface to work on: vxlan listens on its address, raw binds its sockets to it. */
  iface?: string;
  vxlan?: {
    listen: Endpoint | null;
    listenPort: number;
    vni: number;
    outside: Endpoint | null;
    /** Gateway name -> VTEP (default: the gateway's DIP, listen port). */
    vteps: Map<string, Endpoint>;
    mac: string;
  };
  probePort: number;
  probeTimeoutMs?: number;
  /**
   * Where each gateway is probed (default: its DIP; vxlan: and `probePort`). Tests on
   * loopback set this.
   */
  probeTargets?: Endpoint[];
  /** Tests: a raw-socket loader other than require('raw-socket'). */
  loadRawSocket?: () => RawSocketModule;
  /** A socket failed after start (the CLI exits 1). */
  onFatal: (e: unknown) => void;
}

export interface RunningForwarder {
  readonly fwd: Forwarder;
  readonly health: LiveHealth;
  readonly vxlan: VxlanIo | null;
  readonly raw: RawIo | null;
  readonly metrics: MetricsServer | null;
  stop(): Promise<void>;
}

/**
 * Interface names of this process's network namespace: /proc/self/net/dev (sysfs may belong
 * to another namespace), else the interfaces that have addresses.
 */
export function interfaceNames(): string[] {
  try {
    return fs
      .readFileSync('/proc/self/net/dev', 'utf8')
      .split('\n')
      .slice(2)
      .map((l) => l.split(':')[0]!.trim())
      .filter((n) => n.length > 0);
  } catch {
    return Object.keys(networkInterfaces());
  }
}

export function unknownInterface(name: string): CliError {
  return new CliError(`--interface ${name}: unknown interface (this host has: ${interfaceNames().sort().join(', ')})`, EXIT_ADDRESS);
}

export function checkInterface(name: string): void {
  if (!interfaceNames().includes(name)) throw unknownInterface(name);
}

/** The IPv4 address of an interface, or a CliError (exit 5) naming the ones that exist. */
export function interfaceAddress(name: string): string {
  checkInterface(name);
  const a = networkInterfaces()[name]?.find((x) => x.family === 'IPv4');
  if (a) return a.address;
  throw new CliError(`--interface ${name}: it has no IPv4 address`, EXIT_ADDRESS);
}

export async function startForward(o: ForwardRunOptions): Promise<RunningForwarder> {
  const cfg = o.cfg;
  const log = o.log;
  const cleanups: Array<() => unknown> = [];
  const dips = cfg.gateways.map((g) => g.dip);
  const probeTargets = o.probeTargets ?? dips.map((host) => ({ host, port: o.probePort }));
  let mod: RawSocketModule | null = null;
  if (o.io === 'raw') mod = (o.loadRawSocket ?? loadRawSocket)();
  if (o.iface) checkInterface(o.iface);

  const fwd = new Forwarder(cfg, { link: o.io === 'raw' ? LINK_RAW : LINK_ETHERNET, log, ...(o.hashKey ? { hashKey: o.hashKey } : {}) });
  const health = new LiveHealth(cfg.gateways.length, {
    intervalMs: cfg.health.interval_ms,
    fall: cfg.health.fall,
    rise: cfg.health.rise,
    ...(o.probeTimeoutMs !== undefined ? { timeoutMs: o.probeTimeoutMs } : {}),
  }, (e) => fwd.onHealthChange(e));
  let vxlan: VxlanIo | null = null;
  let raw: RawIo | null = null;
  let metrics: MetricsServer | null = null;
  let statsTimer: NodeJS.Timeout | null = null;
  try {
    let prober: Prober;
    if (o.io === 'raw') {
      raw = RawIo.open(fwd, {
        mod: mod!,
        ...(o.iface ? { iface: o.iface } : {}),
        serviceIps: [...new Set([...cfg.slb.vips, ...cfg.gateways.flatMap((g) => (g.gre_vip ? [g.gre_vip] : [])), ...cfg.sites.flatMap((s) => s.tunnels.map((t) => t.local_ip))])],
        dips,
        onError: (e) => o.onFatal(e),
      });
      const io = raw;
      cleanups.push(() => io.close());
      const local = new Set(Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((x) => x.address)));
      const missing = cfg.slb.vips.filter((v) => !local.has(v));
      if (missing.length > 0) log.warn({ missing }, `raw mode: ${missing.join(', ')} not local addresses here: the kernel will not hand their traffic to raw sockets`);
      const problems = await raw.openSinks(cfg.slb.vips.filter((v) => local.has(v)));
      if (problems.length > 0) log.warn({ problems }, 'raw mode: could not bind UDP sinks on the SLB VIPs; the kernel may answer IKE/NAT-T with port unreachable');
      const icmp = openRawSocket(mod!, 1);
      prober = new IcmpProber(icmp, probeTargets.map((t) => t.host), (g, seq) => health.answer(g, seq));
    } else {
      const vx = o.vxlan!;
      const listen = vx.listen ?? { host: o.iface ? interfaceAddress(o.iface) : '0.0.0.0', port: vx.listenPort };
      const vteps = cfg.gateways.map((g) => vx.vteps.get(g.name) ?? { host: g.dip, port: vx.listenPort });
      vxlan = await VxlanIo.open(fwd, {
        listen,
        vni: vx.vni,
        outside: vx.outside,
        outsidePort: vx.listenPort,
        vteps,
        mac: vx.mac,
        onLearn: (what) => log.info({ learned: what }, `learned ${what}`),
      });
      const io = vxlan;
      cleanups.push(() => io.close());
      io.sock.on('error', (e) => o.onFatal(e));
      prober = await UdpProber.open(probeTargets, (g, seq) => health.answer(g, seq));
    }
    cleanups.push(() => prober.close());
    if (o.metrics) {
      metrics = await startMetrics(o.metrics.host, o.metrics.port, fwd, health, o.io);
      const m = metrics;
      cleanups.push(() => m.close());
    }
    health.start(prober);
    if (o.statsSec && o.statsSec > 0) {
      let snap: StatsSnapshot = { atMs: fwd.nowMs(), rx: 0, tx: 0 };
      const out = o.statsOut ?? ((l: string) => stdout().write(`${l}\n`));
      statsTimer = setInterval(() => {
        const r = statsLine(fwd, snap);
        snap = r.snap;
        out(r.line);
      }, o.statsSec * 1000);
    }
  } catch (e) {
    health.stop();
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        // closing after a failed start
      }
    }
    throw e;
  }
  let stopped = false;
  return {
    fwd,
    health,
    vxlan,
    raw,
    metrics,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (statsTimer) clearInterval(statsTimer);
      health.stop();
      fwd.flush();
      if (metrics) await metrics.close();
      await fwd.close();
    },
  };
}
