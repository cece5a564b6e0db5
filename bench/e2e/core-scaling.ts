/**
 * How much of a second core this machine gives right now: a compute loop (int32 arithmetic in
 * four independent chains, so that one thread keeps a core's ALUs busy; no memory traffic, no
 * allocation) timed on one worker thread, then on two at once. The workers target of
 * bench/e2e.ts ("two workers >= 1.5x one, when the second core is idle") assumes an idle
 * second core; on this VM the host decides where the two virtual CPUs run, and the two-worker
 * ratio moves from round to round (1.04 to 2.10 in three runs of the step). This loop, run
 * just before each round, is the peer that says what the machine offered: near 2, two cores of
 * our own; well below, the second one shared. It moves too: 1.21 to 1.96 per round over four
 * runs of the step, with medians 1.46 to 1.95. It follows the workers' ratio only loosely (it
 * runs before the round, which takes seconds, not during it): it fell to 1.30 and 1.42 in two
 * rounds where two workers gave 1.22x and 1.18x, but one round gave 1.04x after 1.96. Not a
 * target: it says whether the target's condition could have held.
 */
import { Worker } from 'node:worker_threads';

/** Iterations of the loop: 35-42 ms on one core here. */
const SPINS = 10_000_000;

// The worker: wait for the start flag (so that two start together), run the loop, post its time.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData.flag);
parentPort.postMessage('ready');
Atomics.wait(flag, 0, 0);
const t0 = performance.now();
let a = workerData.seed | 0, b = a + 1, c = a + 2, d = a + 3;
for (let i = 0; i < workerData.spins; i++) {
  a ^= a << 13; a ^= a >>> 17; a ^= a << 5;
  b ^= b << 13; b ^= b >>> 17; b ^= b << 5;
  c ^= c << 13; c ^= c >>> 17; c ^= c << 5;
  d ^= d << 13; d ^= d >>> 17; d ^= d << 5;
}
parentPort.postMessage({ ms: performance.now() - t0, x: a ^ b ^ c ^ d });
`;

/** Run the loop on `threads` worker threads at once; the slowest thread's loop time (ms). */
async function spin(threads: number, spins: number): Promise<number> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const workers = Array.from({ length: threads }, (_, k) => new Worker(WORKER_SOURCE, { eval: true, workerData: { flag: flag.buffer, spins, seed: k + 1 } }));
  try {
    await Promise.all(workers.map((w) => new Promise<void>((ok, fail) => {
      w.once('message', () => ok());
      w.once('error', fail);
    })));
    const done = workers.map((w) => new Promise<number>((ok, fail) => {
      w.once('message', (m: { ms: number }) => ok(m.ms));
      w.once('error', fail);
    }));
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    return Math.max(...(await Promise.all(done)));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * One measurement: the loop on one thread, then on two at once. Returns the times (ms) and the
 * scaling, 2 x one / two (2.0: the second core is all ours).
 */
export async function coreScaling(spins = SPINS): Promise<{ oneMs: number; twoMs: number; scaling: number }> {
  const oneMs = await spin(1, spins);
  const twoMs = await spin(2, spins);
  return { oneMs, twoMs, scaling: (2 * oneMs) / twoMs };
}
