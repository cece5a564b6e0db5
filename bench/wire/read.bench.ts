/**
 * How to read header fields: one long-lived DataView over the arena (what the wire layer
 * does), byte shifts, and Buffer.readUInt32BE, side by side (undici keeps alternatives
 * beside each other so the choice stays proven). Reads IPv4 src, dst, protocol and the
 * UDP ports of 256 packets.
 *
 * Also the per-packet shapes the wire layer avoids: a `subarray` per packet (a new
 * Uint8Array view object each time), a small header object per packet (`{ src, dst, ... }`,
 * what a decoder returning objects does), a reused view class re-pointed per packet
 * (FlatBuffers' `__init`), and a `new DataView` per packet.
 */

/** A reusable view (FlatBuffers' generated-class shape): re-pointed per packet. */
class Ip4View {
  b: Buffer = Buffer.alloc(0);
  o = 0;
  init(b: Buffer, o: number): this {
    this.b = b;
    this.o = o;
    return this;
  }
  src(): number {
    const b = this.b, o = this.o + 12;
    return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  }
  dst(): number {
    const b = this.b, o = this.o + 16;
    return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  }
  proto(): number {
    return this.b[this.o + 9]!;
  }
  ports(): number {
    const b = this.b, o = this.o + 20;
    return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  }
}

/** A decoded header object per packet. */
interface Ip4Obj {
  src: number;
  dst: number;
  proto: number;
  ports: number;
}
const objs: Ip4Obj[] = [];

function decodeObj(b: Buffer, o: number): Ip4Obj {
  return {
    src: (b[o + 12]! << 24) | (b[o + 13]! << 16) | (b[o + 14]! << 8) | b[o + 15]!,
    dst: (b[o + 16]! << 24) | (b[o + 17]! << 16) | (b[o + 18]! << 8) | b[o + 19]!,
    proto: b[o + 9]!,
    ports: (b[o + 20]! << 24) | (b[o + 21]! << 16) | (b[o + 22]! << 8) | b[o + 23]!,
  };
}
import type { BenchCase } from '../harness.js';

export function readCases(): BenchCase[] {
  const n = 256;
  const stride = 128;
  const arena = Buffer.alloc(n * stride);
  for (let i = 0; i < n; i++) {
    const o = i * stride;
    arena[o] = 0x45;
    arena.writeUInt32BE((0x0a000000 + i) >>> 0, o + 12);
    arena.writeUInt32BE(0xcb00710a, o + 16);
    arena[o + 9] = 17;
    arena.writeUInt32BE(((1000 + i) << 16) | 4500, o + 20);
  }
  const dv = new DataView(arena.buffer, arena.byteOffset, arena.byteLength);
  let sink = 0;
  return [
    {
      group: 'wire',
      name: 'read 5-tuple: DataView',
      perOp: n,
      fn: () => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const o = i * stride;
          s ^= dv.getInt32(o + 12) ^ dv.getInt32(o + 16) ^ dv.getUint8(o + 9) ^ dv.getInt32(o + 20);
        }
        sink ^= s;
      },
    },
    {
      group: 'wire',
      name: 'read 5-tuple: byte shifts',
      perOp: n,
      peer: 'read 5-tuple: DataView',
      fn: () => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const o = i * stride;
          const a = (arena[o + 12]! << 24) | (arena[o + 13]! << 16) | (arena[o + 14]! << 8) | arena[o + 15]!;
          const b = (arena[o + 16]! << 24) | (arena[o + 17]! << 16) | (arena[o + 18]! << 8) | arena[o + 19]!;
          const p = (arena[o + 20]! << 24) | (arena[o + 21]! << 16) | (arena[o + 22]! << 8) | arena[o + 23]!;
          s ^= a ^ b ^ arena[o + 9]! ^ p;
        }
        sink ^= s;
      },
    },
    {
      group: 'wire',
      name: 'read 5-tuple: Buffer.readUInt32BE',
      perOp: n,
      peer: 'read 5-tuple: DataView',
      fn: () => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const o = i * stride;
          s ^= arena.readInt32BE(o + 12) ^ arena.readInt32BE(o + 16) ^ arena.readUInt8(o + 9) ^ arena.readInt32BE(o + 20);
        }
        sink ^= s;
        if (sink === 0x7fffffff) console.log(sink);
      },
    },
    {
      group: 'wire',
      name: 'read 5-tuple: subarray per packet, byte shifts',
      perOp: n,
      peer: 'read 5-tuple: DataView',
      fn: () => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const p = arena.subarray(i * stride, i * stride + stride);
          const a = (p[12]! << 24) | (p[13]! << 16) | (p[14]! << 8) | p[15]!;
          const b = (p[16]! << 24) | (p[17]! << 16) | (p[18]! << 8) | p[19]!;
          const q = (p[20]! << 24) | (p[21]! << 16) | (p[22]! << 8) | p[23]!;
          s ^= a ^ b ^ p[9]! ^ q;
        }
        sink ^= s;
      },
    },
    {
      group: 'wire',
      name: 'read 5-tuple: header object per packet (kept)',
      perOp: n,
      peer: 'read 5-tuple: DataView',
      fn: () => {
        let s = 0;
        // the objects are kept (as a decoder's caller keeps its results), so escape
        // analysis cannot remove them
        for (let i = 0; i < n; i++) objs[i] = decodeObj(arena, i * stride);
        for (let i = 0; i < n; i++) {
          const h = objs[i]!;
          s ^= h.src ^ h.dst ^ h.proto ^ h.ports;
        }
        sink ^= s;
      },
    },
    {
      group: 'wire',
      name: 'read 5-tuple: reused view class, re-pointed',
      perOp: n,
      peer: 'read 5-tuple: DataView',
      fn: () => {
        let s = 0;
        const h = new Ip4View();
        for (let i = 0; i < n; i++) {
          h.init(arena, i * stride);
          s ^= h.src() ^ h.dst() ^ h.proto() ^ h.ports();
        }
        sink ^= s;
      },
    },
    {
      group: 'wire',
      name: 'read 5-tuple: new DataView per packet',
      perOp: n,
      peer: 'read 5-tuple: DataView',
      fn: () => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const d = new DataView(arena.buffer, arena.byteOffset + i * stride, stride);
          s ^= d.getInt32(12) ^ d.getInt32(16) ^ d.getUint8(9) ^ d.getInt32(20);
        }
        sink ^= s;
        if (sink === 0x7fffffff) console.log(sink);
      },
    },
  ];
}
