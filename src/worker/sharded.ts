/**
 * The data path on worker threads, flows sharded by hash (shard.ts): every worker sees the
 * whole input (as every RSS queue sits behind the same wire), keeps the frames of its own
 * shard, copies them into its own batch (the receive) and runs dissect + forward on them
 * with its own flow table and counters. The tables are built by each worker from the same
 * configuration and hash key, so they are equal. Used by the benchmarks (bench/e2e.ts):
 * one worker against two, warm.
 *
 * Input: the frames of a capture in one SharedArrayBuffer (`loadShared`), read-only for the
 * workers. Protocol: the main thread starts W workers; each warms up (`warmRounds` passes),
 * posts 'ready'; when all are ready the main thread posts 'go'; each runs `rounds` passes
 * and posts its elapsed time, the packets it processed and its counters; on its first pass
 * it writes a digest of each of its packets' verdict and output bytes into a shared array
 * indexed by input position (to check that W workers give the same result as one).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PacketBatch } from '../batch/packet-batch.js';
import { CaptureReader } from '../io/capture-reader.js';

export interface SharedFrames {
  /** Frame bytes, back to back. */
  bytes: SharedArrayBuffer;
  /** Per frame: offset into `bytes`, length, link type (Int32 triples). */
  index: SharedArrayBuffer;
  count: number;
}

/** Read a capture into shared memory (control plane: allocates). */
export function loadShared(file: string, maxPackets = Infinity): SharedFrames {
  const reader = CaptureReader.open(file);
  const size = reader.fileSize > 0 ? reader.fileSize : 1 << 30;
  const bytes = new SharedArrayBuffer(size);
  const buf = Buffer.from(bytes);
  const idx: number[] = [];
  let at = 0;
  const b = new PacketBatch();
  try {
    while (idx.length / 3 < maxPackets) {
      const n = reader.readBatch(b);
      if (n === 0) break;
      for (let i = 0; i < n && idx.length / 3 < maxPackets; i++) {
        const len = b.len[i]!;
        b.arena.copy(buf, at, b.base[i]!, b.base[i]! + len);
        idx.push(at, len, b.link[i]!);
        at += len;
      }
    }
  } finally {
    reader.close();
  }
  const index = new SharedArrayBuffer(idx.length * 4);
  new Int32Array(index).set(idx);
  return { bytes, index, count: idx.length / 3 };
}

export interface ShardedOptions {
  frames: SharedFrames;
  /** Configuration file (YAML/JSON) every worker loads. */
  config: string;
  hashSeed: string;
  workers: number;
  warmRounds: number;
  rounds: number;
  /**
   * Who picks each worker's frames: 'walk' (default), every worker walks every frame and keeps
   * its shard's, in the timed passes; 'rss', decided once before timing, as a NIC's RSS queues
   * or the kernel's packet fanout deliver them.
   */
  dispatch?: 'walk' | 'rss';
}

export interface WorkerReport {
  shard: number;
  packets: number;
  elapsedNs: number;
  /** DataplaneCounters.c and .drops as plain arrays. */
  counters: number[];
  drops: number[];
  /** Packets of this shard (first pass). */
  shardPackets: number;
}

export interface ShardedResult {
  workers: number;
  reports: WorkerReport[];
  /** Per input packet, FNV-1a of its verdict, target, drop reason and output bytes (first pass). */
  digests: Int32Array;
  /** All workers' packets over the slowest worker's time. */
  nsPerPacket: number;
  mpps: number;
}

/**
 * The worker's entry: beside this module when it runs from dist/src/worker/, else (this module
 * bundled into a program, e.g. dist/bench/e2e.js) dist/src/worker/ of the repository it is in.
 */
function findWorkerFile(): string {
  const beside = fileURLToPath(new URL('./shard-worker.js', import.meta.url));
  if (fs.existsSync(beside)) return beside;
  let dir = path.dirname(beside);
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'dist/src/worker/shard-worker.js');
}
const workerFile = findWorkerFile();

/** Run the sharded data path on `workers` threads and wait for the reports. */
export async function runSharded(o: ShardedOptions): Promise<ShardedResult> {
  if (!fs.existsSync(workerFile)) throw new Error(`worker entry ${workerFile} not built (npm run build)`);
  const ws: Worker[] = [];
  const digests = new SharedArrayBuffer(o.frames.count * 4);
  const reports: WorkerReport[] = [];
  try {
    let ready = 0;
    await new Promise<void>((resolve, reject) => {
      for (let s = 0; s < o.workers; s++) {
        const w = new Worker(workerFile, {
          workerData: { frames: o.frames, config: o.config, hashSeed: o.hashSeed, shard: s, shards: o.workers, warmRounds: o.warmRounds, rounds: o.rounds, digests, dispatch: o.dispatch ?? 'walk' },
        });
        ws.push(w);
        w.on('error', reject);
        w.on('exit', (code) => {
          if (code !== 0) reject(new Error(`worker ${s} exited with code ${code}`));
        });
        w.on('message', (m: { type: string; report?: WorkerReport }) => {
          if (m.type === 'ready' && ++ready === o.workers) for (const x of ws) x.postMessage('go');
          else if (m.type === 'report') {
            reports.push(m.report!);
            if (reports.length === o.workers) resolve();
          }
        });
      }
    });
  } finally {
    await Promise.all(ws.map((w) => w.terminate()));
  }
  reports.sort((a, b) => a.shard - b.shard);
  const packets = reports.reduce((s, r) => s + r.packets, 0);
  const slowest = Math.max(...reports.map((r) => r.elapsedNs));
  return { workers: o.workers, reports, digests: new Int32Array(digests), nsPerPacket: slowest / packets, mpps: (packets / slowest) * 1e3 };
}
