import { describe, expect, it } from 'vitest';
import { SMALL_COPY, copyBytes } from '../../src/io/copy-bytes.js';

describe('copyBytes', () => {
  it('copies every length at unaligned offsets, touching nothing else', () => {
    const src = Buffer.alloc(1024);
    for (let i = 0; i < src.length; i++) src[i] = (i * 13 + 5) & 0xff;
    const sdv = new DataView(src.buffer, src.byteOffset, src.byteLength);
    for (let n = 0; n <= SMALL_COPY + 40; n++) {
      for (const [s, d] of [[0, 0], [1, 3], [7, 2], [13, 0]] as const) {
        const dst = Buffer.alloc(512, 0xee);
        copyBytes(src, sdv, s, dst, new DataView(dst.buffer, dst.byteOffset, dst.byteLength), d, n);
        expect(dst.subarray(d, d + n).equals(src.subarray(s, s + n)), `n ${n} s ${s} d ${d}`).toBe(true);
        expect(dst.subarray(0, d).every((b) => b === 0xee)).toBe(true);
        expect(dst.subarray(d + n).every((b) => b === 0xee)).toBe(true);
      }
    }
  });
});
