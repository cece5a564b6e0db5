/**
 * Issue 6, item 2: hostile capture files. Every truncation point of small captures (the
 * shared corpus and generated pcap/pcapng), random corruption of headers and lengths, pcapng
 * blocks whose lengths disagree, absurd lengths (a record or block claiming 2 GB): the reader
 * gives a CaptureError naming the file and a byte offset inside it, or a clean end with at
 * most one counted truncated record, never another exception, never a hang (every read
 * consumes bytes; a loop bound and the test timeout guard it), and never an allocation sized
 * by an untrusted length (a child process's peak RSS is measured).
 *
 * The per-rule cases (each length lie alone, with its exact message) are in
 * test/io/capture-reader.test.ts; this file sweeps and randomises them.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { PacketBatch } from '../../src/batch/packet-batch.js';
import { CaptureError } from '../../src/io/capture-error.js';
import { CaptureReader } from '../../src/io/capture-reader.js';
import { runReplay } from '../../src/replay/replay.js';
import { cleanupTmp, frame, ngEpb, ngIdb, ngIsb, ngNrb, ngShb, ngSpb, opt, pcapBytes, tmp, tmpFile } from '../io/capture-builders.js';
import { cleanupChildBuild, moduleUrl } from '../io/child-build.js';
import { runCli } from './cli.js';
import { fuzzRuns, fuzzSeed, recordFigures } from './figures.js';
import { corpusDir, demoConfig, demoText, KEY } from './planes.js';

const RUNS = fuzzRuns(300);
const SEED = fuzzSeed(0xcab);
const figures = { files_read: 0, capture_errors: 0, clean_ends: 0, truncated_counted: 0, rss: {} as Record<string, unknown> };

afterAll(() => {
  cleanupTmp();
  cleanupChildBuild();
  recordFigures('captures', { runs_per_property: RUNS, seed: SEED, ...figures });
});

interface Drained {
  packets: number;
  truncated: number;
  error: CaptureError | null;
}

/** Read a capture to its end (or its error) with a bound on the number of reads. */
function drain(file: string, chunkBytes?: number): Drained {
  const d = drainWith(file, chunkBytes, false);
  // A little-endian pcap is read in place by the replay: the same end, or the same error at the
  // same offset. Before an error the in-place reader may have delivered more packets (its
  // batches end where its read buffer does; a copying batch that meets the error is lost whole).
  if (d.inPlaceCapable) {
    const p = drainWith(file, chunkBytes, true);
    expect({ file, truncated: p.truncated, error: p.error?.message }).toEqual({ file, truncated: d.truncated, error: d.error?.message });
    if (d.error === null) expect(p.packets).toBe(d.packets);
    else expect(p.packets).toBeGreaterThanOrEqual(d.packets);
  }
  return d;
}

function drainWith(file: string, chunkBytes: number | undefined, inPlace: boolean): Drained & { inPlaceCapable: boolean } {
  const size = fs.statSync(file).size;
  figures.files_read++;
  let r: CaptureReader;
  try {
    r = CaptureReader.open(file, chunkBytes ? { chunkBytes } : {});
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    figures.capture_errors++;
    return { packets: 0, truncated: 0, error: e, inPlaceCapable: false };
  }
  const b = new PacketBatch();
  let packets = 0;
  let calls = 0;
  try {
    for (;;) {
      const n = inPlace ? r.readBatchInPlace(b) : r.readBatch(b);
      if (n === 0) break;
      packets += n;
      // every record costs at least 12 bytes (pcapng SPB) or 16 (pcap): no progress is a hang
      if (++calls > size / 12 + 2) throw new Error(`${file}: readBatch keeps returning packets: a hang`);
    }
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    if (!inPlace) figures.capture_errors++;
    return { packets, truncated: r.truncatedRecords, error: e, inPlaceCapable: r.inPlaceCapable };
  } finally {
    r.close();
  }
  if (!inPlace) {
    figures.clean_ends++;
    figures.truncated_counted += r.truncatedRecords;
  }
  return { packets, truncated: r.truncatedRecords, error: null, inPlaceCapable: r.inPlaceCapable };
}

