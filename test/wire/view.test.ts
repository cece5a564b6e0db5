/**
 * src/wire/view.ts: viewOf and the dotted-quad helpers of the control plane.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ip4FromString, ip4ToString, viewOf } from '../../src/wire/view.js';

describe('ip4FromString / ip4ToString', () => {
  it.each([
    ['0.0.0.0', 0],
    ['10.0.0.1', 0x0a000001],
    ['127.0.0.1', 0x7f000001],
    ['192.168.203.5', 0xc0a8cb05 | 0], // high bit set: a negative int32
    ['255.255.255.255', -1],
    ['128.0.0.0', -0x80000000],
  ])('%s <-> %i', (s, a) => {
    expect(ip4FromString(s)).toBe(a);
    expect(ip4ToString(a)).toBe(s);
  });

  it('round trip: int32 -> string -> int32 (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (a) => {
        expect(ip4FromString(ip4ToString(a))).toBe(a);
      }),
      { numRuns: 10_000 },
    );
  });

  it('round trip: canonical dotted quad -> int32 -> string (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), (q) => {
        const s = q.join('.');
        expect(ip4ToString(ip4FromString(s))).toBe(s);
      }),
      { numRuns: 10_000 },
    );
  });

  it('ip4ToString reads uint32 values too (>>> 0 forms)', () => {
    expect(ip4ToString(0xc0a8cb05)).toBe('192.168.203.5');
  });

  it.each([
    '256.0.0.1',
    '1.2.3.256',
    '999.1.1.1',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    '1.2.3.04',
    '1.2.3.00',
    '00.0.0.0',
    '',
    '1..3.4',
    '1.2.3.',
    '.1.2.3',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '1.2.3.4\n',
    '\n1.2.3.4',
    '1.2.3.-4',
    '+1.2.3.4',
    '1.2.3.4a',
    '0x1.2.3.4',
    '1.2.3.4/24',
    '1,2,3,4',
    '1234.1.1.1',
    '\u0661.2.3.4', // ARABIC-INDIC DIGIT ONE: \d must be ASCII only
    '１.2.3.4', // FULLWIDTH DIGIT ONE
    '::1',
  ])('rejects %j with NaN', (s) => {
    expect(ip4FromString(s)).toBeNaN();
  });

  it('never throws on arbitrary strings (fast-check)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const a = ip4FromString(s);
        if (!Number.isNaN(a)) {
          expect(Number.isInteger(a) && a >= -0x80000000 && a <= 0x7fffffff).toBe(true);
          expect(ip4ToString(a)).toBe(s); // anything accepted is canonical
        }
      }),
      { numRuns: 10_000 },
    );
  });
});

describe('viewOf', () => {
  it('is a view over exactly the bytes of a subarray (byteOffset respected)', () => {
    const arena = new Uint8Array([0xaa, 0xbb, 0x12, 0x34, 0x56, 0xcc]);
    const v = viewOf(arena.subarray(2, 5));
    expect(v.byteLength).toBe(3);
    expect(v.getUint16(0)).toBe(0x1234);
    expect(v.getUint8(2)).toBe(0x56);
    expect(() => v.getUint8(3)).toThrow(RangeError);
    v.setUint8(0, 0x99);
    expect(arena[2]).toBe(0x99); // zero-copy: writes land in the arena
  });

  it('works on a Node Buffer from the shared pool (non-zero byteOffset)', () => {
    const b = Buffer.from([1, 2, 3, 4]);
    expect(viewOf(b).getUint32(0)).toBe(0x01020304);
  });
});
