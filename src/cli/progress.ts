/**
 * Progress of `gwplane replay` on stderr, fed by `runReplay`'s per-batch hook.
 *
 * - On a terminal: one bar line redrawn in place (`\r` + erase to end of line), at most
 *   every `redrawMs` (100 ms) of wall time however often batches arrive: packets, packets/s
 *   and, for a regular file, percent and ETA from the bytes read against the file size (stdin
 *   and pipes have no size: no percent, no ETA). `finish()` erases it, so the summary that
 *   follows starts on a clean line.
 * - `--stats N`: a plain one-line record every N seconds of wall time, terminal or not
 *   (tcpreplay's `--stats`): no `\r`, no escape sequences, greppable `key=value` pairs.
 * - Not a terminal (pipe, file, CI log): nothing animated, ever.
 * - `NO_COLOR` (https://no-color.org, any non-empty value) or `TERM=dumb`: no colour codes.
 *   The cursor control the bar needs is used only on a terminal.
 */

/** What the hook reads from the capture reader. */
export interface ProgressSource {
  /** File bytes consumed so far. */
  bytesConsumed: number;
  /** Size of a regular file, -1 for stdin and pipes. */
  fileSize: number;
}

/** What the hook reads from the counters. */
export interface ProgressCounters {
  rx: number;
  tx: number;
  dropped: number;
}

/** Where the progress goes: `process.stderr` or a test double. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

export interface ProgressOptions {
  stream: ProgressStream;
  /** Seconds between `--stats` lines; undefined or 0: none. */
  statsEverySec?: number;
  /** Draw the bar; default: when the stream is a terminal. Never drawn on a non-terminal. */
  bar?: boolean;
  /** Minimum wall time between two redraws of the bar. */
  redrawMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Wall clock in ms (tests). */
  now?: () => number;
}

const ESC = '\u001b[';
const ERASE_LINE = `\r${ESC}K`;

