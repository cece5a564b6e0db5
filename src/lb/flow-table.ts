/**
 * A bounded flow table: open addressing in typed arrays, bucketed like VPP's lb
 * `lbhash.h` (a bucket is a small fixed window of slots, struct-of-arrays) and
 * evicting like Katran's per-CPU LRU map (a full window drops its stalest entry).
 *
 * Layout: `capacity` slots (a power of two) in `capacity / ways` buckets of `ways`
 * slots (default 8). A flow lives only in bucket `hash & (buckets - 1)`, so a probe
 * touches one window: the 8 hashes of a bucket are 32 contiguous bytes (half a cache
 * line) and are compared first; the key words only on a hash match. Per slot, each in
 * its own Int32Array: 4 key words, hash, value, last-used time, idle timeout.
 *
 * Key: 4 int32 words (a, b, c, d), e.g. src, dst, ports or SPI, proto | tenant << 8,
 * plus the caller's precomputed hash of them (`flowHash`, keyed, so an attacker cannot
 * aim flows at one bucket). Equal hashes with different key words are different flows.
 *
 * Time: `now` is an int32 in milliseconds (capture-relative). An entry is live while
 * (now - lastUsed) | 0 <= timeout; the subtraction wraps, so the clock may wrap too as
 * long as idle ages stay below 2^31 ms (24.8 days). A lookup hit refreshes lastUsed.
 * Expired entries are reclaimed lazily (on lookup, on insert into their bucket, or by
 * `sweep`), so `size` counts occupied slots, some of which may have expired.
 *
 * Insert into a full window: reuse an expired slot, else (by default) evict the stalest
 * (largest idle age) entry of the window and count it. With `evict: false` the insert
 * fails instead (returns -1, counted as `full`), as VPP's lbhash leaves such a flow
 * untracked. The table never grows.
 *
 * lookup/insert/remove allocate nothing and never throw. The public arrays are for
 * reading by the control plane (`scan`); write only through the methods.
 */

/** Counter slots of `FlowTable.counters` (a Float64Array: exact to 2^53, no BigInt). */
export const FT_HITS = 0;
export const FT_MISSES = 1;
export const FT_INSERTS = 2; // new entries written (into a free, expired or evicted slot)
export const FT_REPLACES = 3; // insert of a live key: value and timeout updated in place
export const FT_EVICTIONS = 4; // live entries dropped to make room (stalest in the window)
export const FT_EXPIRED = 5; // expired entries reclaimed (lookup, insert or sweep)
export const FT_FULL = 6; // inserts refused: window full of live entries and evict off
export const FT_COUNTER_NAMES: readonly string[] = ['hits', 'misses', 'inserts', 'replaces', 'evictions', 'expired', 'full'];

/** Empty-slot marker in `values` (stored values are int32 >= 0). */
const EMPTY = -1;

export interface FlowTableOptions {
  /** Slots per bucket (the probe window): a power of two, 1..64. Default 8. */
  ways?: number;
  /** Evict the stalest live entry when a window is full (default true, Katran LRU). */
  evict?: boolean;
}

export class FlowTable {
  /** Slots in all (a power of two, >= ways). */
  readonly capacity: number;
  readonly ways: number;
  readonly evict: boolean;
  readonly counters = new Float64Array(FT_COUNTER_NAMES.length);
  readonly keyA: Int32Array;
  readonly keyB: Int32Array;
  readonly keyC: Int32Array;
  readonly keyD: Int32Array;
  readonly hashes: Int32Array;
  /** Entry value (>= 0), or -1 for an empty slot. */
  readonly values: Int32Array;
  readonly lastUsed: Int32Array;
  readonly timeouts: Int32Array;
  private readonly bucketMask: number;
  private readonly waysShift: number;
  private used = 0;

