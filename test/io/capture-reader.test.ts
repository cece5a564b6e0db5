/**
 * CaptureReader on captures written by hand (capture-builders.ts): every field of classic
 * pcap (both byte orders, us and ns) and pcapng (both byte orders, several sections and
 * interfaces, if_tsresol 10^-6 / 10^-9 / 2^-20, if_tsoffset, SPB, skipped NRB/ISB/custom
 * blocks), streaming across chunk boundaries, and every way the files can lie or be cut.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LINK_ETHERNET, LINK_IPV4, LINK_RAW, MAX_FRAME, PacketBatch } from '../../src/batch/packet-batch.js';
import { CaptureError } from '../../src/io/capture-error.js';
import { CaptureReader } from '../../src/io/capture-reader.js';
import {
  Bytes, type Pkt, frame, ngBlock, ngEpb, ngIdb, ngIsb, ngNrb, ngShb, ngSpb, opt, pcapBytes, readAll, readBytes,
  cleanupTmp, tmp, tmpFile,
} from './capture-builders.js';

afterAll(cleanupTmp);

/** Expect opening + reading `bytes` to throw a CaptureError at `offset` whose message matches. */
function expectCaptureError(bytes: Uint8Array, offset: number, what: RegExp, chunkBytes?: number): CaptureError {
  const f = tmpFile('bad.bin', bytes);
  let err: unknown;
  try {
    readAll(f, chunkBytes === undefined ? {} : { chunkBytes });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(CaptureError);
  const ce = err as CaptureError;
  expect(ce.file).toBe(f);
  expect(ce.offset).toBe(offset);
  expect(ce.message).toContain(`${f}: byte ${offset}: `);
  expect(ce.message).toMatch(what);
  return ce;
}

const cat = (...parts: Buffer[]): Buffer => Buffer.concat(parts);

describe('CaptureError', () => {
  it('names the file and the byte offset', () => {
    const e = new CaptureError('x.pcap', 40, 'something wrong');
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('x.pcap: byte 40: something wrong');
    expect(e.offset).toBe(40);
    expect(e.file).toBe('x.pcap');
    expect(e.name).toBe('CaptureError');
  });
});

describe('classic pcap', () => {
  for (const le of [true, false]) {
    for (const nanos of [false, true]) {
      it(`reads every field: ${le ? 'little' : 'big'}-endian, ${nanos ? 'nano' : 'micro'}seconds`, () => {
        const frac = (us: number, ns: number): number => (nanos ? ns : us);
        const recs = [
          { sec: 1700000000, frac: frac(123456, 123456789), data: frame(60, 1) },
          { sec: 0xfffffffe, frac: frac(999999, 999999999), data: frame(1514, 2) },
          { sec: 5, frac: 0, data: frame(40, 3), orig: 9000 }, // cut by the snaplen
          { sec: 6, frac: 1, data: frame(0, 4) }, // empty record
          { sec: 7, frac: 2, data: frame(20, 5), orig: 10 }, // caplen > origlen: tolerated
        ];
        const bytes = pcapBytes({ le, nanos, records: recs });
        const f = tmpFile(`basic-${le}-${nanos}.pcap`, bytes);
        const { packets, reader } = readAll(f);
        expect(reader.format).toBe('pcap');
        expect(reader.file).toBe(f);
        expect(reader.fileSize).toBe(bytes.length);
        expect(reader.bytesConsumed).toBe(bytes.length);
        expect(reader.packets).toBe(5);
        expect(reader.truncatedRecords).toBe(0);
        expect(reader.warnings).toEqual([]);
        expect(reader.linkTypes()).toEqual([1]);
        expect(packets.map((p) => p.data)).toEqual(recs.map((r) => r.data));
        expect(packets.map((p) => p.len)).toEqual([60, 1514, 40, 0, 20]);
        expect(packets.map((p) => p.wireLen)).toEqual([60, 1514, 9000, 0, 20]);
        expect(packets.map((p) => p.tsSec)).toEqual([1700000000, 0xfffffffe, 5, 6, 7]);
        expect(packets.map((p) => p.tsNsec)).toEqual(
          nanos ? [123456789, 999999999, 0, 1, 2] : [123456000, 999999000, 0, 1000, 2000]);
        expect(packets.every((p) => p.link === LINK_ETHERNET)).toBe(true);
      });
    }
  }

  it('carries an out-of-range fraction into the seconds', () => {
    const us = readBytes(pcapBytes({ records: [{ sec: 10, frac: 2_500_000, data: frame(30) }] })).packets[0]!;
    expect([us.tsSec, us.tsNsec]).toEqual([12, 500_000_000]);
    const ns = readBytes(pcapBytes({ nanos: true, records: [{ sec: 10, frac: 3_000_000_001, data: frame(30) }] })).packets[0]!;
    expect([ns.tsSec, ns.tsNsec]).toEqual([13, 1]);
  });

  it.each([[LINK_RAW], [LINK_IPV4]])('accepts link type %i and records it per packet', (link) => {
    const { packets, reader } = readBytes(pcapBytes({ linkType: link, records: [{ sec: 1, frac: 0, data: frame(28) }] }));
    expect(packets.map((p) => p.link)).toEqual([link]);
    expect(reader.linkTypes()).toEqual([link]);
  });

  it('takes the link type from the low 16 bits (FCS bits above it)', () => {
    const { packets } = readBytes(pcapBytes({ linkType: 0x30000001, records: [{ sec: 1, frac: 0, data: frame(28) }] }));
    expect(packets[0]!.link).toBe(1);
  });

  it('skips and counts the packets of other link types', () => {
    const { packets, reader } = readBytes(pcapBytes({
      linkType: 113, records: [{ sec: 1, frac: 0, data: frame(28) }, { sec: 2, frac: 0, data: frame(44) }],
    }));
    expect(packets).toEqual([]);
    expect(reader.otherLinkPackets).toBe(2);
    expect(reader.packets).toBe(0);
    expect(reader.linkTypes()).toEqual([113]);
    expect(reader.warnings.join('\n')).toMatch(/byte 20: link type 113 .* skipped/);
  });

  it('warns about an unexpected version but reads on', () => {
    const { packets, reader } = readBytes(pcapBytes({ major: 3, records: [{ sec: 1, frac: 0, data: frame(28) }] }));
    expect(packets.length).toBe(1);
    expect(reader.warnings.join('\n')).toMatch(/version 3\.4/);
  });

  it('tolerates caplen a little above the snaplen (as real captures have)', () => {
    const { packets } = readBytes(pcapBytes({ snaplen: 1, records: [{ sec: 1, frac: 0, data: frame(8), orig: 78 }] }));
    expect(packets.map((p) => [p.len, p.wireLen])).toEqual([[8, 78]]);
  });
});

describe('pcapng', () => {
  for (const le of [true, false]) {
    it(`reads an EPB in a ${le ? 'little' : 'big'}-endian section, options and all`, () => {
      const data = frame(61, 9);
      const bytes = cat(
        ngShb(le, { options: [{ code: 4, value: Buffer.from('handmade') }] }),
        ngIdb(le, 1, 0, [opt.ifName('eth0'), opt.tsresol(9)]),
        ngEpb(le, data, { ts: 1_700_000_000_123_456_789n, orig: 1000, options: [opt.comment('hello')] }),
        ngEpb(le, frame(3, 1), { ts: 1n }),
      );
      const f = tmpFile(`ng-${le}.pcapng`, bytes);
      const { packets, reader } = readAll(f);
      expect(reader.format).toBe('pcapng');
      expect(reader.bytesConsumed).toBe(bytes.length);
      expect(reader.skippedBlocks).toBe(0);
      expect(packets).toEqual<Pkt[]>([
        { data, len: 61, wireLen: 1000, tsSec: 1_700_000_000, tsNsec: 123_456_789, link: 1 },
        { data: frame(3, 1), len: 3, wireLen: 3, tsSec: 0, tsNsec: 1, link: 1 },
      ]);
    });
  }

  it('uses 10^-6 when if_tsresol is absent', () => {
    const { packets } = readBytes(cat(ngShb(true), ngIdb(true, 1, 65535), ngEpb(true, frame(20), { ts: 1_700_000_000_654_321n })));
    expect([packets[0]!.tsSec, packets[0]!.tsNsec]).toEqual([1_700_000_000, 654_321_000]);
  });

  it('converts a 2^-20 resolution exactly', () => {
    const base = 1_700_000_000n << 20n;
    const { packets } = readBytes(cat(
      ngShb(false), ngIdb(false, 1, 0, [opt.tsresol(0x80 | 20)]),
      ngEpb(false, frame(20), { ts: base + (1n << 19n) }), // + 0.5 s
      ngEpb(false, frame(20), { ts: base + 1n }), // + 1/1048576 s = 953.67 ns
      ngEpb(false, frame(20), { ts: base + (1n << 20n) - 1n }),
    ));
    expect(packets.map((p) => [p.tsSec, p.tsNsec])).toEqual([
      [1_700_000_000, 500_000_000], [1_700_000_000, 953], [1_700_000_000, 999_999_046],
    ]);
  });

  it('adds if_tsoffset seconds', () => {
    for (const le of [true, false]) {
      const { packets } = readBytes(cat(
        ngShb(le), ngIdb(le, 1, 0, [opt.tsoffset(le, 1_000_000_000n), opt.tsresol(3)]),
        ngEpb(le, frame(20), { ts: 700_000_000_250n }),
      ));
      expect([packets[0]!.tsSec, packets[0]!.tsNsec]).toEqual([1_700_000_000, 250_000_000]);
    }
  });

  it('reads several sections with their own byte order and interfaces; skips NRB, ISB, custom blocks', () => {
    const custom = ngBlock(true, 0x00000bad, new Bytes(true).u32(32473).raw(Buffer.from('vendor data')).toBuffer());
    const bytes = cat(
      // section 1, little-endian: Ethernet in us, raw IP in ns
      ngShb(true), ngNrb(true),
      ngIdb(true, LINK_ETHERNET, 0), ngIdb(true, LINK_RAW, 0, [opt.tsresol(9)]),
      ngEpb(true, frame(60, 1), { ifId: 0, ts: 1_000_000_000_000_001n }),
      ngEpb(true, frame(40, 2), { ifId: 1, ts: 2_000_000_000_000_000_002n }),
      ngIsb(true, 0), custom,
      // section 2, big-endian: interface 0 is now IPv4 in 2^-20
      ngShb(false), ngIdb(false, LINK_IPV4, 0, [opt.tsresol(0x80 | 20)]),
      ngEpb(false, frame(30, 3), { ifId: 0, ts: 3n << 20n }),
      ngIsb(false, 0),
      ngSpb(false, 30, frame(30, 4)),
    );
    const f = tmpFile('sections.pcapng', bytes);
    const reader = CaptureReader.open(f);
    expect(reader.linkTypes()).toEqual([1, 101]); // the IDBs before the first packet
    reader.close();
    const { packets, reader: r } = readAll(f);
    expect(r.linkTypes()).toEqual([1, 101, 228]);
    expect(packets.map((p) => [p.link, p.len, p.tsSec, p.tsNsec])).toEqual([
      [1, 60, 1_000_000_000, 1000],
      [101, 40, 2_000_000_000, 2],
      [228, 30, 3, 0],
      [228, 30, 0, 0], // SPB: no timestamp
    ]);
    expect(packets.map((p) => p.data)).toEqual([frame(60, 1), frame(40, 2), frame(30, 3), frame(30, 4)]);
    expect(r.skippedBlocks).toBe(4); // NRB, ISB, custom, ISB
    expect(r.packets).toBe(4);
    expect(r.bytesConsumed).toBe(bytes.length);
  });

  it('interface ids do not survive a new section', () => {
    const bytes = cat(ngShb(true), ngIdb(true, 1, 0), ngIdb(true, 1, 0), ngShb(true), ngIdb(true, 1, 0),
      ngEpb(true, frame(20), { ifId: 1 }));
    const at = bytes.length - 52;
    expectCaptureError(bytes, at + 8, /interface 1, but the section declares 1/);
  });

  it('Simple Packet Blocks: interface 0, captured = min(original, room, snaplen)', () => {
    const { packets } = readBytes(cat(
      ngShb(true), ngIdb(true, 1, 64),
      ngSpb(true, 100, frame(64, 1)), // cut by the snaplen
      ngSpb(true, 10, frame(10, 2)), // padded to 12: original length wins
      ngSpb(true, 48, frame(48, 3)),
    ));
    expect(packets.map((p) => [p.len, p.wireLen, p.tsSec, p.tsNsec])).toEqual([[64, 100, 0, 0], [10, 10, 0, 0], [48, 48, 0, 0]]);
    expect(packets.map((p) => p.data)).toEqual([frame(64, 1), frame(10, 2), frame(48, 3)]);
  });

  it('skips a section of an unknown major version up to the next SHB (3.4)', () => {
    const { packets, reader } = readBytes(cat(
      ngShb(true), ngIdb(true, 1, 0), ngEpb(true, frame(20, 1)),
      ngShb(true, { major: 2 }), ngIdb(true, 1, 0), ngEpb(true, frame(20, 2)), ngSpb(true, 20, frame(20, 3)),
      ngShb(false, { minor: 2 }), ngIdb(false, 1, 0), ngEpb(false, frame(20, 4)), // 1.2 reads as 1.0
    ));
    expect(packets.map((p) => p.data)).toEqual([frame(20, 1), frame(20, 4)]);
    expect(reader.skippedBlocks).toBe(3);
    expect(reader.warnings.join('\n')).toMatch(/version 2\.0 not supported, section skipped/);
  });

  it('keeps at most 100 warnings (a crafted file could make one per block)', () => {
    const parts = [ngShb(true), ngIdb(true, 1, 0), ngEpb(true, frame(20))];
    for (let i = 0; i < 300; i++) parts.push(ngShb(true, { major: 9 }), ngEpb(true, frame(20)));
    parts.push(ngShb(true), ngIdb(true, 1, 0), ngEpb(true, frame(20)), ngEpb(true, frame(20)).subarray(0, 30));
    const { packets, reader } = readBytes(cat(...parts));
    expect(packets.length).toBe(2);
    expect(reader.skippedBlocks).toBe(300);
    expect(reader.warnings.length).toBe(102);
    expect(reader.warnings[100]).toMatch(/further warnings suppressed/);
    expect(reader.warnings[101]).toMatch(/truncated last block/); // always kept
    expect(reader.truncatedRecords).toBe(1);
  });

  it('skips and counts packets of interfaces with other link types', () => {
    const { packets, reader } = readBytes(cat(
      ngShb(true), ngIdb(true, 113, 0), ngIdb(true, 1, 0),
      ngEpb(true, frame(20, 1), { ifId: 0 }), ngEpb(true, frame(20, 2), { ifId: 1 }), ngSpb(true, 20, frame(20, 3)),
    ));
    expect(packets.map((p) => p.data)).toEqual([frame(20, 2)]);
    expect(reader.otherLinkPackets).toBe(2);
    expect(reader.linkTypes()).toEqual([113, 1]);
    expect(reader.warnings.join('\n')).toMatch(/link type 113/);
  });

  it('treats an option list without opt_endofopt as ended by the block (3.5)', () => {
    const body = new Bytes(true).u16(1).u16(0).u32(0).u16(9).u16(1).raw([3]).pad4(); // if_tsresol 10^-3, no end
    const { packets } = readBytes(cat(ngShb(true), ngBlock(true, 1, body.toBuffer()), ngEpb(true, frame(20), { ts: 1500n })));
    expect([packets[0]!.tsSec, packets[0]!.tsNsec]).toEqual([1, 500_000_000]);
  });
});

describe('streaming', () => {
  const sizes = Array.from({ length: 150 }, (_, i) => (i * 37) % 131);
  const pcap = pcapBytes({
    nanos: true,
    records: sizes.map((n, i) => ({ sec: 1000 + i, frac: i * 1001, data: frame(n, i), orig: n + (i % 3) })),
  });
  const ng = cat(
    ngShb(false), ngIdb(false, 1, 0, [opt.tsresol(9)]), ngIdb(false, 101, 0, [opt.tsresol(9)]),
    ...sizes.map((n, i) => cat(
      i % 10 === 0 ? ngNrb(false) : Buffer.alloc(0),
      ngEpb(false, frame(n, i), {
        ifId: i % 2, ts: BigInt(1000 + i) * 1_000_000_000n + BigInt(i * 1001), orig: n + (i % 3),
        options: i % 4 === 0 ? [opt.comment('x'.repeat(i % 7))] : [],
      }),
    )),
  );
  const expected: Pkt[] = sizes.map((n, i) => ({
    data: frame(n, i), len: n, wireLen: n + (i % 3), tsSec: 1000 + i, tsNsec: i * 1001, link: 1,
  }));
  const expectedNg = expected.map((p, i) => ({ ...p, link: i % 2 ? 101 : 1 }));

  it('reads a pcap identically whatever the chunk size (records straddle every offset)', () => {
    const f = tmpFile('stream.pcap', pcap);
    for (let chunk = 1; chunk <= 140; chunk++) {
      const { packets, reader } = readAll(f, { chunkBytes: chunk });
      expect(packets, `chunkBytes ${chunk}`).toEqual(expected);
      expect(reader.bytesConsumed).toBe(pcap.length);
    }
    expect(readAll(f).packets).toEqual(expected);
  });

  it('reads a pcapng identically whatever the chunk size', () => {
    const f = tmpFile('stream.pcapng', ng);
    for (let chunk = 1; chunk <= 200; chunk += 3) {
      expect(readAll(f, { chunkBytes: chunk }).packets, `chunkBytes ${chunk}`).toEqual(expectedNg);
    }
    expect(readAll(f, { chunkBytes: 64 }).packets).toEqual(expectedNg);
    expect(readAll(f).packets).toEqual(expectedNg);
  });

  it('stops at a full batch and resumes with the same record', () => {
    for (const [f, want] of [[tmpFile('b.pcap', pcap), expected], [tmpFile('b.pcapng', ng), expectedNg]] as const) {
      for (const capacity of [1, 7, 256]) {
        const { packets, batches } = readAll(f, { chunkBytes: 64, capacity });
        expect(packets).toEqual(want);
        expect(batches).toBe(Math.ceil(150 / capacity));
      }
      // A tiny arena: batches end when the arena is full; an empty batch grows for a big record.
      const small = readAll(f, { chunkBytes: 100, arenaBytes: 300 });
      expect(small.packets).toEqual(want);
      expect(small.batches).toBeGreaterThan(20);
    }
  });

  it('reads a record bigger than the chunk and the arena', () => {
    const big = frame(MAX_FRAME, 5);
    const bytes = pcapBytes({ snaplen: MAX_FRAME, records: [{ sec: 1, frac: 0, data: frame(10) }, { sec: 2, frac: 0, data: big }] });
    const { packets } = readBytes(bytes, { chunkBytes: 4096, arenaBytes: 1024 });
    expect(packets.map((p) => p.len)).toEqual([10, MAX_FRAME]);
    expect(packets[1]!.data.equals(big)).toBe(true);
  });

  it('returns 0 after the end and after close', () => {
    const reader = CaptureReader.open(tmpFile('end.pcap', pcap));
    const batch = new PacketBatch();
    let total = 0;
    for (let n = reader.readBatch(batch); n > 0; n = reader.readBatch(batch)) total += n;
    expect(total).toBe(150);
    expect(reader.readBatch(batch)).toBe(0);
    expect(batch.count).toBe(0);
    reader.close();
    reader.close();
    expect(reader.readBatch(batch)).toBe(0);
  });
});

describe('errors', () => {
  const threeRecs = pcapBytes({
    records: [{ sec: 1, frac: 1, data: frame(40, 1) }, { sec: 2, frac: 2, data: frame(41, 2) }, { sec: 3, frac: 3, data: frame(42, 3) }],
  });
  const recStarts = [24, 24 + 56, 24 + 56 + 57, threeRecs.length];

  it('bad magic', () => {
    expectCaptureError(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 0, /not a pcap or pcapng file \(magic 0x47455420\)/);
  });

  it('empty capture', () => {
    expectCaptureError(Buffer.alloc(0), 0, /empty capture/);
  });

  it('unreadable: missing file, directory', () => {
    const missing = path.join(tmp(), 'no-such.pcap');
    expect(() => CaptureReader.open(missing)).toThrow(CaptureError);
    expect(() => CaptureReader.open(missing)).toThrow(/no-such\.pcap: byte 0: cannot open: ENOENT/);
    const dir = fs.mkdtempSync(path.join(tmp(), 'dir-'));
    expect(() => CaptureReader.open(dir)).toThrow(CaptureError);
  });

  it('a file header shorter than 24 bytes', () => {
    for (let n = 1; n < 24; n++) expectCaptureError(threeRecs.subarray(0, n), 0, /truncated file header/);
  });

  it('an absurd captured length names the record offset', () => {
    const bytes = Buffer.from(threeRecs);
    bytes.writeUInt32LE(0x7fffffff, recStarts[1]! + 8);
    const e = expectCaptureError(bytes, recStarts[1]!, /captured length 2147483647 exceeds the limit/);
    expect(e.message).toContain(`byte ${recStarts[1]}:`);
    // with a big-endian file and in 7-byte chunks too
    const be = pcapBytes({ le: false, records: [{ sec: 1, frac: 0, data: frame(10), caplen: 0x7fffffff }] });
    expectCaptureError(be, 24, /captured length 2147483647/, 7);
  });

  it('caplen beyond snaplen + slack, and beyond MAX_FRAME', () => {
    expectCaptureError(pcapBytes({ snaplen: 100, records: [{ sec: 1, frac: 0, data: frame(10), caplen: 100 + 65536 }] }),
      24, /exceeds the limit 65635 \(snaplen 100/);
    expectCaptureError(pcapBytes({ snaplen: 0, records: [{ sec: 1, frac: 0, data: frame(10), caplen: MAX_FRAME + 1 }] }),
      24, /exceeds the limit 262144/);
  });

  it('pcap cut at every byte: complete records delivered, the cut one counted and warned about', () => {
    for (let cut = 0; cut <= threeRecs.length; cut++) {
      const bytes = threeRecs.subarray(0, cut);
      if (cut === 0) {
        expectCaptureError(bytes, 0, /empty capture/);
        continue;
      }
      if (cut < 24) {
        expectCaptureError(bytes, 0, /truncated file header/);
        continue;
      }
      for (const chunkBytes of [undefined, 5]) {
        const { packets, reader } = readBytes(bytes, chunkBytes ? { chunkBytes } : {});
        const complete = recStarts.filter((s, i) => i < 3 && recStarts[i + 1]! <= cut).length;
        expect(packets.length, `cut ${cut}`).toBe(complete);
        expect(packets.map((p) => p.data)).toEqual([frame(40, 1), frame(41, 2), frame(42, 3)].slice(0, complete));
        const inside = !recStarts.includes(cut);
        expect(reader.truncatedRecords, `cut ${cut}`).toBe(inside ? 1 : 0);
        expect(reader.bytesConsumed).toBe(cut);
        if (inside) {
          expect(reader.warnings).toHaveLength(1);
          expect(reader.warnings[0]).toContain(`byte ${recStarts[complete]}: truncated last record`);
        } else {
          expect(reader.warnings).toEqual([]);
        }
      }
    }
  });

  it('pcapng cut at every byte: the same, except inside the first SHB or a block longer than the cut file', () => {
    const blocks = [ngShb(true), ngIdb(true, 1, 0), ngEpb(true, frame(40, 1)), ngEpb(true, frame(41, 2)), ngEpb(true, frame(42, 3))];
    const bytes = cat(...blocks);
    const starts: number[] = [];
    let at = 0;
    for (const b of blocks) {
      starts.push(at);
      at += b.length;
    }
    starts.push(at);
    for (let cut = 1; cut <= bytes.length; cut++) {
      const part = bytes.subarray(0, cut);
      const k = starts.findIndex((s, i) => s <= cut && cut < starts[i + 1]!); // block the cut falls in
      if (cut < starts[1]!) {
        expectCaptureError(part, 0, /truncated file header|exceeds the file size/);
        continue;
      }
      if (k >= 0 && cut - starts[k]! >= 8 && blocks[k]!.length > cut) {
        // Its header says the block is longer than the whole file: a length lie, not a cut.
        expectCaptureError(part, starts[k]!, /exceeds the file size/);
        continue;
      }
      const { packets, reader } = readBytes(part, { chunkBytes: 16 });
      const complete = starts.filter((s, i) => i >= 2 && i < 5 && starts[i + 1]! <= cut).length;
      expect(packets.length, `cut ${cut}`).toBe(complete);
      const inside = !starts.includes(cut);
      expect(reader.truncatedRecords, `cut ${cut}`).toBe(inside ? 1 : 0);
      if (inside) expect(reader.warnings[0]).toContain(`byte ${starts[k]}: truncated last`);
      expect(reader.bytesConsumed).toBe(cut);
    }
  });

  describe('pcapng block length lies', () => {
    const head = cat(ngShb(true), ngIdb(true, 1, 0));
    const epbAt = head.length;
    const good = ngEpb(true, frame(40));

    it('not a multiple of 4', () => {
      const bad = Buffer.from(good);
      bad.writeUInt32LE(good.length + 2, 4);
      expectCaptureError(cat(head, bad, ngEpb(true, frame(8))), epbAt, /total length 74 is not a multiple of 4/);
    });

    it('less than 12 (0 would loop forever)', () => {
      for (const len of [0, 4, 8]) {
        const bad = Buffer.from(good);
        bad.writeUInt32LE(len, 4);
        expectCaptureError(cat(head, bad), epbAt, /total length \d+ is less than 12/);
      }
    });

    it('the trailing copy disagrees', () => {
      const bad = Buffer.from(good);
      bad.writeUInt32LE(good.length + 4, good.length - 4);
      expectCaptureError(cat(head, bad), epbAt, /trailing length 76 disagrees with its leading length 72/);
      // an SHB whose trailer disagrees (big-endian section)
      const shb = ngShb(false, { lies: { trailer: 32 } });
      expectCaptureError(cat(shb, ngIdb(false, 1, 0)), 0, /trailing length 32 disagrees/);
    });

    it('bigger than the file, and bigger than the 16 MiB maximum', () => {
      const bad = Buffer.from(good);
      bad.writeUInt32LE(0x10000, 4);
      expectCaptureError(cat(head, bad, good), epbAt, /total length 65536 exceeds the file size/);
      bad.writeUInt32LE(0x7ffffffc, 4);
      expectCaptureError(cat(head, bad, good), epbAt, /total length 2147483644 exceeds the maximum 16777216/);
    });

    it('shorter than the fixed fields of its type', () => {
      expectCaptureError(cat(head, ngBlock(true, 6, [0, 0, 0, 0])), epbAt, /enhanced packet block length 16 is less than 32/);
      expectCaptureError(cat(head, ngBlock(true, 1, [1, 0])), epbAt, /interface description block length 16 is less than 20/);
      expectCaptureError(cat(head, ngBlock(true, 3, [])), epbAt, /simple packet block length 12 is less than 16/);
      expectCaptureError(cat(head, ngBlock(true, 0x0a0d0d0a, new Bytes(true).u32(0x1a2b3c4d).u32(1).toBuffer())), epbAt,
        /section header block length 20 is less than 28/);
    });

    it('an EPB captured length that overruns its block or MAX_FRAME', () => {
      expectCaptureError(cat(head, ngEpb(true, frame(40), { caplen: 45 })), epbAt + 20, /captured length 45 overruns its block of length 72/);
      expectCaptureError(cat(head, ngEpb(true, frame(40), { caplen: 0x7fffffff })), epbAt + 20, /captured length 2147483647 overruns/);
      const snap = cat(ngShb(true), ngIdb(true, 1, 10));
      expectCaptureError(cat(snap, ngEpb(true, frame(65548 + 4))), snap.length + 20, /exceeds the limit 65545 \(snaplen 10/);
    });

    it('an EPB of an undeclared interface, an SPB before any IDB', () => {
      expectCaptureError(cat(head, ngEpb(true, frame(40), { ifId: 3 })), epbAt + 8, /names interface 3, but the section declares 1/);
      const shb = ngShb(true);
      expectCaptureError(cat(shb, ngSpb(true, 4, frame(4))), shb.length, /simple packet block before any interface/);
    });

    it('an option that runs past its block', () => {
      const body = new Bytes(true).u16(1).u16(0).u32(0).u16(2).u16(200).raw(Buffer.from('eth0'));
      const shb = ngShb(true);
      expectCaptureError(cat(shb, ngBlock(true, 1, body.toBuffer())), shb.length + 16, /option 2 length 200 runs past the end/);
    });

    it('a bad byte-order magic', () => {
      const shb = ngShb(true);
      shb.writeUInt32LE(0x11223344, 8);
      expectCaptureError(cat(shb, ngIdb(true, 1, 0)), 8, /bad byte-order magic 0x11223344/);
      expectCaptureError(cat(ngShb(true), ngIdb(true, 1, 0), shb), 48 + 8, /bad byte-order magic/);
    });

    it('a first SHB cut short', () => {
      const shb = ngShb(true);
      for (let n = 4; n < shb.length; n++) {
        const f = tmpFile('cut-shb.pcapng', shb.subarray(0, n));
        expect(() => CaptureReader.open(f), `${n} bytes`).toThrow(CaptureError);
      }
    });
  });
});
