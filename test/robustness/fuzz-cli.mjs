#!/usr/bin/env node
// The long robustness run: `npm run fuzz -- [--runs N] [--seed S] [--flood FLOWS] [--only-flood]`.
//
// Runs the test/robustness suite with N runs per property (the bounded `npm test` uses the
// defaults written in each test file), optionally the flood of FLOWS new flows through the
// CLI (flood-long.test.ts), records the figures in test/robustness/figures/*.json and writes
// test/ROBUSTNESS.md from them (render.test.ts). Plain JavaScript: it only sets variables
// and starts vitest, which runs the TypeScript.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const figures = path.join(here, 'figures');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const usage = 'usage: npm run fuzz -- [--runs N] [--seed S] [--flood FLOWS] [--only-flood]';
if (args.includes('--help')) {
  console.log(usage);
  process.exit(0);
}
const runs = opt('runs', '5000');
const seed = opt('seed', '');
const flood = opt('flood', '');
const onlyFlood = args.includes('--only-flood');
for (const [k, v] of [['runs', runs], ['seed', seed], ['flood', flood]]) {
  if (v !== '' && !/^\d+$/.test(v)) {
    console.error(`fuzz: --${k} takes a non-negative integer, got ${v}\n${usage}`);
    process.exit(2);
  }
}

const vitest = path.join(root, 'node_modules/vitest/vitest.mjs');
const env = { ...process.env, ROBUSTNESS_FIGURES: figures, FUZZ_COMMAND: `npm run fuzz -- ${args.join(' ')}`.trim() };
if (!onlyFlood) env.FUZZ_RUNS = runs;
if (seed !== '') env.FUZZ_SEED = seed;

function vitestRun(files, extraEnv = {}) {
  const r = spawnSync(process.execPath, [vitest, 'run', ...files, '--testTimeout=3600000', '--hookTimeout=600000'], { cwd: root, env: { ...env, ...extraEnv }, stdio: 'inherit' });
  return r.status ?? 1;
}

let status = 0;
if (onlyFlood) {
  if (flood === '') {
    console.error(`fuzz: --only-flood needs --flood FLOWS\n${usage}`);
    process.exit(2);
  }
  status = vitestRun(['test/robustness/flood-long.test.ts'], { FLOOD_FLOWS: flood });
} else {
  fs.mkdirSync(figures, { recursive: true });
  // the run's own figures (the flood's stay until a new flood replaces them)
  for (const f of ['fuzz', 'isolation', 'faults', 'captures', 'config', 'flood', 'kill', 'run']) fs.rmSync(path.join(figures, `${f}.json`), { force: true });
  const started = Date.now();
  status = vitestRun(['test/robustness/']);
  const seconds = (Date.now() - started) / 1000;
  fs.writeFileSync(path.join(figures, 'run.json'), JSON.stringify({ command: env.FUZZ_COMMAND, runs_per_property: Number(runs), seed: seed === '' ? 'fixed per property' : Number(seed), seconds, vitest_status: status, node: process.version, date: new Date().toISOString().slice(0, 10) }, null, 2) + '\n');
  // the flood after the suite, alone on the machine's cores
  if (flood !== '') status = vitestRun(['test/robustness/flood-long.test.ts'], { FLOOD_FLOWS: flood }) || status;
}
// test/ROBUSTNESS.md from whatever figures there are
const r = vitestRun(['test/robustness/render.test.ts'], { ROBUSTNESS_RENDER: '1' });
process.exit(status || r);
