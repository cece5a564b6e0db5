/**
 * CaptureWriter: temporary name until commit (a FIFO written directly), abort, round trips through CaptureReader for
 * pcap (us / ns) and pcapng (comments, several link types), and the bytes of an opt_comment
 * where the pcapng draft puts them. tshark, when installed, must read the files too.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_FRAME } from '../../src/batch/packet-batch.js';
import { CaptureError } from '../../src/io/capture-error.js';
import { CaptureWriter } from '../../src/io/capture-writer.js';
import { type Pkt, frame, readAll, cleanupTmp, tmp } from './capture-builders.js';

afterAll(cleanupTmp);

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

function fresh(name: string): string {
  const dir = fs.mkdtempSync(path.join(tmp(), 'w-'));
  return path.join(dir, name);
}

interface In {
  data: Buffer;
  wireLen: number;
  sec: number;
  nsec: number;
  comment?: string;
  link?: number;
}

const inputs: In[] = [
  { data: frame(60, 1), wireLen: 60, sec: 1_700_000_000, nsec: 123_456_789 },
  { data: frame(1, 2), wireLen: 1, sec: 0, nsec: 0, comment: 'a' },
  { data: frame(2, 3), wireLen: 1500, sec: 0xffffffff, nsec: 999_999_999, comment: 'ab' },
  { data: frame(3, 4), wireLen: 3, sec: 1, nsec: 1, comment: 'abc' },
  { data: frame(4, 5), wireLen: 4, sec: 2, nsec: 2, comment: 'abcd' },
  { data: frame(0, 6), wireLen: 0, sec: 3, nsec: 3, comment: 'é✓ snowman ☃' },
  { data: frame(1514, 7), wireLen: 1514, sec: 4, nsec: 4 },
];

function writeAll(w: CaptureWriter, list: In[]): void {
  for (const p of list) w.writePacket(p.data, 0, p.data.length, p.wireLen, p.sec, p.nsec, p.comment, p.link);
}

/** Walk a little-endian pcapng file: [type, offset, length] of each block. */
function blocks(file: Buffer): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let o = 0; o < file.length;) {
    const len = file.readUInt32LE(o + 4);
    expect(file.readUInt32LE(o + len - 4)).toBe(len);
    out.push([file.readUInt32LE(o), o, len]);
    o += len;
  }
  return out;
}

