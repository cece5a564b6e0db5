/**
 * test/ROBUSTNESS.md from the figures the robustness tests record (figures.ts). Written by
 * `npm run fuzz` (render.test.ts with ROBUSTNESS_RENDER=1), never by hand. The fuzz figures get
 * their own tables (properties, drop reasons exercised out of those defined); every other
 * figure file is rendered as it was recorded: numbers and strings as a list, arrays of records
 * as tables, so that no figure is lost or restated by hand.
 */
import fs from 'node:fs';
import path from 'node:path';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const SECTIONS: Array<[string, string]> = [
  ['fuzz', 'Structure-aware fuzzing of the data path (fuzz-packets.test.ts)'],
  ['captures', 'Hostile capture files (captures.test.ts)'],
  ['flood', 'Floods of new flows and hash flooding (flood.test.ts)'],
  ['isolation', 'Tenant isolation properties (isolation.test.ts)'],
  ['config', 'Hostile configuration (config.test.ts)'],
  ['faults', 'Faults in scenarios (faults.test.ts)'],
  ['kill', 'Nothing lost: killed and interrupted replays (kill.test.ts)'],
];

const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const cell = (v: Json | undefined): string => (v === undefined ? '' : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)).replace(/\|/g, '\\|');

/** Rows shown of a long table; the rest are summed up in one line. */
const MAX_ROWS = 24;

function table(rows: Obj[]): string[] {
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  const out = [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...rows.slice(0, MAX_ROWS).map((r) => `| ${cols.map((c) => cell(r[c])).join(' | ')} |`)];
  if (rows.length > MAX_ROWS) {
    const rest = rows.slice(MAX_ROWS);
    const sums = cols.map((c) => (rest.every((r) => typeof r[c] === 'number') ? String(rest.reduce((a, r) => a + (r[c] as number), 0)) : ''));
    out.push(`| ${rest.length} more rows, numbers summed | ${sums.slice(1).join(' | ')} |`);
    out.push('', `All ${rows.length} rows: sums ${cols.filter((c) => rows.every((r) => typeof r[c] === 'number')).map((c) => `${c} ${rows.reduce((a, r) => a + (r[c] as number), 0)}`).join(', ')}; maxima ${cols.filter((c) => rows.every((r) => typeof r[c] === 'number')).map((c) => `${c} ${Math.max(...rows.map((r) => r[c] as number))}`).join(', ')}.`);
  }
  return out;
}

/** Any recorded value: scalars as `- key: value`, records nested, arrays of records as tables. */
function generic(v: Json, depth = 0): string[] {
  const pad = '  '.repeat(depth);
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every(isObj)) return ['', ...table(v as Obj[]), ''];
    return [`${pad}- ${v.length === 0 ? '(none)' : v.map((x) => cell(x)).join(', ')}`];
  }
  if (!isObj(v)) return [`${pad}- ${cell(v)}`];
  const out: string[] = [];
  for (const [k, x] of Object.entries(v)) {
    if (Array.isArray(x) && x.length > 0 && x.every(isObj)) out.push(`${pad}- ${k}:`, '', ...table(x as Obj[]), '');
    else if (isObj(x)) out.push(...(Object.keys(x).length === 0 ? [`${pad}- ${k}: (none)`] : [`${pad}- ${k}:`, ...generic(x, depth + 1)]));
    else out.push(`${pad}- ${k}: ${Array.isArray(x) ? (x.length === 0 ? '(none)' : x.map((y) => cell(y)).join(', ')) : cell(x)}`);
  }
  return out;
}

