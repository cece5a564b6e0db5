/**
 * Load a capture into a set of full batches once, so that benchmarks time the data path and
 * not the file reader. Returns the batches and the packet count.
 */
import { PacketBatch } from '../src/batch/packet-batch.js';
import { CaptureReader } from '../src/io/capture-reader.js';
import { copyBytes } from '../src/io/copy-bytes.js';

export function loadBatches(file: string, maxPackets = 1 << 20): { batches: PacketBatch[]; packets: number } {
  const reader = CaptureReader.open(file);
  const batches: PacketBatch[] = [];
  let packets = 0;
  for (;;) {
    const b = new PacketBatch();
    const n = reader.readBatch(b);
    if (n === 0 || packets >= maxPackets) break;
    batches.push(b);
    packets += n;
  }
  reader.close();
  return { batches, packets };
}

/**
 * Copy the source columns and bytes of `src` into `dst` (to restore a batch a node rewrote).
 * Arenas of the same size are copied whole with `set`, which allocates nothing (a partial
 * `Buffer.copy` makes a view per call), so a restore loop stays free of garbage.
 */
export function copyBatch(src: PacketBatch, dst: PacketBatch): void {
  // Arenas carved from one slab (batch/slab.ts): one copyWithin of the used bytes (`set`
  // between two views of one ArrayBuffer copies through a temporary it allocates).
  if (src.arena.buffer === dst.arena.buffer) copyBytes(src.arena, src.dv, 0, dst.arena, dst.dv, 0, src.used);
  else if (src.arena.length === dst.arena.length) dst.arena.set(src.arena);
  else src.arena.copy(dst.arena, 0, 0, src.used);
  dst.count = src.count;
  dst.used = src.used;
  dst.base.set(src.base);
  dst.len.set(src.len);
  dst.wireLen.set(src.wireLen);
  dst.tsSec.set(src.tsSec);
  dst.tsNsec.set(src.tsNsec);
  dst.link.set(src.link);
}
