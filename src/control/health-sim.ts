/**
 * Deterministic health checking for replay (keepalived's model on the capture's clock).
 *
 * Every gateway is probed every `interval` ms, starting at t = 0. A probe sent at time p is
 * answered when the gateway is alive at p; its result is known at p + interval (an
 * unanswered probe times out after one interval). `fall` consecutive misses declare the
 * gateway down, `rise` consecutive answers declare it up again. So a failure at time t is
 * detected between (fall x interval) and ((fall + 1) x interval) after t — exactly
 * interval x fall when t falls on a probe — and a gateway that flaps faster than the
 * hysteresis is never declared down (fall) or up (rise).
 *
 * Ground truth comes from the scenario (gateway_down / gateway_up at their times).
 */

export interface HealthChange {
  gateway: number;
  up: boolean;
  atMs: number;
}

export class HealthSim {
  private readonly misses: Int32Array;
  private readonly answers: Int32Array;
  readonly detectedUp: Uint8Array;
  /** per gateway: sorted [timeMs, alive] changes */
  private readonly truth: Array<Array<[number, number]>>;
  private nextResultMs: number;

  constructor(
    gateways: number,
    readonly intervalMs: number,
    readonly fall: number,
    readonly rise: number,
  ) {
    this.misses = new Int32Array(gateways);
    this.answers = new Int32Array(gateways);
    this.detectedUp = new Uint8Array(gateways).fill(1);
    this.truth = Array.from({ length: gateways }, () => []);
    this.nextResultMs = intervalMs;
  }

  /** Ground truth: gateway g is alive (or not) from `atMs` on. */
  setAlive(g: number, alive: boolean, atMs: number): void {
    this.truth[g]!.push([atMs, alive ? 1 : 0]);
    this.truth[g]!.sort((a, b) => a[0] - b[0]);
  }

  aliveAt(g: number, t: number): boolean {
    let a = 1;
    for (const [at, v] of this.truth[g]!) {
      if (at <= t) a = v;
      else break;
    }
    return a === 1;
  }

  /** Time of the next probe result (a control point for the replay loop). */
  get nextMs(): number {
    return this.nextResultMs;
  }

  /**
   * Process every probe result up to and including `t` and strictly before `before` (the
   * replay's next scenario event, which must come first); returns the state changes.
   */
  advance(t: number, before = Infinity): HealthChange[] {
    const out: HealthChange[] = [];
    while (this.nextResultMs <= t && this.nextResultMs < before) {
      this.fastForward(Math.min(t, before));
      const at = this.nextResultMs;
      const sent = at - this.intervalMs;
      for (let g = 0; g < this.misses.length; g++) {
        if (this.aliveAt(g, sent)) {
          this.misses[g] = 0;
          this.answers[g]++;
          if (this.detectedUp[g] === 0 && this.answers[g]! >= this.rise) {
            this.detectedUp[g] = 1;
            out.push({ gateway: g, up: true, atMs: at });
          }
        } else {
          this.answers[g] = 0;
          this.misses[g]++;
          if (this.detectedUp[g] === 1 && this.misses[g]! >= this.fall) {
            this.detectedUp[g] = 0;
            out.push({ gateway: g, up: false, atMs: at });
          }
        }
      }
      this.nextResultMs += this.intervalMs;
    }
    return out;
  }

  /**
   * Skip probe rounds that cannot change anything. More than max(fall, rise) rounds after the
   * last change of ground truth every gateway's state is settled and each round repeats the
   * last, until the next change of truth: those rounds are skipped (the probe phase is kept).
   * Timestamps come from the capture: one that jumps by years would otherwise cost one loop
   * per interval (a hang), since the replay advances health to every packet's time.
   */
  private fastForward(t: number): void {
    const sent = this.nextResultMs - this.intervalMs;
    let last = -Infinity;
    let next = Infinity;
    for (const tr of this.truth) {
      for (const [at] of tr) {
        if (at <= sent) last = Math.max(last, at);
        else next = Math.min(next, at);
      }
    }
    if (sent - last < Math.max(this.fall, this.rise) * this.intervalMs) return;
    // rounds sent before `next` (and with results up to t) all repeat this one; keep one spare
    const k = Math.floor((Math.min(t, next) - this.nextResultMs) / this.intervalMs) - 1;
    if (k > 0) this.nextResultMs += k * this.intervalMs;
  }
}
