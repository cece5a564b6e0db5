/**
 * `npm run bench` / `gwplane bench [--json] [--filter RE]`: run the microbenchmarks (bench/
 * mirrors src/), print ns/packet and Mpps (median of several rounds, with spread) and the
 * machine facts, and, on an unfiltered run, write the microbenchmark section of
 * bench/RESULTS.md.
 *
 *   node dist/bench/run.js [--json] [--filter RE] [--rounds N] [--time MS] [--no-results]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { columnCases } from './batch/columns.bench.js';
import { formatResults, machineFacts, ratioText, runCases, type BenchCase, type BenchResult } from './harness.js';
import { replayIoCases } from './io/replay-io.bench.js';
import { flowTableCases } from './lb/flow-table.bench.js';
import { hashCases } from './lb/hash.bench.js';
import { maglevCases } from './lb/maglev.bench.js';
import { pipelineCases } from './nodes/pipeline.bench.js';
import { writeResultsSection } from './results-md.js';
import { checksumCases } from './wire/checksum.bench.js';
import { dissectCases } from './wire/dissect.bench.js';
import { headerCases } from './wire/headers.bench.js';
import { readCases } from './wire/read.bench.js';

// dist/bench/run.js -> the repository root
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface BenchOptions {
  json?: boolean;
  filter?: string;
  rounds?: number;
  timeMs?: number;
  capture?: string;
  /** Do not write bench/RESULTS.md (smoke runs). */
  noResults?: boolean;
}

/** Every case, in src/ order: wire, batch, lb, nodes/pipeline, io. Cases are built lazily per group. */
export function allCases(capture: string): BenchCase[] {
  const groups: Array<() => BenchCase[]> = [
    readCases, headerCases, checksumCases, columnCases, hashCases, flowTableCases, maglevCases,
    () => (fs.existsSync(capture) ? dissectCases(capture) : []),
    pipelineCases,
    replayIoCases,
  ];
  return groups.flatMap((g) => g());
}

/** The cases matching `re`, plus the cases they subtract (`minus`), in order. */
export function selectCases(cases: BenchCase[], re: RegExp): BenchCase[] {
  const id = (c: BenchCase): string => `${c.group}/${c.name}`;
  const keep = new Set(cases.filter((c) => re.test(id(c))).map(id));
  for (const c of cases) if (keep.has(id(c)) && c.minus !== undefined) keep.add(`${c.group}/${c.minus}`);
  return cases.filter((c) => keep.has(id(c)));
}

export async function runBench(o: BenchOptions = {}): Promise<BenchResult[]> {
  const capture = o.capture ?? path.join(root, 'fixtures/captures/mixed.pcap');
  let cases = allCases(capture);
  if (o.filter) cases = selectCases(cases, new RegExp(o.filter));
  if (cases.length === 0) throw new Error(`no benchmark matches --filter ${o.filter}`);
  const log = o.json ? undefined : (s: string) => process.stderr.write(`bench: ${s}\n`);
  const results = await runCases(cases, { rounds: o.rounds ?? 5, timeMs: o.timeMs ?? 300, ...(log ? { log } : {}) });
  const facts = machineFacts();
  const extra = [
    ...(o.filter ? [`--filter '${o.filter}'`] : []),
    ...(o.rounds !== undefined ? [`--rounds ${o.rounds}`] : []),
    ...(o.timeMs !== undefined ? [`--time ${o.timeMs}`] : []),
  ];
  const cmd = `npm run bench${extra.length > 0 ? ` -- ${extra.join(' ')}` : ''}`;
  if (o.json) process.stdout.write(JSON.stringify({ machine: facts, command: cmd, results }, null, 2) + '\n');
  else {
    process.stdout.write(`machine: ${facts.cpu}, ${facts.cores} cores, Node ${facts.node} (V8 ${facts.v8}), ${facts.platform}\n`);
    process.stdout.write(formatResults(results) + '\n');
    for (const l of notes(results)) process.stdout.write(`  ${l}\n`);
  }
  if (!o.filter && !o.noResults) writeResultsMd(results, facts, cmd);
  return results;
}

/** Explanations under the table: subtracted costs with the raw figures, and case notes. */
function notes(results: BenchResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    if (r.minus !== null) out.push(`${r.group}/${r.name}: ${r.rawNs!.toFixed(1)} ns raw, minus "${r.minus}"`);
    if (r.note !== null) out.push(`${r.group}/${r.name}: ${r.note}`);
  }
  return out;
}

function writeResultsMd(results: BenchResult[], facts: ReturnType<typeof machineFacts>, cmd: string): void {
  const lines = [
    '## Microbenchmarks',
    '',
    `Command: \`${cmd}\` (also \`gwplane bench\`). Median over ${results[0]?.rounds ?? 0} rounds of each round's median sample; spread is min..max over rounds.`,
    '',
    `- date: ${facts.date}`,
    `- machine: ${facts.cpu}, ${facts.cores} cores, ${facts.platform}`,
    `- Node ${facts.node}, V8 ${facts.v8}`,
    '',
    '| case | ns/packet | spread | Mpps | target | met | ratio |',
    '|---|---:|---:|---:|---:|:--:|---|',
    ...results.map(
      (r) =>
        `| ${r.group}/${r.name} | ${r.nsPerPacket.toFixed(1)} | ${r.minNs.toFixed(1)}..${r.maxNs.toFixed(1)} | ${r.mpps.toFixed(2)} | ${r.targetNs === null ? '' : `<= ${r.targetNs} ns`} | ${r.met === null ? '' : r.met ? 'yes' : 'no'} | ${ratioText(r)} |`,
    ),
    '',
    ...notes(results).map((l) => `- ${l}`),
  ];
  writeResultsSection(root, 'micro', lines);
}

const USAGE = 'usage: node dist/bench/run.js [--json] [--filter RE] [--rounds N] [--time MS] [--no-results]';

/** The command line of `npm run bench` (gwplane bench parses its own with commander). */
export function parseBenchArgs(argv: readonly string[]): BenchOptions | 'help' {
  const o: BenchOptions = {};
  for (let k = 0; k < argv.length; k++) {
    const x = argv[k]!;
    const val = (): string => {
      const v = argv[++k];
      if (v === undefined) throw new Error(`${x} needs a value (${USAGE})`);
      return v;
    };
    const count = (): number => {
      const v = val();
      const n = Number(v);
      if (!/^[0-9]+$/.test(v) || n < 1) throw new Error(`${x} must be a positive integer, got '${v}'`);
      return n;
    };
    if (x === '--help' || x === '-h') return 'help';
    if (x === '--json') o.json = true;
    else if (x === '--no-results') o.noResults = true;
    else if (x === '--filter') o.filter = val();
    else if (x === '--rounds') o.rounds = count();
    else if (x === '--time') o.timeMs = count();
    else throw new Error(`unknown argument '${x}' (${USAGE})`);
  }
  return o;
}

// `node dist/bench/run.js [--json] [--filter RE] ...`
if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let o: BenchOptions | 'help';
  try {
    o = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench: error: ${(e as Error).message}\n`);
    process.exit(2);
  }
  if (o === 'help') process.stdout.write(`${USAGE}\n`);
  else {
    runBench(o).catch((e: unknown) => {
      process.stderr.write(`bench: error: ${(e as Error).message}\n`);
      process.exitCode = 1;
    });
  }
}
