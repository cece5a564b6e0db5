/**
 * A small hand-written SVG module for the report's charts: elements with escaped text and
 * attributes, linear scales with "nice" ticks, axes, lines, bars and labels.
 *
 * Why hand-written rather than a charting library: the report must be one self-contained
 * HTML file that works offline and sends no request, so a browser-side library would have to
 * be inlined (hundreds of kB of script, and script in a file people pass around); a Node-side
 * one (d3 + jsdom, vega) brings a dependency tree to pin and audit for a handful of lines and
 * bars. What the charts need (linear scales, ticks, polylines, rects, text) is ~200 lines
 * here, has no dependency, renders identically everywhere, and is tested in Chromium
 * (test/report/report-browser.test.ts).
 *
 * Every string that reaches the output goes through `esc` (text and attribute values), so
 * names from a config or a RUN.json cannot inject markup.
 */

export type Attrs = Record<string, string | number | boolean | null | undefined>;

/** Escape text or an attribute value for XML/HTML (`& < > " '`). */
export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/** A number as written into coordinates: at most 2 decimals, no "-0". */
export function num(x: number): string {
  const r = Math.round(x * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

function attrs(a: Attrs): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined || v === null || v === false) continue;
    if (!/^[a-zA-Z_:][-a-zA-Z0-9_:.]*$/.test(k)) throw new Error(`svg: bad attribute name ${k}`);
    out += v === true ? ` ${k}` : ` ${k}="${esc(typeof v === 'number' ? num(v) : v)}"`;
  }
  return out;
}

/** An element; `children` is already-built markup (use `esc` or `text()` for strings). */
export function el(name: string, a: Attrs = {}, children?: string): string {
  return children === undefined ? `<${name}${attrs(a)}/>` : `<${name}${attrs(a)}>${children}</${name}>`;
}

/** A text element with escaped content. */
export function text(x: number, y: number, s: string, a: Attrs = {}): string {
  return el('text', { x, y, ...a }, esc(s));
}

export function line(x1: number, y1: number, x2: number, y2: number, a: Attrs = {}): string {
  return el('line', { x1, y1, x2, y2, ...a });
}

export function rect(x: number, y: number, w: number, h: number, a: Attrs = {}): string {
  return el('rect', { x, y, width: Math.max(0, w), height: Math.max(0, h), ...a });
}

export function polyline(points: Array<[number, number]>, a: Attrs = {}): string {
  return el('polyline', { points: points.map(([x, y]) => `${num(x)},${num(y)}`).join(' '), fill: 'none', ...a });
}

/** A tooltip (`<title>`) child: browsers show it on hover, no script needed. */
export function title(s: string): string {
  return el('title', {}, esc(s));
}

/** The root element, sized by viewBox so that it scales with the page. */
export function svgRoot(width: number, height: number, body: string, a: Attrs = {}): string {
  return el('svg', { xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${num(width)} ${num(height)}`, width, height, role: 'img', ...a }, body);
}

/** A linear map from a data domain to a pixel range. */
export interface Scale {
  (v: number): number;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
}

export function linearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  const f = ((v: number) => r0 + (v - d0) * k) as Scale;
  Object.defineProperty(f, 'domain', { value: [d0, d1] });
  Object.defineProperty(f, 'range', { value: [r0, r1] });
  return f;
}

/** A 1, 2 or 5 x 10^k step giving about `count` intervals over [lo, hi]. */
export function niceStep(lo: number, hi: number, count: number): number {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** Upper bound rounded up to a nice step (a y axis that ends on a tick). 0 stays 1. */
export function niceMax(hi: number, count = 5): number {
  if (!(hi > 0)) return 1;
  const s = niceStep(0, hi, count);
  return Math.ceil(hi / s - 1e-9) * s;
}

/** Tick values: multiples of a nice step within [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  const s = niceStep(lo, hi, count);
  const out: number[] = [];
  const first = Math.ceil(lo / s - 1e-9);
  const last = Math.floor(hi / s + 1e-9);
  for (let k = first; k <= last; k++) out.push(Math.round(k * s * 1e9) / 1e9 + 0); // + 0: no -0
  return out;
}

/** A tick label: thousands as k / M, decimals only as many as the step needs. */
export function tickLabel(v: number, step: number): string {
  const a = Math.abs(v);
  if (a >= 1e6 && step >= 1e5) return `${num(v / 1e6)}M`;
  if (a >= 1e3 && step >= 100) return `${num(v / 1e3)}k`;
  const d = step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(step) - 1e-9));
  return v.toFixed(d);
}

export interface AxisOptions {
  /** Approximate number of intervals. */
  count?: number;
  /** Label under (x) or beside (y) the axis. */
  label?: string;
  /** Draw light grid lines across the plot, this long (px). */
  grid?: number;
  /** Tick values to use instead of computed ones. */
  values?: number[];
  format?: (v: number) => string;
}

/** A horizontal axis at pixel row `y`: ticks `class="tick" data-value=v`, labels below. */
export function axisBottom(scale: Scale, y: number, o: AxisOptions = {}): string {
  const [d0, d1] = scale.domain;
  const values = o.values ?? ticks(d0, d1, o.count ?? 8);
  const step = niceStep(d0, d1, o.count ?? 8);
  const fmt = o.format ?? ((v: number) => tickLabel(v, step));
  const [r0, r1] = scale.range;
  let out = line(r0, y, r1, y, { class: 'domain' });
  for (const v of values) {
    const x = scale(v);
    if (o.grid) out += line(x, y, x, y - o.grid, { class: 'grid' });
    out += el('g', { class: 'tick', 'data-value': v }, line(x, y, x, y + 5) + text(x, y + 18, fmt(v), { 'text-anchor': 'middle' }));
  }
  if (o.label) out += text((r0 + r1) / 2, y + 36, o.label, { class: 'axis-label', 'text-anchor': 'middle' });
  return el('g', { class: 'axis axis-x' }, out);
}

/** A vertical axis at pixel column `x`: ticks `class="tick" data-value=v`, labels left. */
export function axisLeft(scale: Scale, x: number, o: AxisOptions = {}): string {
  const [d0, d1] = scale.domain;
  const values = o.values ?? ticks(d0, d1, o.count ?? 5);
  const step = niceStep(d0, d1, o.count ?? 5);
  const fmt = o.format ?? ((v: number) => tickLabel(v, step));
  const [r0, r1] = scale.range;
  let out = line(x, r0, x, r1, { class: 'domain' });
  for (const v of values) {
    const y = scale(v);
    if (o.grid) out += line(x, y, x + o.grid, y, { class: 'grid' });
    out += el('g', { class: 'tick', 'data-value': v }, line(x - 5, y, x, y) + text(x - 8, y + 4, fmt(v), { 'text-anchor': 'end' }));
  }
  if (o.label) {
    const cy = (r0 + r1) / 2;
    out += text(x - 48, cy, o.label, { class: 'axis-label', 'text-anchor': 'middle', transform: `rotate(-90 ${num(x - 48)} ${num(cy)})` });
  }
  return el('g', { class: 'axis axis-y' }, out);
}

/** Rough width of a label in px at font size `px` (for layout: no font metrics in Node). */
export function textWidth(s: string, px = 12): number {
  return s.length * px * 0.6;
}
