/**
 * bench/RESULTS.md is written by the bench commands, never by hand. Each command owns one
 * section between `<!-- begin NAME -->` and `<!-- end NAME -->` markers and replaces only
 * that section, so `npm run bench` (micro) and `npm run bench:e2e` (e2e) can run
 * separately. Written through a temporary file and a rename.
 */
import fs from 'node:fs';
import path from 'node:path';

const HEADER = [
  '# Benchmark results',
  '',
  'Written by the bench commands (do not edit by hand): `npm run bench` (or `gwplane bench`) writes the',
  'microbenchmark section, `npm run bench:e2e` the whole-process section. Each section gives the',
  'machine, the date and the exact command of its figures, and each figure its target where the',
  'issue names one. Commands and design notes: bench/README.md.',
  '',
];

/** Order of the sections in the file. */
const ORDER = ['micro', 'e2e'];

export function writeResultsSection(root: string, name: string, body: string[]): string {
  const file = path.join(root, 'bench/RESULTS.md');
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const sections = new Map<string, string>();
  for (const n of ORDER) {
    const m = new RegExp(`<!-- begin ${n} -->\\n([\\s\\S]*?)<!-- end ${n} -->`).exec(old);
    if (m) sections.set(n, m[1]!);
  }
  sections.set(name, body.join('\n') + '\n');
  const out = [...HEADER];
  for (const n of ORDER) {
    const s = sections.get(n);
    if (s === undefined) continue;
    out.push(`<!-- begin ${n} -->`, s.trimEnd(), `<!-- end ${n} -->`, '');
  }
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, out.join('\n'));
  fs.renameSync(tmp, file);
  return file;
}
