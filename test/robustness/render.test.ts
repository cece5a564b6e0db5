/**
 * test/ROBUSTNESS.md. With ROBUSTNESS_RENDER=1 (set by `npm run fuzz`, test/robustness/fuzz-cli.mjs)
 * this writes the file from the figures the run recorded (test/robustness/figures/, or
 * ROBUSTNESS_FIGURES). In `npm test` it checks the renderer on fixed figures.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readFigures } from './figures.js';
import { regressionTitles, renderRobustness, writeAtomic } from './render.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RENDER = process.env.ROBUSTNESS_RENDER === '1';

describe.runIf(RENDER)('write test/ROBUSTNESS.md', () => {
  it('from the recorded figures', () => {
    const dir = process.env.ROBUSTNESS_FIGURES || path.join(here, 'figures');
    const md = renderRobustness(readFigures(dir), regressionTitles(here));
    writeAtomic(path.join(here, '..', 'ROBUSTNESS.md'), md);
    console.log(`wrote test/ROBUSTNESS.md (${md.length} bytes) from ${dir}`);
  });
});

describe('the ROBUSTNESS.md renderer', () => {
  const figs = {
    run: { command: 'npm run fuzz -- --runs 7', runs_per_property: 7, seed: 'fixed per property', seconds: 12.25, vitest_status: 0, node: 'v20.20.2', date: '2026-12-04' },
    fuzz: {
      runs_per_property: 7, seed: 11, seconds: 3.5, planes: ['mac', 'ipip'], frames: 1234, batches: 56, forwarded: 400, failed_batches: 0,
      properties: { 'valid frames': { batches: 20, frames: 500, forwarded: 300, failed_batches: 0 } },
      verdicts: { drop: 834, gateway: 200, tunnel: 150, reply: 50 }, max_depth_walked: 4,
      drop_reasons_defined: 3, drop_reasons_seen: ['eth_short', 'no_nat_rule'], drop_reasons_not_seen: ['flow_table_full'],
      drops_by_reason: { eth_short: 800, no_nat_rule: 34, flow_table_full: 0 },
    },
    kill: [{ case: 'SIGKILL mid-write', signal: 'SIGKILL', temp_bytes_at_kill: 4194304, final_name_exists: false, left: [] }],
    'flood-10000000': { flows: 10000000, rss_mib_first: 120.5, rss_mib_last: 121.0 },
  };

  it('puts every figure in, and says which sections were not run', () => {
    const md = renderRobustness(figs, ['bug 1: something broke']);
    expect(md).toContain('`npm run fuzz -- --runs 7`');
    expect(md).toContain('frames: 1234 in 56 batches');
    expect(md).toContain('**failed batches: 0**');
    expect(md).toContain('Drop reasons exercised: 2 of 3 defined.');
    expect(md).toContain('Never exercised by the fuzzer: `flow_table_full`.');
    expect(md).toContain('| valid frames | 20 | 500 | 300 | 0 |');
    expect(md).toContain('| SIGKILL mid-write | SIGKILL | 4194304 | false | [] |');
    expect(md).toMatch(/### 10000000 new flows[\s\S]*rss_mib_last: 121/);
    expect(md).toMatch(/## Hostile capture files \(captures.test.ts\)\n\nnot run/);
    expect(md).toContain('- bug 1: something broke');
  });

  it('lists the bugs of the robustness tests', () => {
    const titles = regressionTitles(here);
    expect(titles.length).toBeGreaterThanOrEqual(6);
    expect(titles.some((t) => t.startsWith('bug 6: '))).toBe(true);
    expect(titles.some((t) => t.startsWith("bug 4: a timestamp earlier than the first packet's"))).toBe(true);
  });

  it('sums up a long table and says "(none)" for an empty record', () => {
    const rows = Array.from({ length: 30 }, (_, k) => ({ scenario: `s${k}`, lost: k, violations: 0 }));
    const md = renderRobustness({ faults: { scenarios: rows, drops: {} } }, []);
    expect(md).toContain('| s23 | 23 | 0 |');
    expect(md).not.toContain('| s24 |');
    expect(md).toContain(`| 6 more rows, numbers summed | ${24 + 25 + 26 + 27 + 28 + 29} | 0 |`);
    expect(md).toContain('All 30 rows: sums lost 435, violations 0; maxima lost 29, violations 0.');
    expect(md).toContain('- drops: (none)');
  });

  it('writes atomically: no temporary file left, the content complete', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-render-'));
    try {
      const f = path.join(dir, 'R.md');
      writeAtomic(f, renderRobustness({}, []));
      expect(fs.readdirSync(dir)).toEqual(['R.md']);
      expect(fs.readFileSync(f, 'utf8')).toContain('- the suite run: not run');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
