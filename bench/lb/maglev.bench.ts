/**
 * Weighted Maglev (src/lb/maglev.ts): building a 65537-slot table (control plane; ns per
 * slot) for 4 equal backends and for 7 weighted ones, beside the literal reference builder
 * that materialises every permutation; and the per-packet lookup `table[hash % size]`
 * (prime size, as Katran and the paper use) beside a power-of-two size with a mask (which
 * Maglev's permutation argument does not allow, shown for the cost of the `%`). ns per lookup.
 */
import { fmix32 } from '../../src/lb/hash.js';
import { MAGLEV_SIZE, maglevBuild, maglevBuildRef, maglevOffsetSkip, type MaglevBackend } from '../../src/lb/maglev.js';
import type { BenchCase } from '../harness.js';

let sink = 0;

export function maglevCases(): BenchCase[] {
  const backends = (n: number, weighted: boolean): MaglevBackend[] =>
    Array.from({ length: n }, (_, k) => ({ id: k, ...maglevOffsetSkip(`site/t${k + 1}`), weight: weighted ? 1 + (k % 3) : 1 }));
  const four = backends(4, false);
  const seven = backends(7, true);
  const out = new Int32Array(MAGLEV_SIZE);
  const table = maglevBuild(four);
  const pow2 = new Int32Array(65536);
  for (let i = 0; i < pow2.length; i++) pow2[i] = table[i]!;
  const n = 4096;
  const hashes = new Int32Array(n);
  for (let i = 0; i < n; i++) hashes[i] = fmix32(i * 2654435761);
  return [
    {
      group: 'lb',
      name: 'maglev build: 4 backends, 65537 slots (per slot)',
      perOp: MAGLEV_SIZE,
      fn: () => {
        maglevBuild(four, MAGLEV_SIZE, out);
      },
    },
    {
      group: 'lb',
      name: 'maglev build: 7 weighted backends (per slot)',
      perOp: MAGLEV_SIZE,
      peer: 'maglev build: 4 backends, 65537 slots (per slot)',
      fn: () => {
        maglevBuild(seven, MAGLEV_SIZE, out);
      },
    },
    {
      group: 'lb',
      name: 'maglev build: reference (materialised permutations, per slot)',
      perOp: MAGLEV_SIZE,
      peer: 'maglev build: 4 backends, 65537 slots (per slot)',
      fn: () => {
        sink ^= maglevBuildRef(four, MAGLEV_SIZE)[0]!;
      },
    },
    {
      group: 'lb',
      name: 'maglev lookup: table[hash % 65537]',
      perOp: n,
      fn: () => {
        let x = 0;
        for (let i = 0; i < n; i++) x ^= table[(hashes[i]! >>> 0) % MAGLEV_SIZE]!;
        sink ^= x;
      },
    },
    {
      group: 'lb',
      name: 'maglev lookup: power-of-two table, mask (not Maglev)',
      perOp: n,
      peer: 'maglev lookup: table[hash % 65537]',
      fn: () => {
        let x = 0;
        for (let i = 0; i < n; i++) x ^= pow2[hashes[i]! & 65535]!;
        sink ^= x;
        if (sink === 0x7fffffff) console.log(sink);
      },
    },
  ];
}
