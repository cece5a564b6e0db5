/**
 * Weighted Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable
 * Software Network Load Balancer", NSDI 2016, section 3.4). Control plane only: the
 * data plane reads `table[hash % size]` (Katran's `ch_rings`).
 *
 * Section 3.4: every backend i has a preference list over the M table slots,
 *   permutation[i][j] = (offset_i + j * skip_i) mod M,
 *   offset_i = h1(name_i) mod M,  skip_i = h2(name_i) mod (M - 1) + 1,
 * which is a full permutation of 0..M-1 because M is prime. Backends then take turns,
 * round-robin in list order; on its turn a backend claims the first slot of its list
 * not yet taken (Pseudocode 1), until all M slots are full. Each backend gets M/N
 * slots, +-1, and removing a backend mostly moves only that backend's slots.
 *
 * Weights (Katran's MaglevHashV2; the paper mentions weights without giving the
 * schedule): in each round backend i adds `weight_i` to a credit and takes a turn only
 * when the credit reaches the largest weight, which it then pays back. Backend i thus
 * takes floor(r * weight_i / maxWeight) turns in the first r rounds: slot shares are
 * proportional to the weights, equal weights give exactly the paper's algorithm, and
 * scaling every weight by the same factor changes nothing. Weight 0 takes no slots
 * (VPP lb: weight 0 drains a backend; sticky flows continue through the flow table).
 *
 * The fill depends on the order of `backends`: keep it stable (e.g. sorted by key)
 * between rebuilds so that a removal disturbs as little as the paper promises.
 */
import { fmix32, fnv1a32 } from './hash.js';

/** Default table size: prime, as in Katran (`RING_SIZE 65537`) and the paper (65537). */
export const MAGLEV_SIZE = 65537;

export interface MaglevBackend {
  /** Value written into the table; must be an int32 >= 0 (-1 means "no backend"). */
  id: number;
  /** First preferred slot, 0 <= offset < size. */
  offset: number;
  /** Step between preferred slots, 1 <= skip < size. */
  skip: number;
  /** Integer >= 0; slot shares are proportional to it. */
  weight: number;
}

/** Deterministic primality by trial division (sizes are at most a few million). */
export function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/**
 * (offset, skip) for a backend from its stable key (name, address), with two different
 * fixed hashes as the paper asks: FNV-1a-32 of the key's UTF-8 bytes from two offset
 * bases (the standard 0x811c9dc5, and 0x050c5d1f for skip), each followed by
 * MurmurHash3's fmix32 so that keys differing only in the last character spread too.
 */
export function maglevOffsetSkip(backendKey: string, size: number = MAGLEV_SIZE): { offset: number; skip: number } {
  checkSize(size);
  const bytes = new TextEncoder().encode(backendKey);
  const h1 = fmix32(fnv1a32(bytes, 0x811c9dc5)) >>> 0;
  const h2 = fmix32(fnv1a32(bytes, 0x050c5d1f)) >>> 0;
  // `| 0`: small integers (smis), not doubles, in the object (h1 and h2 are doubles above 2^31)
  return { offset: (h1 % size) | 0, skip: ((h2 % (size - 1)) + 1) | 0 };
}

/** The full preference list of one backend (tests and tools; the builder never makes it). */
export function maglevPermutation(offset: number, skip: number, size: number): Int32Array {
  const p = new Int32Array(size);
  let c = offset;
  for (let j = 0; j < size; j++) {
    p[j] = c;
    c += skip;
    if (c >= size) c -= size;
  }
  return p;
}

/**
 * Fill a lookup table of `size` slots with backend ids (all -1 when no backend has a
 * weight). `out`, when given, must have length `size` and is overwritten (build to the
 * side, then swap, as VPP's lb does). Throws on invalid input: control plane only.
 */
