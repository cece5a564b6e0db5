/**
 * The flow table's first layout, kept for the benchmark only: one Int32Array per field
 * (key a..d, value, last used, timeout), so a hit touches one cache line per field. The
 * table in src/lb/flow-table.ts keeps a slot's fields together (two lines per hit).
 * Same bucketed probe, lookup and insert-into-free-slot only (no eviction).
 */
export class SplitFlowTable {
  private readonly mask: number;
  readonly hashes: Int32Array;
  readonly keyA: Int32Array;
  readonly keyB: Int32Array;
  readonly keyC: Int32Array;
  readonly keyD: Int32Array;
  readonly values: Int32Array;
  readonly lastUsed: Int32Array;
  readonly timeouts: Int32Array;

  constructor(capacity: number) {
    this.mask = capacity / 8 - 1;
    this.hashes = new Int32Array(capacity);
    this.keyA = new Int32Array(capacity);
    this.keyB = new Int32Array(capacity);
    this.keyC = new Int32Array(capacity);
    this.keyD = new Int32Array(capacity);
    this.values = new Int32Array(capacity).fill(-1);
    this.lastUsed = new Int32Array(capacity);
    this.timeouts = new Int32Array(capacity);
  }

  lookup(hash: number, a: number, b: number, c: number, d: number, now: number): number {
    const base = (hash & this.mask) << 3;
    for (let i = base; i < base + 8; i++) {
      if (this.hashes[i] === hash && this.values[i] !== -1 && this.keyA[i] === a && this.keyB[i] === b && this.keyC[i] === c && this.keyD[i] === d) {
        if (((now - this.lastUsed[i]!) | 0) > this.timeouts[i]!) return -1;
        this.lastUsed[i] = now;
        return this.values[i]!;
      }
    }
    return -1;
  }

  insert(hash: number, a: number, b: number, c: number, d: number, value: number, now: number, timeout: number): void {
    const base = (hash & this.mask) << 3;
    for (let i = base; i < base + 8; i++) {
      if (this.values[i] === -1) {
        this.hashes[i] = hash;
        this.keyA[i] = a;
        this.keyB[i] = b;
        this.keyC[i] = c;
        this.keyD[i] = d;
        this.values[i] = value;
        this.lastUsed[i] = now;
        this.timeouts[i] = timeout;
        return;
      }
    }
  }
}
