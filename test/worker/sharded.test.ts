/**
 * The data path on worker threads (src/worker/): two workers, flows sharded by hash, give the
 * same verdict and output bytes for every packet as one, whether each worker walks the whole
 * input to pick its frames or is handed its own (RSS queues); every packet meets one worker.
 * Runs the built workers (dist/), as bench/e2e.ts does.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('sharded workers', () => {
  it('two workers (walk and RSS queues) give one worker\'s verdicts and bytes, each packet on one shard', async () => {
    const { loadShared, runSharded } = (await import(path.join(root, 'dist/src/worker/sharded.js'))) as typeof import('../../src/worker/sharded.js');
    const frames = loadShared(path.join(root, 'fixtures/demo/demo.pcap'));
    const config = path.join(root, 'fixtures/configs/demo.yaml');
    const run = (workers: number, dispatch: 'walk' | 'rss') => runSharded({ frames, config, hashSeed: 'test', workers, warmRounds: 1, rounds: 1, dispatch });
    const one = await run(1, 'walk');
    expect(one.reports[0]!.shardPackets).toBe(frames.count);
    for (const dispatch of ['walk', 'rss'] as const) {
      const two = await run(2, dispatch);
      expect(two.reports.map((r) => r.shardPackets).reduce((a, b) => a + b, 0)).toBe(frames.count);
      expect(two.reports.every((r) => r.shardPackets > frames.count / 4)).toBe(true); // both shards carry traffic
      let differ = 0;
      for (let i = 0; i < frames.count; i++) if (two.digests[i] !== one.digests[i]) differ++;
      expect(differ, dispatch).toBe(0);
    }
  }, 60_000);

  it('bench:e2e\'s workers step, a program of its own, reports per-round timings and equal outputs', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'dist/bench/e2e/workers.js'), 'fixtures/demo/demo.pcap', 'fixtures/configs/demo.yaml', '2'], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { packets: number; ns: Record<string, number[]>; scaling: number[]; shards: number[]; identicalTwo: boolean; identicalWalk: boolean };
    expect(out.packets).toBeGreaterThan(0);
    for (const k of ['one', 'two', 'walk']) {
      expect(out.ns[k], k).toHaveLength(2);
      expect(out.ns[k]!.every((x) => x > 0), k).toBe(true);
    }
    // the machine's two-core scaling before each round (a ratio of times: not asserted further)
    expect(out.scaling).toHaveLength(2);
    expect(out.scaling.every((x) => Number.isFinite(x) && x > 0)).toBe(true);
    expect(out.shards).toHaveLength(2);
    expect(out.shards[0]! + out.shards[1]!).toBe(out.packets);
    expect(out.identicalTwo).toBe(true);
    expect(out.identicalWalk).toBe(true);
    // a missing argument, or rounds that are not a positive integer, is an error with its usage
    for (const args of [[], ['fixtures/demo/demo.pcap', 'fixtures/configs/demo.yaml', 'abc'], ['fixtures/demo/demo.pcap', 'fixtures/configs/demo.yaml', '0']]) {
      const bad = spawnSync(process.execPath, [path.join(root, 'dist/bench/e2e/workers.js'), ...args], { cwd: root, encoding: 'utf8' });
      expect(bad.status, args.join(' ')).toBe(2);
      expect(bad.stderr).toMatch(/usage: workers.js TRACE CONFIG \[ROUNDS\]/);
    }
  }, 60_000);
});
