import { describe, expect, it } from 'vitest';
import * as pb from '../../src/batch/packet-batch.js';
import { PacketBatch } from '../../src/batch/packet-batch.js';

/** Each column index of `i32` and the named column it must be. */
const COLUMNS: Array<[keyof typeof pb, keyof PacketBatch]> = [
  ['K_BASE', 'base'], ['K_LEN', 'len'], ['K_WIRELEN', 'wireLen'], ['K_L3', 'l3'], ['K_L4', 'l4'], ['K_TUN', 'tun'],
  ['K_IL3', 'il3'], ['K_IL4', 'il4'], ['K_IPEND', 'ipEnd'], ['K_FLAGS', 'flags'], ['K_SRC', 'src'], ['K_DST', 'dst'],
  ['K_PORTS', 'ports'], ['K_ISRC', 'isrc'], ['K_IDST', 'idst'], ['K_IPORTS', 'iports'], ['K_GREKEY', 'greKey'],
  ['K_SPI', 'spi'], ['K_ESPSEQ', 'espSeq'], ['K_VNI', 'vni'], ['K_HASH', 'hash'], ['K_FKC', 'fkc'], ['K_FKD', 'fkd'],
  ['K_TARGET', 'target'], ['K_LINK', 'link'], ['K_ENCAP', 'encap'], ['K_DEPTH', 'depth'], ['K_VLANCOUNT', 'vlanCount'],
  ['K_TPID0', 'tpid0'], ['K_VLAN0', 'vlan0'], ['K_VLAN1', 'vlan1'], ['K_PROTO', 'proto'], ['K_IPROTO', 'iproto'],
  ['K_GREPROTO', 'greProto'], ['K_DROP', 'drop'], ['K_NEXT', 'next'],
];

describe('PacketBatch: the columns in one Int32Array', () => {
  it('gives every column its own index, and every index a column', () => {
    const ks = COLUMNS.map(([k]) => pb[k] as number);
    expect(new Set(ks).size).toBe(COLUMNS.length);
    expect([...ks].sort((a, b) => a - b)).toEqual(Array.from({ length: pb.K_COUNT }, (_, k) => k));
    // every K_ constant the module exports is listed here
    const exported = Object.keys(pb).filter((n) => /^K_/.test(n) && n !== 'K_COUNT');
    expect(exported.sort()).toEqual(COLUMNS.map(([k]) => k).sort());
  });

  it.each([1, 7, 256])('makes each named column the view of i32 at its index (capacity %i)', (cap) => {
    const b = new PacketBatch(cap, 4096);
    expect(b.i32.length).toBe(pb.K_COUNT * cap);
    for (const [k, name] of COLUMNS) {
      const col = b[name] as unknown as Int32Array;
      expect(col, name).toBeInstanceOf(Int32Array);
      expect(col.buffer, name).toBe(b.i32.buffer);
      expect(col.byteOffset, name).toBe(b.i32.byteOffset + (pb[k] as number) * cap * 4);
      expect(col.length, name).toBe(cap);
    }
    // a store through i32 is what the named column reads, and no other column sees it
    for (const [k, name] of COLUMNS) {
      b.i32.fill(0);
      b.i32[(pb[k] as number) * cap + cap - 1] = -7;
      for (const [, other] of COLUMNS) expect((b[other] as unknown as Int32Array)[cap - 1], `${name} -> ${other}`).toBe(other === name ? -7 : 0);
    }
  });
});
