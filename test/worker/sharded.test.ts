/**
 * The data path on worker threads (src/worker/): two workers, flows sharded by hash, give the
 * same verdict and output bytes for every packet as one, whether each worker walks the whole
 * input to pick its frames or is handed its own (RSS queues); every packet meets one worker.
 * Runs the built workers (dist/), as bench/e2e.ts does.
 */
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
});
