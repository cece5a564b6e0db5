/** `gwplane replay`: options, config loading, output routing. */
import { loadConfig } from '../control/config-load.js';
import { ConfigError } from '../control/config-error.js';
import { makeHashKey } from '../lb/hash.js';
import { runReplayAsync } from '../replay/replay.js';
import { replaySummaryJson, replaySummaryText } from '../replay/summary.js';
import { CliError, EXIT_USAGE } from './exit-codes.js';
import { stderrForProgress, TextOut } from './output.js';
import { ReplayProgress } from './progress.js';

export interface ReplayCommandOptions {
  read: string;
  config: string;
  write?: string;
  format?: 'pcap' | 'pcapng';
  count?: number;
  json?: boolean;
  hashSeed?: string;
  /** Seconds between plain `--stats` lines on stderr. */
  stats?: number;
  /** Write an HTML report of the run here. */
  report?: string;
}

export async function runReplayCommand(o: ReplayCommandOptions): Promise<void> {
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
  // Progress on stderr: a bar on a terminal, `--stats` lines anywhere (src/cli/progress.ts).
  const progress = new ReplayProgress({ stream: stderrForProgress(), ...(o.stats !== undefined ? { statsEverySec: o.stats } : {}) });
  let r;
  try {
    // Async: the event loop gets a turn between batches, so Ctrl-C (SIGINT) stops the run
    // after the current batch; the writer then removes its temporary file.
    r = await runReplayAsync({
      read: o.read,
      config: cfg,
      ...(o.write !== undefined ? { write: o.write } : {}),
      format,
      ...(o.count !== undefined ? { count: o.count } : {}),
      ...(o.hashSeed !== undefined ? { hashKey: makeHashKey(o.hashSeed) } : {}),
      stop,
      ...(progress.active ? { onBatch: (reader, counters) => progress.update(reader, counters) } : {}),
    });
  } finally {
    progress.finish();
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
  // With the capture on stdout, the summary goes to stderr.
  const toStderr = o.write === '-';
  const text = o.json ? JSON.stringify(replaySummaryJson(r), null, 2) + '\n' : replaySummaryText(r);
  // written with fs.writeSync (TextOut): node's stream for stdout is never made (src/cli/output.ts)
  const out = new TextOut(toStderr ? 2 : 1);
  out.write(text);
  out.flush();
  if (o.report !== undefined) {
    // the report's module (charts, page) is loaded only when a report is asked for
    const { writeReportFile } = await import('../report/report.js');
    writeReportFile(replaySummaryJson(r), o.report);
    process.stderr.write(`gwplane: report written to ${o.report}\n`);
  }
  if (r.interrupted) process.exitCode = 130;
}
