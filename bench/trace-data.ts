/**
 * In-memory data for the microbenchmarks: the generated trace's mix (fixtures/gen-trace.ts)
 * straight into batches, and the tables of bench/configs/trace.yaml. Built once per process
 * and shared by the cases (no file, no reader in the timings).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PacketBatch } from '../src/batch/packet-batch.js';
import { loadConfig } from '../src/control/config-load.js';
import { Controller } from '../src/control/controller.js';
import { FlowTable } from '../src/lb/flow-table.js';
import { makeHashKey } from '../src/lb/hash.js';
import type { ForwardContext } from '../src/nodes/gateway-forward.js';
import { DataplaneCounters } from '../src/stats/counters.js';
import { traceBatches, type TraceOptions } from '../fixtures/gen-trace.js';

/** The repository root: the nearest directory above this module (or the bundle it is in) with a package.json. */
export function repoDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export const TRACE_CONFIG = 'bench/configs/trace.yaml';
export const NAT_CONFIG = 'bench/configs/nat1.yaml';

/** Packets per microbenchmark set: 64 batches, about 4 MiB of frames (stays in L2/L3 like one replay batch does). */
export const MICRO_PACKETS = 16384;

const cache = new Map<string, { batches: PacketBatch[]; packets: number }>();

/** Batches of the trace mix (or the NAT job), generated once per options. */
export function microBatches(o: Partial<TraceOptions> = {}): { batches: PacketBatch[]; packets: number } {
  const key = JSON.stringify(o);
  let r = cache.get(key);
  if (!r) {
    r = traceBatches({ packets: MICRO_PACKETS, ...o });
    cache.set(key, r);
  }
  return r;
}

/** A fresh forwarding context over the tables of `config` (a repository-relative path). */
export function benchContext(config: string = TRACE_CONFIG): { ctx: ForwardContext; ctl: Controller } {
  const cfg = loadConfig(path.join(repoDir(), config));
  const ctl = new Controller(cfg, { hashKey: makeHashKey('bench') });
  const ctx: ForwardContext = {
    tables: ctl.tables,
    flows: new FlowTable(cfg.flow_table.capacity),
    counters: new DataplaneCounters(cfg.gateways.length, ctl.tunnelNames.length),
    gwAlive: new Uint8Array(cfg.gateways.length).fill(1),
    nowMs: 0,
  };
  return { ctx, ctl };
}
