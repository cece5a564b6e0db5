/**
 * LiveHealth: keepalived's fall/rise on the wall clock, driven here by fake timers, with the
 * same expectations as the replay's HealthSim (test/control): a failure is declared after
 * `fall` misses, a recovery after `rise` answers, flaps shorter than the hysteresis are never
 * declared, and detection takes between (fall - 1) x interval + timeout and fall x interval +
 * timeout after the failure.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { H_LATE, H_MISSES, H_PROBES, H_REPLIES, LiveHealth, type HealthChangeEvent, type Prober } from '../../src/health/live-health.js';

/** A prober whose gateways answer (after 1 ms) while `alive[g]` is true. */
class FakeProber implements Prober {
  readonly alive: boolean[];
  sent = 0;
  closed = false;
  constructor(
    n: number,
    private readonly answer: () => LiveHealth,
  ) {
    this.alive = new Array<boolean>(n).fill(true);
  }
  send(g: number, seq: number): void {
    this.sent++;
    if (this.alive[g]) setTimeout(() => this.answer().answer(g, seq), 1);
  }
  close(): void {
    this.closed = true;
  }
}

describe('LiveHealth', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(o: { interval?: number; fall?: number; rise?: number; timeout?: number } = {}) {
    const events: HealthChangeEvent[] = [];
    let h: LiveHealth;
    const prober = new FakeProber(3, () => h);
    h = new LiveHealth(3, { intervalMs: o.interval ?? 200, fall: o.fall ?? 3, rise: o.rise ?? 2, ...(o.timeout !== undefined ? { timeoutMs: o.timeout } : {}) }, (e) => events.push(e));
    return { h, prober, events };
  }

  it('starts up, probes every gateway every interval, and stays quiet while they answer', () => {
    const { h, prober, events } = setup();
    h.start(prober);
    vi.advanceTimersByTime(2000);
    expect(events).toEqual([]);
    expect(prober.sent).toBe(3 * 11); // t = 0, 200, ..., 2000
    expect(h.counters[H_PROBES]).toBe(33);
    expect(h.counters[H_REPLIES]).toBe(30); // the round sent at 2000 is answered at 2001
    expect(h.counters[H_MISSES]).toBe(0);
    expect(Array.from(h.up)).toEqual([1, 1, 1]);
    expect(h.timeoutMs).toBe(100);
    h.stop();
    expect(prober.closed).toBe(true);
  });

  it('declares a failure after fall misses and a recovery after rise answers, once each', () => {
    const { h, prober, events } = setup();
    h.start(prober);
    vi.advanceTimersByTime(450);
    const failAt = Date.now();
    prober.alive[1] = false;
    vi.advanceTimersByTime(1000);
    expect(events.map((e) => [e.gateway, e.up, e.count])).toEqual([[1, false, 3]]);
    // probes at 600, 800, 1000 are missed; the third times out at 1100
    expect(events[0]!.atMs - failAt).toBe(1100 - 450);
    prober.alive[1] = true;
    const backAt = Date.now();
    vi.advanceTimersByTime(1000);
    expect(events.map((e) => [e.gateway, e.up, e.count])).toEqual([
      [1, false, 3],
      [1, true, 2],
    ]);
    // the probes at 1600 and 1800 are answered (1 ms later)
    expect(events[1]!.atMs - backAt).toBe(1801 - 1450);
    expect(Array.from(h.up)).toEqual([1, 1, 1]);
    h.stop();
  });

  it('detection time lies in [(fall - 1) x interval + timeout, fall x interval + timeout) whatever the phase', () => {
    for (let phase = 0; phase < 200; phase += 25) {
      const { h, prober, events } = setup();
      h.start(prober);
      vi.advanceTimersByTime(1000 + phase);
      const failAt = Date.now();
      prober.alive[0] = false;
      vi.advanceTimersByTime(1200);
      h.stop();
      expect(events.length).toBe(1);
      const d = events[0]!.atMs - failAt;
      expect(d).toBeGreaterThanOrEqual(2 * 200 + 100);
      expect(d).toBeLessThan(3 * 200 + 100 + 1);
    }
  });

  it('never declares a flap shorter than the hysteresis', () => {
    const { h, prober, events } = setup();
    h.start(prober);
    for (let k = 0; k < 10; k++) {
      prober.alive[2] = false;
      vi.advanceTimersByTime(400); // 2 misses < fall 3
      prober.alive[2] = true;
      vi.advanceTimersByTime(400);
    }
    expect(events).toEqual([]);
    // down, then a single answer between misses: never rise 2
    prober.alive[2] = false;
    vi.advanceTimersByTime(1000);
    expect(events.length).toBe(1);
    for (let k = 0; k < 5; k++) {
      prober.alive[2] = true;
      vi.advanceTimersByTime(200);
      prober.alive[2] = false;
      vi.advanceTimersByTime(200);
    }
    expect(events.length).toBe(1);
    h.stop();
  });

  it('a reply after the timeout or to an older probe is late, not an answer', () => {
    const { h, events } = setup({ fall: 1 });
    const sent: Array<[number, number]> = [];
    h.start({ send: (g, seq) => void sent.push([g, seq]), close: () => {} });
    vi.advanceTimersByTime(150); // round 1 timed out at 100 ms
    expect(events.map((e) => e.gateway)).toEqual([0, 1, 2]);
    h.answer(0, sent[0]![1]);
    expect(h.counters[H_LATE]).toBe(1);
    vi.advanceTimersByTime(60); // round 2 sent at 200
    h.answer(0, sent[0]![1]); // still the old one
    expect(h.counters[H_LATE]).toBe(2);
    h.answer(0, sent[3]![1]);
    expect(h.counters[H_REPLIES]).toBe(1);
    h.answer(7, 1); // no such gateway: ignored
    h.stop();
  });

  it('with timeout = interval, a probe still outstanding at the next round is a miss', () => {
    const { h, events } = setup({ interval: 100, timeout: 100, fall: 2 });
    h.start({ send: () => {}, close: () => {} });
    vi.advanceTimersByTime(250);
    expect(events.map((e) => [e.gateway, e.up])).toEqual([
      [0, false],
      [1, false],
      [2, false],
    ]);
    h.stop();
  });
});
