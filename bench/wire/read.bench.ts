/**
 * How to read header fields: one long-lived DataView over the arena (what the wire layer
 * does), byte shifts, and Buffer.readUInt32BE, side by side (undici keeps alternatives
 * beside each other so the choice stays proven). Reads IPv4 src, dst, protocol and the
 * UDP ports of 256 packets.
 */
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
  ];
}
