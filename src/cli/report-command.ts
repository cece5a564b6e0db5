/** `gwplane report RUN.json [-o FILE.html]`: the HTML failover report of a saved `replay --json` result. */
import fs from 'node:fs';
import path from 'node:path';
import { RunDataError } from '../report/run-data.js';
import { writeReportFile } from '../report/report.js';
import { CliError, EXIT_RUNTIME } from './exit-codes.js';

export interface ReportCommandOptions {
  output?: string;
}

/** RUN.json -> RUN.html (same directory); anything else gets .html appended. */
export function defaultReportPath(run: string): string {
  return run.endsWith('.json') ? run.slice(0, -'.json'.length) + '.html' : run + '.html';
}

export function runReportCommand(runFile: string, o: ReportCommandOptions): void {
  let text: string;
  try {
    text = runFile === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(runFile, 'utf8');
  } catch (e) {
    throw new CliError(`${runFile}: cannot read: ${(e as Error).message}`, EXIT_RUNTIME);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${runFile}: not JSON (expected the output of 'gwplane replay --json'): ${(e as Error).message}`, EXIT_RUNTIME);
  }
  const out = o.output ?? (runFile === '-' ? '-' : defaultReportPath(runFile));
  if (out !== '-' && path.resolve(out) === path.resolve(runFile)) throw new CliError(`${out}: the report would overwrite its input`, EXIT_RUNTIME);
  try {
    writeReportFile(json, out);
  } catch (e) {
    if (e instanceof RunDataError) throw new CliError(`${runFile}: not a gwplane run result (expected the output of 'gwplane replay --json'): ${e.message}`, EXIT_RUNTIME);
    throw e;
  }
  if (out !== '-') process.stderr.write(`gwplane: report written to ${out}\n`);
}
