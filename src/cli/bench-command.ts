/**
 * `gwplane bench [--json] [--filter RE]`: the microbenchmarks of bench/ (bench/run.ts), a
 * table of ns/packet and Mpps with the machine facts. Loaded only when the command runs
 * (tinybench and the benchmark data stay out of every other command), and only from a
 * build of the repository: bench/ is not part of an installed package.
 */
import { importExternal } from './external-import.js';
import { CliError, EXIT_RUNTIME, EXIT_USAGE } from './exit-codes.js';

export interface BenchCommandOptions {
  json?: boolean;
  filter?: string;
  rounds?: number;
  time?: number;
  results?: boolean;
}

export async function runBenchCommand(o: BenchCommandOptions): Promise<void> {
  if (o.filter !== undefined) {
    try {
      new RegExp(o.filter);
    } catch (e) {
      throw new CliError(`--filter: not a regular expression: ${(e as Error).message}`, EXIT_USAGE);
    }
  }
  let mod: typeof import('../../bench/run.js');
  try {
    mod = await importExternal('../../bench/run.js', () => import('../../bench/run.js'));
  } catch (e) {
    throw new CliError(`the benchmarks are not available (run from a build of the repository: npm run build): ${(e as Error).message}`, EXIT_RUNTIME);
  }
  await mod.runBench({
    ...(o.json ? { json: true } : {}),
    ...(o.filter !== undefined ? { filter: o.filter } : {}),
    ...(o.rounds !== undefined ? { rounds: o.rounds } : {}),
    ...(o.time !== undefined ? { timeMs: o.time } : {}),
    ...(o.results === false ? { noResults: true } : {}),
  });
}
