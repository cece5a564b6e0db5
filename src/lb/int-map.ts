/**
 * An immutable open-addressing map from one or two int32 keys to an int32 value, in typed
 * arrays. Built once by the control plane (the constructor), read per packet by the data
 * plane with `get`, which allocates nothing and never throws. Used for the SLB NAT rules
 * (VIP, source IP), GRE VIP owners, (VLAN, CA IP) owners and VSIDs: small tables where a
 * `Map` keyed by strings would cost a string per packet.
 *
 * Capacity is a power of two at least twice the entry count (load <= 0.5), so linear
 * probing ends at an empty slot after a few steps. A slot is four int32 side by side in one
 * array (key a, key b, value, used), so a probe reads one array and one cache line; four
 * arrays (one per field) cost a bounds-checked load each and a line each.
 */

/**
 * The slot of (a, b) in a table of 2^(32 - shift) slots: multiplicative (Fibonacci) hashing
 * (Knuth, TAOCP vol. 3, 6.4), the top bits of a product with an odd constant: `a` times
 * 2^32 / golden ratio, then, with `b` mixed in, times MurmurHash3's 0x85ebca6b. A change in any
 * bit of a key reaches the top bits, so consecutive addresses (a tenant's public IPs) and
 * addresses a /24 apart spread alike (test/lb/int-map.test.ts).
 * It replaced MurmurHash3's fmix32 of the same product (two more multiplies, three shifts):
 * dissect + forward in one process, alternating rounds, 0.96x the time on the trace mix and
 * 0.94x on the SLB NAT job.
 */
export function slotOf(a: number, b: number, shift: number): number {
  return Math.imul(Math.imul(a, 0x9e3779b1) ^ b, 0x85ebca6b) >>> shift;
}

/** Words of one slot: key a, key b, value, used (1) or empty (0). */
const SLOT = 4;
const S_K2 = 1;
const S_VAL = 2;
const S_USED = 3;

export class IntMap {
  readonly size: number;
  private readonly mask: number;
  private readonly shift: number;
  private readonly slots: Int32Array;

  constructor(entries: ReadonlyArray<readonly [number, number, number]>) {
    let cap = 4;
    let bits = 2;
    while (cap < entries.length * 2) {
      cap *= 2;
      bits++;
    }
    this.mask = cap - 1;
    this.shift = 32 - bits;
    const t = new Int32Array(cap * SLOT);
    this.slots = t;
    let n = 0;
    for (const [a, b, v] of entries) {
      let e = slotOf(a | 0, b | 0, this.shift) * SLOT;
      while (t[e + S_USED] === 1 && !(t[e] === (a | 0) && t[e + S_K2] === (b | 0))) e = (e + SLOT) & (this.mask * SLOT + SLOT - 1);
      if (t[e + S_USED] === 0) n++;
      t[e] = a;
      t[e + S_K2] = b;
      t[e + S_VAL] = v;
      t[e + S_USED] = 1;
    }
    this.size = n;
  }

  /** The value for (a, b), or -1. */
  get(a: number, b: number): number {
    const t = this.slots;
    const wrap = this.mask * SLOT + SLOT - 1;
    let e = slotOf(a, b, this.shift) * SLOT;
    for (;;) {
      if (t[e + S_USED] === 0) return -1;
      if (t[e] === a && t[e + S_K2] === b) return t[e + S_VAL]!;
      e = (e + SLOT) & wrap;
    }
  }

  /** Every entry as [a, b, value] (control plane, `explain`, tests). */
  entries(): Array<[number, number, number]> {
    const out: Array<[number, number, number]> = [];
    const t = this.slots;
    for (let e = 0; e < t.length; e += SLOT) if (t[e + S_USED] === 1) out.push([t[e]!, t[e + S_K2]!, t[e + S_VAL]!]);
    return out;
  }
}
