/**
 * The failover report: one self-contained HTML file (inline CSS and SVG, no script, no
 * request leaving the page: a Content-Security-Policy of `default-src 'none'` says so to the
 * browser) made from a run's JSON (`gwplane replay --json` / `replaySummaryJson`):
 *
 *  1. packets per second per tunnel over capture time, one panel per site, with the
 *     scenario's events marked (failure, detection, takeover, recovery, rejoin);
 *  2. flows moved per scenario event against the minimum that had to move;
 *  3. load per gateway (packets/s) before the failure, after the takeover, after the rejoin;
 *  4. drop reasons;
 *  5. the failover scorecard as a table.
 *
 * Written under a temporary name in the target directory and renamed when complete, so a
 * file with the report's name is always a whole report.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EVENT_STYLE, PALETTE, groupedBarChart, hbarChart, legend, timeChart, type EventMark } from './charts.js';
import { parseRunJson, type RunJson } from './run-data.js';
import { el, esc } from './svg.js';
import { stdout } from '../cli/output.js';
import { isSpecialFile, renameTarget, tempNameFor } from '../io/special-file.js';

/** The scenario's events as chart markers, in time order. */
export function reportEvents(run: RunJson): EventMark[] {
  const out: EventMark[] = [];
  for (const r of run.scorecard) {
    const det = r.detected_at_s;
    if (r.event === 'gateway_down') {
      out.push({ kind: 'failure', t: r.at_s, label: `${r.target} fails` });
      if (det !== null) out.push({ kind: 'detection', t: det, label: `${r.target} detected down (+${Math.round((det - r.at_s) * 1000)} ms)` });
    } else if (r.event === 'gateway_up') {
      out.push({ kind: 'recovery', t: r.at_s, label: `${r.target} recovers` });
      if (det !== null) out.push({ kind: 'rejoin', t: det, label: `${r.target} back as standby` });
    } else if (r.event === 'tunnel_down' || r.event === 'tunnel_up') {
      out.push({ kind: r.event === 'tunnel_down' ? 'tunnel-down' : 'tunnel-up', t: r.at_s, label: `${r.target} ${r.event === 'tunnel_down' ? 'down' : 'up'}` });
    } else {
      out.push({ kind: r.event === 'weight' ? 'weight' : r.event, t: r.at_s, label: `${r.target} ${r.event}` });
    }
  }
  for (const c of run.changes) {
    if (c.kind === 'takeover') out.push({ kind: 'takeover', t: c.atMs / 1000, label: `${c.standby ?? '?'} takes over ${c.gateway ?? ''}`.trim() });
    else if (c.kind === 'pool_degraded') out.push({ kind: 'degraded', t: c.atMs / 1000, label: `${c.pool ?? 'pool'} degraded` });
  }
  return out.sort((a, b) => a.t - b.t);
}

/** Legend text per event kind. */
const EVENT_NAMES: Record<string, string> = {
  failure: 'failure (scenario)',
  detection: 'detected down (health probes)',
  takeover: 'takeover by a standby',
  degraded: 'pool degraded (no standby)',
  recovery: 'recovery (scenario)',
  rejoin: 'detected up, rejoins as standby',
  'tunnel-down': 'tunnel down (scenario)',
  'tunnel-up': 'tunnel up (scenario)',
  weight: 'weight change (scenario)',
};

export interface Phase {
  key: string;
  label: string;
  t0: number;
  t1: number;
}

/** Time windows for "load before and after": around the first gateway failure of the run. */
export function loadPhases(run: RunJson, end: number): Phase[] {
  const s = (x: number): string => x.toFixed(1);
  const down = run.scorecard.find((r) => r.event === 'gateway_down');
  if (!down) return [{ key: 'run', label: `whole run (0–${s(end)} s)`, t0: 0, t1: end }];
  const after = down.detected_at_s ?? down.at_s;
  const up = run.scorecard.find((r) => r.event === 'gateway_up' && r.target === down.target && r.at_s >= down.at_s);
  const afterEnd = up ? up.at_s : end;
  const phases: Phase[] = [{ key: 'before', label: `before ${down.target} fails (0–${s(down.at_s)} s)`, t0: 0, t1: down.at_s }];
  phases.push({ key: 'after', label: `after the takeover (${s(after)}–${s(afterEnd)} s)`, t0: after, t1: afterEnd });
  if (up && up.detected_at_s !== null && up.detected_at_s < end) {
    phases.push({ key: 'rejoined', label: `after ${down.target} rejoins (${s(up.detected_at_s)}–${s(end)} s)`, t0: up.detected_at_s, t1: end });
  }
  return phases.filter((p) => p.t1 > p.t0);
}

