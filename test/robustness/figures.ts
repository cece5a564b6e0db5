/**
 * Figures of the robustness runs, for test/ROBUSTNESS.md.
 *
 * Each test file records what it ran (cases, failures, drop reasons seen, RSS, faults) under
 * a name. They are written only when ROBUSTNESS_FIGURES names a directory (the fuzz launcher,
 * `npm run fuzz`, sets it), one JSON file per name, atomically (temp name + rename), so that
 * test files running in parallel workers never see each other's half-written files. A plain
 * `npm test` writes nothing.
 */
import fs from 'node:fs';
import path from 'node:path';

export const FIGURES_DIR = process.env.ROBUSTNESS_FIGURES ?? '';

/** Runs per property: FUZZ_RUNS (the long run) or the bounded default of `npm test`. */
export function fuzzRuns(bounded: number): number {
  const e = process.env.FUZZ_RUNS;
  const n = e ? Number(e) : NaN;
  return Number.isInteger(n) && n > 0 ? n : bounded;
}

/** Seed of the fuzz properties: FUZZ_SEED, else a fixed one (reproducible `npm test`). */
export function fuzzSeed(fixed: number): number {
  const e = process.env.FUZZ_SEED;
  const n = e ? Number(e) : NaN;
  return Number.isInteger(n) ? n : fixed;
}

export function recordFigures(name: string, data: unknown): void {
  if (FIGURES_DIR === '') return;
  fs.mkdirSync(FIGURES_DIR, { recursive: true });
  const file = path.join(FIGURES_DIR, `${name}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

export function readFigures(dir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!fs.existsSync(dir)) return out;
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    out[f.slice(0, -'.json'.length)] = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  }
  return out;
}

/** Resident set size in MiB, one decimal. */
export function rssMiB(): number {
  return Math.round(process.memoryUsage().rss / 104857.6) / 10;
}
