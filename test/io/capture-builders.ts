/**
 * Test helpers: pcap and pcapng byte arrays written by hand (deliberately not with the
 * builders in src/io, so that the reader is checked against an independent writer), temp
 * files, and a readAll() that drains a CaptureReader into plain objects.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PacketBatch } from '../../src/batch/packet-batch.js';
import { CaptureReader } from '../../src/io/capture-reader.js';

/** Append-only byte sink with numbers in a chosen byte order. */
export class Bytes {
  private readonly a: number[] = [];
  constructor(readonly le: boolean) {}

  get length(): number {
    return this.a.length;
  }
  u8(v: number): this {
    this.a.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff];
    this.a.push(...(this.le ? b : b.reverse()));
    return this;
  }
  u32(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
    this.a.push(...(this.le ? b : b.reverse()));
    return this;
  }
  /** A 64-bit integer in this byte order (pcapng section length, if_tsoffset). */
  u64(v: bigint): this {
    const lo = Number(BigInt.asUintN(64, v) & 0xffffffffn);
    const hi = Number(BigInt.asUintN(64, v) >> 32n);
    return this.le ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.a.push(b[i]! & 0xff);
    return this;
  }
  pad4(): this {
    while (this.a.length % 4 !== 0) this.a.push(0);
    return this;
  }
  toBuffer(): Buffer {
    return Buffer.from(this.a);
  }
}

/** `n` bytes of recognisable packet data. */
export function frame(n: number, seed = 0): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed * 31 + 1) & 0xff;
  return b;
}

// ---------------------------------------------------------------- classic pcap

export interface PcapRec {
  sec: number;
  /** microseconds or nanoseconds, as the file says */
  frac: number;
  data: Buffer;
  /** original length; default data.length */
  orig?: number;
  /** captured length written in the header; default data.length (a lie if different) */
  caplen?: number;
}

export interface PcapOpts {
  le?: boolean;
  nanos?: boolean;
  snaplen?: number;
  linkType?: number;
  major?: number;
  records: PcapRec[];
}

/** A classic pcap file (draft-ietf-opsawg-pcap sections 4 and 5). */
export function pcapBytes(o: PcapOpts): Buffer {
  const le = o.le ?? true;
  const b = new Bytes(le);
  b.u32(o.nanos ? 0xa1b23c4d : 0xa1b2c3d4).u16(o.major ?? 2).u16(4).u32(0).u32(0);
  b.u32(o.snaplen ?? 65535).u32(o.linkType ?? 1);
  for (const r of o.records) {
    b.u32(r.sec).u32(r.frac).u32(r.caplen ?? r.data.length).u32(r.orig ?? r.data.length).raw(r.data);
  }
  return b.toBuffer();
}

// ---------------------------------------------------------------- pcapng

export interface NgOpt {
  code: number;
  value: ArrayLike<number>;
}

/** Options list (section 3.5): each value padded to 32 bits, then opt_endofopt. */
export function ngOptions(le: boolean, opts: NgOpt[], endofopt = true): Buffer {
  const b = new Bytes(le);
  for (const o of opts) b.u16(o.code).u16(o.value.length).raw(o.value).pad4();
  if (endofopt && opts.length > 0) b.u16(0).u16(0);
  return b.toBuffer();
}

export interface BlockLies {
  /** leading total length to write instead of the true one */
  len?: number;
  /** trailing total length to write instead of the leading one */
  trailer?: number;
}

/** One block (section 3.1): type, total length, body padded to 32 bits, total length. */
export function ngBlock(le: boolean, type: number, body: ArrayLike<number>, lies: BlockLies = {}): Buffer {
  const padded = (body.length + 3) & ~3;
  const total = 12 + padded;
  const b = new Bytes(le);
  b.u32(type).u32(lies.len ?? total).raw(body).pad4().u32(lies.trailer ?? lies.len ?? total);
  return b.toBuffer();
}

export function ngShb(le: boolean, o: { major?: number; minor?: number; options?: NgOpt[]; lies?: BlockLies } = {}): Buffer {
  const body = new Bytes(le).u32(0x1a2b3c4d).u16(o.major ?? 1).u16(o.minor ?? 0).u64(-1n);
  body.raw(ngOptions(le, o.options ?? []));
  return ngBlock(le, 0x0a0d0d0a, body.toBuffer(), o.lies);
}

export function ngIdb(le: boolean, linkType: number, snaplen: number, options: NgOpt[] = [], lies?: BlockLies): Buffer {
  const body = new Bytes(le).u16(linkType).u16(0).u32(snaplen).raw(ngOptions(le, options));
  return ngBlock(le, 1, body.toBuffer(), lies);
}

export interface EpbOpts {
  ifId?: number;
  /** timestamp in units of the interface's resolution */
  ts?: bigint;
  orig?: number;
  /** captured length written in the block; default data.length */
  caplen?: number;
  options?: NgOpt[];
  lies?: BlockLies;
}

