/**
 * The parts of capture I/O that only show with a second process: reading '-' from a
 * (blocking or non-blocking) stdin pipe, writing '-' to stdout including a reader that goes
 * away (EPIPE), and the exit hook that removes the temporary file of an uncommitted writer.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { frame, ngEpb, ngIdb, ngShb, opt, pcapBytes, readBytes, cleanupTmp, tmp } from './capture-builders.js';
import { cleanupChildBuild, moduleUrl } from './child-build.js';

afterAll(() => {
  cleanupTmp();
  cleanupChildBuild();
});

const pcap = pcapBytes({
  nanos: true,
  records: Array.from({ length: 300 }, (_, i) => ({ sec: i, frac: i, data: frame(100 + (i % 50), i) })),
});

/** A child script that reads '-' and prints what it got as JSON. */
function readerScript(touchStdin: boolean): string {
  return `
    import { CaptureReader } from '${moduleUrl('src/io/capture-reader.js')}';
    import { PacketBatch } from '${moduleUrl('src/batch/packet-batch.js')}';
    ${touchStdin ? 'process.stdin.pause(); // makes fd 0 non-blocking (libuv), as in a real CLI' : ''}
    const r = CaptureReader.open('-', { chunkBytes: 1000 });
    const b = new PacketBatch();
    const lens = []; let sum = 0;
    for (let n = r.readBatch(b); n > 0; n = r.readBatch(b)) {
      for (let i = 0; i < n; i++) { lens.push(b.len[i]); for (let k = 0; k < b.len[i]; k++) sum = (sum + b.arena[b.base[i] + k] * (k + 1)) % 1000000007; }
    }
    r.close();
    process.stderr.write(JSON.stringify({ format: r.format, file: r.file, fileSize: r.fileSize, lens, sum,
      bytes: r.bytesConsumed, truncated: r.truncatedRecords }));
  `;
}

function expectedRead(bytes: Buffer): { lens: number[]; sum: number } {
  const { packets } = readBytes(bytes);
  let sum = 0;
  for (const p of packets) for (let k = 0; k < p.len; k++) sum = (sum + p.data[k]! * (k + 1)) % 1000000007;
  return { lens: packets.map((p) => p.len), sum };
}

function waitExit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('close', (code) => resolve(code)));
}

describe('stdin', () => {
  it('reads a capture from a blocking pipe', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', readerScript(false)], { input: pcap, timeout: 60_000 });
    expect(r.status, String(r.stderr)).toBe(0);
    const got = JSON.parse(String(r.stderr));
    expect(got).toMatchObject({ format: 'pcap', file: '-', fileSize: -1, bytes: pcap.length, truncated: 0 });
    expect({ lens: got.lens, sum: got.sum }).toEqual(expectedRead(pcap));
  });

  it('waits out EAGAIN on a non-blocking pipe fed slowly, and stops at EOF', async () => {
    const ng = Buffer.concat([ngShb(true), ngIdb(true, 1, 0, [opt.tsresol(9)]),
      ...Array.from({ length: 40 }, (_, i) => ngEpb(true, frame(200, i), { ts: BigInt(i) }))]);
    const child = spawn(process.execPath, ['--input-type=module', '-e', readerScript(true)], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    const exit = waitExit(child);
    // Dribble the file in pieces that cut blocks in the middle, with pauses.
    for (let o = 0; o < ng.length; o += 777) {
      child.stdin!.write(ng.subarray(o, Math.min(ng.length, o + 777)));
      await new Promise((r) => setTimeout(r, 20));
    }
    child.stdin!.end();
    expect(await exit, err).toBe(0);
    const got = JSON.parse(err);
    expect(got).toMatchObject({ format: 'pcapng', fileSize: -1, bytes: ng.length, truncated: 0 });
    expect({ lens: got.lens, sum: got.sum }).toEqual(expectedRead(ng));
  });

  it('reports a stream that ends inside a record as truncated, not as an error', () => {
    const cut = pcap.subarray(0, pcap.length - 10);
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', readerScript(false)], { input: cut, timeout: 60_000 });
    expect(r.status, String(r.stderr)).toBe(0);
    const got = JSON.parse(String(r.stderr));
    expect(got.lens.length).toBe(299);
    expect(got.truncated).toBe(1);
  });
});