  constructor(capacity: number, opts: FlowTableOptions = {}) {
    const ways = opts.ways ?? 8;
    if (!Number.isInteger(ways) || ways < 1 || ways > 64 || (ways & (ways - 1)) !== 0) {
      throw new RangeError(`flow table: ways must be a power of two in 1..64, got ${ways}`);
    }
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 28) {
      throw new RangeError(`flow table: capacity must be an integer in 1..2^28, got ${capacity}`);
    }
    let cap = ways;
    while (cap < capacity) cap *= 2;
    this.capacity = cap;
    this.ways = ways;
    this.evict = opts.evict ?? true;
    this.bucketMask = cap / ways - 1;
    this.waysShift = 31 - Math.clz32(ways);
    this.keyA = new Int32Array(cap);
    this.keyB = new Int32Array(cap);
    this.keyC = new Int32Array(cap);
    this.keyD = new Int32Array(cap);
    this.hashes = new Int32Array(cap);
    this.values = new Int32Array(cap).fill(EMPTY);
    this.lastUsed = new Int32Array(cap);
    this.timeouts = new Int32Array(cap);
  }

  /** Occupied slots (live, or expired and not yet reclaimed). Never above capacity. */
  get size(): number {
    return this.used;
  }

  get hits(): number { return this.counters[FT_HITS]; }
  get misses(): number { return this.counters[FT_MISSES]; }
  get inserts(): number { return this.counters[FT_INSERTS]; }
  get replaces(): number { return this.counters[FT_REPLACES]; }
  get evictions(): number { return this.counters[FT_EVICTIONS]; }
  get expired(): number { return this.counters[FT_EXPIRED]; }
  get full(): number { return this.counters[FT_FULL]; }

  /** The value of a live entry (and refresh its last-used time), or -1. Per packet. */
  lookup(hash: number, a: number, b: number, c: number, d: number, now: number): number {
    const i = this.find(hash | 0, a | 0, b | 0, c | 0, d | 0);
    if (i >= 0) {
      if (this.isExpired(i, now | 0)) {
        this.reclaim(i);
      } else {
        this.lastUsed[i] = now;
        this.counters[FT_HITS]++;
        return this.values[i];
      }
    }
    this.counters[FT_MISSES]++;
    return -1;
  }

  /**
   * Insert or update a flow. `value` must be an int32 >= 0; `timeout` is the idle
   * timeout in ms (>= 0). Returns 1 for a new entry, 0 when a live entry with this key
   * was updated, -1 when nothing was stored (window full with evict off, or value < 0).
   * Per packet.
   */
  insert(hash: number, a: number, b: number, c: number, d: number, value: number, now: number, timeout: number): number {
    hash |= 0; a |= 0; b |= 0; c |= 0; d |= 0; now |= 0;
    if ((value | 0) !== value || value < 0) return -1;
    const i = this.find(hash, a, b, c, d);
    if (i >= 0 && !this.isExpired(i, now)) {
      this.values[i] = value;
      this.lastUsed[i] = now;
      this.timeouts[i] = timeout;
      this.counters[FT_REPLACES]++;
      return 0;
    }
    if (i >= 0) this.reclaim(i); // the same key, expired: a new flow
    const s = this.victim(hash, now);
    if (s < 0) {
      this.counters[FT_FULL]++;
      return -1;
    }
    this.keyA[s] = a; this.keyB[s] = b; this.keyC[s] = c; this.keyD[s] = d;
    this.hashes[s] = hash;
    this.values[s] = value;
    this.lastUsed[s] = now;
    this.timeouts[s] = timeout;
    this.used++;
    this.counters[FT_INSERTS]++;
    return 1;
  }

  /** Remove a flow whatever its age; returns its value, or -1 if absent. */
  remove(hash: number, a: number, b: number, c: number, d: number): number {
    const i = this.find(hash | 0, a | 0, b | 0, c | 0, d | 0);
    if (i < 0) return -1;
    const v = this.values[i];
    this.removeSlot(i);
    return v;
  }

  /** Empty one slot (for `scan` callbacks). */
  removeSlot(slot: number): void {
    if (this.values[slot] === EMPTY) return;
    this.values[slot] = EMPTY;
    this.used--;
  }

  /** Give a live slot a new value (for `scan` callbacks), keeping its times. */
  setSlotValue(slot: number, value: number): void {
    if (this.values[slot] !== EMPTY && value >= 0) this.values[slot] = value | 0;
  }

  /**
   * Control plane: call `fn(slot, value)` for every entry live at `now`. `fn` may read
   * the key arrays at `slot` and may call `removeSlot(slot)` or `setSlotValue(slot, v)`
   * (slots never move, so the walk stays valid). Returns the number of live entries.
   */
  scan(now: number, fn: (slot: number, value: number) => void): number {
    let n = 0;
    for (let i = 0; i < this.capacity; i++) {
      if (this.values[i] === EMPTY || this.isExpired(i, now | 0)) continue;
      n++;
      fn(i, this.values[i]);
    }
    return n;
  }

  /** Control plane: remove every entry whose value is `value` (e.g. a failed tunnel). */
  removeValue(value: number): number {
    let n = 0;
    for (let i = 0; i < this.capacity; i++) {
      if (this.values[i] === value && value !== EMPTY) {
        this.removeSlot(i);
        n++;
      }
    }
    return n;
  }

  /** Control plane: reclaim every entry expired at `now`; returns how many. */
  sweep(now: number): number {
    let n = 0;
    for (let i = 0; i < this.capacity; i++) {
      if (this.values[i] !== EMPTY && this.isExpired(i, now | 0)) {
        this.reclaim(i);
        n++;
      }
    }
    return n;
  }

  /** Drop every entry (counters are cumulative and kept). */
  clear(): void {
    this.values.fill(EMPTY);
    this.used = 0;
  }

  /** Slot holding this key (live or expired), or -1. */
  private find(hash: number, a: number, b: number, c: number, d: number): number {
    const base = (hash & this.bucketMask) << this.waysShift;
    const end = base + this.ways;
    const hs = this.hashes;
    for (let i = base; i < end; i++) {
      if (hs[i] === hash && this.values[i] !== EMPTY &&
          this.keyA[i] === a && this.keyB[i] === b && this.keyC[i] === c && this.keyD[i] === d) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The slot a new flow of this hash goes into: a free slot, else an expired one
   * (reclaimed), else the stalest live one (evicted) when eviction is on, else -1.
   * On return the slot is empty.
   */
  private victim(hash: number, now: number): number {
    const base = (hash & this.bucketMask) << this.waysShift;
    const end = base + this.ways;
    let stalest = -1;
    let stalestAge = 0;
    for (let i = base; i < end; i++) {
      if (this.values[i] === EMPTY) return i;
      const age = (now - this.lastUsed[i]) | 0;
      if (age > this.timeouts[i]) {
        this.reclaim(i);
        return i;
      }
      if (stalest < 0 || age > stalestAge) {
        stalest = i;
        stalestAge = age;
      }
    }
    if (!this.evict) return -1;
    this.removeSlot(stalest);
    this.counters[FT_EVICTIONS]++;
    return stalest;
  }

  private isExpired(i: number, now: number): boolean {
    return ((now - this.lastUsed[i]) | 0) > this.timeouts[i];
  }

  private reclaim(i: number): void {
    this.removeSlot(i);
    this.counters[FT_EXPIRED]++;
  }
}
