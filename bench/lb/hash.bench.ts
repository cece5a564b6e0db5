/**
 * The flow hash options of src/lb/hash.ts over 256 flows (IPv4 src, dst, ports, protocol):
 * the keyed HalfSipHash-1-3 the flow table uses, its symmetric variant, and RSS Toeplitz
 * (table-driven, with and without ports). Beside them, the rejected choice: an unkeyed
 * multiplicative mix (murmur3's fmix32 over the words), cheaper but seed-independent, so a
 * sender could aim flows at one bucket of the flow table (see hash.ts). ns per flow.
 */
import { flowHash, flowHashSymmetric, fmix32, makeHashKey, RSS_KEY_MICROSOFT, toeplitzHash, toeplitzPrepare } from '../../src/lb/hash.js';
import type { BenchCase } from '../harness.js';

let sink = 0;

export function hashCases(): BenchCase[] {
  const n = 256;
  const src = new Int32Array(n);
  const dst = new Int32Array(n);
  const ports = new Int32Array(n);
  const proto = new Int32Array(n);
  let s = 12345;
  const next = (): number => (s = fmix32((s + 0x9e3779b9) | 0));
  for (let i = 0; i < n; i++) {
    src[i] = next();
    dst[i] = next();
    ports[i] = next();
    proto[i] = (i & 1) === 0 ? 6 : 17;
  }
  const key = makeHashKey('bench');
  const table = toeplitzPrepare(RSS_KEY_MICROSOFT);
  return [
    {
      group: 'lb',
      name: 'hash: keyed HalfSipHash-1-3 (flowHash)',
      perOp: n,
      fn: () => {
        let x = 0;
        for (let i = 0; i < n; i++) x ^= flowHash(key, src[i]!, dst[i]!, ports[i]!, proto[i]!);
        sink ^= x;
      },
    },
    {
      group: 'lb',
      name: 'hash: keyed, symmetric (flowHashSymmetric)',
      perOp: n,
      peer: 'hash: keyed HalfSipHash-1-3 (flowHash)',
      fn: () => {
        let x = 0;
        for (let i = 0; i < n; i++) x ^= flowHashSymmetric(key, src[i]!, dst[i]!, ports[i]!, proto[i]!);
        sink ^= x;
      },
    },
    {
      group: 'lb',
      name: 'hash: Toeplitz (RSS), with ports',
      perOp: n,
      peer: 'hash: keyed HalfSipHash-1-3 (flowHash)',
      fn: () => {
        let x = 0;
        for (let i = 0; i < n; i++) x ^= toeplitzHash(table, src[i]!, dst[i]!, ports[i]!, true);
        sink ^= x;
      },
    },
    {
      group: 'lb',
      name: 'hash: Toeplitz (RSS), addresses only',
      perOp: n,
      peer: 'hash: keyed HalfSipHash-1-3 (flowHash)',
      fn: () => {
        let x = 0;
        for (let i = 0; i < n; i++) x ^= toeplitzHash(table, src[i]!, dst[i]!, 0, false);
        sink ^= x;
      },
    },
    {
      group: 'lb',
      name: 'hash: unkeyed fmix32 mix (rejected: not keyed)',
      perOp: n,
      peer: 'hash: keyed HalfSipHash-1-3 (flowHash)',
      fn: () => {
        let x = 0;
        for (let i = 0; i < n; i++) x ^= fmix32(Math.imul(fmix32(src[i]! ^ Math.imul(dst[i]!, 0x9e3779b1)), 31) ^ ports[i]! ^ proto[i]!);
        sink ^= x;
        if (sink === 0x7fffffff) console.log(sink);
      },
    },
  ];
}
