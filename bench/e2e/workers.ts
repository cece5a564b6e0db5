/**
 * The workers step of bench/e2e.ts, in a process of its own:
 *
 *   node dist/bench/e2e/workers.js TRACE CONFIG [ROUNDS]     (ROUNDS: a positive integer, 5 by default)
 *
 * Rounds of: the data path on one worker thread, on two with RSS queues (each worker handed its
 * own frames, decided before timing), and on two that each walk the whole input to pick their
 * frames (src/worker/). Prints one JSON line: ns/packet of each case per round (the cases of a
 * round run one after the other, so their ratio is taken within the round), the machine's
 * two-core scaling measured just before each round (core-scaling.ts: is the second core idle?),
 * the shard sizes, and whether the per-packet verdicts and output bytes of each two-worker run
 * equal one worker's.
 *
 * Its own process, so that nothing the steps before left in the bench process (a heap of
 * hundreds of MB, V8's helper threads collecting it) can run beside the workers: the target
 * needs the second core idle. (Run inside the bench process after the other steps, two
 * workers gave 1.22x one in a full run where this step alone gave 1.79x and 1.89x minutes
 * later; I did not find which it was, that process or the VM.)
 */
import { loadShared, runSharded } from '../../src/worker/sharded.js';
import { coreScaling } from './core-scaling.js';

const [trace, config, roundsArg] = process.argv.slice(2);
const rounds = roundsArg === undefined ? 5 : Number(roundsArg);
if (!trace || !config || !Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write('usage: workers.js TRACE CONFIG [ROUNDS]   (ROUNDS: a positive integer, 5 by default)\n');
  process.exit(2);
}
const frames = loadShared(trace);
const cases = [
  { key: 'one', workers: 1, dispatch: 'rss' as const },
  { key: 'two', workers: 2, dispatch: 'rss' as const },
  { key: 'walk', workers: 2, dispatch: 'walk' as const },
];
const ns: Record<string, number[]> = { one: [], two: [], walk: [] };
const scaling: number[] = [];
const digests: Record<string, Int32Array> = {};
let shards: number[] = [];
for (let r = 0; r < rounds; r++) {
  // the machine's own two-core scaling, just before this round's cases (core-scaling.ts)
  scaling.push((await coreScaling()).scaling);
  for (const c of cases) {
    const s = await runSharded({ frames, config, hashSeed: 'bench', workers: c.workers, warmRounds: 2, rounds: 3, dispatch: c.dispatch });
    ns[c.key]!.push(s.nsPerPacket);
    digests[c.key] ??= s.digests;
    if (r === 0 && c.key === 'two') shards = s.reports.map((x) => x.shardPackets);
  }
}
const same = (a: Int32Array, b: Int32Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
process.stdout.write(
  JSON.stringify({
    packets: frames.count,
    ns,
    scaling,
    shards,
    identicalTwo: same(digests.one!, digests.two!),
    identicalWalk: same(digests.one!, digests.walk!),
  }) + '\n',
);
