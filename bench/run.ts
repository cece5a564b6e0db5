/**
 * `npm run bench` / `gwplane bench [--json] [--filter RE]`: run the microbenchmarks (bench/
 * mirrors src/), print ns/packet and Mpps (median of several rounds, with spread) and the
 * machine facts, and, on an unfiltered run, write bench/RESULTS.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatResults, machineFacts, ratioText, runCases, type BenchCase, type BenchResult } from './harness.js';
import { dissectCases } from './wire/dissect.bench.js';
import { readCases } from './wire/read.bench.js';

// dist/bench/run.js -> the repository root
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface BenchOptions {
  json?: boolean;
  filter?: string;
  rounds?: number;
  timeMs?: number;
  capture?: string;
}

export function allCases(capture: string): BenchCase[] {
  return [...readCases(), ...dissectCases(capture)];
}

export async function runBench(o: BenchOptions = {}): Promise<BenchResult[]> {
  const capture = o.capture ?? path.join(root, 'fixtures/captures/mixed.pcap');
  let cases = allCases(capture);
  if (o.filter) {
    const re = new RegExp(o.filter);
    cases = cases.filter((c) => re.test(`${c.group}/${c.name}`));
  }
  const log = o.json ? undefined : (s: string) => process.stderr.write(`bench: ${s}\n`);
  const results = await runCases(cases, { rounds: o.rounds ?? 5, timeMs: o.timeMs ?? 300, ...(log ? { log } : {}) });
  const facts = machineFacts();
  const cmd = `npm run bench${o.filter ? ` -- --filter '${o.filter}'` : ''}`;
  if (o.json) process.stdout.write(JSON.stringify({ machine: facts, command: cmd, results }, null, 2) + '\n');
  else {
    process.stdout.write(`machine: ${facts.cpu}, ${facts.cores} cores, Node ${facts.node} (V8 ${facts.v8}), ${facts.platform}\n`);
    process.stdout.write(formatResults(results) + '\n');
  }
  if (!o.filter) writeResultsMd(results, facts, cmd);
  return results;
}

function writeResultsMd(results: BenchResult[], facts: ReturnType<typeof machineFacts>, cmd: string): void {
  const file = path.join(root, 'bench/RESULTS.md');
  const lines = [
    '# Benchmark results',
    '',
    `Written by \`${cmd}\` (do not edit by hand). Median over ${results[0]?.rounds ?? 0} rounds of each round's median sample; spread is min..max over rounds.`,
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
  ];
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, lines.join('\n'));
  fs.renameSync(tmp, file);
}

// `node dist/bench/run.js [--json] [--filter RE]`
if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const fi = args.indexOf('--filter');
  runBench({ json: args.includes('--json'), ...(fi >= 0 ? { filter: args[fi + 1]! } : {}) }).catch((e: unknown) => {
    process.stderr.write(`bench: error: ${(e as Error).message}\n`);
    process.exitCode = 1;
  });
}