describe('CaptureWriter', () => {
  it('writes to a temporary name and renames only on commit', () => {
    const final = fresh('out.pcap');
    const w = CaptureWriter.open(final, 'pcap');
    const temp = path.join(path.dirname(final), `.out.pcap.${process.pid}.tmp`);
    expect(w.tempPath).toBe(temp);
    expect(w.path).toBe(final);
    expect(fs.existsSync(temp)).toBe(true);
    expect(fs.existsSync(final)).toBe(false);
    writeAll(w, inputs);
    expect(fs.existsSync(final)).toBe(false);
    w.commit();
    expect(fs.existsSync(final)).toBe(true);
    expect(fs.existsSync(temp)).toBe(false);
    expect(fs.readdirSync(path.dirname(final))).toEqual(['out.pcap']);
    expect(w.packets).toBe(inputs.length);
    expect(w.bytes).toBe(fs.statSync(final).size);
    w.commit(); // no-op
    w.abort(); // no-op after commit
    expect(fs.existsSync(final)).toBe(true);
    expect(() => w.writePacket(frame(1), 0, 1, 1, 0, 0)).toThrow(/after commit/);
  });

  it('abort leaves nothing, and is safe to call twice', () => {
    for (const format of ['pcap', 'pcapng'] as const) {
      const final = fresh(`gone.${format}`);
      const w = CaptureWriter.open(final, format);
      writeAll(w, inputs);
      w.abort();
      w.abort();
      expect(fs.readdirSync(path.dirname(final))).toEqual([]);
      expect(() => w.commit()).toThrow(/commit after abort/);
      expect(() => w.writePacket(frame(1), 0, 1, 1, 0, 0)).toThrow(/after abort/);
    }
  });

  it('replaces an existing file only on commit; abort keeps the old one', () => {
    const final = fresh('keep.pcap');
    fs.writeFileSync(final, 'old');
    const a = CaptureWriter.open(final, 'pcap');
    writeAll(a, inputs);
    a.abort();
    expect(fs.readFileSync(final, 'utf8')).toBe('old');
    const b = CaptureWriter.open(final, 'pcap');
    writeAll(b, inputs);
    expect(fs.readFileSync(final, 'utf8')).toBe('old');
    b.commit();
    expect(readAll(final).packets.length).toBe(inputs.length);
  });

  it('a failed rename is a CaptureError and leaves no temporary file', () => {
    const final = fresh('taken.pcap');
    fs.mkdirSync(final);
    fs.writeFileSync(path.join(final, 'x'), 'x'); // a non-empty directory cannot be renamed over
    const w = CaptureWriter.open(final, 'pcap');
    writeAll(w, inputs);
    expect(() => w.commit()).toThrow(CaptureError);
    expect(fs.readdirSync(path.dirname(final))).toEqual(['taken.pcap']);
    w.abort(); // no-op now
  });

  it('writes into a FIFO that is there, and leaves it a FIFO (never renamed over, as -w /dev/null must not be)', async () => {
    const fifo = fresh('pipe.pcap');
    if (spawnSync('mkfifo', [fifo]).status !== 0) {
      console.log('skipped: mkfifo (coreutils) not available');
      return;
    }
    const copy = path.join(path.dirname(fifo), 'copy.pcap');
    // the reader, another process (opening a FIFO to write blocks until one opens it to read)
    const cat = spawn('sh', ['-c', 'exec cat "$0" > "$1"', fifo, copy], { stdio: 'ignore' });
    const done = new Promise<number | null>((resolve) => cat.on('exit', resolve));
    try {
      const w = CaptureWriter.open(fifo, 'pcap');
      expect(w.tempPath).toBeNull();
      writeAll(w, inputs);
      w.commit();
      expect(await done).toBe(0);
      expect(fs.statSync(copy).size).toBe(w.bytes);
    } finally {
      cat.kill(); // still waiting for a writer if the FIFO was never opened
    }
    expect(fs.statSync(fifo).isFIFO()).toBe(true);
    expect(fs.readdirSync(path.dirname(fifo)).sort()).toEqual(['copy.pcap', 'pipe.pcap']);
    expect(readAll(copy).packets.length).toBe(inputs.length);
  });

  it('a symbolic link as the output: the file it names is replaced, the link stays', () => {
    const target = fresh('real.pcap');
    fs.writeFileSync(target, 'old');
    const link = path.join(path.dirname(target), 'link.pcap');
    fs.symlinkSync(target, link);
    const w = CaptureWriter.open(link, 'pcap');
    expect(w.tempPath).toBe(path.join(path.dirname(target), `.real.pcap.${process.pid}.tmp`));
    writeAll(w, inputs);
    w.commit();
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readAll(link).packets.length).toBe(inputs.length);
    expect(fs.readdirSync(path.dirname(target)).sort()).toEqual(['link.pcap', 'real.pcap']);
  });

  it('cannot create in a missing directory: CaptureError', () => {
    expect(() => CaptureWriter.open(path.join(tmp(), 'no/such/dir/x.pcap'), 'pcap')).toThrow(CaptureError);
  });

  for (const nanos of [false, true]) {
    it(`round-trips pcap with ${nanos ? 'nano' : 'micro'}second timestamps`, () => {
      const final = fresh('rt.pcap');
      const w = CaptureWriter.open(final, 'pcap', nanos ? { nanos: true } : {});
      writeAll(w, inputs);
      w.commit();
      const file = fs.readFileSync(final);
      expect(file.readUInt32LE(0)).toBe(nanos ? 0xa1b23c4d : 0xa1b2c3d4); // little-endian magic
      expect([file.readUInt16LE(4), file.readUInt16LE(6)]).toEqual([2, 4]);
      expect(file.readUInt32LE(16)).toBe(MAX_FRAME);
      expect(file.readUInt32LE(20)).toBe(1);
      const { packets, reader } = readAll(final);
      expect(reader.format).toBe('pcap');
      expect(packets).toEqual<Pkt[]>(inputs.map((p) => ({
        data: p.data, len: p.data.length, wireLen: p.wireLen, tsSec: p.sec,
        tsNsec: nanos ? p.nsec : Math.floor(p.nsec / 1000) * 1000, link: 1,
      })));
    });
  }

  it('pcap: link type and snaplen from open; records cut to the snaplen; one link type only', () => {
    const final = fresh('snap.pcap');
    const w = CaptureWriter.open(final, 'pcap', { linkType: 101, snaplen: 100 });
    w.writePacket(frame(300), 0, 300, 300, 1, 0);
    w.writePacket(frame(300), 50, 80, 80, 2, 0);
    expect(() => w.writePacket(frame(10), 0, 10, 10, 3, 0, undefined, 1)).toThrow(/one link type/);
    w.commit();
    const { packets, reader } = readAll(final);
    expect(reader.linkTypes()).toEqual([101]);
    expect(packets.map((p) => [p.len, p.wireLen, p.link])).toEqual([[100, 300, 101], [80, 80, 101]]);
    expect(packets[0]!.data).toEqual(frame(300).subarray(0, 100));
    expect(packets[1]!.data).toEqual(frame(300).subarray(50, 130));
  });

  it('round-trips pcapng: nanosecond timestamps, comments, one IDB per link type', () => {
    const final = fresh('rt.pcapng');
    const w = CaptureWriter.open(final, 'pcapng');
    const mixed: In[] = [...inputs.slice(0, 3), { ...inputs[3]!, link: 101 }, { ...inputs[4]!, link: 228 }, ...inputs.slice(5), { ...inputs[0]!, link: 101 }];
    writeAll(w, mixed);
    w.commit();
    const { packets, reader } = readAll(final);
    expect(reader.format).toBe('pcapng');
    expect(reader.linkTypes()).toEqual([1, 101, 228]);
    expect(reader.skippedBlocks).toBe(0);
    expect(packets).toEqual<Pkt[]>(mixed.map((p) => ({
      data: p.data, len: p.data.length, wireLen: p.wireLen, tsSec: p.sec, tsNsec: p.nsec, link: p.link ?? 1,
    })));
    // Block structure: SHB, IDB(1), EPB, EPB, EPB, IDB(101), EPB, IDB(228), EPB, EPB, EPB, EPB
    const file = fs.readFileSync(final);
    const types = blocks(file).map(([t]) => t);
    expect(types).toEqual([0x0a0d0d0a, 1, 6, 6, 6, 1, 6, 1, 6, 6, 6, 6]);
    for (const [t, o] of blocks(file)) {
      if (t !== 1) continue;
      // IDB options: if_tsresol (9) = 9, then opt_endofopt
      expect([file.readUInt16LE(o + 16), file.readUInt16LE(o + 18), file[o + 20]]).toEqual([9, 1, 9]);
      expect(file.readUInt32LE(o + 24)).toBe(0);
    }
  });

  it('puts each comment where draft-ietf-opsawg-pcapng 4.3 / 3.5 say: after the padded data', () => {
    const final = fresh('comments.pcapng');
    const w = CaptureWriter.open(final, 'pcapng');
    writeAll(w, inputs);
    w.commit();
    const file = fs.readFileSync(final);
    const epbs = blocks(file).filter(([t]) => t === 6);
    expect(epbs.length).toBe(inputs.length);
    epbs.forEach(([, o, len], i) => {
      const input = inputs[i]!;
      const cap = file.readUInt32LE(o + 20);
      expect(cap).toBe(input.data.length);
      const padded = (cap + 3) & ~3;
      for (let k = cap; k < padded; k++) expect(file[o + 28 + k], 'data padding').toBe(0);
      const opts = o + 28 + padded;
      if (input.comment === undefined) {
        expect(len).toBe(32 + padded); // no options at all
        return;
      }
      const value = Buffer.from(input.comment, 'utf8');
      expect(file.readUInt16LE(opts)).toBe(1); // opt_comment
      expect(file.readUInt16LE(opts + 2)).toBe(value.length); // length without padding
      expect(file.subarray(opts + 4, opts + 4 + value.length)).toEqual(value);
      const vpad = (value.length + 3) & ~3;
      for (let k = value.length; k < vpad; k++) expect(file[opts + 4 + k], 'option padding').toBe(0);
      expect(file.readUInt32LE(opts + 4 + vpad)).toBe(0); // opt_endofopt
      expect(opts + 4 + vpad + 4 + 4).toBe(o + len); // then only the trailing length
    });
  });

  it('flushes through a buffer bigger than 1 MiB of packets', () => {
    const final = fresh('big.pcapng');
    const w = CaptureWriter.open(final, 'pcapng');
    const data = frame(MAX_FRAME, 3);
    for (let i = 0; i < 3000; i++) w.writePacket(data, i, 1000, 1000, i, i);
    w.writePacket(data, 0, MAX_FRAME, MAX_FRAME, 1, 1, 'c'.repeat(65535));
    expect(() => w.writePacket(data, 0, 10, 10, 1, 1, 'c'.repeat(65536))).toThrow(RangeError);
    w.commit();
    expect(w.bytes).toBe(fs.statSync(final).size);
    const { packets } = readAll(final, { chunkBytes: 4096 });
    expect(packets.length).toBe(3001);
    expect(packets[2999]!.data).toEqual(data.subarray(2999, 3999));
    expect(packets[3000]!.len).toBe(MAX_FRAME);
  });

  it.skipIf(!hasTshark)('writes files that tshark reads, comments included', () => {
    for (const format of ['pcap', 'pcapng'] as const) {
      const final = fresh(`tshark.${format}`);
      const w = CaptureWriter.open(final, format, { nanos: true });
      writeAll(w, inputs.filter((p) => p.data.length > 0));
      w.commit();
      const r = spawnSync('tshark', ['-r', final, '-T', 'fields', '-E', 'separator=|', '-e', 'frame.time_epoch', '-e',
        'frame.cap_len', '-e', 'frame.len', '-e', 'frame.comment'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const rows = r.stdout.trim().split('\n').map((l) => l.split('|'));
      const want = inputs.filter((p) => p.data.length > 0);
      expect(rows.length).toBe(want.length);
      rows.forEach((row, i) => {
        const p = want[i]!;
        expect(row[0]).toBe(`${p.sec}.${String(p.nsec).padStart(9, '0')}`);
        expect([Number(row[1]), Number(row[2])]).toEqual([p.data.length, p.wireLen]);
        expect(row[3]).toBe(format === 'pcapng' ? (p.comment ?? '') : '');
      });
    }
  });
});
