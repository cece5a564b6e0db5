/**
 * bench/e2e/core-scaling.ts, the workers step's peer: the loop runs on one worker thread, then
 * on two at once, and the scaling is 2 x one / two, the two-thread time taken from the first
 * start to the last end. No timings are asserted beyond their being measured.
 */
import { describe, expect, it } from 'vitest';
import { coreScaling } from '../../bench/e2e/core-scaling.js';

describe('bench/e2e/core-scaling.ts', () => {
  it('times the loop on one thread and on two, and reports 2 x one / two', async () => {
    const r = await coreScaling(200_000);
    expect(r.oneMs).toBeGreaterThan(0);
    expect(r.twoMs).toBeGreaterThan(0);
    expect(r.scaling).toBeCloseTo((2 * r.oneMs) / r.twoMs, 10);
  }, 30_000);
});
