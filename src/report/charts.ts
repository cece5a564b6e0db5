/**
 * The report's chart kinds, drawn with `svg.ts`: a time series with event markers, grouped
 * vertical bars, horizontal bars. Every data mark has `class="mark ..."` and `data-*`
 * attributes naming what it shows (series, group, value, time), so tests and people with
 * devtools can find them; every chart is an `<svg class="chart" data-chart=KIND>`.
 */
import { axisBottom, axisLeft, el, esc, line, linearScale, niceMax, num, polyline, rect, svgRoot, text, textWidth, title, type Attrs } from './svg.js';

/** Colour-blind safe categorical palette (Okabe & Ito), black last. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#8C6D1F', '#000000'];

/** Marker style per event kind. */
export const EVENT_STYLE: Record<string, { colour: string; dash: string | null }> = {
  failure: { colour: '#D55E00', dash: null },
  detection: { colour: '#B8860B', dash: '6 3' },
  takeover: { colour: '#8E44AD', dash: '2 3' },
  degraded: { colour: '#D55E00', dash: '2 3' },
  recovery: { colour: '#009E73', dash: null },
  rejoin: { colour: '#0072B2', dash: '6 3' },
  'tunnel-down': { colour: '#D55E00', dash: '4 2' },
  'tunnel-up': { colour: '#009E73', dash: '4 2' },
  weight: { colour: '#555555', dash: '4 2' },
};

export interface EventMark {
  kind: string;
  /** Seconds of capture time. */
  t: number;
  label: string;
}

export interface Series {
  name: string;
  colour: string;
  /** One value per bucket. */
  values: number[];
  /** What `data-total` says (e.g. packets when values are rates); default the sum of values. */
  total?: number;
}

export interface TimeChartOptions {
  /** data-chart value. */
  chart: string;
  /** Extra attributes of the root (e.g. data-site). */
  attrs?: Attrs;
  series: Series[];
  /** Width of a bucket in seconds; point k sits at the middle of its bucket. */
  bucketSec: number;
  /** End of the time axis (s). */
  tEnd: number;
  events: EventMark[];
  yLabel: string;
  width?: number;
  height?: number;
}

const M = { left: 64, right: 16, bottom: 44 };
const LABEL_ROW = 15;

/**
 * Lines over capture time, with a vertical marker per event (`class="event" data-kind
 * data-t`) and its label in a band above the plot; labels that would overlap go to another
 * row. The plot area is `<g class="plot" data-t0 data-t1 data-x0 data-x1>`.
 */
export function timeChart(o: TimeChartOptions): string {
  const width = o.width ?? 960;
  const plotH = (o.height ?? 300) - M.bottom;
  const tEnd = Math.max(o.tEnd, o.bucketSec, 1e-3);
  const x0 = M.left;
  const x1 = width - M.right;
  const xs = linearScale([0, tEnd], [x0, x1]);

  // Event labels: greedy rows so that no two labels overlap.
  const evs = [...o.events].filter((e) => e.t >= 0 && e.t <= tEnd).sort((a, b) => a.t - b.t);
  const rowEnd: number[] = [];
  const placed = evs.map((e) => {
    const w = textWidth(e.label, 11) + 8;
    const x = xs(e.t);
    const anchorEnd = x + w > x1; // no room on the right: label to the left of the line
    const left = anchorEnd ? x - w : x;
    let row = rowEnd.findIndex((end) => end <= left);
    if (row < 0) {
      row = rowEnd.length;
      rowEnd.push(0);
    }
    rowEnd[row] = left + w;
    return { e, x, row, anchorEnd };
  });
  const top = 10 + Math.max(1, rowEnd.length) * LABEL_ROW;
  const height = top + plotH + M.bottom;
  const yMax = niceMax(Math.max(0, ...o.series.flatMap((s) => s.values)));
  const ys = linearScale([0, yMax], [top + plotH, top]);

  let body = '';
  body += axisLeft(ys, x0, { count: 4, label: o.yLabel, grid: x1 - x0 });
  body += axisBottom(xs, top + plotH, { count: 10, label: 'capture time (s)' });
  let lines = '';
  for (const s of o.series) {
    const pts = s.values.map((v, k) => [xs((k + 0.5) * o.bucketSec), ys(v)] as [number, number]);
    const total = s.total ?? s.values.reduce((a, b) => a + b, 0);
    lines += polyline(pts, {
      class: 'mark line',
      'data-series': s.name,
      'data-points': pts.length,
      'data-total': total,
      stroke: s.colour,
      'stroke-width': 1.6,
      'stroke-linejoin': 'round',
    });
  }
  let marks = '';
  for (const p of placed) {
    const st = EVENT_STYLE[p.e.kind] ?? { colour: '#555555', dash: '4 2' };
    const ly = 10 + p.row * LABEL_ROW + 10;
    marks += el(
      'g',
      { class: 'event', 'data-kind': p.e.kind, 'data-t': p.e.t.toFixed(3) },
      title(`${p.e.label} at ${p.e.t.toFixed(3)} s`) +
        line(p.x, ly + 3, p.x, top + plotH, { stroke: st.colour, 'stroke-width': 1.5, 'stroke-dasharray': st.dash ?? undefined, class: 'event-line' }) +
        text(p.anchorEnd ? p.x - 4 : p.x + 4, ly, p.e.label, { class: 'event-label', fill: st.colour, 'text-anchor': p.anchorEnd ? 'end' : 'start' }),
    );
  }
  body += el('g', { class: 'plot', 'data-t0': 0, 'data-t1': num(tEnd), 'data-x0': x0, 'data-x1': x1 }, lines + marks);
  return svgRoot(width, height, body, { class: 'chart', 'data-chart': o.chart, ...o.attrs });
}