/** What every read of a hostile file must be. */
function expectSane(file: string, d: Drained): void {
  const size = fs.statSync(file).size;
  if (d.error) {
    expect(d.error.file).toBe(file);
    expect(d.error.offset).toBeGreaterThanOrEqual(0);
    expect(d.error.offset).toBeLessThanOrEqual(size);
    expect(d.error.message.startsWith(`${file}: byte ${d.error.offset}: `)).toBe(true);
  } else {
    expect(d.truncated).toBeLessThanOrEqual(1);
  }
}

// ------------------------------------------------------------------ small captures

const le = true;
const smallPcap = pcapBytes({ nanos: true, records: Array.from({ length: 6 }, (_, i) => ({ sec: 1000 + i, frac: i * 1000, data: frame(40 + 9 * i, i) })) });
const smallPcapBe = pcapBytes({ le: false, records: Array.from({ length: 4 }, (_, i) => ({ sec: 7, frac: i, data: frame(33 + i, i) })) });
const smallNg = Buffer.concat([
  ngShb(le, { options: [opt.comment('hostile')] }),
  ngIdb(le, 1, 0, [opt.tsresol(9), opt.ifName('eth0')]),
  ngEpb(le, frame(60, 1), { ts: 5n, options: [opt.comment('a')] }),
  ngNrb(le),
  ngIdb(le, 101, 65535),
  ngEpb(le, frame(45, 2), { ifId: 1, ts: 6n }),
  ngSpb(le, 70, frame(70, 3)),
  ngIsb(le, 0),
  ngShb(false),
  ngIdb(false, 1, 128),
  ngEpb(false, frame(50, 4)),
]);

/** Record boundaries of a classic pcap (independent of the reader). */
function pcapBoundaries(b: Buffer): number[] {
  const lit = b.readUInt32LE(0) === 0xa1b2c3d4 || b.readUInt32LE(0) === 0xa1b23c4d;
  const out = [24];
  for (let o = 24; o + 16 <= b.length; ) {
    const cap = lit ? b.readUInt32LE(o + 8) : b.readUInt32BE(o + 8);
    o += 16 + cap;
    if (o > b.length) break;
    out.push(o);
  }
  return out;
}

/** Corpus captures cut at every byte: up to 400 bytes in `npm test` (6.4k cuts), 1600 in the long run (26k). */
const CUT_LIMIT = process.env.FUZZ_RUNS ? 1600 : 400;
const corpusSmall = fs.existsSync(corpusDir)
  ? fs.readdirSync(corpusDir).filter((f) => /\.pcap(ng)?$/.test(f) && fs.statSync(path.join(corpusDir, f)).size <= CUT_LIMIT).sort()
  : [];

describe('every truncation point', () => {
  for (const [name, bytes] of [['generated LE pcap', smallPcap], ['generated BE pcap', smallPcapBe]] as const) {
    it(`${name}: each cut gives exactly the whole records before it, and counts the cut one`, () => {
      const bounds = pcapBoundaries(bytes);
      for (let cut = 0; cut < bytes.length; cut++) {
        const f = tmpFile(`cut-${cut}.pcap`, bytes.subarray(0, cut));
        const d = drain(f);
        expectSane(f, d);
        if (cut < 24) {
          expect(d.error?.offset).toBe(0);
          continue;
        }
        expect(d.error).toBeNull();
        expect(d.packets).toBe(bounds.filter((x) => x <= cut).length - 1);
        expect(d.truncated).toBe(bounds.includes(cut) ? 0 : 1);
      }
    });
  }

  it('generated pcapng (two sections, both byte orders, NRB, ISB, SPB): a clean end or a CaptureError at every cut', () => {
    let last = -1;
    for (let cut = 0; cut < smallNg.length; cut++) {
      const f = tmpFile(`cut-${cut}.pcapng`, smallNg.subarray(0, cut));
      const d = drain(f);
      expectSane(f, d);
      if (!d.error) {
        expect(d.packets).toBeGreaterThanOrEqual(last); // more file, never fewer packets
        last = d.packets;
      }
    }
    expect(last).toBe(3); // the last cut is one byte short of the fourth packet
    expect(drain(tmpFile('whole.pcapng', smallNg)).packets).toBe(4);
  });

  it.skipIf(corpusSmall.length === 0)(`the ${corpusSmall.length} corpus captures up to ${CUT_LIMIT} bytes, cut at every byte`, () => {
    let cuts = 0;
    for (const name of corpusSmall) {
      const bytes = fs.readFileSync(path.join(corpusDir, name));
      const full = drain(path.join(corpusDir, name));
      for (let cut = 0; cut < bytes.length; cut++) {
        const f = tmpFile(`corpus-cut${path.extname(name)}`, bytes.subarray(0, cut));
        const d = drain(f);
        expectSane(f, d);
        if (!d.error) expect(d.packets).toBeLessThanOrEqual(full.packets);
        cuts++;
      }
    }
    expect(cuts).toBeGreaterThan(CUT_LIMIT * 10);
    (figures as Record<string, unknown>).corpus_cuts = cuts;
  });
});

