/**
 * Live health checking of the gateways (keepalived's model on the wall clock; the replay's
 * `HealthSim` is the same model on the capture clock).
 *
 * Every `intervalMs` one probe goes to every gateway. A reply to the latest probe before
 * `timeoutMs` is a success (counted when it arrives); no reply by then is a miss. `fall`
 * consecutive misses declare a gateway down, `rise` consecutive successes declare it up
 * again; each declaration calls `onChange` once. All gateways start up, as in replay.
 *
 * Timing: a failure between two probes is seen by the next probe, whose timeout is the first
 * miss, so detection takes between (fall - 1) x interval + timeout and fall x interval +
 * timeout. With the default timeout of interval / 2 that is fall x interval +- interval / 2.
 *
 * The transport (UDP echo to `gwplane responder`, ICMP echo on a raw socket) is a `Prober`;
 * it calls `answer(g, seq)` for each valid reply.
 */

export interface HealthChangeEvent {
  gateway: number;
  up: boolean;
  /** Wall-clock time of the declaration (ms since the epoch). */
  atMs: number;
  /** Consecutive misses (down) or successes (up) that made the decision. */
  count: number;
}

export interface Prober {
  /** Send probe `seq` to gateway `g` (must not throw). */
  send(g: number, seq: number): void;
  close(): void;
}

export interface LiveHealthOptions {
  intervalMs: number;
  fall: number;
  rise: number;
  /** Default intervalMs / 2 (at least 1 ms, at most intervalMs). */
  timeoutMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

export const H_PROBES = 0;
export const H_REPLIES = 1;
export const H_MISSES = 2;
export const H_LATE = 3; // replies to an older probe, or after the timeout
export const H_CHANGES = 4;
export const HEALTH_COUNTER_NAMES: readonly string[] = ['probes', 'replies', 'misses', 'late_replies', 'changes'];

export class LiveHealth {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly fall: number;
  readonly rise: number;
  /** Detected state: 1 up, 0 down. */
  readonly up: Uint8Array;
  readonly misses: Int32Array;
  readonly answers: Int32Array;
  /** Sequence of the probe awaiting an answer (0: none). */
  readonly outstanding: Int32Array;
  readonly sentAt: Float64Array;
  /** Round-trip time of the last answered probe, ms (-1: none yet). */
  readonly rttMs: Float64Array;
  readonly counters = new Float64Array(HEALTH_COUNTER_NAMES.length);
  private seq = 0;
  private prober: Prober | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private readonly expiryTimers = new Set<NodeJS.Timeout>();
  private readonly now: () => number;

  constructor(
    readonly gateways: number,
    o: LiveHealthOptions,
    private readonly onChange: (e: HealthChangeEvent) => void,
  ) {
    this.intervalMs = o.intervalMs;
    this.timeoutMs = Math.max(1, Math.min(o.intervalMs, o.timeoutMs ?? Math.floor(o.intervalMs / 2)));
    this.fall = o.fall;
    this.rise = o.rise;
    this.now = o.now ?? Date.now;
    this.up = new Uint8Array(gateways).fill(1);
    this.misses = new Int32Array(gateways);
    this.answers = new Int32Array(gateways);
    this.outstanding = new Int32Array(gateways);
    this.sentAt = new Float64Array(gateways);
    this.rttMs = new Float64Array(gateways).fill(-1);
  }

  /** Start probing now and every interval. */
  start(prober: Prober): void {
    this.prober = prober;
    this.tick();
    this.tickTimer = setInterval(() => this.tick(), this.intervalMs);
  }

  stop(): void {
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = null;
    for (const t of this.expiryTimers) clearTimeout(t);
    this.expiryTimers.clear();
    this.prober?.close();
    this.prober = null;
  }

  /** One probe round (public for tests driving the clock themselves). */
  tick(): void {
    const seq = (this.seq = (this.seq % 0x7fffffff) + 1);
    const t = this.now();
    for (let g = 0; g < this.gateways; g++) {
      // a probe still outstanding here (timeout == interval) is a miss
      if (this.outstanding[g] !== 0) this.result(g, false);
      this.outstanding[g] = seq;
      this.sentAt[g] = t;
      this.counters[H_PROBES]++;
      this.prober?.send(g, seq);
    }
    const timer = setTimeout(() => {
      this.expiryTimers.delete(timer);
      this.expire(seq);
    }, this.timeoutMs);
    this.expiryTimers.add(timer);
  }

  /** Probes of round `seq` not answered by now are misses. */
  expire(seq: number): void {
    for (let g = 0; g < this.gateways; g++) if (this.outstanding[g] === seq) this.result(g, false);
  }

  /** A valid reply to probe `seq` from gateway `g`. */
  answer(g: number, seq: number): void {
    if (g < 0 || g >= this.gateways) return;
    if (this.outstanding[g] !== seq) {
      this.counters[H_LATE]++;
      return;
    }
    this.counters[H_REPLIES]++;
    this.rttMs[g] = this.now() - this.sentAt[g]!;
    this.result(g, true);
  }

  private result(g: number, ok: boolean): void {
    this.outstanding[g] = 0;
    if (ok) {
      this.misses[g] = 0;
      this.answers[g]++;
      if (this.up[g] === 0 && this.answers[g]! >= this.rise) {
        this.up[g] = 1;
        this.counters[H_CHANGES]++;
        this.onChange({ gateway: g, up: true, atMs: this.now(), count: this.answers[g]! });
      }
    } else {
      this.counters[H_MISSES]++;
      this.answers[g] = 0;
      this.misses[g]++;
      if (this.up[g] === 1 && this.misses[g]! >= this.fall) {
        this.up[g] = 0;
        this.counters[H_CHANGES]++;
        this.onChange({ gateway: g, up: false, atMs: this.now(), count: this.misses[g]! });
      }
    }
  }
}