export function maglevBuild(backends: readonly MaglevBackend[], size: number = MAGLEV_SIZE, out?: Int32Array): Int32Array {
  checkBackends(backends, size);
  const table = out ?? new Int32Array(size);
  if (table.length !== size) throw new RangeError(`maglev: out has ${table.length} slots, expected ${size}`);
  table.fill(-1);
  const n = backends.length;
  let maxWeight = 0;
  for (const b of backends) if (b.weight > maxWeight) maxWeight = b.weight;
  if (maxWeight === 0) return table;
  // One backend with a weight takes every slot: its permutation visits each slot once.
  if (n === 1) return table.fill(backends[0]!.id);

  // The builder runs cold, mostly in V8's interpreter, where a double is a new heap number at
  // every read: a backend object whose offset or skip was ever a double (the hash is a uint32)
  // made one per probe, and filled the 1 MiB young generation every millisecond. So the loop
  // reads only int32 typed arrays: a whole replay of the 1M trace (three cold builds) made
  // 28-35 scavenges before, 20-22 after (its time did not change measurably).
  const pos = new Int32Array(n); // next candidate slot of each backend's permutation
  const skip = new Int32Array(n);
  const id = new Int32Array(n);
  const weight = new Int32Array(n);
  // int32 credits while they fit (credit < 2 * maxWeight), else doubles
  const credit = maxWeight <= 0x3fffffff ? new Int32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const b = backends[i]!;
    pos[i] = b.offset;
    skip[i] = b.skip;
    id[i] = b.id;
    weight[i] = b.weight;
  }
  let filled = 0;
  for (;;) {
    for (let i = 0; i < n; i++) {
      // a backend of the largest weight takes a turn every round (its credit stays 0): only
      // the others keep a credit (with equal weights, none does). With the one-backend fill
      // above: three cold builds of 65537 slots (2, 4 and 1 backends) in 12.2 ms instead of
      // 15.8 (medians of 15 processes each, alternately)
      const w = weight[i]!;
      if (w !== maxWeight) {
        credit[i] += w;
        if (credit[i]! < maxWeight) continue;
        credit[i] -= maxWeight;
      }
      // Walk the permutation to the first free slot (Pseudocode 1's inner while).
      const step = skip[i]!;
      let c = pos[i]!;
      while (table[c] !== -1) {
        c += step;
        if (c >= size) c -= size;
      }
      table[c] = id[i]!;
      c += step;
      pos[i] = c >= size ? c - size : c;
      if (++filled === size) return table;
    }
  }
}

/**
 * Slow, literal reference builder for differential tests: materialises every
 * permutation and computes the turn schedule as floor(r * w / maxWeight) per round.
 */
export function maglevBuildRef(backends: readonly MaglevBackend[], size: number): Int32Array {
  checkBackends(backends, size);
  const entry = new Array<number>(size).fill(-1);
  const maxWeight = Math.max(0, ...backends.map((b) => b.weight));
  if (maxWeight === 0) return Int32Array.from(entry);
  const permutation = backends.map((b) => Array.from({ length: size }, (_, j) => (b.offset + j * b.skip) % size));
  const next = backends.map(() => 0);
  let n = 0;
  for (let round = 1; ; round++) {
    for (let i = 0; i < backends.length; i++) {
      const w = backends[i].weight;
      if (Math.floor((round * w) / maxWeight) === Math.floor(((round - 1) * w) / maxWeight)) continue;
      let c = permutation[i][next[i]];
      while (entry[c] >= 0) {
        next[i] = next[i] + 1;
        c = permutation[i][next[i]];
      }
      entry[c] = backends[i].id;
      next[i] = next[i] + 1;
      n = n + 1;
      if (n === size) return Int32Array.from(entry);
    }
  }
}

/**
 * Slots whose backend differs between two tables of the same size (Katran's
 * `recalculateHashRing` delta: program only these).
 */
export function maglevDelta(prev: Int32Array, next: Int32Array): Int32Array {
  if (prev.length !== next.length) throw new RangeError('maglev: tables differ in size');
  let n = 0;
  for (let i = 0; i < prev.length; i++) if (prev[i] !== next[i]) n++;
  const d = new Int32Array(n);
  n = 0;
  for (let i = 0; i < prev.length; i++) if (prev[i] !== next[i]) d[n++] = i;
  return d;
}

function checkSize(size: number): void {
  if (!isPrime(size)) throw new RangeError(`maglev: table size ${size} is not prime`);
}

function checkBackends(backends: readonly MaglevBackend[], size: number): void {
  checkSize(size);
  for (const b of backends) {
    if (!Number.isInteger(b.id) || b.id < 0 || b.id > 0x7fffffff) throw new RangeError(`maglev: bad backend id ${b.id}`);
    if (!Number.isInteger(b.offset) || b.offset < 0 || b.offset >= size) throw new RangeError(`maglev: bad offset ${b.offset} for backend ${b.id}`);
    if (!Number.isInteger(b.skip) || b.skip < 1 || b.skip >= size) throw new RangeError(`maglev: bad skip ${b.skip} for backend ${b.id}`);
    if (!Number.isInteger(b.weight) || b.weight < 0 || b.weight > 0x7fffffff) throw new RangeError(`maglev: bad weight ${b.weight} for backend ${b.id}`);
  }
}
