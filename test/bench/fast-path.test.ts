/**
 * Correctness at speed (issue 4): the fast path (flat dissector + flat forwarder over
 * batches of 256) gives byte-identical output to a slow reference path on a generated trace
 * of a few thousand packets of the benchmark mix (fixtures/gen-trace.ts).
 *
 * The reference (bench/e2e/reference-path.ts, which bench:e2e also runs over the whole large
 * trace) takes each input frame apart with plain byte reads, decides its path from the
 * configuration's addresses and the lb layer, and builds the expected output with the wire
 * layer's emit functions and *full* checksum computations (where the fast path uses RFC 1624
 * incremental updates). Also: the same verdicts and bytes with batches of 1
 * and 7 packets, and with the flows sharded over two independent data planes
 * (src/worker/shard.ts), as two worker threads would run them. No timings are asserted.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LINK_ETHERNET, PacketBatch } from '../../src/batch/packet-batch.js';
import { loadConfig } from '../../src/control/config-load.js';
import { Controller } from '../../src/control/controller.js';
import { FlowTable } from '../../src/lb/flow-table.js';
import { makeHashKey } from '../../src/lb/hash.js';
import { dissectBatch } from '../../src/nodes/dissect.js';
import { forwardBatch, type ForwardContext } from '../../src/nodes/gateway-forward.js';
import { DataplaneCounters } from '../../src/stats/counters.js';
import { shardOf } from '../../src/worker/shard.js';
import { TraceGen } from '../../fixtures/gen-trace.js';
import { checksumsOk, reference as referenceOf } from '../../bench/e2e/reference-path.js';

const root = path.resolve(__dirname, '../..');
const cfg = loadConfig(path.join(root, 'bench/configs/trace.yaml'));
const KEY = makeHashKey('fast-path-test');
const N = 3000;

/** The input frames, each in its own buffer. */
function frames(mode: 'mix' | 'nat'): Buffer[] {
  const g = new TraceGen({ packets: N, flows: 600, seed: 11, mode });
  const out: Buffer[] = [];
  const scratch = Buffer.alloc(256);
  const v = new DataView(scratch.buffer);
  for (let k = 0; k < N; k++) out.push(Buffer.from(scratch.subarray(0, g.next(scratch, v, 0))));
  return out;
}

function plane(): { ctl: Controller; ctx: ForwardContext } {
  const ctl = new Controller(cfg, { hashKey: KEY });
  return {
    ctl,
    ctx: {
      tables: ctl.tables,
      flows: new FlowTable(cfg.flow_table.capacity),
      counters: new DataplaneCounters(cfg.gateways.length, ctl.tunnelNames.length),
      gwAlive: new Uint8Array(cfg.gateways.length).fill(1),
      nowMs: 0,
    },
  };
}

interface Out {
  next: number;
  target: number;
  drop: number;
  bytes: Buffer;
}

/** The fast path over `input` in batches of `size`, for the packets `only` selects. */
function fast(input: Buffer[], size: number, ctx: ForwardContext, only: (k: number) => boolean = () => true): Map<number, Out> {
  const res = new Map<number, Out>();
  const b = new PacketBatch(size, size * 512);
  const idx: number[] = [];
  const flush = (): void => {
    dissectBatch(b);
    forwardBatch(b, 0, b.count, ctx, null);
    for (let i = 0; i < b.count; i++) {
      res.set(idx[i]!, { next: b.next[i]!, target: b.target[i]!, drop: b.drop[i]!, bytes: Buffer.from(b.arena.subarray(b.base[i]!, b.base[i]! + b.len[i]!)) });
    }
    b.reset();
    idx.length = 0;
  };
  input.forEach((f, k) => {
    if (!only(k)) return;
    const base = b.reserve(f.length);
    f.copy(b.arena, base);
    b.commit(base, f.length, f.length, 0, 0, LINK_ETHERNET);
    idx.push(k);
    if (b.count === size) flush();
  });
  if (b.count > 0) flush();
  return res;
}

const dv = (a: Buffer): DataView => new DataView(a.buffer, a.byteOffset, a.byteLength);

describe('fast path against the slow reference (generated trace)', () => {
  for (const mode of ['mix', 'nat'] as const) {
    it(`${mode}: every generated frame is valid and dissects without a drop`, () => {
      const input = frames(mode);
      expect(input.every(checksumsOk)).toBe(true);
      const { ctx } = plane();
      const got = fast(input, 256, ctx);
      expect([...got.values()].filter((o) => o.drop !== 0)).toEqual([]);
    });

    it(`${mode}: output bytes and verdicts equal the reference's, and every output checksum is valid`, () => {
      const input = frames(mode);
      const { ctl, ctx } = plane();
      const got = fast(input, 256, ctx);
      let mismatches = 0;
      input.forEach((f, k) => {
        const want = referenceOf(f, cfg, ctl, KEY);
        const o = got.get(k)!;
        if (o.next !== want.next || o.target !== want.target || !o.bytes.equals(want.bytes)) {
          if (mismatches++ < 3) expect({ k, next: o.next, target: o.target, bytes: o.bytes.toString('hex') }).toEqual({ k, next: want.next, target: want.target, bytes: want.bytes.toString('hex') });
        }
        expect(checksumsOk(o.bytes)).toBe(true);
      });
      expect(mismatches).toBe(0);
    });
  }

  it('batches of 1 and 7 packets give the same verdicts and bytes as batches of 256', () => {
    const input = frames('mix');
    const a = fast(input, 256, plane().ctx);
    for (const size of [1, 7]) {
      const b = fast(input, size, plane().ctx);
      for (let k = 0; k < input.length; k++) expect(b.get(k)).toEqual(a.get(k));
    }
  });

  it('flows sharded over two data planes (as two workers) give the same result as one', () => {
    const input = frames('mix');
    const one = fast(input, 256, plane().ctx);
    const shard = input.map((f) => shardOf(dv(f), 0, f.length, true, 2));
    expect(shard.filter((s) => s === 0).length).toBeGreaterThan(input.length / 4);
    expect(shard.filter((s) => s === 1).length).toBeGreaterThan(input.length / 4);
    const s0 = fast(input, 256, plane().ctx, (k) => shard[k] === 0);
    const s1 = fast(input, 256, plane().ctx, (k) => shard[k] === 1);
    for (let k = 0; k < input.length; k++) expect((shard[k] === 0 ? s0 : s1).get(k)).toEqual(one.get(k));
  });
});
