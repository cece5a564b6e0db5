/**
 * An immutable open-addressing map from one or two int32 keys to an int32 value, in typed
 * arrays. Built once by the control plane (`IntMapBuilder`), read per packet by the data
 * plane with `get`, which allocates nothing and never throws. Used for the SLB NAT rules
 * (VIP, source IP), GRE VIP owners, (VLAN, CA IP) owners and VSIDs: small tables where a
 * `Map` keyed by strings would cost a string per packet.
 *
 * Capacity is a power of two at least twice the entry count (load <= 0.5), so linear
 * probing ends at an empty slot after a few steps.
 */

import { fmix32 } from './hash.js';

/** Both keys mixed into one well-spread int32 (golden-ratio multiply, then MurmurHash3's finaliser). */
function mix(a: number, b: number): number {
  return fmix32(Math.imul(a, 0x9e3779b1) ^ b);
}

export class IntMap {
  readonly size: number;
  private readonly mask: number;
  private readonly k1: Int32Array;
  private readonly k2: Int32Array;
  private readonly val: Int32Array;
  private readonly used: Uint8Array;

  constructor(entries: ReadonlyArray<readonly [number, number, number]>) {
    let cap = 4;
    while (cap < entries.length * 2) cap *= 2;
    this.mask = cap - 1;
    this.k1 = new Int32Array(cap);
    this.k2 = new Int32Array(cap);
    this.val = new Int32Array(cap);
    this.used = new Uint8Array(cap);
    let n = 0;
    for (const [a, b, v] of entries) {
      let s = mix(a | 0, b | 0) & this.mask;
      while (this.used[s] === 1 && !(this.k1[s] === (a | 0) && this.k2[s] === (b | 0))) s = (s + 1) & this.mask;
      if (this.used[s] === 0) n++;
      this.used[s] = 1;
      this.k1[s] = a;
      this.k2[s] = b;
      this.val[s] = v;
    }
    this.size = n;
  }

  /** The value for (a, b), or -1. */
  get(a: number, b: number): number {
    let s = mix(a, b) & this.mask;
    for (;;) {
      if (this.used[s] === 0) return -1;
      if (this.k1[s] === a && this.k2[s] === b) return this.val[s]!;
      s = (s + 1) & this.mask;
    }
  }

  /** Every entry as [a, b, value] (control plane, `explain`, tests). */
  entries(): Array<[number, number, number]> {
    const out: Array<[number, number, number]> = [];
    for (let s = 0; s <= this.mask; s++) if (this.used[s] === 1) out.push([this.k1[s]!, this.k2[s]!, this.val[s]!]);
    return out;
  }
}
