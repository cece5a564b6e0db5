/**
 * The in-place replay (pcap in, pcap out: frames processed where the reader read them, the
 * output compacted in the read buffer, io/in-place-output.ts) against the copying path it
 * replaces (every frame copied into the batch arena and out into the writer's buffer): the
 * same records, byte for byte, with their timestamps and lengths, on the demo (a failover:
 * drops, lost packets, NVGRE re-encapsulated shorter) and on the benchmark mix, both several
 * read buffers long; with --count cutting a batch; and the output's file header is the input's.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PacketBatch } from '../../src/batch/packet-batch.js';
import { loadConfig } from '../../src/control/config-load.js';
import { CaptureReader, DEFAULT_CHUNK_BYTES } from '../../src/io/capture-reader.js';
import { runReplay, type ReplayOptions } from '../../src/replay/replay.js';
import { writeTrace } from '../../fixtures/gen-trace.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-in-place-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Rec {
  sec: number;
  nsec: number;
  len: number;
  wire: number;
  bytes: string;
}

function records(file: string): Rec[] {
  const r = CaptureReader.open(file);
  const b = new PacketBatch();
  const out: Rec[] = [];
  try {
    while (r.readBatch(b) > 0) {
      for (let i = 0; i < b.count; i++) {
        out.push({ sec: b.tsSec[i]!, nsec: b.tsNsec[i]!, len: b.len[i]!, wire: b.wireLen[i]!, bytes: b.arena.toString('hex', b.base[i]!, b.base[i]! + b.len[i]!) });
      }
    }
  } finally {
    r.close();
  }
  return out;
}

function both(name: string, o: Omit<ReplayOptions, 'write' | 'inPlace'>): { inPlace: string; copied: string; packets: number; tx: number } {
  const inPlace = path.join(tmp, `${name}-in-place.pcap`);
  const copied = path.join(tmp, `${name}-copied.pcap`);
  const a = runReplay({ ...o, write: inPlace });
  const b = runReplay({ ...o, write: copied, inPlace: false });
  expect(a.counters.tx).toBe(b.counters.tx);
  expect(Array.from(a.counters.drops)).toEqual(Array.from(b.counters.drops));
  return { inPlace, copied, packets: a.packets, tx: a.counters.tx };
}

describe('in-place replay = copying replay', () => {
  it('on the demo (a failover, drops, NVGRE made shorter), over several read buffers', () => {
    const demo = path.join(root, 'fixtures/demo/demo.pcap');
    expect(fs.statSync(demo).size).toBeGreaterThan(2 * DEFAULT_CHUNK_BYTES);
    const r = both('demo', { read: demo, config: loadConfig(path.join(root, 'fixtures/configs/demo.yaml')) });
    const a = records(r.inPlace);
    expect(a.length).toBe(r.tx);
    expect(r.tx).toBeLessThan(r.packets); // some were dropped: the output has gaps closed
    expect(a).toEqual(records(r.copied));
  });

  it('on the benchmark mix, and with --count ending inside a batch', () => {
    const trace = path.join(tmp, 'mix.pcap');
    writeTrace(trace, { packets: 30_000, flows: 3000, seed: 5 });
    const cfg = loadConfig(path.join(root, 'bench/configs/trace.yaml'));
    const r = both('mix', { read: trace, config: cfg });
    expect(records(r.inPlace)).toEqual(records(r.copied));
    const c = both('mix-count', { read: trace, config: cfg, count: 1000 + 77 });
    expect(c.packets).toBe(1077);
    expect(records(c.inPlace)).toEqual(records(c.copied));
  });

  it("writes the input's file header: byte order, timestamp precision, snaplen, link type", () => {
    const trace = path.join(tmp, 'hdr.pcap');
    writeTrace(trace, { packets: 500, flows: 50, seed: 6 });
    const out = path.join(tmp, 'hdr-out.pcap');
    runReplay({ read: trace, config: loadConfig(path.join(root, 'bench/configs/trace.yaml')), write: out });
    expect(fs.readFileSync(out).subarray(0, 24)).toEqual(fs.readFileSync(trace).subarray(0, 24));
  });
});