describe('stdout', () => {
  const writerScript = (count: number): string => `
    import { CaptureWriter } from '${moduleUrl('src/io/capture-writer.js')}';
    const w = CaptureWriter.open('-', 'pcapng');
    const data = Buffer.alloc(1000, 7);
    for (let i = 0; i < ${count}; i++) w.writePacket(data, 0, 100 + (i % 900), 1000, i, i, i % 10 === 0 ? 'n' + i : undefined);
    w.commit();
    process.stderr.write(JSON.stringify({ brokenPipe: w.brokenPipe, packets: w.packets, temp: w.tempPath }));
  `;

  it("writes '-' to stdout with no temporary file", () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', writerScript(500)], { timeout: 60_000, maxBuffer: 1 << 26 });
    expect(r.status, String(r.stderr)).toBe(0);
    expect(JSON.parse(String(r.stderr))).toEqual({ brokenPipe: false, packets: 500, temp: null });
    const { packets } = readBytes(r.stdout as Buffer);
    expect(packets.length).toBe(500);
    expect(packets[7]!.len).toBe(107);
  });

  it('stops quietly when the reader goes away (EPIPE)', async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', writerScript(40_000)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    child.stdout!.once('data', () => child.stdout!.destroy()); // read a little, then hang up
    expect(await waitExit(child), err).toBe(0);
    expect(JSON.parse(err)).toEqual({ brokenPipe: true, packets: 40_000, temp: null });
  });
});

describe('exit hook', () => {
  for (const how of ['throw new Error("boom")', 'process.exit(3)']) {
    it(`removes the temporary file of an uncommitted writer on ${how}`, () => {
      const dir = fs.mkdtempSync(path.join(tmp(), 'exit-'));
      const script = `
        import fs from 'node:fs';
        import { CaptureWriter } from '${moduleUrl('src/io/capture-writer.js')}';
        const done = CaptureWriter.open(${JSON.stringify(path.join(dir, 'done.pcap'))}, 'pcap');
        done.writePacket(Buffer.alloc(60), 0, 60, 60, 1, 0);
        done.commit();
        const w = CaptureWriter.open(${JSON.stringify(path.join(dir, 'half.pcapng'))}, 'pcapng');
        for (let i = 0; i < 5000; i++) w.writePacket(Buffer.alloc(500, 1), 0, 500, 500, i, 0);
        if (!fs.existsSync(w.tempPath)) process.exit(9);
        ${how};
      `;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 });
      expect(r.status, String(r.stderr)).not.toBe(0);
      expect(r.status).not.toBe(9);
      expect(fs.readdirSync(dir)).toEqual(['done.pcap']);
    });
  }
});

describe('allocation', () => {
  // JS heap growth over 100k packets read or written by a long-lived reader / writer after
  // 200k packets of warm-up, in a child whose young generation is big enough that no GC runs
  // during the measured stretch. One heap number or view per packet would be >= 1.2 MB;
  // what remains is per chunk and per batch (fs calls), a few bytes per packet on average.
  it('reads and writes small packets without allocating per packet', () => {
    const dir = fs.mkdtempSync(path.join(tmp(), 'alloc-'));
    const script = `
      import { CaptureReader } from '${moduleUrl('src/io/capture-reader.js')}';
      import { CaptureWriter } from '${moduleUrl('src/io/capture-writer.js')}';
      import { PacketBatch } from '${moduleUrl('src/batch/packet-batch.js')}';
      const WARM = 200000, M = 100000;
      const data = Buffer.alloc(200, 5);
      const sec = new Uint32Array(1), ns = new Uint32Array(1);
      const out = {};
      for (const fmt of ['pcap', 'pcapng']) {
        const file = ${JSON.stringify(dir)} + '/a.' + fmt;
        const w = CaptureWriter.open(file, fmt, { nanos: true });
        let i = 0;
        const put = (n) => {
          for (const end = i + n; i < end; i++) {
            sec[0] = 1700000000 + (i >> 8); ns[0] = (i % 100000) * 9973; // tsSec above 2^30, as in real captures; no int32 overflow here
            w.writePacket(data, i & 63, 40 + (i % 88), 1500, sec[0], ns[0], undefined, fmt === 'pcapng' && (i & 1) ? 101 : 1);
          }
        };
        put(WARM); gc(); let h = process.memoryUsage().heapUsed;
        put(M); out[fmt + 'Write'] = process.memoryUsage().heapUsed - h;
        put(WARM); w.commit();
        const r = CaptureReader.open(file);
        const batch = new PacketBatch();
        const get = (n) => { let got = 0; for (let k; got < n && (k = r.readBatch(batch)) > 0;) got += k; return got; };
        get(WARM); gc(); h = process.memoryUsage().heapUsed;
        out[fmt + 'Got'] = get(M); out[fmt + 'Read'] = process.memoryUsage().heapUsed - h;
        r.close();
      }
      process.stderr.write(JSON.stringify(out));
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64',
      '--input-type=module', '-e', script], { timeout: 120_000 });
    expect(r.status, String(r.stderr)).toBe(0);
    const got = JSON.parse(String(r.stderr)) as Record<string, number>;
    for (const fmt of ['pcap', 'pcapng']) {
      expect(got[fmt + 'Got']).toBeGreaterThanOrEqual(100_000);
      expect(got[fmt + 'Write'], JSON.stringify(got)).toBeLessThan(500_000);
      expect(got[fmt + 'Read'], JSON.stringify(got)).toBeLessThan(500_000);
    }
  });
});