function fuzz(f: Obj): string[] {
  const out: string[] = [];
  out.push(`- runs per property: ${cell(f.runs_per_property)}, seed: ${cell(f.seed)}, ${cell(f.seconds)} s`);
  out.push(`- frames: ${cell(f.frames)} in ${cell(f.batches)} batches; forwarded ${cell(f.forwarded)}; **failed batches: ${cell(f.failed_batches)}**`);
  if (isObj(f.verdicts)) out.push(`- verdicts: ${Object.entries(f.verdicts).map(([k, v]) => `${k} ${cell(v)}`).join(', ')}`);
  out.push(`- deepest tunnel nesting walked: ${cell(f.max_depth_walked)}`);
  if (Array.isArray(f.planes)) out.push(`- data planes (configs) fuzzed: ${f.planes.map((p) => cell(p)).join(', ')}`);
  if (isObj(f.properties)) {
    out.push('', '| property | batches | frames | forwarded | failed batches |', '|---|---:|---:|---:|---:|');
    for (const [k, p] of Object.entries(f.properties)) {
      if (isObj(p)) out.push(`| ${k} | ${cell(p.batches)} | ${cell(p.frames)} | ${cell(p.forwarded)} | ${cell(p.failed_batches)} |`);
    }
    out.push('');
  }
  const seen = Array.isArray(f.drop_reasons_seen) ? f.drop_reasons_seen : [];
  const notSeen = Array.isArray(f.drop_reasons_not_seen) ? f.drop_reasons_not_seen : [];
  out.push(`**Drop reasons exercised: ${seen.length} of ${cell(f.drop_reasons_defined)} defined.**`);
  out.push(`Never exercised by the fuzzer: ${notSeen.length === 0 ? 'none' : notSeen.map((x) => `\`${cell(x)}\``).join(', ')}.`);
  if (isObj(f.drops_by_reason)) {
    out.push('', '| drop reason | packets |', '|---|---:|');
    for (const [k, n] of Object.entries(f.drops_by_reason)) out.push(`| ${k} | ${cell(n)} |`);
    out.push('');
  }
  return out;
}

/** The markdown for a set of figures (name -> recorded JSON), and the regression tests' titles. */
export function renderRobustness(figs: Record<string, unknown>, regressions: string[]): string {
  const f = figs as Record<string, Json>;
  const out: string[] = ['# Robustness figures', '', 'Generated by `npm run fuzz` (test/robustness/fuzz-cli.mjs, then render.ts) from the figures the', 'robustness tests record; do not edit by hand. A plain `npm test` runs the same properties with', 'fewer runs and fixed seeds, and records nothing.', ''];
  const run = f.run;
  if (isObj(run)) {
    out.push(`- command: \`${cell(run.command)}\``, `- date: ${cell(run.date)}, Node ${cell(run.node)}`, `- runs per property: ${cell(run.runs_per_property)}, seed: ${cell(run.seed)}`, `- suite time: ${typeof run.seconds === 'number' ? run.seconds.toFixed(1) : cell(run.seconds)} s, vitest exit status ${cell(run.vitest_status)}`, '');
  } else out.push('- the suite run: not run', '');
  for (const [name, title] of SECTIONS) {
    out.push(`## ${title}`, '');
    const v = f[name];
    if (v === undefined) out.push('not run', '');
    else out.push(...(name === 'fuzz' && isObj(v) ? fuzz(v) : generic(v)), '');
  }
  const floods = Object.keys(f).filter((k) => /^flood-\d+$/.test(k)).sort();
  out.push('## The long flood through `gwplane replay` (flood-long.test.ts)', '');
  if (floods.length === 0) out.push('not run (`npm run fuzz -- --only-flood --flood 10000000`)', '');
  for (const k of floods) out.push(`### ${k.slice('flood-'.length)} new flows`, '', ...generic(f[k]!), '');
  const known = new Set(['run', ...SECTIONS.map(([n]) => n), ...floods]);
  for (const k of Object.keys(f).filter((x) => !known.has(x)).sort()) out.push(`## ${k}`, '', ...generic(f[k]!), '');
  out.push('## Bugs found, each now a regression test (regressions.test.ts, faults.test.ts)', '');
  out.push(...(regressions.length === 0 ? ['none recorded'] : regressions.map((r) => `- ${r}`)), '');
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}

/**
 * The `describe` / `it` titles that name one bug ('bug N: ...') in `file`, or in every
 * *.test.ts of `file` when it is a directory, in bug order.
 */
export function regressionTitles(file: string): string[] {
  if (fs.statSync(file).isDirectory()) {
    const all = fs.readdirSync(file).filter((f) => f.endsWith('.test.ts')).sort().flatMap((f) => regressionTitles(path.join(file, f)));
    return all.sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]));
  }
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/\b(?:describe|it)\('((?:\\'|[^'])*)'/g)) {
    const title = m[1]!.replace(/\\'/g, "'");
    if (/^bug \d+:/.test(title)) out.push(title);
  }
  return out;
}

/** Write `file` atomically (temp name + rename). */
export function writeAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
