/**
 * The dissector's fast path (dissect.ts) against the general walk (dissect-walk.ts), its
 * reference: every frame of the shared corpus, the fixture captures, the benchmark trace mix
 * and fuzzed frames (well formed, then mutated) is dissected both ways, and every column the
 * column contract of packet-batch.ts calls valid must be equal. The fast path must also be
 * the one that ran: on the trace mix almost every frame, on the fixtures the shapes it claims.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENCAP_ESP, ENCAP_NATT_ESP, ENCAP_NONE, ENCAP_VXLAN, F_GRE, F_GRE_KEY, PacketBatch } from '../../src/batch/packet-batch.js';
import { CaptureReader } from '../../src/io/capture-reader.js';
import { dissectBatch, dissectBatchWalk, walkedFrames } from '../../src/nodes/dissect.js';
import { traceBatches } from '../../fixtures/gen-trace.js';
import { anyFrameArb, emitFrame, mutate, mutationArb } from '../robustness/gen.js';
import { batchOf } from '../robustness/harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A copy of the batch's frames and source columns (the arena bytes are not changed by dissecting). */
function twin(b: PacketBatch): PacketBatch {
  const w = new PacketBatch(b.capacity, b.arena.length);
  b.arena.copy(w.arena);
  w.count = b.count;
  w.used = b.used;
  w.base.set(b.base);
  w.len.set(b.len);
  w.wireLen.set(b.wireLen);
  w.link.set(b.link);
  return w;
}

/** The columns of packet i that the contract calls valid, as a comparable record. */
function valid(b: PacketBatch, i: number): Record<string, number> {
  const r: Record<string, number> = {
    l3: b.l3[i]!, l4: b.l4[i]!, il3: b.il3[i]!, encap: b.encap[i]!, flags: b.flags[i]!, vlanCount: b.vlanCount[i]!,
    src: b.src[i]!, dst: b.dst[i]!, proto: b.proto[i]!, ports: b.ports[i]!, drop: b.drop[i]!,
  };
  if (b.l3[i]! >= 0) r.ipEnd = b.ipEnd[i]!;
  const e = b.encap[i]!;
  if (e !== ENCAP_NONE) Object.assign(r, { tun: b.tun[i]!, depth: b.depth[i]! });
  if (e === ENCAP_ESP || e === ENCAP_NATT_ESP) Object.assign(r, { spi: b.spi[i]!, espSeq: b.espSeq[i]! });
  if (e === ENCAP_VXLAN) r.vni = b.vni[i]!;
  if (b.vlanCount[i]! >= 1) Object.assign(r, { tpid0: b.tpid0[i]!, vlan0: b.vlan0[i]! });
  if (b.vlanCount[i]! >= 2) r.vlan1 = b.vlan1[i]!;
  if (b.il3[i]! >= 0) Object.assign(r, { il4: b.il4[i]!, isrc: b.isrc[i]!, idst: b.idst[i]!, iproto: b.iproto[i]!, iports: b.iports[i]! });
  if ((b.flags[i]! & F_GRE_KEY) !== 0) r.greKey = b.greKey[i]!;
  if ((b.flags[i]! & F_GRE) !== 0) r.greProto = b.greProto[i]!;
  return r;
}

/** Dissect `b` both ways (and both checksum settings); returns how many frames the fast path took. */
function compare(b: PacketBatch, label: string): number {
  let fastFrames = 0;
  for (const verify of [true, false]) {
    const walk = twin(b);
    const fast = twin(b);
    dissectBatchWalk(walk, verify);
    const before = walkedFrames();
    dissectBatch(fast, { verifyIp4Checksum: verify });
    if (verify) fastFrames = b.count - (walkedFrames() - before);
    for (let i = 0; i < b.count; i++) {
      const want = valid(walk, i);
      const got = valid(fast, i);
      if (JSON.stringify(got) !== JSON.stringify(want)) expect({ frame: `${label} #${i} verify=${verify}`, ...got }).toEqual({ frame: `${label} #${i} verify=${verify}`, ...want });
    }
  }
  return fastFrames;
}

function captureBatches(file: string): PacketBatch[] {
  const r = CaptureReader.open(file);
  const out: PacketBatch[] = [];
  try {
    for (;;) {
      const b = new PacketBatch();
      if (r.readBatch(b) === 0) break;
      out.push(b);
    }
  } finally {
    r.close();
  }
  return out;
}

describe('dissect fast path = general walk', () => {
  it('on the benchmark trace mix and NAT job, and takes the fast path for almost every frame', () => {
    for (const mode of ['mix', 'nat'] as const) {
      const { batches, packets } = traceBatches({ packets: 8192, flows: 2000, seed: 7, mode });
      let fast = 0;
      batches.forEach((b, k) => (fast += compare(b, `${mode} batch ${k}`)));
      // the generator's random payloads put a few frames on UDP 4789 (VXLAN): the walk's
      expect(fast / packets).toBeGreaterThan(0.99);
    }
  });

  it('on every fixture capture; the shapes of the fast path take it', () => {
    const dir = path.join(root, 'fixtures/captures');
    const fastShapes = ['esp.pcap', 'gre-ipv4.pcap', 'ike-500.pcap', 'ipv4-tcp.pcap', 'ipv4-udp.pcap', 'natt-esp.pcap', 'natt-ike.pcap', 'natt-keepalive.pcap', 'nvgre.pcap', 'qinq.pcap', 'vlan-8021q.pcap'];
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.pcap'))) {
      let fast = 0;
      let n = 0;
      for (const b of captureBatches(path.join(dir, f))) {
        fast += compare(b, f);
        n += b.count;
      }
      if (fastShapes.includes(f)) expect({ f, fast: fast > 0 }).toEqual({ f, fast: true });
      if (f === 'ipv4-options.pcap' || f === 'ipv4-fragments.pcap' || f === 'vxlan.pcap' || f === 'ipip.pcap') expect({ f, fast }).toEqual({ f, fast: 0 });
      expect(n).toBeGreaterThan(0);
    }
  });

  it('on every capture of the shared corpus', () => {
    const dir = path.resolve(root, '../shared/corpus/pcap');
    if (!fs.existsSync(dir)) {
      console.log(`skipped: ${dir} is missing`);
      return;
    }
    let files = 0;
    for (const f of fs.readdirSync(dir)) {
      let bs: PacketBatch[];
      try {
        bs = captureBatches(path.join(dir, f));
      } catch {
        continue; // a capture the reader refuses (tested in test/io)
      }
      bs.forEach((b, k) => compare(b, `${f} batch ${k}`));
      files++;
    }
    expect(files).toBeGreaterThan(50);
  });

  it('on fuzzed frames, well formed and mutated', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(anyFrameArb, fc.option(mutationArb, { freq: 2 })), { minLength: 1, maxLength: 24 }), (specs) => {
        const frames = specs.map(([spec, m]) => {
          const e = emitFrame(spec);
          const bytes = m === null ? e.bytes : mutate(e, Buffer.from(e.bytes), m);
          return { bytes, link: e.link };
        });
        compare(batchOf(frames), 'fuzz');
      }),
      { numRuns: 300, seed: 20261206 },
    );
  });
});
