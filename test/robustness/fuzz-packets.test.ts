/**
 * Issue 6, item 1: structure-aware fuzzing of the data path with fast-check.
 *
 * Generators (gen.ts) built from the wire layer make valid frames of every encapsulation
 * (IKE, NAT-T ESP/IKE/keepalive, ESP, replies from DIPs, GRE to GRE VIPs, NVGRE to sites,
 * 802.1Q/802.1ad stacks to CA IPs, VXLAN, IP-in-IP, GRE in GRE in GRE, VXLAN in GRE, options,
 * fragments), then break them: one field at a time, every truncation, lengths that lie,
 * IHL < 5, options running past the header. The real frames of ../shared/corpus are run as
 * they are and mutated. Every batch goes through the dissector and the data path of the demo
 * config in nine states (planes.ts), and every invariant of harness.ts must hold.
 *
 * Bounded here (about 20 s); `npm run fuzz -- --runs N` runs N batches per property.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DROP_COUNT, DROP_REASONS, DROP_TOO_DEEP } from '../../src/stats/drop-reasons.js';
import { MAX_TUNNEL_DEPTH } from '../../src/nodes/dissect.js';
import { PORT_VXLAN } from '../../src/wire/udp.js';
import { fuzzRuns, fuzzSeed, recordFigures } from './figures.js';
import {
  anyFrameArb, deepFrameArb, DEMO, emitFrame, fixIp4Checksums, mutate, mutationArb, targetedFrameArb, type FrameSpec, type Ip,
} from './gen.js';
import { FuzzStats, runChecked, type FrameIn } from './harness.js';
import { corpusFrames, demoPlanes } from './planes.js';

const RUNS = fuzzRuns(150);
const SEED = fuzzSeed(0x6e7a);
const planes = demoPlanes();
const planeIdx = fc.integer({ min: 0, max: planes.length - 1 });
const stats: Record<string, FuzzStats> = {};
const started = Date.now();

function statsFor(name: string): FuzzStats {
  return (stats[name] ??= new FuzzStats());
}

function pristine(spec: FrameSpec): FrameIn {
  const e = emitFrame(spec);
  return { bytes: e.bytes, link: e.link, pristine: true, nvgreInner: e.nvgreInner, tunnelDepth: e.tunnelDepth, maxTags: e.maxTags };
}

function check(name: string, p: number, frames: FrameIn[]): void {
  const { violations } = runChecked(planes[p]!.plane, frames, statsFor(name));
  if (violations.length > 0) throw new Error(`plane "${planes[p]!.name}":\n${violations.slice(0, 5).join('\n')}`);
}

afterAll(() => {
  const all = new FuzzStats();
  for (const s of Object.values(stats)) all.add(s);
  const seen = all.reasonsSeen();
  recordFigures('fuzz', {
    runs_per_property: RUNS,
    seed: SEED,
    seconds: (Date.now() - started) / 1000,
    planes: planes.map((p) => p.name),
    properties: Object.fromEntries(Object.entries(stats).map(([k, s]) => [k, { batches: s.batches, frames: s.frames, forwarded: s.forwarded, failed_batches: s.failures }])),
    frames: all.frames,
    batches: all.batches,
    forwarded: all.forwarded,
    failed_batches: all.failures,
    verdicts: { drop: all.nexts[0], gateway: all.nexts[1], tunnel: all.nexts[2], reply: all.nexts[3] },
    max_depth_walked: all.maxDepth,
    drop_reasons_defined: DROP_COUNT - 1,
    drop_reasons_seen: seen,
    drop_reasons_not_seen: DROP_REASONS.filter((d) => d.code > 0 && !seen.includes(d.name)).map((d) => d.name),
    drops_by_reason: Object.fromEntries(DROP_REASONS.filter((d) => d.code > 0).map((d) => [d.name, all.drops[d.code]])),
  });
});

describe('generated frames of every encapsulation', () => {
  it('valid frames: invariants hold, the dissector finds no fault, the tenant packet crosses unchanged', () => {
    fc.assert(
      fc.property(planeIdx, fc.array(anyFrameArb, { minLength: 1, maxLength: 64 }), (p, specs) => {
        check('valid frames', p, specs.map(pristine));
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('frames aimed at each data path are mostly forwarded (the generators reach the paths)', () => {
    const s = new FuzzStats();
    fc.assert(
      fc.property(fc.array(targetedFrameArb, { minLength: 64, maxLength: 64 }), (specs) => {
        const { violations } = runChecked(planes[0]!.plane, specs.map(pristine), s);
        expect(violations).toEqual([]);
      }),
      { numRuns: 20, seed: SEED },
    );
    statsFor('aimed frames').add(s);
    // gateway (SLB NAT, GRE VIP, L3), tunnel (NVGRE) and reply (reverse NAT) all occur
    expect(s.nexts[1]).toBeGreaterThan(s.frames * 0.1);
    expect(s.nexts[2]).toBeGreaterThan(s.frames * 0.05);
    expect(s.nexts[3]).toBeGreaterThan(s.frames * 0.02);
  });

  it('broken frames: one to three mutations (fields, truncations, length lies, IHL < 5, options past the header)', () => {
    const broken = fc.record({ spec: anyFrameArb, ms: fc.array(mutationArb, { minLength: 1, maxLength: 3 }), fix: fc.boolean() }).map(({ spec, ms, fix }): FrameIn => {
      const e = emitFrame(spec);
      let b: Buffer = Buffer.from(e.bytes);
      for (const m of ms) b = mutate(e, b, m);
      if (fix) fixIp4Checksums(b, e.ip4);
      return { bytes: b, link: e.link };
    });
    fc.assert(
      fc.property(planeIdx, fc.array(broken, { minLength: 1, maxLength: 64 }), (p, frames) => {
        check('broken frames', p, frames);
      }),
      { numRuns: RUNS, seed: SEED + 1 },
    );
  });

  it('every truncation point of frames of every kind', () => {
    fc.assert(
      fc.property(planeIdx, targetedFrameArb, (p, spec) => {
        const e = emitFrame(spec);
        const frames: FrameIn[] = [];
        for (let cut = 0; cut < e.bytes.length; cut++) frames.push({ bytes: e.bytes.subarray(0, cut), link: e.link });
        for (let k = 0; k < frames.length; k += 256) check('truncations', p, frames.slice(k, k + 256));
      }),
      { numRuns: Math.max(20, RUNS >> 2), seed: SEED + 2 },
    );
  });
});

describe('tunnel nesting is bounded and counted', () => {
  const chain = (kinds: string[]): FrameSpec => {
    // deepFrameArb's shape, written out: `kinds` tunnel layers around a UDP packet
    let x: Ip = { src: DEMO.publicIps[0]!, dst: DEMO.caIps[0]!, ttl: 64, id: 1, mf: false, fragOff: 0, options: [], l4: { k: 'udp', sport: 1000, dport: 2000, zeroCsum: false, data: { k: 'bytes', len: 8 } } };
    for (const k of [...kinds].reverse()) {
      const base = { src: DEMO.dips[0]!, dst: DEMO.greVips[0]!, ttl: 64, id: 1, mf: false, fragOff: 0, options: [] };
      if (k === 'gre') x = { ...base, l4: { k: 'gre', csum: false, key: null, seq: null, inner: { k: 'ip', ip: x } } };
      else if (k === 'nvgre') x = { ...base, l4: { k: 'gre', csum: true, key: (5001 << 8) | 1, seq: null, inner: { k: 'eth', eth: { vlans: [], ip: x } } } };
      else if (k === 'ipip') x = { ...base, l4: { k: 'ipip', inner: x } };
      else x = { ...base, l4: { k: 'udp', sport: 40000, dport: PORT_VXLAN, zeroCsum: false, data: { k: 'vxlan', vni: 9, inner: { vlans: [], ip: x } } } };
    }
    return { raw: false, eth: { vlans: [], ip: x } };
  };
  for (const kind of ['gre', 'nvgre', 'ipip', 'vxlan', 'mixed']) {
    it(`${kind}: depth n walks min(n, ${MAX_TUNNEL_DEPTH} + 1) layers; too_deep exactly when n > ${MAX_TUNNEL_DEPTH}`, () => {
      const mix = ['gre', 'vxlan', 'nvgre', 'ipip'];
      for (let n = 0; n <= 10; n++) {
        const kinds = Array.from({ length: n }, (_, k) => (kind === 'mixed' ? mix[k % 4]! : kind));
        const f = pristine(chain(kinds));
        const { outcomes, violations } = runChecked(planes[0]!.plane, [f], statsFor('nesting'));
        expect(violations).toEqual([]);
        expect(outcomes[0]!.depth).toBe(Math.min(n, MAX_TUNNEL_DEPTH + 1));
        expect(outcomes[0]!.parseDrop === DROP_TOO_DEEP).toBe(n > MAX_TUNNEL_DEPTH);
      }
    });
  }

  it('random chains of up to 8 layers', () => {
    fc.assert(
      fc.property(planeIdx, fc.array(deepFrameArb, { minLength: 1, maxLength: 32 }), (p, specs) => {
        check('nesting', p, specs.map(pristine));
      }),
      { numRuns: Math.max(20, RUNS >> 2), seed: SEED + 3 },
    );
  });
});

const corpus = corpusFrames();

describe.skipIf(corpus.length === 0)('the real frames of ../shared/corpus', () => {
  it(`all ${corpus.length} frames, as they are, through every plane`, () => {
    for (let p = 0; p < planes.length; p++) {
      for (let k = 0; k < corpus.length; k += 256) check('corpus as is', p, corpus.slice(k, k + 256));
    }
  });

  type CorpusOp = (typeof corpusMutation extends fc.Arbitrary<infer T> ? T : never)['ops'][number];
  /** Byte-level mutations of a corpus frame, and retargeting it at the demo's addresses. */
  const corpusMutation = fc.record({
    frame: fc.nat(corpus.length - 1),
    ops: fc.array(
      fc.oneof(
        fc.record({ k: fc.constant('flip' as const), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
        fc.record({ k: fc.constant('set' as const), pos: fc.nat(), val: fc.constantFrom(0, 1, 0x45, 0x7f, 0x80, 0xff) }),
        fc.record({ k: fc.constant('cut' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
        fc.record({ k: fc.constant('splice' as const), pos: fc.nat(), del: fc.integer({ min: 0, max: 8 }), ins: fc.uint8Array({ maxLength: 8 }) }),
        fc.record({ k: fc.constant('dst' as const), addr: fc.constantFrom(DEMO.vip, ...DEMO.greVips, ...DEMO.caIps, ...DEMO.publicIps) }),
        fc.record({ k: fc.constant('src' as const), addr: fc.constantFrom(...DEMO.publicIps, ...DEMO.dips) }),
        fc.record({ k: fc.constant('vlan' as const), id: fc.constantFrom(...DEMO.vlans) }),
      ),
      { minLength: 1, maxLength: 3 },
    ),
    fix: fc.boolean(),
  });

  /** Offsets of the outer Ethernet type field and IPv4 header (-1 when absent). */
  function outer(b: Buffer): { type: number; ip: number } {
    if (b.length < 14) return { type: -1, ip: -1 };
    let o = 12;
    while (o + 6 <= b.length && [0x8100, 0x88a8, 0x9100].includes(b.readUInt16BE(o))) o += 4;
    return { type: o, ip: o + 2 + 20 <= b.length && b.readUInt16BE(o) === 0x0800 ? o + 2 : -1 };
  }

  function applyOps(src: Buffer, ops: CorpusOp[], fix: boolean): Buffer {
    let b: Buffer = Buffer.from(src);
    for (const op of ops) {
      const ip = outer(b).ip;
      if (op.k === 'flip' && b.length > 0) b[op.pos % b.length]! ^= 1 << op.bit;
      else if (op.k === 'set' && b.length > 0) b[op.pos % b.length] = op.val;
      else if (op.k === 'cut') b = b.subarray(0, Math.floor(op.at * b.length));
      else if (op.k === 'splice') {
        const at = b.length === 0 ? 0 : op.pos % b.length;
        b = Buffer.concat([b.subarray(0, at), Buffer.from(op.ins), b.subarray(Math.min(b.length, at + op.del))]);
      } else if (op.k === 'dst' && ip >= 0) b.writeInt32BE(op.addr, ip + 16);
      else if (op.k === 'src' && ip >= 0) b.writeInt32BE(op.addr, ip + 12);
      else if (op.k === 'vlan' && b.length >= 18) {
        // tag the frame (or retag its first tag) with a tenant's VLAN
        if ([0x8100, 0x88a8].includes(b.readUInt16BE(12))) b.writeUInt16BE(op.id, 14);
        else b = Buffer.concat([b.subarray(0, 12), Buffer.from([0x81, 0x00, op.id >> 8, op.id & 255]), b.subarray(12)]);
      }
    }
    const ip = outer(b).ip;
    if (fix && ip >= 0) fixIp4Checksums(b, [ip]);
    return b;
  }

  it('mutated: bit flips, byte sets, cuts, splices, retargeted at VIPs, CA IPs, tenant VLANs', () => {
    fc.assert(
      fc.property(planeIdx, fc.array(corpusMutation, { minLength: 1, maxLength: 64 }), (p, ms) => {
        check('corpus mutated', p, ms.map((m) => ({ bytes: applyOps(corpus[m.frame]!.bytes, m.ops, m.fix), link: corpus[m.frame]!.link })));
      }),
      { numRuns: RUNS, seed: SEED + 4 },
    );
  });
});