export interface BarGroup {
  key: string;
  label: string;
  /** Second label line (smaller). */
  sub?: string;
}

export interface GroupedBarOptions {
  chart: string;
  groups: BarGroup[];
  series: Array<{ name: string; label: string; colour: string }>;
  /** values[group][series] */
  values: number[][];
  yLabel: string;
  format?: (v: number) => string;
  width?: number;
  height?: number;
}

/** Vertical bars, one group per x position, one bar per series in each group. */
export function groupedBarChart(o: GroupedBarOptions): string {
  const width = o.width ?? 960;
  const height = o.height ?? 300;
  const top = 24;
  const bottom = 56;
  const x0 = M.left;
  const x1 = width - M.right;
  const plotBottom = height - bottom;
  const fmt = o.format ?? ((v: number) => String(Math.round(v)));
  const yMax = niceMax(Math.max(0, ...o.values.flat()));
  const ys = linearScale([0, yMax], [plotBottom, top]);
  const gw = (x1 - x0) / Math.max(1, o.groups.length);
  const pad = Math.min(gw * 0.1, 40);
  const bw = Math.min(56, (gw - 2 * pad) / Math.max(1, o.series.length));
  let body = axisLeft(ys, x0, { count: 4, label: o.yLabel, grid: x1 - x0 });
  body += line(x0, plotBottom, x1, plotBottom, { class: 'domain' });
  o.groups.forEach((g, gi) => {
    const cx = x0 + gw * (gi + 0.5);
    const start = cx - (bw * o.series.length) / 2;
    let bars = '';
    o.series.forEach((s, si) => {
      const v = o.values[gi]?.[si] ?? 0;
      const x = start + si * bw;
      const y = ys(v);
      bars += el(
        'g',
        { class: 'bar-group-item' },
        rect(x + 1, y, bw - 2, plotBottom - y, { class: 'mark bar', 'data-series': s.name, 'data-group': g.key, 'data-value': v, fill: s.colour }) +
          text(x + bw / 2, y - 4, fmt(v), { class: 'value', 'text-anchor': 'middle' }),
      );
    });
    const lab = text(cx, plotBottom + 18, g.label, { 'text-anchor': 'middle', class: 'group-label' }) + (g.sub ? text(cx, plotBottom + 33, g.sub, { 'text-anchor': 'middle', class: 'group-sub' }) : '');
    body += el('g', { class: 'group', 'data-group': g.key }, title(g.label + (g.sub ? ` ${g.sub}` : '')) + bars + lab);
  });
  return svgRoot(width, height, body, { class: 'chart', 'data-chart': o.chart });
}

export interface HBarOptions {
  chart: string;
  rows: Array<{ key: string; label: string; value: number }>;
  colour: string;
  xLabel: string;
  format?: (v: number) => string;
  width?: number;
}

/** Horizontal bars, one row each, longest first as given; the value written at the bar's end. */
export function hbarChart(o: HBarOptions): string {
  const width = o.width ?? 960;
  const rowH = 24;
  const labelW = Math.min(360, Math.max(80, ...o.rows.map((r) => textWidth(r.label, 12) + 16)));
  const x0 = labelW;
  const x1 = width - 80;
  const top = 8;
  const height = top + rowH * o.rows.length + 44;
  const xMax = niceMax(Math.max(0, ...o.rows.map((r) => r.value)));
  const xs = linearScale([0, xMax], [x0, x1]);
  let body = axisBottom(xs, top + rowH * o.rows.length, { count: 6, label: o.xLabel, grid: rowH * o.rows.length });
  o.rows.forEach((r, k) => {
    const y = top + k * rowH;
    body += el(
      'g',
      { class: 'row', 'data-key': r.key },
      text(x0 - 8, y + rowH / 2 + 4, r.label, { 'text-anchor': 'end', class: 'row-label' }) +
        rect(x0, y + 4, xs(r.value) - x0, rowH - 8, { class: 'mark bar', 'data-series': o.chart, 'data-key': r.key, 'data-value': r.value, fill: o.colour }) +
        text(xs(r.value) + 6, y + rowH / 2 + 4, (o.format ?? String)(r.value), { class: 'value' }),
    );
  });
  return svgRoot(width, height, body, { class: 'chart', 'data-chart': o.chart });
}

/** An HTML legend: a swatch and a label per entry. */
export function legend(items: Array<{ colour: string; label: string; dash?: string | null }>): string {
  return el(
    'ul',
    { class: 'legend' },
    items
      .map((i) =>
        el('li', {}, el('span', { class: i.dash === undefined ? 'swatch' : 'swatch line', style: i.dash === undefined ? `background:${i.colour}` : `border-top:2px ${i.dash ? 'dashed' : 'solid'} ${i.colour}` }, '') + esc(i.label)),
      )
      .join(''),
  );
}
