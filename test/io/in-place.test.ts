/**
 * The in-place reading and writing of the replay's pcap-to-pcap path:
 * - `CaptureReader.readBatchInPlace` delivers what `readBatch` delivers (frames, lengths,
 *   timestamps, link types), whatever the read size (records straddle every chunk offset),
 *   a record bigger than the chunk, a file cut at every byte, a lying captured length, another
 *   link type; each frame sits right after its record header in the read buffer;
 * - `InPlaceOutput` writes the kept records, headers rewritten (a shortened frame, a dropped
 *   one), as `CaptureWriter.writePacket` would, and flushes before the reader's buffer moves.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PacketBatch } from '../../src/batch/packet-batch.js';
import { CaptureError } from '../../src/io/capture-error.js';
import { CaptureReader } from '../../src/io/capture-reader.js';
import { CaptureWriter } from '../../src/io/capture-writer.js';
import { InPlaceOutput } from '../../src/io/in-place-output.js';
import { batchPackets, cleanupTmp, frame, ngEpb, ngIdb, ngShb, pcapBytes, readAll, tmp, tmpFile, type Pkt } from './capture-builders.js';

afterAll(cleanupTmp);

function readInPlace(file: string, o: { chunkBytes?: number; capacity?: number } = {}): { packets: Pkt[]; reader: CaptureReader; batches: number } {
  const reader = CaptureReader.open(file, o.chunkBytes === undefined ? {} : { chunkBytes: o.chunkBytes });
  const batch = new PacketBatch(o.capacity);
  const packets: Pkt[] = [];
  let batches = 0;
  try {
    for (let n = reader.readBatchInPlace(batch); n > 0; n = reader.readBatchInPlace(batch)) {
      batches++;
      for (let i = 0; i < n; i++) {
        // the record header is right before the frame: its captured length is the frame's
        expect(batch.dv.getUint32(batch.base[i]! - 8, true)).toBe(batch.len[i]);
      }
      packets.push(...batchPackets(batch));
    }
  } finally {
    reader.close();
  }
  return { packets, reader, batches };
}

const sizes = Array.from({ length: 150 }, (_, i) => (i * 37) % 131);
const pcap = pcapBytes({ nanos: true, records: sizes.map((n, i) => ({ sec: 1000 + i, frac: i * 1001, data: frame(n, i), orig: n + (i % 3) })) });

describe('CaptureReader.readBatchInPlace', () => {
  it('delivers what readBatch delivers, whatever the read size', () => {
    const f = tmpFile('in-place.pcap', pcap);
    const want = readAll(f).packets;
    expect(want).toHaveLength(150);
    for (const chunk of [1, 7, 16, 17, 100, 131, 1000, 1 << 20]) {
      const { packets, reader } = readInPlace(f, { chunkBytes: chunk });
      expect(packets, `chunkBytes ${chunk}`).toEqual(want);
      expect(reader.bytesConsumed).toBe(pcap.length);
    }
    for (const capacity of [1, 7]) expect(readInPlace(f, { chunkBytes: 64, capacity }).packets).toEqual(want);
  });

  it('carries an out-of-range fraction into the seconds, microseconds too', () => {
    const f = tmpFile('frac.pcap', pcapBytes({ records: [{ sec: 5, frac: 2_500_000, data: frame(20) }] }));
    expect(readInPlace(f).packets.map((p) => [p.tsSec, p.tsNsec])).toEqual([[7, 500_000_000]]);
  });

  it('reads a record bigger than the read buffer', () => {
    const big = frame(100_000, 3);
    const f = tmpFile('big.pcap', pcapBytes({ snaplen: 262144, records: [{ sec: 1, frac: 0, data: frame(10) }, { sec: 2, frac: 0, data: big }, { sec: 3, frac: 0, data: frame(11) }] }));
    const { packets } = readInPlace(f, { chunkBytes: 4096 });
    expect(packets.map((p) => p.len)).toEqual([10, 100_000, 11]);
    expect(packets[1]!.data.equals(big)).toBe(true);
  });

  it('a file cut at every byte: the complete records, the cut one counted, as readBatch', () => {
    const three = pcapBytes({ records: [1, 2, 3].map((k) => ({ sec: k, frac: k, data: frame(39 + k, k) })) });
    for (let cut = 24; cut <= three.length; cut++) {
      const f = tmpFile('cut.pcap', three.subarray(0, cut));
      const a = readAll(f, { chunkBytes: 5 });
      const b = readInPlace(f, { chunkBytes: 5 });
      expect(b.packets, `cut ${cut}`).toEqual(a.packets);
      expect(b.reader.truncatedRecords).toBe(a.reader.truncatedRecords);
      expect(b.reader.warnings).toEqual(a.reader.warnings);
    }
  });

  it('a lying captured length is a CaptureError naming the record offset', () => {
    const bytes = pcapBytes({ records: [{ sec: 1, frac: 0, data: frame(30) }, { sec: 2, frac: 0, data: frame(30), caplen: 0x7fffffff }] });
    for (const chunkBytes of [undefined, 9]) {
      let err: unknown;
      try {
        readInPlace(tmpFile('lie.pcap', bytes), chunkBytes === undefined ? {} : { chunkBytes });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CaptureError);
      expect((err as CaptureError).message).toContain(`byte ${24 + 16 + 30}:`);
    }
  });

  it('skips the records of another link type, as readBatch does', () => {
    const f = tmpFile('other.pcap', pcapBytes({ linkType: 147, records: sizes.slice(0, 20).map((n, i) => ({ sec: i, frac: 0, data: frame(n, i) })) }));
    const { packets, reader } = readInPlace(f, { chunkBytes: 64 });
    expect(packets).toEqual([]);
    expect(reader.otherLinkPackets).toBe(20);
  });

  it('only for a little-endian classic pcap', () => {
    const be = CaptureReader.open(tmpFile('be.pcap', pcapBytes({ le: false, records: [{ sec: 1, frac: 0, data: frame(20) }] })));
    const ng = CaptureReader.open(tmpFile('x.pcapng', Buffer.concat([ngShb(true), ngIdb(true, 1, 0), ngEpb(true, frame(20))])));
    try {
      for (const r of [be, ng]) {
        expect(r.inPlaceCapable).toBe(false);
        expect(() => r.readBatchInPlace(new PacketBatch())).toThrow(/little-endian classic pcap/);
      }
    } finally {
      be.close();
      ng.close();
    }
  });
});

describe('InPlaceOutput', () => {
  it('writes the kept records, shortened ones with new headers, as writePacket would; flushes before the buffer moves', () => {
    const f = tmpFile('out-in.pcap', pcap);
    const outA = path.join(tmp(), 'out-a.pcap');
    const outB = path.join(tmp(), 'out-b.pcap');
    // A: in place over a small read buffer, so that it moves many times
    const r = CaptureReader.open(f, { chunkBytes: 300 });
    const h = r.pcapHeader;
    const wa = CaptureWriter.open(outA, 'pcap', { nanos: h.nanos, snaplen: h.snaplen, linkType: h.linkType });
    const io = new InPlaceOutput(wa, h.nanos);
    r.beforeMove = () => io.flush();
    // B: the same decisions through the copying writer
    const wb = CaptureWriter.open(outB, 'pcap', { nanos: true, snaplen: h.snaplen, linkType: h.linkType });
    const b = new PacketBatch(16);
    let k = 0;
    for (let n = r.readBatchInPlace(b); n > 0; n = r.readBatchInPlace(b)) {
      for (let i = 0; i < n; i++, k++) {
        if (k % 5 === 1) continue; // dropped
        if (k % 7 === 2 && b.len[i]! > 4) {
          // shortened from the front, as NVGRE re-encapsulated in GRE is
          b.base[i]! += 4;
          b.len[i]! -= 4;
          b.wireLen[i] = b.len[i]!;
        }
        wb.writePacket(b.arena, b.base[i]!, b.len[i]!, b.wireLen[i]!, b.tsSec[i]!, b.tsNsec[i]!);
        io.keep(b, i);
      }
    }
    io.flush();
    r.close();
    wa.commit();
    wb.commit();
    const a = readAll(outA).packets;
    expect(a.length).toBe(150 - 30);
    expect(a).toEqual(readAll(outB).packets);
    expect(wa.packets).toBe(120);
    expect(fs.statSync(outA).size).toBe(wa.bytes);
  });
});