export function ngEpb(le: boolean, data: Buffer, o: EpbOpts = {}): Buffer {
  const ts = BigInt.asUintN(64, o.ts ?? 0n);
  const body = new Bytes(le).u32(o.ifId ?? 0).u32(Number(ts >> 32n)).u32(Number(ts & 0xffffffffn));
  body.u32(o.caplen ?? data.length).u32(o.orig ?? data.length).raw(data).pad4();
  body.raw(ngOptions(le, o.options ?? []));
  return ngBlock(le, 6, body.toBuffer(), o.lies);
}

export function ngSpb(le: boolean, orig: number, data: Buffer): Buffer {
  return ngBlock(le, 3, new Bytes(le).u32(orig).raw(data).toBuffer());
}

/** Name Resolution Block (4.5) with one IPv4 record. */
export function ngNrb(le: boolean): Buffer {
  const name = Buffer.from('gw.example\0');
  const body = new Bytes(le).u16(1).u16(4 + name.length).raw([192, 0, 2, 1]).raw(name).pad4().u16(0).u16(0);
  return ngBlock(le, 4, body.toBuffer());
}

/** Interface Statistics Block (4.6) with an isb_ifrecv option. */
export function ngIsb(le: boolean, ifId: number): Buffer {
  const recv = new Bytes(le).u64(12345n).toBuffer();
  const body = new Bytes(le).u32(ifId).u32(0).u32(0).raw(ngOptions(le, [{ code: 4, value: recv }]));
  return ngBlock(le, 5, body.toBuffer());
}

export const opt = {
  comment: (s: string): NgOpt => ({ code: 1, value: Buffer.from(s, 'utf8') }),
  tsresol: (v: number): NgOpt => ({ code: 9, value: [v] }),
  tsoffset: (le: boolean, seconds: bigint): NgOpt => ({ code: 14, value: new Bytes(le).u64(seconds).toBuffer() }),
  ifName: (s: string): NgOpt => ({ code: 2, value: Buffer.from(s, 'utf8') }),
};

// ---------------------------------------------------------------- files and reading

let tmpDir: string | undefined;

/** A fresh private directory for this test file's captures. */
export function tmp(): string {
  if (tmpDir === undefined) tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-io-'));
  return tmpDir;
}

/** Remove the temp directory (call from afterAll). */
export function cleanupTmp(): void {
  if (tmpDir !== undefined) fs.rmSync(tmpDir, { recursive: true, force: true });
  tmpDir = undefined;
}

/** Write bytes to a file in the temp directory; returns its path. */
export function tmpFile(name: string, bytes: Uint8Array): string {
  const f = path.join(tmp(), name);
  fs.writeFileSync(f, bytes);
  return f;
}

export interface Pkt {
  data: Buffer;
  len: number;
  wireLen: number;
  tsSec: number;
  tsNsec: number;
  link: number;
}

export interface ReadOpts {
  chunkBytes?: number;
  capacity?: number;
  arenaBytes?: number;
}

/** Copy the packets out of one filled batch. */
export function batchPackets(batch: PacketBatch): Pkt[] {
  const out: Pkt[] = [];
  for (let i = 0; i < batch.count; i++) {
    const base = batch.base[i]!;
    const len = batch.len[i]!;
    out.push({
      data: Buffer.from(batch.arena.subarray(base, base + len)),
      len,
      wireLen: batch.wireLen[i]!,
      tsSec: batch.tsSec[i]!,
      tsNsec: batch.tsNsec[i]!,
      link: batch.link[i]!,
    });
  }
  return out;
}

/** Open `file`, read every batch, close; the reader is returned for its counters. */
export function readAll(file: string, o: ReadOpts = {}): { packets: Pkt[]; reader: CaptureReader; batches: number } {
  const reader = CaptureReader.open(file, o.chunkBytes === undefined ? {} : { chunkBytes: o.chunkBytes });
  const batch = new PacketBatch(o.capacity, o.arenaBytes);
  const packets: Pkt[] = [];
  let batches = 0;
  try {
    for (;;) {
      const n = reader.readBatch(batch);
      if (n === 0) break;
      expect_(n === batch.count, 'readBatch returns batch.count');
      batches++;
      packets.push(...batchPackets(batch));
    }
  } finally {
    reader.close();
  }
  return { packets, reader, batches };
}

/** Read bytes written to a temp file. */
export function readBytes(bytes: Uint8Array, o: ReadOpts = {}, name = 'capture.bin'): ReturnType<typeof readAll> {
  return readAll(tmpFile(name, bytes), o);
}

function expect_(cond: boolean, what: string): void {
  if (!cond) throw new Error(`helper check failed: ${what}`);
}
