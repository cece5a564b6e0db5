/**
 * Worker-thread entry of sharded.ts: the data path over this worker's shard of the shared
 * frames. Per pass: take the frames of our shard, copy them into the batch (the receive), and
 * when the batch is full dissect + forward it. Which frames are ours (shard.ts) is decided
 * either in each pass by walking every frame (`dispatch: 'walk'`, software RSS: every worker
 * reads the whole wire) or once before timing (`dispatch: 'rss'`: the queue a NIC's RSS or the
 * kernel's fanout would hand this worker, so the worker only sees its own frames).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LINK_ETHERNET, PacketBatch } from '../batch/packet-batch.js';
import { loadConfig } from '../control/config-load.js';
import { Controller } from '../control/controller.js';
import { copyBytes } from '../io/copy-bytes.js';
import { FlowTable } from '../lb/flow-table.js';
import { makeHashKey } from '../lb/hash.js';
import { dissectBatch } from '../nodes/dissect.js';
import { forwardBatch, type ForwardContext } from '../nodes/gateway-forward.js';
import { DataplaneCounters } from '../stats/counters.js';
import { shardOf } from './shard.js';
import type { SharedFrames, WorkerReport } from './sharded.js';

interface Data {
  frames: SharedFrames;
  config: string;
  hashSeed: string;
  shard: number;
  shards: number;
  warmRounds: number;
  rounds: number;
  digests: SharedArrayBuffer;
  dispatch: 'walk' | 'rss';
}

const d = workerData as Data;
const input = Buffer.from(d.frames.bytes);
const inDv = new DataView(d.frames.bytes);
const index = new Int32Array(d.frames.index);
const count = d.frames.count;
const cfg = loadConfig(d.config);
const ctl = new Controller(cfg, { hashKey: makeHashKey(d.hashSeed) });
const counters = new DataplaneCounters(cfg.gateways.length, ctl.tunnelNames.length);
const ctx: ForwardContext = {
  tables: ctl.tables,
  flows: new FlowTable(cfg.flow_table.capacity),
  counters,
  gwAlive: new Uint8Array(cfg.gateways.length).fill(1),
  nowMs: 0,
};
const batch = new PacketBatch();
/** Input index of each packet of the batch (for the digest). */
const origin = new Int32Array(batch.capacity);
/** Per input packet: FNV-1a of (verdict, target, output bytes), written on the first pass. */
const digests = new Int32Array(d.digests);
let digesting = false;

function flush(): void {
  dissectBatch(batch);
  forwardBatch(batch, 0, batch.count, ctx, null);
  if (digesting) {
    const a = batch.arena;
    for (let i = 0; i < batch.count; i++) {
      let h = Math.imul(0x811c9dc5 ^ batch.next[i]!, 0x01000193);
      h = Math.imul(h ^ batch.target[i]!, 0x01000193);
      h = Math.imul(h ^ batch.drop[i]!, 0x01000193);
      for (let k = batch.base[i]!, e = k + batch.len[i]!; k < e; k++) h = Math.imul(h ^ a[k]!, 0x01000193);
      digests[origin[i]!] = h;
    }
  }
  batch.reset();
}

/** dispatch 'rss': the input indices of our frames, in order (decided once, untimed). */
const queue = new Int32Array(d.dispatch === 'rss' ? count : 0);
let queued = 0;
if (d.dispatch === 'rss') {
  for (let p = 0; p < count; p++) {
    if (d.shards <= 1 || shardOf(inDv, index[3 * p]!, index[3 * p + 1]!, index[3 * p + 2] === LINK_ETHERNET, d.shards) === d.shard) queue[queued++] = p;
  }
}

/** One pass over the input; returns the packets of our shard. */
function pass(): number {
  const shards = d.shards;
  const me = d.shard;
  const rss = d.dispatch === 'rss';
  const end = rss ? queued : count;
  let n = 0;
  for (let q = 0; q < end; q++) {
    const p = rss ? queue[q]! : q;
    const off = index[3 * p]!;
    const len = index[3 * p + 1]!;
    const link = index[3 * p + 2]!;
    if (!rss && shards > 1 && shardOf(inDv, off, len, link === LINK_ETHERNET, shards) !== me) continue;
    let base = batch.reserve(len);
    if (base < 0) {
      flush();
      base = batch.reserve(len);
    }
    copyBytes(input, inDv, off, batch.arena, batch.dv, base, len);
    origin[batch.count] = p;
    batch.commit(base, len, len, 0, 0, link);
    n++;
  }
  if (batch.count > 0) flush();
  return n;
}

digesting = true;
const shardPackets = pass();
digesting = false;
for (let r = 1; r < d.warmRounds; r++) pass();
parentPort!.once('message', () => {
  const t0 = process.hrtime.bigint();
  let packets = 0;
  for (let r = 0; r < d.rounds; r++) packets += pass();
  const elapsedNs = Number(process.hrtime.bigint() - t0);
  const report: WorkerReport = {
    shard: d.shard,
    packets,
    elapsedNs,
    counters: Array.from(counters.c),
    drops: Array.from(counters.drops),
    shardPackets,
  };
  parentPort!.postMessage({ type: 'report', report });
});
parentPort!.postMessage({ type: 'ready' });
