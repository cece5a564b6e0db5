/** `gwplane replay`: options, config loading, output routing. */
import { loadConfig } from '../control/config-load.js';
import { ConfigError } from '../control/config-error.js';
import { makeHashKey } from '../lb/hash.js';
import { runReplay } from '../replay/replay.js';
import { replaySummaryJson, replaySummaryText } from '../replay/summary.js';
import { CliError, EXIT_USAGE } from './exit-codes.js';

export interface ReplayCommandOptions {
  read: string;
  config: string;
  write?: string;
  format?: 'pcap' | 'pcapng';
  count?: number;
  json?: boolean;
  hashSeed?: string;
}

export function runReplayCommand(o: ReplayCommandOptions): void {
  let cfg;
  try {
    cfg = loadConfig(o.config);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, EXIT_USAGE);
    throw e;
  }
  if (o.read === '-' && o.write === '-') {
    // both ends on the standard streams is fine; the summary then goes to stderr
  }
  const format = o.format ?? (o.write && o.write.endsWith('.pcapng') ? 'pcapng' : 'pcap');
  const stop = { requested: false };
  const onSig = (): void => {
    stop.requested = true;
  };
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  const r = runReplay({
    read: o.read,
    config: cfg,
    ...(o.write !== undefined ? { write: o.write } : {}),
    format,
    ...(o.count !== undefined ? { count: o.count } : {}),
    ...(o.hashSeed !== undefined ? { hashKey: makeHashKey(o.hashSeed) } : {}),
    stop,
  });
  process.off('SIGINT', onSig);
  process.off('SIGTERM', onSig);
  // With the capture on stdout, the summary goes to stderr.
  const toStderr = o.write === '-';
  const text = o.json ? JSON.stringify(replaySummaryJson(r), null, 2) + '\n' : replaySummaryText(r);
  (toStderr ? process.stderr : process.stdout).write(text);
  if (r.interrupted) process.exitCode = 130;
}
