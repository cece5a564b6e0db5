/**
 * The report without a browser: the SVG helpers (escaping, scales, ticks), RUN.json
 * checking, the page for runs with and without a scenario, and `gwplane report` (errors,
 * default output name, temp-and-rename).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/control/config-load.js';
import { runReplay } from '../../src/replay/replay.js';
import { replaySummaryJson } from '../../src/replay/summary.js';
import { loadPhases, meanRate, renderReport, reportEvents, writeReportFile } from '../../src/report/report.js';
import { parseRunJson, RunDataError, type RunJson } from '../../src/report/run-data.js';
import { el, esc, linearScale, niceMax, text, tickLabel, ticks } from '../../src/report/svg.js';
import { cli, demoConfig, writeDemoLikeCapture } from './demo-traffic.js';

describe('svg helpers', () => {
  it('escapes text and attribute values', () => {
    expect(esc(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
    expect(text(1, 2, '<script>')).toBe('<text x="1" y="2">&lt;script&gt;</text>');
    expect(el('g', { 'data-series': '"><script>' }, '')).toBe('<g data-series="&quot;&gt;&lt;script&gt;"></g>');
    expect(() => el('g', { 'on"x': 1 })).toThrow(/bad attribute name/);
  });

  it('scales and nice ticks', () => {
    const s = linearScale([0, 10], [100, 600]);
    expect([s(0), s(5), s(10)]).toEqual([100, 350, 600]);
    expect(ticks(0, 7.48, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(ticks(0, 1500, 4)).toEqual([0, 500, 1000, 1500]);
    expect(ticks(0, 0.3, 3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect([niceMax(0), niceMax(1234), niceMax(3.2), niceMax(40)]).toEqual([1, 1500, 4, 40]);
    expect([tickLabel(1500, 500), tickLabel(2_000_000, 500_000), tickLabel(0.25, 0.05), tickLabel(3, 1)]).toEqual(['1.5k', '2M', '0.25', '3']);
  });
});

let dir: string;
let demoRun: RunJson;
let quietRun: RunJson;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-report-'));
  const cap = path.join(dir, 'demo-like.pcap');
  writeDemoLikeCapture(cap, { seconds: 7.5, stepMs: 50 });
  const text = fs.readFileSync(demoConfig, 'utf8');
  demoRun = parseRunJson(JSON.parse(JSON.stringify(replaySummaryJson(runReplay({ read: cap, config: parseConfig(text, 'demo.yaml') })))));
  const quiet = text.slice(0, text.indexOf('\nscenario:')) + '\n';
  quietRun = parseRunJson(JSON.parse(JSON.stringify(replaySummaryJson(runReplay({ read: cap, config: parseConfig(quiet, 'quiet.yaml'), count: 500 })))));
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('report contents', () => {
  it('events of the demo scenario, in time order', () => {
    expect(reportEvents(demoRun).map((e) => [e.kind, e.t])).toEqual([
      ['failure', 2],
      ['detection', 3.5],
      ['takeover', 3.5],
      ['recovery', 5],
      ['rejoin', 6],
    ]);
  });

  it('load phases around the failure, and mean rates over them', () => {
    expect(loadPhases(demoRun, 7.5).map((p) => [p.key, p.t0, p.t1])).toEqual([
      ['before', 0, 2],
      ['after', 3.5, 5],
      ['rejoined', 6, 7.5],
    ]);
    expect(loadPhases(quietRun, 1).map((p) => p.key)).toEqual(['run']);
    const b = [[1, 0], [3, 2], [5, 4], [7, 6]];
    expect(meanRate(b, 0.1, 0, 0, 0.2)).toBeCloseTo(20, 9); // (1 + 3) packets in 0.2 s
    expect(meanRate(b, 0.1, 1, 0.2, 0.4)).toBeCloseTo(50, 9);
  });

  it('the demo page: every section, marks with stable classes, no script or external reference', () => {
    const html = renderReport(demoRun);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; img-src data:"');
    expect(html).not.toMatch(/<script|\bsrc=|\bhref=|url\(|@import/i);
    for (const id of ['tunnel-pps', 'flows-moved', 'gateway-load', 'drops', 'scorecard']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('class="mark line" data-series="contoso-hq/t1"');
    expect(html).toContain('class="event" data-kind="failure" data-t="2.000"');
    expect(html).toContain('class="event" data-kind="detection" data-t="3.500"');
    expect(html.match(/data-chart="tunnel-pps"/g)!.length).toBe(3);
    expect(html).toContain('data-key="gateway_failed"');
  });

  it('a run without scenario or drops still makes a page, saying so', () => {
    const html = renderReport({ ...quietRun, drops: {} });
    expect(html).toContain('No scenario events in this run.');
    expect(html).toContain('No drops.');
    expect(html).not.toContain('class="event"');
    expect(html).toContain('data-chart="gateway-load"');
  });

  it('names from the JSON cannot inject markup', () => {
    const evil = '<script>alert(1)</script>';
    const j = JSON.parse(JSON.stringify(demoRun)) as RunJson;
    j.series.tunnels[0] = `${evil}/t"1`;
    j.scorecard[0]!.target = evil;
    j.drops[evil] = 3;
    j.file = evil;
    const html = renderReport(parseRunJson(j));
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('an interrupted run is marked as such', () => {
    expect(renderReport({ ...demoRun, interrupted: true })).toContain('Interrupted: this report covers only the packets processed');
  });
});

describe('RUN.json checking', () => {
  it('names the missing or wrong field', () => {
    const j = (): Record<string, unknown> => JSON.parse(JSON.stringify(demoRun));
    expect(() => parseRunJson([])).toThrow(RunDataError);
    const a = j();
    delete a.scorecard;
    expect(() => parseRunJson(a)).toThrow(/^scorecard: expected array, got nothing$/);
    const b = j();
    (b.series as { buckets: number[][] }).buckets[3] = [1];
    expect(() => parseRunJson(b)).toThrow(/^series\.buckets\[3\]: expected 7 values \(one per tunnel\), got 1$/);
    const c = j();
    (c.scorecard as Array<Record<string, unknown>>)[1]!.at_s = '5';
    expect(() => parseRunJson(c)).toThrow(/^scorecard\[1\]\.at_s: expected number, got "5"$/);
  });
});

describe('gwplane report', () => {
  const gw = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('RUN.json -> RUN.html beside it by default; replaces an older report through a temp name', () => {
    const run = path.join(dir, 'run.json');
    fs.writeFileSync(run, JSON.stringify(demoRun));
    fs.writeFileSync(path.join(dir, 'run.html'), 'old');
    const r = gw('report', run);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe(`gwplane: report written to ${path.join(dir, 'run.html')}\n`);
    expect(fs.readFileSync(path.join(dir, 'run.html'), 'utf8')).toBe(renderReport(demoRun));
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('-o - writes the page to stdout', () => {
    const run = path.join(dir, 'run2.json');
    fs.writeFileSync(run, JSON.stringify(quietRun));
    const r = gw('report', run, '-o', '-');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(renderReport(quietRun));
  });

  it('not JSON, not a run, missing: exit 1 with the reason; nothing written', () => {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"packets": ');
    let r = gw('report', bad, '-o', path.join(dir, 'bad.html'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^gwplane: error: .*bad\.json: not JSON/);
    fs.writeFileSync(bad, '{"packets": 3}');
    r = gw('report', bad, '-o', path.join(dir, 'bad.html'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not a gwplane run result .*: file: expected string, got nothing/);
    r = gw('report', path.join(dir, 'nope.json'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/nope\.json: cannot read/);
    expect(fs.existsSync(path.join(dir, 'bad.html'))).toBe(false);
  });

  it('a report to a FIFO is written into it, and the FIFO stays (never renamed over)', async () => {
    const fifo = path.join(dir, 'r.fifo');
    if (spawnSync('mkfifo', [fifo]).status !== 0) {
      console.log('skipped: mkfifo (coreutils) not available');
      return;
    }
    const copy = path.join(dir, 'r-copy.html');
    const cat = spawn('sh', ['-c', 'exec cat "$0" > "$1"', fifo, copy], { stdio: 'ignore' });
    const done = new Promise<number | null>((resolve) => cat.on('exit', resolve));
    try {
      writeReportFile(demoRun, fifo);
      expect(fs.statSync(fifo).isFIFO()).toBe(true);
      expect(await done).toBe(0);
    } finally {
      cat.kill(); // still waiting for a writer if the FIFO was never opened
    }
    expect(fs.readFileSync(copy, 'utf8')).toBe(renderReport(demoRun));
  });

  it('a report through a symbolic link replaces the file it names; the link stays', () => {
    const target = path.join(dir, 'r-real.html');
    fs.writeFileSync(target, 'old');
    const link = path.join(dir, 'r-link.html');
    fs.symlinkSync(target, link);
    writeReportFile(demoRun, link);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(target, 'utf8')).toBe(renderReport(demoRun));
  });

  it('a write into a missing directory fails without leaving anything', () => {
    expect(() => writeReportFile(demoRun, path.join(dir, 'no-such-dir', 'r.html'))).toThrow(/ENOENT/);
  });
});