/** Mean packets/s of each column of `buckets` over [t0, t1) (buckets starting in it). */
export function meanRate(buckets: number[][], bucketSec: number, column: number, t0: number, t1: number): number {
  let sum = 0;
  for (let b = 0; b < buckets.length; b++) {
    const tb = b * bucketSec;
    if (tb >= t0 - 1e-9 && tb < t1 - 1e-9) sum += buckets[b]![column] ?? 0;
  }
  return t1 > t0 ? sum / (t1 - t0) : 0;
}

function fmtInt(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

function fmtS(x: number | null, d = 3): string {
  return x === null ? '–' : x.toFixed(d);
}

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1d2329; background: #fff; }
main { max-width: 1000px; margin: 0 auto; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 36px 0 4px; padding-top: 12px; border-top: 1px solid #dde1e5; }
h3 { font-size: 14px; margin: 16px 0 2px; }
p.meta, p.how { color: #4a5560; margin: 2px 0 10px; }
.banner { background: #fff3cd; border: 1px solid #e0b84c; padding: 8px 12px; border-radius: 4px; margin: 12px 0; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin: 16px 0 4px; }
.tile { border: 1px solid #dde1e5; border-radius: 6px; padding: 8px 12px; }
.tile .v { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.tile .k { color: #4a5560; font-size: 12px; }
.tile.bad .v { color: #b03a00; }
.tile.good .v { color: #00734f; }
figure { margin: 0 0 8px; }
svg.chart { display: block; width: 100%; height: auto; max-width: 960px; overflow: visible; }
svg.chart text { font: 11px system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; fill: #38424c; }
svg.chart .axis-label { font-size: 12px; fill: #4a5560; }
svg.chart .domain, svg.chart .tick line { stroke: #6b7680; stroke-width: 1; }
svg.chart .grid { stroke: #e8ebee; stroke-width: 1; }
svg.chart .event-label { font-weight: 600; }
svg.chart .value { font-size: 10px; fill: #1d2329; font-variant-numeric: tabular-nums; }
svg.chart .group-label, svg.chart .row-label { font-size: 12px; fill: #1d2329; }
svg.chart .group-sub { font-size: 11px; fill: #6b7680; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 0; margin: 4px 0 0 64px; font-size: 12px; color: #38424c; }
ul.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; }
.swatch.line { width: 18px; height: 0; border-radius: 0; }
table.scorecard { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: 13px; }
table.scorecard th, table.scorecard td { border-bottom: 1px solid #e3e6e9; padding: 5px 6px; text-align: right; white-space: nowrap; }
table.scorecard th { background: #f4f6f8; font-weight: 600; vertical-align: bottom; white-space: normal; }
table.scorecard td.l, table.scorecard th.l { text-align: left; }
table.scorecard td.wrap { white-space: normal; min-width: 10em; }
.table-wrap { overflow-x: auto; }
table.scorecard td.bad { color: #b03a00; font-weight: 600; }
p.empty { color: #4a5560; font-style: italic; }
footer { margin-top: 40px; color: #6b7680; font-size: 12px; }
`;

function tile(k: string, v: string, cls = ''): string {
  return el('div', { class: `tile ${cls}`.trim() }, el('div', { class: 'v' }, esc(v)) + el('div', { class: 'k' }, esc(k)));
}

/** The report page for a run (already checked with parseRunJson). */
export function renderReport(run: RunJson): string {
  const s = run.series;
  const bucketSec = s.bucketMs / 1000;
  const end = Math.max(run.capture_seconds, s.buckets.length * bucketSec, (s.gateway_buckets?.length ?? 0) * bucketSec);
  const events = reportEvents(run);
  const drops = Object.entries(run.drops).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const dropped = drops.reduce((a, [, v]) => a + v, 0);
  const lost = run.scorecard.reduce((a, r) => a + r.packets_lost, 0);
  const moved = run.scorecard.reduce((a, r) => a + r.flows_moved, 0);
  const minimum = run.scorecard.reduce((a, r) => a + r.flows_minimum, 0);
  const tunGw = new Map(run.tunnels.map((t) => [t.name, t.gateway]));

  const parts: string[] = [];
  parts.push(el('h1', {}, 'gwplane failover report'));
  parts.push(
    el('p', { class: 'meta' }, `capture ${el('code', {}, esc(run.file))}: ${fmtInt(run.packets)} packets, ${esc(run.capture_seconds.toFixed(3))} s of capture time` + (run.output ? `; output ${el('code', {}, esc(run.output))}` : '')),
  );
  if (run.interrupted) parts.push(el('div', { class: 'banner' }, 'Interrupted: this report covers only the packets processed before the run was stopped.'));
  for (const w of run.warnings) parts.push(el('div', { class: 'banner' }, esc(`Warning: ${w}`)));
  const worst = run.scorecard.map((r) => r.converge_ms).filter((x): x is number => x !== null);
  parts.push(
    el(
      'div',
      { class: 'tiles' },
      tile('packets', fmtInt(run.packets)) +
        tile('capture time', `${run.capture_seconds.toFixed(2)} s`) +
        tile('dropped', fmtInt(dropped), dropped > 0 ? 'bad' : 'good') +
        tile('lost to a failed gateway', fmtInt(lost), lost > 0 ? 'bad' : 'good') +
        tile('flows moved / minimum', `${fmtInt(moved)} / ${fmtInt(minimum)}`, moved > minimum ? 'bad' : 'good') +
        tile('stickiness violations', fmtInt(run.stickiness_violations), run.stickiness_violations > 0 ? 'bad' : 'good') +
        tile('worst convergence', worst.length ? `${fmtInt(Math.max(...worst))} ms` : '–') +
        tile('rx = tx + drops', run.invariant_rx_eq_tx_plus_drops ? 'yes' : 'NO', run.invariant_rx_eq_tx_plus_drops ? 'good' : 'bad'),
    ),
  );

  // 1. Packets per second per tunnel, one panel per site.
  parts.push(el('h2', { id: 'tunnel-pps' }, 'Packets per second per tunnel'));
  parts.push(
    el(
      'p',
      { class: 'how' },
      `Packets sent over each tunnel, per ${esc(String(s.bucketMs))} ms of capture time, as packets/s. ` +
        'Vertical lines mark the scenario: the failure, its detection by the health probes, the takeover by a standby, the recovery and the rejoin. ' +
        'Between the failure and its detection, packets the tables still send over the failed gateway\u2019s tunnels are lost (counted as gateway_failed under drop reasons, not drawn here); from the detection on, their flows move to the surviving tunnels of the site, and flows already there stay put.',
    ),
  );
  const kinds = [...new Set(events.map((e) => e.kind))];
  if (kinds.length) {
    parts.push(
      legend(
        kinds.map((k) => {
          const st = EVENT_STYLE[k] ?? { colour: '#555555', dash: '4 2' };
          return { colour: st.colour, dash: st.dash, label: EVENT_NAMES[k] ?? k };
        }),
      ),
    );
  }
  const sites = new Map<string, number[]>();
  s.tunnels.forEach((name, k) => {
    const site = name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : name;
    if (!sites.has(site)) sites.set(site, []);
    sites.get(site)!.push(k);
  });
  if (sites.size === 0) parts.push(el('p', { class: 'empty' }, 'No site tunnels in this configuration.'));
  for (const [site, idx] of sites) {
    const series = idx.map((k, j) => ({
      name: s.tunnels[k]!,
      colour: PALETTE[j % PALETTE.length]!,
      values: s.buckets.map((b) => (b[k] ?? 0) / bucketSec),
      total: s.buckets.reduce((a, b) => a + (b[k] ?? 0), 0),
    }));
    parts.push(
      el(
        'figure',
        { class: 'site', 'data-site': site },
        el('h3', {}, esc(`site ${site}`)) +
          timeChart({ chart: 'tunnel-pps', attrs: { 'data-site': site }, series, bucketSec, tEnd: end, events, yLabel: 'packets/s' }) +
          legend(series.map((x) => ({ colour: x.colour, label: `${x.name.slice(site.length + 1) || x.name} \u2192 ${tunGw.get(x.name) ?? '?'}` }))),
      ),
    );
  }

  // 2. Flows moved per event against the minimum.
  parts.push(el('h2', { id: 'flows-moved' }, 'Flows moved per event, against the minimum'));
  parts.push(
    el(
      'p',
      { class: 'how' },
      'The minimum is the number of live flows on the tunnels an event took down: they must move. More moved than the minimum means flows on surviving tunnels were disturbed (Maglev and the flow table should prevent that).',
    ),
  );
  if (run.scorecard.length === 0) parts.push(el('p', { class: 'empty' }, 'No scenario events in this run.'));
  else
    parts.push(
      el(
        'figure',
        {},
        groupedBarChart({
          chart: 'flows-moved',
          groups: run.scorecard.map((r) => ({ key: String(r.index), label: `#${r.index} ${r.event} ${r.target}`, sub: `at ${r.at_s.toFixed(1)} s` })),
          series: [
            { name: 'moved', label: 'flows moved', colour: '#0072B2' },
            { name: 'minimum', label: 'minimum', colour: '#A0A8B0' },
          ],
          values: run.scorecard.map((r) => [r.flows_moved, r.flows_minimum]),
          yLabel: 'flows',
          height: 260,
        }) +
          legend([
            { colour: '#0072B2', label: 'flows moved' },
            { colour: '#A0A8B0', label: 'minimum (flows on the tunnels taken down)' },
          ]),
      ),
    );

  // 3. Load per gateway before and after.
  parts.push(el('h2', { id: 'gateway-load' }, 'Load per gateway before and after the failure'));
  parts.push(
    el(
      'p',
      { class: 'how' },
      'Mean packets/s each gateway handled in each phase: packets delivered to it (SLB NAT, GRE VIP, L3 CA IP) plus packets sent over the tunnels it ended at the time.',
    ),
  );
  if (!s.gateways || !s.gateway_buckets) parts.push(el('p', { class: 'empty' }, 'This run has no per-gateway series (made by an older gwplane).'));
  else {
    const phases = loadPhases(run, end);
    const colours = ['#56B4E9', '#E69F00', '#009E73', '#CC79A7'];
    const gb = s.gateway_buckets;
    const pool = new Map(run.gateways.map((g) => [g.name, g.pool]));
    parts.push(
      el(
        'figure',
        {},
        groupedBarChart({
          chart: 'gateway-load',
          groups: s.gateways.map((g) => ({ key: g, label: g, sub: pool.get(g) ?? '' })),
          series: phases.map((p, k) => ({ name: p.key, label: p.label, colour: colours[k % colours.length]! })),
          values: s.gateways.map((_, gi) => phases.map((p) => meanRate(gb, bucketSec, gi, p.t0, Math.min(p.t1, end)))),
          yLabel: 'packets/s',
          format: (v) => (v >= 10000 ? `${(v / 1000).toFixed(0)}k` : v >= 1000 ? `${(v / 1000).toFixed(1)}k` : String(Math.round(v))),
          height: 280,
        }) + legend(phases.map((p, k) => ({ colour: colours[k % colours.length]!, label: p.label }))),
      ),
    );
  }

  // 4. Drop reasons.
  parts.push(el('h2', { id: 'drops' }, 'Drop reasons'));
  parts.push(el('p', { class: 'how' }, `Every packet not forwarded has exactly one reason; ${fmtInt(dropped)} dropped of ${fmtInt(run.packets)}.`));
  if (drops.length === 0) parts.push(el('p', { class: 'empty' }, 'No drops.'));
  else parts.push(el('figure', {}, hbarChart({ chart: 'drops', rows: drops.map(([k, v]) => ({ key: k, label: k, value: v })), colour: '#D55E00', xLabel: 'packets', format: fmtInt })));

  // 5. Scorecard.
  parts.push(el('h2', { id: 'scorecard' }, 'Failover scorecard'));
  parts.push(
    el(
      'p',
      { class: 'how' },
      'Per scenario event: when it was detected and by whom it was taken over, packets lost to the failed gateway before detection, flows moved against the minimum, flows that moved although their tunnel stayed up (stickiness violations), and the time until no more packets were lost.',
    ),
  );
  if (run.scorecard.length === 0) parts.push(el('p', { class: 'empty' }, 'No scenario events in this run.'));
  else {
    const head = ['#', 'event', 'target', 'at s', 'detected s', 'detect ms', 'takeover', 'tunnels down', 'lost pkts', 'flows moved', 'minimum', 'stickiness viol.', 'converge ms'];
    const left = new Set([1, 2, 6, 7]);
    const wrap = 7; // tunnels down: a list, may wrap
    const rows = run.scorecard.map((r) =>
      el(
        'tr',
        { 'data-index': r.index },
        [
          [String(r.index), ''],
          [r.event, ''],
          [r.target, ''],
          [r.at_s.toFixed(3), ''],
          [fmtS(r.detected_at_s), ''],
          [r.detection_ms === null ? '–' : String(r.detection_ms), ''],
          [r.takeover_by ?? '–', ''],
          [r.tunnels_down.length ? r.tunnels_down.join(', ') : '–', ''],
          [fmtInt(r.packets_lost), ''],
          [fmtInt(r.flows_moved), r.flows_moved > r.flows_minimum ? 'bad' : ''],
          [fmtInt(r.flows_minimum), ''],
          [fmtInt(r.stickiness_violations), r.stickiness_violations > 0 ? 'bad' : ''],
          [r.converge_ms === null ? '–' : fmtInt(r.converge_ms), ''],
        ]
          .map(([v, cls], c) => el('td', { class: [left.has(c) ? 'l' : '', c === wrap ? 'wrap' : '', cls].filter(Boolean).join(' ') || undefined }, esc(v!)))
          .join(''),
      ),
    );
    parts.push(
      el(
        'div',
        { class: 'table-wrap' },
        el(
          'table',
          { class: 'scorecard' },
          el('thead', {}, el('tr', {}, head.map((h, c) => el('th', { class: left.has(c) ? 'l' : undefined }, esc(h))).join(''))) + el('tbody', {}, rows.join('')),
        ),
      ),
    );
  }
  parts.push(el('footer', {}, `Made by gwplane from the result of ${el('code', {}, esc('gwplane replay --json'))}; self-contained: no script, no external resource.`));

  return (
    '<!doctype html>\n' +
    el(
      'html',
      { lang: 'en' },
      el(
        'head',
        {},
        el('meta', { charset: 'utf-8' }) +
          el('meta', { 'http-equiv': 'Content-Security-Policy', content: "default-src 'none'; style-src 'unsafe-inline'; img-src data:" }) +
          el('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }) +
          el('title', {}, esc(`gwplane report: ${path.basename(run.file)}`)) +
          el('style', {}, CSS),
      ) + el('body', {}, el('main', {}, parts.join('\n'))),
    ) +
    '\n'
  );
}

/**
 * Check `json` (a parsed RUN.json or `replaySummaryJson` output), render it and write it to
 * `file` ('-' for stdout) through a temporary name renamed when complete (a device or FIFO
 * is written directly). Throws RunDataError (bad input) or the fs error.
 */
export function writeReportFile(json: unknown, file: string): void {
  const html = renderReport(parseRunJson(json));
  if (file === '-') {
    stdout().write(html);
    return;
  }
  if (isSpecialFile(file)) {
    fs.writeFileSync(file, html); // /dev/null, a FIFO: written directly, never replaced (io/special-file.ts)
    return;
  }
  const dest = renameTarget(path.resolve(file)); // a symbolic link: the file it names is replaced
  const tmp = tempNameFor(dest);
  try {
    fs.writeFileSync(tmp, html);
    fs.renameSync(tmp, dest);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
