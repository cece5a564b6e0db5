/**
 * The demo's failover report, opened in a real browser (Debian's Chromium driven by
 * playwright-core): every chart is drawn with data, the event markers sit at the right x for
 * their times on the time axis, nothing is requested from outside the file, and the
 * screenshot is not blank. Skips (saying why) where /usr/bin/chromium is absent; `.ci/run`
 * installs it.
 *
 * The capture is fixtures/demo/demo.pcap, or an equivalent generated one while that file
 * does not exist (see demo-traffic.ts); the expectations come from the run's own JSON (the
 * scorecard's times, the series' totals), so they hold for either.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunJson } from '../../src/report/run-data.js';
import { cli, demoCapture, demoConfig } from './demo-traffic.js';
import { decodePng, pixelStats } from './png.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) console.log(`report-browser: skipped: ${CHROMIUM} is absent (apt-get install chromium; .ci/run does)`);

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface EventInfo {
  kind: string;
  t: number;
  x: number;
}
interface ChartInfo {
  chart: string;
  site: string | null;
  width: number;
  height: number;
  marks: number;
  visibleMarks: number;
  /** x axis ticks: value -> screen x. */
  ticks: Array<{ v: number; x: number }>;
  events: EventInfo[];
  lines: Array<{ series: string; total: number; points: number; width: number }>;
  bars: Array<{ series: string; group: string | null; key: string | null; value: number; height: number; width: number }>;
}