// ------------------------------------------------------------------ random corruption

/** A corruption: set bytes, or put an absurd or near-miss value in a 32-bit field. */
const corruption = fc.oneof(
  fc.record({ k: fc.constant('byte' as const), pos: fc.nat(), val: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ k: fc.constant('u32' as const), pos: fc.nat(), val: fc.constantFrom(0, 1, 3, 11, 12, 13, 28, 0x7ffffffc, 0x80000000, 0xfffffffc, 0xffffffff, 0x01000000, 0x01000004), le: fc.boolean() }),
  fc.record({ k: fc.constant('cut' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
);

function corrupt(src: Buffer, cs: Array<typeof corruption extends fc.Arbitrary<infer T> ? T : never>, aligned: boolean): Buffer {
  let b = Buffer.from(src);
  for (const c of cs) {
    if (c.k === 'cut') b = b.subarray(0, Math.floor(c.at * b.length));
    else if (b.length === 0) continue;
    else if (c.k === 'byte') b[c.pos % b.length] = c.val;
    else if (b.length >= 4) {
      // aligned: a 32-bit field of the format (every pcapng and pcap header field is 4-aligned)
      let p = c.pos % (b.length - 3);
      if (aligned) p &= ~3;
      if (c.le) b.writeUInt32LE(c.val >>> 0, p);
      else b.writeUInt32BE(c.val >>> 0, p);
    }
  }
  return b;
}

describe('random corruption of headers and lengths', () => {
  const sources: Array<[string, Buffer]> = [['pcap', smallPcap], ['pcap-be', smallPcapBe], ['pcapng', smallNg]];
  const corpusNg = fs.existsSync(corpusDir) ? fs.readdirSync(corpusDir).filter((n) => n.endsWith('.pcapng')).sort() : [];
  for (const name of corpusNg.concat(corpusSmall.slice(0, 8))) {
    sources.push([name, fs.readFileSync(path.join(corpusDir, name))]);
  }
  it(`${sources.length} captures, 1 to 4 corruptions each: a CaptureError with its offset or a counted clean end`, () => {
    fc.assert(
      fc.property(fc.nat(sources.length - 1), fc.array(corruption, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.constantFrom(undefined, 7, 64, 1000), (s, cs, aligned, chunk) => {
        const [name, src] = sources[s]!;
        const f = tmpFile(`corrupt-${name.replace(/[^\w.-]/g, '_')}`, corrupt(src, cs, aligned));
        expectSane(f, drain(f, chunk));
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('pcapng blocks whose lengths disagree: leading vs trailing length, block vs contents, at every block', () => {
    // block start offsets of smallNg
    const starts: number[] = [];
    for (let o = 0; o < smallNg.length; ) {
      starts.push(o);
      const len = smallNg.readUInt32LE(o + 4);
      o += len > 0 && len < 1e6 ? len : smallNg.readUInt32BE(o + 4);
    }
    fc.assert(
      fc.property(fc.nat(starts.length - 1), fc.constantFrom('lead', 'trail', 'both'), fc.integer({ min: -64, max: 64 }), (k, which, delta) => {
        const b = Buffer.from(smallNg);
        const o = starts[k]!;
        const bigEndian = k >= 8; // the second section is big-endian
        const rd = (p: number): number => (bigEndian ? b.readUInt32BE(p) : b.readUInt32LE(p));
        const wr = (p: number, v: number): void => void (bigEndian ? b.writeUInt32BE(v >>> 0, p) : b.writeUInt32LE(v >>> 0, p));
        const len = rd(o + 4);
        const v = (len + delta * 4) >>> 0;
        if (which !== 'trail') wr(o + 4, v);
        if (which !== 'lead') wr(o + len - 4, v);
        const f = tmpFile('lengths.pcapng', b);
        const d = drain(f);
        expectSane(f, d);
        if (delta !== 0 && which !== 'both') {
          // one copy lies: the block is refused where it starts (or, cut short by the lie, at the end)
          expect(d.error !== null || d.truncated === 1).toBe(true);
          if (d.error && which === 'trail') expect(d.error.offset).toBe(o);
        }
      }),
      { numRuns: RUNS, seed: SEED + 1 },
    );
  });

  it('through the replay: a hostile capture aborts the output (no file, no temporary file left)', () => {
    const cfg = demoConfig();
    fc.assert(
      fc.property(fc.array(corruption, { minLength: 1, maxLength: 3 }), (cs) => {
        const dir = fs.mkdtempSync(path.join(tmp(), 'replay-'));
        const f = path.join(dir, 'in.pcapng');
        fs.writeFileSync(f, corrupt(smallNg, cs, true));
        const out = path.join(dir, 'out.pcap');
        try {
          const r = runReplay({ read: f, config: cfg, write: out, hashKey: KEY });
          expect(r.counters.rx).toBe(r.counters.tx + r.counters.dropped);
          expect(fs.readdirSync(dir).sort()).toEqual(['in.pcapng', 'out.pcap']);
        } catch (e) {
          if (!(e instanceof CaptureError)) throw e;
          expect(fs.readdirSync(dir)).toEqual(['in.pcapng']);
        }
      }),
      { numRuns: Math.max(30, RUNS >> 3), seed: SEED + 2 },
    );
  });
});

// ------------------------------------------------------------------ absurd lengths, memory

/** Files whose headers claim about 2 GB, and where the reader must stop. */
function absurdFiles(): Array<{ name: string; bytes: Buffer; offset: number }> {
  const pcap2g = pcapBytes({ records: [{ sec: 1, frac: 0, data: frame(60) }, { sec: 2, frac: 0, data: frame(60), caplen: 0x80000000 }] });
  const pcapSnap = pcapBytes({ snaplen: 0xffffffff, records: [{ sec: 1, frac: 0, data: frame(60), caplen: 0x7fffffff }] });
  const shb = ngShb(le);
  const shb2g = Buffer.from(shb);
  shb2g.writeUInt32LE(0x80000000, 4);
  const idb = ngIdb(le, 1, 0);
  const epb = ngEpb(le, frame(60));
  const epbLen2g = Buffer.from(epb);
  epbLen2g.writeUInt32LE(0x7ffffff0, 4);
  const epbCap2g = Buffer.from(epb);
  epbCap2g.writeUInt32LE(0x80000000, 20);
  const max = Buffer.from(epb);
  max.writeUInt32LE(16 * 1024 * 1024, 4); // exactly the 16 MiB maximum, in a file of 200 bytes
  const idbOpt = Buffer.concat([shb, ngIdb(le, 1, 0, [{ code: 2, value: frame(8) }])]);
  idbOpt.writeUInt16LE(0xfffc, shb.length + 16 + 2); // option length runs past its block
  return [
    { name: 'pcap record of 2 GiB', bytes: pcap2g, offset: 24 + 16 + 60 },
    { name: 'pcap snaplen 4 GiB, record of 2 GiB', bytes: pcapSnap, offset: 24 },
    { name: 'pcapng SHB of 2 GiB', bytes: Buffer.concat([shb2g, idb, epb]), offset: 0 },
    { name: 'pcapng EPB block of 2 GiB', bytes: Buffer.concat([shb, idb, epbLen2g]), offset: shb.length + idb.length },
    { name: 'pcapng EPB caplen of 2 GiB', bytes: Buffer.concat([shb, idb, epbCap2g]), offset: shb.length + idb.length + 20 },
    { name: 'pcapng block of 16 MiB in a 200-byte file', bytes: Buffer.concat([shb, idb, max]), offset: shb.length + idb.length },
    { name: 'pcapng IDB option of 64 KiB', bytes: idbOpt, offset: shb.length + 16 },
  ];
}

describe('absurd lengths', () => {
  it('each is a CaptureError at the lying field, read in this process', () => {
    for (const a of absurdFiles()) {
      const f = tmpFile('absurd.bin', a.bytes);
      const d = drain(f);
      expect(d.error, a.name).not.toBeNull();
      expect(d.error!.offset, `${a.name}: ${d.error!.message}`).toBe(a.offset);
    }
  });

  it('no allocation sized by the claim: peak RSS of a child reading each file stays at the baseline', () => {
    const script = `
      import { CaptureReader } from '${moduleUrl('src/io/capture-reader.js')}';
      import { PacketBatch } from '${moduleUrl('src/batch/packet-batch.js')}';
      const file = process.argv[1];
      let error = null;
      try {
        const r = CaptureReader.open(file);
        const b = new PacketBatch();
        while (r.readBatch(b) > 0);
        r.close();
      } catch (e) { error = e.message; }
      process.stdout.write(JSON.stringify({ error, maxRssKiB: process.resourceUsage().maxRSS }));
    `;
    const run = (file: string, input?: Buffer): { error: string | null; maxRssKiB: number } => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, file], { encoding: 'utf8', timeout: 60_000, ...(input ? { input } : {}) });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };
    const base = run(tmpFile('valid.pcap', smallPcap));
    expect(base.error).toBeNull();
    const rows: Record<string, unknown> = { 'valid 6-record pcap (baseline)': base.maxRssKiB };
    for (const a of absurdFiles()) {
      const got = run(tmpFile('absurd-child.bin', a.bytes));
      expect(got.error, a.name).toMatch(/byte \d+/);
      rows[a.name] = got.maxRssKiB;
      expect(got.maxRssKiB - base.maxRssKiB, a.name).toBeLessThan(8 * 1024);
    }
    // On a pipe the size of the file is unknown: a block may claim up to the 16 MiB maximum,
    // and the reader buffers what actually arrives, not what was claimed.
    const shb = ngShb(le);
    const idb = ngIdb(le, 1, 0);
    const epb = Buffer.from(ngEpb(le, frame(60)));
    epb.writeUInt32LE(16 * 1024 * 1024, 4);
    const piped = run('-', Buffer.concat([shb, idb, epb]));
    expect(piped.error).toBeNull(); // a truncated last block, counted
    rows['16 MiB block claim on stdin'] = piped.maxRssKiB;
    expect(piped.maxRssKiB - base.maxRssKiB).toBeLessThan(24 * 1024);
    figures.rss = { unit: 'KiB peak (maxRSS)', ...rows };
  });

  it('the CLI: exit 1, the file and byte offset in the message, no output file', () => {
    const dir = fs.mkdtempSync(path.join(tmp(), 'cli-'));
    const cfg = path.join(dir, 'demo.yaml');
    fs.writeFileSync(cfg, demoText);
    for (const a of absurdFiles()) {
      const f = path.join(dir, 'evil.pcap');
      fs.writeFileSync(f, a.bytes);
      const out = path.join(dir, 'out.pcap');
      const r = runCli(['replay', '-r', f, '--config', cfg, '-w', out]);
      expect(r.status, `${a.name}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toContain(`gwplane: error: ${f}: byte ${a.offset}: `);
      expect(fs.readdirSync(dir).sort()).toEqual(['demo.yaml', 'evil.pcap']);
    }
  });
});
