/**
 * `gwplane forward`: the data plane as a live forwarder (src/forward/run.ts). Runs until
 * SIGINT or SIGTERM, then prints the final summary on stdout and exits 0.
 */
import { loadConfig } from '../control/config-load.js';
import { ConfigError } from '../control/config-error.js';
import { makeHashKey } from '../lb/hash.js';
import { makeLogger, type LogFormat } from '../forward/log.js';
import { VXLAN_PORT, type Endpoint } from '../forward/io-vxlan.js';
import { startForward } from '../forward/run.js';
import { forwardSummaryJson, forwardSummaryText } from '../forward/summary.js';
import { CliError, EXIT_RUNTIME, EXIT_USAGE } from './exit-codes.js';
import { stdout } from './output.js';

export interface ForwardCommandOptions {
  config: string;
  io: 'raw' | 'vxlan';
  stats?: number;
  metrics?: Endpoint;
  interface?: string;
  vxlanListen?: Endpoint;
  vni: number;
  outside?: Endpoint;
  vtep: Array<{ name: string; ep: Endpoint }>;
  mac: string;
  probePort: number;
  probeTimeout?: number;
  hashSeed?: string;
  json?: boolean;
  logFormat?: LogFormat;
}

export { endpointArg, FORWARD_DEFAULTS, macArg, parseEndpoint, vniArg, vtepArg } from './forward-args.js';

export async function runForwardCommand(o: ForwardCommandOptions): Promise<void> {
  let cfg;
  try {
    cfg = loadConfig(o.config);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, EXIT_USAGE);
    throw e;
  }
  const vteps = new Map<string, Endpoint>();
  for (const v of o.vtep) {
    if (!cfg.gateways.some((g) => g.name === v.name)) {
      throw new CliError(`--vtep ${v.name}: no such gateway in ${o.config} (gateways: ${cfg.gateways.map((g) => g.name).join(', ')})`, EXIT_USAGE);
    }
    vteps.set(v.name, v.ep);
  }
  if (o.io === 'raw' && (o.vxlanListen || o.outside || o.vtep.length > 0)) {
    throw new CliError('--vxlan-listen, --outside and --vtep only apply to --io vxlan', EXIT_USAGE);
  }
  const log = makeLogger('gwplane-forward', o.logFormat);
  let fatal: ((e: unknown) => void) | null = null;
  const running = await startForward({
    cfg,
    io: o.io,
    log,
    ...(o.hashSeed !== undefined ? { hashKey: makeHashKey(o.hashSeed) } : {}),
    ...(o.stats !== undefined ? { statsSec: o.stats } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.interface ? { iface: o.interface } : {}),
    vxlan: {
      listen: o.vxlanListen ?? null,
      listenPort: o.vxlanListen?.port ?? VXLAN_PORT,
      vni: o.vni,
      outside: o.outside ?? null,
      vteps,
      mac: o.mac,
    },
    probePort: o.probePort,
    ...(o.probeTimeout !== undefined ? { probeTimeoutMs: o.probeTimeout } : {}),
    onFatal: (e) => fatal?.(e),
  });
  const f = running.fwd;
  // The handlers go in before the 'forwarding' line: a supervisor (or a test) may signal as
  // soon as it reads it, and before a listener exists the OS default (terminate) applies.
  const stopped = new Promise<{ signal?: string; error?: unknown }>((resolve) => {
    const onSig = (signal: string): void => resolve({ signal });
    process.once('SIGINT', onSig);
    process.once('SIGTERM', onSig);
    fatal = (error) => resolve({ error });
  });
  log.info(
    {
      io: o.io,
      config: o.config,
      uid: process.getuid?.(),
      gateways: cfg.gateways.map((g) => `${g.name}=${g.dip}`),
      listen: running.vxlan ? `${running.vxlan.sock.address().address}:${running.vxlan.sock.address().port}` : undefined,
      raw_send: running.raw ? (running.raw.syncSend ? 'sync' : 'queued') : undefined,
      metrics: running.metrics?.url,
      health: `${cfg.health.interval_ms} ms x fall ${cfg.health.fall} / rise ${cfg.health.rise}, timeout ${running.health.timeoutMs} ms`,
    },
    `forwarding (--io ${o.io})`,
  );
  const outcome = await stopped;
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  await running.stop();
  const text = o.json ? JSON.stringify(forwardSummaryJson(f, running.health, o.io), null, 2) + '\n' : forwardSummaryText(f, running.health, o.io);
  stdout().write(text);
  if (outcome.error !== undefined) {
    log.error({ err: outcome.error }, 'socket error: stopping');
    throw new CliError(`forward: ${(outcome.error as Error)?.message ?? String(outcome.error)}`, EXIT_RUNTIME);
  }
  log.info({ signal: outcome.signal, rx: f.counters.rx, tx: f.counters.tx }, `stopped on ${outcome.signal}`);
}