/** Does the environment ask for no colour? (NO_COLOR set and non-empty, or TERM=dumb.) */
export function colourDisabled(env: NodeJS.ProcessEnv): boolean {
  return (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb';
}

/** 1234567 -> "1.23M", 12345 -> "12.3k", 999 -> "999". */
export function siCount(x: number): string {
  if (!Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  return String(Math.round(x));
}

/** Seconds as m:ss or h:mm:ss. */
export function clock(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '--:--';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export class ReplayProgress {
  private readonly stream: ProgressStream;
  private readonly bar: boolean;
  private readonly colour: boolean;
  private readonly redrawMs: number;
  private readonly statsMs: number;
  private readonly now: () => number;
  private readonly started: number;
  private lastDraw = -Infinity;
  private nextStats: number;
  /** The bar is on screen (needs erasing before other output). */
  private drawn = false;
  private spin = 0;
  private finished = false;

  constructor(o: ProgressOptions) {
    this.stream = o.stream;
    const tty = o.stream.isTTY === true;
    this.bar = tty && (o.bar ?? true);
    this.colour = this.bar && !colourDisabled(o.env ?? process.env);
    this.redrawMs = o.redrawMs ?? 100;
    this.statsMs = o.statsEverySec !== undefined && o.statsEverySec > 0 ? o.statsEverySec * 1000 : 0;
    this.now = o.now ?? (() => performance.now());
    // read only when there is something to show: the first use of `performance` loads node's
    // perf_hooks module (~3 ms of the start of a replay into a file, which shows nothing)
    this.started = this.active ? this.now() : 0;
    this.nextStats = this.statsMs > 0 ? this.started + this.statsMs : Infinity;
  }

  /** Does this progress do anything at all (worth hooking into the replay)? */
  get active(): boolean {
    return this.bar || this.statsMs > 0;
  }

  /** The per-batch hook: cheap unless a redraw or a stats line is due. Never throws. */
  update(src: ProgressSource, c: ProgressCounters): void {
    if (this.finished) return;
    const t = this.now();
    const statsDue = t >= this.nextStats;
    const drawDue = this.bar && t - this.lastDraw >= this.redrawMs;
    if (!statsDue && !drawDue) return;
    try {
      let out = '';
      if (statsDue) {
        // Catch up without printing a burst after a long stall: next line N s from now.
        while (this.nextStats <= t) this.nextStats += this.statsMs;
        if (this.drawn) out += ERASE_LINE;
        out += this.statsLine(src, c, t) + '\n';
        this.drawn = false;
      }
      if (this.bar && (drawDue || statsDue)) {
        out += '\r' + this.barLine(src, c, t) + `${ESC}K`;
        this.drawn = true;
        this.lastDraw = t;
      }
      this.stream.write(out);
    } catch {
      // progress must never break the replay (e.g. stderr closed)
    }
  }

  /** Erase the bar (if drawn) so that what follows starts on a clean line. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (!this.drawn) return;
    this.drawn = false;
    try {
      this.stream.write(ERASE_LINE);
    } catch {
      // ignore
    }
  }

  /** One plain line: `gwplane: stats: elapsed=2.0s packets=... pps=... read=45.2% eta=0:03`. */
  statsLine(src: ProgressSource, c: ProgressCounters, t = this.now()): string {
    const el = Math.max((t - this.started) / 1000, 1e-9);
    const parts = [
      `elapsed=${el.toFixed(1)}s`,
      `packets=${c.rx}`,
      `pps=${Math.round(c.rx / el)}`,
      `tx=${c.tx}`,
      `dropped=${c.dropped}`,
      `read_bytes=${src.bytesConsumed}`,
    ];
    const f = this.fraction(src);
    if (f !== null) parts.push(`read=${(f * 100).toFixed(1)}%`, `eta=${clock(this.eta(f, el))}`);
    return `gwplane: stats: ${parts.join(' ')}`;
  }

  /** The bar line (without `\r` and erase), fitted to the terminal's width. */
  barLine(src: ProgressSource, c: ProgressCounters, t = this.now()): string {
    const el = Math.max((t - this.started) / 1000, 1e-9);
    const f = this.fraction(src);
    const cols = this.stream.columns !== undefined && this.stream.columns > 0 ? this.stream.columns : 80; // a pty may say 0
    const width = Math.max(40, Math.min(cols, 200)) - 1; // never wrap into a second line
    const info = ` ${siCount(c.rx)} pkts  ${siCount(c.rx / el)} pps  ` + (f === null ? `${clock(el)} elapsed` : `${(f * 100).toFixed(0).padStart(3)}%  ETA ${clock(this.eta(f, el))}`);
    const label = 'replay ';
    const room = width - label.length - info.length - 2;
    if (room < 10) return (label + info).slice(0, width);
    let inner: string;
    if (f !== null) {
      const full = Math.min(room, Math.floor(f * room));
      inner = '#'.repeat(full) + '-'.repeat(room - full);
      if (this.colour) inner = `${ESC}32m${'#'.repeat(full)}${ESC}2m${'-'.repeat(room - full)}${ESC}0m`;
    } else {
      // size unknown (stdin): a block bouncing along the track
      const w = Math.min(8, room);
      const span = room - w;
      const p = span === 0 ? 0 : this.spin % (2 * span);
      const pos = p <= span ? p : 2 * span - p;
      this.spin++;
      inner = '-'.repeat(pos) + '#'.repeat(w) + '-'.repeat(room - w - pos);
      if (this.colour) inner = `${ESC}2m${'-'.repeat(pos)}${ESC}0m${ESC}32m${'#'.repeat(w)}${ESC}0m${ESC}2m${'-'.repeat(room - w - pos)}${ESC}0m`;
    }
    return `${label}[${inner}]${info}`;
  }

  private fraction(src: ProgressSource): number | null {
    if (src.fileSize <= 0) return null;
    return Math.min(1, Math.max(0, src.bytesConsumed / src.fileSize));
  }

  private eta(f: number, elapsedSec: number): number {
    if (f <= 0) return Infinity;
    return (elapsedSec * (1 - f)) / f;
  }
}
