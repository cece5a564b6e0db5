/**
 * How a per-packet loop writes the batch's columns: through the one Int32Array that holds them
 * all (`PacketBatch.i32`, column k at k * capacity: what dissectBatch does), or through each
 * column's own typed array (`b.l3`, `b.src` ...: views of the same memory). Same loop, same
 * 16 stores per packet of 256 packets, same bytes written.
 *
 * Each column's own array costs a map check and three field loads per store in V8's optimised
 * code (a loop too big to peel keeps them inside it); one array costs an index check.
 */
import {
  K_DST, K_ENCAP, K_FLAGS, K_IDST, K_IL3, K_IL4, K_IPEND, K_IPORTS, K_IPROTO, K_ISRC, K_L3, K_L4, K_PORTS, K_PROTO, K_SRC, K_VLANCOUNT,
  PacketBatch,
} from '../../src/batch/packet-batch.js';
import type { BenchCase } from '../harness.js';

const STRIDE = 128;

/** A batch of 256 records of plausible header words (no parsing: the stores are what is measured). */
function filledBatch(): PacketBatch {
  const b = new PacketBatch(256, 256 * STRIDE);
  for (let i = 0; i < b.capacity; i++) {
    const o = i * STRIDE;
    b.dv.setInt32(o, (0x4500 << 16) | 100);
    b.dv.setInt32(o + 8, (64 << 24) | (17 << 16));
    b.dv.setInt32(o + 12, 0x0a000000 + i);
    b.dv.setInt32(o + 16, 0xcb00710a | 0);
    b.dv.setInt32(o + 20, ((1000 + i) << 16) | 4500);
    b.base[i] = o;
  }
  b.count = b.capacity;
  return b;
}

/** The dissector's way: offsets into `b.i32`. */
function writeBlock(b: PacketBatch): void {
  const v = b.dv;
  const cols = b.i32;
  const S = b.capacity;
  const oL3 = K_L3 * S, oL4 = K_L4 * S, oIl3 = K_IL3 * S, oIl4 = K_IL4 * S, oEnd = K_IPEND * S, oFlags = K_FLAGS * S;
  const oSrc = K_SRC * S, oDst = K_DST * S, oProto = K_PROTO * S, oPorts = K_PORTS * S, oEncap = K_ENCAP * S;
  const oVlans = K_VLANCOUNT * S, oIsrc = K_ISRC * S, oIdst = K_IDST * S, oIproto = K_IPROTO * S, oIports = K_IPORTS * S;
  for (let i = 0; i < b.count; i++) {
    const o = i * STRIDE;
    const w0 = v.getInt32(o);
    const w2 = v.getInt32(o + 8);
    const src = v.getInt32(o + 12);
    const dst = v.getInt32(o + 16);
    const ports = v.getInt32(o + 20);
    if (w0 >>> 24 !== 0x45) continue;
    cols[oL3 + i] = o;
    cols[oL4 + i] = o + 20;
    cols[oIl3 + i] = -1;
    cols[oIl4 + i] = -1;
    cols[oEnd + i] = o + (w0 & 0xffff);
    cols[oFlags + i] = 3;
    cols[oSrc + i] = src;
    cols[oDst + i] = dst;
    cols[oProto + i] = (w2 >>> 16) & 0xff;
    cols[oPorts + i] = ports;
    cols[oEncap + i] = 0;
    cols[oVlans + i] = 0;
    cols[oIsrc + i] = src ^ dst;
    cols[oIdst + i] = dst ^ ports;
    cols[oIproto + i] = w2 & 0xff;
    cols[oIports + i] = ports >>> 16;
  }
}

/** The alternative: each column's own typed array, loaded once before the loop. */
function writeNamed(b: PacketBatch): void {
  const v = b.dv;
  const cL3 = b.l3, cL4 = b.l4, cIl3 = b.il3, cIl4 = b.il4, cEnd = b.ipEnd, cFlags = b.flags;
  const cSrc = b.src, cDst = b.dst, cProto = b.proto, cPorts = b.ports, cEncap = b.encap;
  const cVlans = b.vlanCount, cIsrc = b.isrc, cIdst = b.idst, cIproto = b.iproto, cIports = b.iports;
  for (let i = 0; i < b.count; i++) {
    const o = i * STRIDE;
    const w0 = v.getInt32(o);
    const w2 = v.getInt32(o + 8);
    const src = v.getInt32(o + 12);
    const dst = v.getInt32(o + 16);
    const ports = v.getInt32(o + 20);
    if (w0 >>> 24 !== 0x45) continue;
    cL3[i] = o;
    cL4[i] = o + 20;
    cIl3[i] = -1;
    cIl4[i] = -1;
    cEnd[i] = o + (w0 & 0xffff);
    cFlags[i] = 3;
    cSrc[i] = src;
    cDst[i] = dst;
    cProto[i] = (w2 >>> 16) & 0xff;
    cPorts[i] = ports;
    cEncap[i] = 0;
    cVlans[i] = 0;
    cIsrc[i] = src ^ dst;
    cIdst[i] = dst ^ ports;
    cIproto[i] = w2 & 0xff;
    cIports[i] = ports >>> 16;
  }
}

export function columnCases(): BenchCase[] {
  const b = filledBatch();
  const block = 'columns: 16 stores per packet into the one Int32Array of columns (offsets)';
  return [
    { group: 'batch', name: block, perOp: b.count, fn: () => writeBlock(b) },
    {
      group: 'batch',
      name: 'columns: 16 stores per packet, one typed array per column (alternative)',
      perOp: b.count,
      peer: block,
      fn: () => writeNamed(b),
    },
  ];
}
