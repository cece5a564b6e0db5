/**
 * The alternative kept in bench/nodes/forward-per-node.ts (a classifier, then a loop per next
 * node) gives what the data path's single loop gives: verdicts, output bytes and counters, on
 * the benchmark trace mix and the SLB NAT job. The bench compares their speed; this keeps the
 * comparison honest.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PacketBatch } from '../../src/batch/packet-batch.js';
import { loadConfig } from '../../src/control/config-load.js';
import { Controller } from '../../src/control/controller.js';
import { FlowTable } from '../../src/lb/flow-table.js';
import { makeHashKey } from '../../src/lb/hash.js';
import { dissectBatch } from '../../src/nodes/dissect.js';
import { forwardBatch, type ForwardContext } from '../../src/nodes/gateway-forward.js';
import { DataplaneCounters } from '../../src/stats/counters.js';
import { traceBatches } from '../../fixtures/gen-trace.js';
import { forwardBatchPerNode } from '../../bench/nodes/forward-per-node.js';

const root = path.resolve(__dirname, '../..');

function context(config: string): ForwardContext {
  const cfg = loadConfig(path.join(root, config));
  const ctl = new Controller(cfg, { hashKey: makeHashKey('per-node') });
  return {
    tables: ctl.tables,
    flows: new FlowTable(cfg.flow_table.capacity),
    counters: new DataplaneCounters(cfg.gateways.length, ctl.tunnelNames.length),
    gwAlive: new Uint8Array(cfg.gateways.length).fill(1),
    nowMs: 0,
  };
}

function run(mode: 'mix' | 'nat', config: string, fwd: typeof forwardBatch): { out: string[]; counters: number[] } {
  const { batches } = traceBatches({ packets: 6000, flows: 900, seed: 9, mode });
  const ctx = context(config);
  const out: string[] = [];
  for (const b of batches as PacketBatch[]) {
    dissectBatch(b);
    fwd(b, 0, b.count, ctx, null);
    for (let i = 0; i < b.count; i++) out.push(`${b.next[i]} ${b.target[i]} ${b.drop[i]} ${b.arena.toString('hex', b.base[i]!, b.base[i]! + b.len[i]!)}`);
  }
  const c = ctx.counters;
  return { out, counters: [...c.c, ...c.drops, ...c.gwPackets, ...c.gwBytes, ...c.tunPackets, ...c.tunBytes, ...c.tunFlows] };
}

describe('forward: a loop per next node = the single loop', () => {
  it('on the trace mix and on the SLB NAT job', () => {
    for (const [mode, config] of [['mix', 'bench/configs/trace.yaml'], ['nat', 'bench/configs/nat1.yaml']] as const) {
      const a = run(mode, config, forwardBatch);
      const b = run(mode, config, forwardBatchPerNode);
      expect(b.counters).toEqual(a.counters);
      expect(b.out).toEqual(a.out);
    }
  });
});