describe.skipIf(!haveChromium)('HTML report in Chromium', () => {
  let dir: string;
  let run: RunJson;
  let reportFile: string;
  let charts: ChartInfo[] = [];
  let tableRows: string[][] = [];
  let requests: string[] = [];
  let png: Buffer;
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-report-browser-'));
    const cap = demoCapture(dir);
    if (cap.generated) console.log(`report-browser: fixtures/demo/demo.pcap absent; using a generated demo-like capture ${cap.file}`);
    reportFile = path.join(dir, 'demo-report.html');
    const r = spawnSync(process.execPath, [cli, 'replay', '-r', cap.file, '--config', demoConfig, '--json', '--report', reportFile], { encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(r.status, r.stderr).toBe(0);
    run = JSON.parse(r.stdout) as RunJson;
    fs.writeFileSync(path.join(dir, 'run.json'), r.stdout);

    const { chromium } = await import('playwright-core');
    const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-chromium-profile-'));
    const ctx = await chromium.launchPersistentContext(userData, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1100, height: 900 } });
    try {
      const page = await ctx.newPage();
      page.on('request', (q) => requests.push(q.url()));
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      await page.goto(`file://${reportFile}`);
      charts = await page.evaluate(() => {
        const num = (s: string | null): number => (s === null ? NaN : Number(s));
        return [...document.querySelectorAll('svg.chart')].map((svg) => {
          const box = svg.getBoundingClientRect();
          const marks = [...svg.querySelectorAll('.mark')];
          const cx = (e: Element): number => {
            const b = e.getBoundingClientRect();
            return b.left + b.width / 2;
          };
          return {
            chart: svg.getAttribute('data-chart') ?? '',
            site: svg.getAttribute('data-site'),
            width: box.width,
            height: box.height,
            marks: marks.length,
            visibleMarks: marks.filter((m) => {
              const b = m.getBoundingClientRect();
              return b.width > 0 && b.height > 0;
            }).length,
            ticks: [...svg.querySelectorAll('.axis-x .tick')].map((t) => ({ v: num(t.getAttribute('data-value')), x: cx(t.querySelector('line')!) })),
            events: [...svg.querySelectorAll('g.event')].map((g) => ({ kind: g.getAttribute('data-kind') ?? '', t: num(g.getAttribute('data-t')), x: cx(g.querySelector('line')!) })),
            lines: [...svg.querySelectorAll('polyline.mark')].map((l) => ({
              series: l.getAttribute('data-series') ?? '',
              total: num(l.getAttribute('data-total')),
              points: num(l.getAttribute('data-points')),
              width: l.getBoundingClientRect().width,
            })),
            bars: [...svg.querySelectorAll('rect.mark')].map((b) => ({
              series: b.getAttribute('data-series') ?? '',
              group: b.getAttribute('data-group'),
              key: b.getAttribute('data-key'),
              value: num(b.getAttribute('data-value')),
              height: b.getBoundingClientRect().height,
              width: b.getBoundingClientRect().width,
            })),
          };
        });
      });
      tableRows = await page.evaluate(() => [...document.querySelectorAll('table.scorecard tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      png = await page.screenshot({ fullPage: true });
      const shot = path.join(os.tmpdir(), 'gwplane-demo-report.png');
      fs.writeFileSync(shot, png);
      console.log(`report-browser: screenshot of the demo report: ${shot}`);
    } finally {
      await ctx.close();
      fs.rmSync(userData, { recursive: true, force: true });
    }
  });

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is one self-contained file: no script, no request but the page itself, no console error', () => {
    const html = fs.readFileSync(reportFile, 'utf8');
    expect(html).not.toMatch(/<script|\bsrc=|\bhref=|url\(|@import/i);
    expect(requests).toEqual([`file://${reportFile}`]);
    expect(consoleErrors).toEqual([]);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('draws every chart, each with marks', () => {
    const kinds = new Set(charts.map((c) => c.chart));
    expect(kinds).toEqual(new Set(['tunnel-pps', 'flows-moved', 'gateway-load', ...(Object.keys(run.drops).length ? ['drops'] : [])]));
    for (const c of charts) {
      expect(c.width, c.chart).toBeGreaterThan(300);
      expect(c.height, c.chart).toBeGreaterThan(100);
      expect(c.marks, c.chart).toBeGreaterThan(0);
      expect(c.visibleMarks, c.chart).toBeGreaterThan(0);
    }
  });

  it('packets per second: one panel per site, one line per tunnel, totals equal to the run', () => {
    const panels = charts.filter((c) => c.chart === 'tunnel-pps');
    const sites = [...new Set(run.series.tunnels.map((t) => t.slice(0, t.lastIndexOf('/'))))];
    expect(panels.map((p) => p.site)).toEqual(sites);
    const lines = panels.flatMap((p) => p.lines);
    expect(lines.map((l) => l.series)).toEqual(run.series.tunnels);
    const perTunnel = run.series.tunnels.map((_, k) => run.series.buckets.reduce((a, b) => a + b[k]!, 0));
    expect(lines.map((l) => l.total)).toEqual(perTunnel);
    expect(lines.reduce((a, l) => a + l.total, 0)).toBe(run.counters.tunnel);
    expect(run.counters.tunnel).toBeGreaterThan(0);
    for (const p of panels) {
      const axisW = Math.max(...p.ticks.map((t) => t.x)) - Math.min(...p.ticks.map((t) => t.x));
      // each line spans the time axis (a point per bucket)
      for (const l of p.lines) {
        expect(l.points).toBe(run.series.buckets.length);
        expect(l.width).toBeGreaterThan(axisW * 0.8);
      }
    }
  });

  it('marks the scenario events at the right x on the time axis', () => {
    const expected: Array<{ kind: string; t: number }> = [];
    for (const r of run.scorecard) {
      if (r.event === 'gateway_down') {
        expected.push({ kind: 'failure', t: r.at_s });
        if (r.detected_at_s !== null) expected.push({ kind: 'detection', t: r.detected_at_s });
      } else if (r.event === 'gateway_up') {
        expected.push({ kind: 'recovery', t: r.at_s });
        if (r.detected_at_s !== null) expected.push({ kind: 'rejoin', t: r.detected_at_s });
      }
    }
    for (const c of run.changes) if (c.kind === 'takeover') expected.push({ kind: 'takeover', t: c.atMs / 1000 });
    // The demo scenario: gw4 fails at 2 s, detected 1.5 s later, taken over, back at 5 s.
    expect(expected.map((e) => e.kind).sort()).toEqual(['detection', 'failure', 'recovery', 'rejoin', 'takeover']);
    expect(expected.find((e) => e.kind === 'failure')!.t).toBe(2);
    expect(expected.find((e) => e.kind === 'detection')!.t).toBeCloseTo(3.5, 6);

    for (const p of charts.filter((c) => c.chart === 'tunnel-pps')) {
      expect(p.ticks.length).toBeGreaterThanOrEqual(3);
      // screen x of time t, interpolated between the axis' own tick marks
      const t0 = p.ticks[0]!;
      const t1 = p.ticks[p.ticks.length - 1]!;
      const xOf = (t: number): number => t0.x + ((t - t0.v) / (t1.v - t0.v)) * (t1.x - t0.x);
      expect(p.events.map((e) => e.kind).sort()).toEqual(expected.map((e) => e.kind).sort());
      for (const e of expected) {
        const got = p.events.find((x) => x.kind === e.kind && Math.abs(x.t - e.t) < 1e-3);
        expect(got, `${p.site}: ${e.kind} at ${e.t}`).toBeDefined();
        expect(Math.abs(got!.x - xOf(e.t)), `${p.site}: ${e.kind} at ${e.t} s`).toBeLessThan(1.5);
      }
      // a failure at 2 s sits on the tick for 2
      const two = p.ticks.find((t) => t.v === 2);
      if (two) expect(Math.abs(p.events.find((e) => e.kind === 'failure')!.x - two.x)).toBeLessThan(1.5);
    }
  });

  it('flows moved per event against the minimum: the scorecard values, as bars', () => {
    const c = charts.find((x) => x.chart === 'flows-moved')!;
    expect(c.bars.length).toBe(2 * run.scorecard.length);
    for (const r of run.scorecard) {
      expect(c.bars.find((b) => b.series === 'moved' && b.group === String(r.index))!.value).toBe(r.flows_moved);
      expect(c.bars.find((b) => b.series === 'minimum' && b.group === String(r.index))!.value).toBe(r.flows_minimum);
    }
    const down = run.scorecard.find((r) => r.event === 'gateway_down')!;
    expect(down.flows_minimum).toBeGreaterThan(0);
    expect(c.bars.find((b) => b.series === 'moved' && b.group === String(down.index))!.height).toBeGreaterThan(10);
  });

  it('load per gateway before and after: a bar per gateway and phase, the failed gateway idle after the takeover', () => {
    const c = charts.find((x) => x.chart === 'gateway-load')!;
    const gws = run.gateways.map((g) => g.name);
    expect([...new Set(c.bars.map((b) => b.group))]).toEqual(gws);
    const phases = [...new Set(c.bars.map((b) => b.series))];
    expect(phases.slice(0, 2)).toEqual(['before', 'after']);
    expect(['before', 'after', 'rejoined']).toEqual(expect.arrayContaining(phases));
    expect(c.bars.filter((b) => b.height > 1).length).toBeGreaterThan(2);
    const failed = run.scorecard.find((r) => r.event === 'gateway_down')!.target;
    expect(c.bars.find((b) => b.group === failed && b.series === 'before')!.value).toBeGreaterThan(0);
    expect(c.bars.find((b) => b.group === failed && b.series === 'after')!.value).toBe(0);
  });

  it('drop reasons: one bar per reason with its count', () => {
    const c = charts.find((x) => x.chart === 'drops')!;
    const drops = Object.entries(run.drops).filter(([, v]) => v > 0);
    expect(drops.length).toBeGreaterThan(0); // the demo loses packets to gw4 before detection
    expect(c.bars.map((b) => [b.key, b.value]).sort()).toEqual(drops.sort());
    for (const b of c.bars) expect(b.width).toBeGreaterThan(0);
  });

  it('the scorecard is a table with a row per event', () => {
    expect(tableRows.length).toBe(run.scorecard.length);
    run.scorecard.forEach((r, k) => {
      expect(tableRows[k]![1]).toBe(r.event);
      expect(tableRows[k]![2]).toBe(r.target);
      expect(tableRows[k]![3]).toBe(r.at_s.toFixed(3));
    });
  });

  it('the screenshot is not blank', () => {
    expect(png.length).toBeGreaterThan(50_000);
    const img = decodePng(png);
    expect(img.width).toBeGreaterThanOrEqual(1000);
    expect(img.height).toBeGreaterThan(2000); // five sections, one panel per site
    const s = pixelStats(img);
    expect(s.distinct).toBeGreaterThan(200); // text antialiasing, several series colours
    expect(s.nonWhite).toBeGreaterThan(0.02);
    expect(s.saturated).toBeGreaterThan(0.002); // coloured lines and bars, not only text
  });

  it('gwplane report RUN.json gives the same page as replay --report', () => {
    const runFile = path.join(dir, 'run.json');
    const out = path.join(dir, 'from-json.html');
    const r = spawnSync(process.execPath, [cli, 'report', runFile, '-o', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`report written to ${out}`);
    expect(fs.readFileSync(out, 'utf8')).toBe(fs.readFileSync(reportFile, 'utf8'));
  });
});
