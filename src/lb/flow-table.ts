/**
 * A bounded flow table: open addressing in typed arrays, bucketed like VPP's lb
 * `lbhash.h` (a bucket is a small fixed window of slots, struct-of-arrays) and
 * evicting like Katran's per-CPU LRU map (a full window drops its stalest entry).
 *
 * Layout: `capacity` slots (a power of two) in `capacity / ways` buckets of `ways`
 * slots (default 8). A flow lives only in bucket `hash & (buckets - 1)`, so a probe
 * touches one window: the 8 hashes of a bucket are 32 contiguous bytes (half a cache
 * line) and are compared first. Everything else of a slot (4 key words, value, last-used
 * time, idle timeout) sits together in `entries`, 8 int32 per slot (32 bytes, half a cache
 * line), so a hit touches two cache lines, not one per field. bench/lb/flow-table.bench.ts
 * keeps the one-array-per-field layout beside it, and it is not settled: the CPU overlaps the
 * per-field misses, and the microbenchmark of a hit over 256k slots favours the old layout
 * (see bench/RESULTS.md), while a 1M-slot table favoured this one by ~10% in a standalone
 * test. The data path hides the misses either way by probing a whole batch first
 * (gateway-forward.ts, nvgreHashPass).
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

/**
 * Empty-slot marker in an entry's value word. The word holds value + 1, so that a fresh
 * zero-filled table is empty without a fill pass (and its pages stay untouched, not resident,
 * until flows arrive). Values themselves are int32 >= 0 and read back as -1 when empty.
 */
const EMPTY = 0;

/** Words of one slot in `entries`: key a, b, c, d, value, last used, timeout, (pad). */
export const ENTRY_WORDS = 8;
const E_VALUE = 4;
const E_LAST = 5;
const E_TIMEOUT = 6;

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
  /** Hash of each slot, bucket after bucket (read-only outside this class). */
  readonly hashes: Int32Array;
  /** ENTRY_WORDS int32 per slot: key a, b, c, d, value + 1 (0 empty), last used, timeout. */
  readonly entries: Int32Array;
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
    this.hashes = new Int32Array(cap);
    this.entries = new Int32Array(cap * ENTRY_WORDS);
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

  /** Value of slot `s` (-1 when empty). Control plane and tests. */
  slotValue(s: number): number {
    return this.entries[s * ENTRY_WORDS + E_VALUE] - 1;
  }
  /** Key word `w` (0..3: a, b, c, d) of slot `s`. Control plane and tests. */
  slotKey(s: number, w: number): number {
    return this.entries[s * ENTRY_WORDS + w];
  }
  /** Last-used time of slot `s`. */
  slotLastUsed(s: number): number {
    return this.entries[s * ENTRY_WORDS + E_LAST];
  }

  /** The value of a live entry (and refresh its last-used time), or -1. Per packet. */
  lookup(hash: number, a: number, b: number, c: number, d: number, now: number): number {
    const i = this.find(hash | 0, a | 0, b | 0, c | 0, d | 0);
    if (i >= 0) {
      const e = i * ENTRY_WORDS;
      const en = this.entries;
      if ((((now | 0) - en[e + E_LAST]) | 0) > en[e + E_TIMEOUT]) {
        this.reclaim(i);
      } else {
        en[e + E_LAST] = now;
        this.counters[FT_HITS]++;
        return en[e + E_VALUE] - 1;
      }
    }
    this.counters[FT_MISSES]++;
    return -1;
  }

  /**
   * Insert or update a flow. `value` must be an int32 >= 0; `timeout` is the idle
   * timeout in ms (>= 0). Returns 1 for a new entry, 0 when a live entry with this key
   * was updated, -1 when nothing was stored (window full with evict off, or value outside
   * 0..2^31-2).
   * Per packet.
   */
  insert(hash: number, a: number, b: number, c: number, d: number, value: number, now: number, timeout: number): number {
    hash |= 0; a |= 0; b |= 0; c |= 0; d |= 0; now |= 0;
    if ((value | 0) !== value || value < 0 || value === 0x7fffffff) return -1;
    const i = this.find(hash, a, b, c, d);
    if (i >= 0 && !this.isExpired(i, now)) {
      const e = i * ENTRY_WORDS;
      this.entries[e + E_VALUE] = value + 1;
      this.entries[e + E_LAST] = now;
      this.entries[e + E_TIMEOUT] = timeout;
      this.counters[FT_REPLACES]++;
      return 0;
    }
    if (i >= 0) this.reclaim(i); // the same key, expired: a new flow
    return this.insertAbsent(hash, a, b, c, d, value, now, timeout);
  }

  /**
   * Insert a flow known to be absent (the caller's `lookup` just missed): skips the
   * probe for an existing key. Returns 1, or -1 when nothing was stored. Per packet.
   */
  insertAbsent(hash: number, a: number, b: number, c: number, d: number, value: number, now: number, timeout: number): number {
    if ((value | 0) !== value || value < 0 || value === 0x7fffffff) return -1;
    const s = this.victim(hash | 0, now | 0);
    if (s < 0) {
      this.counters[FT_FULL]++;
      return -1;
    }
    const e = s * ENTRY_WORDS;
    const en = this.entries;
    en[e] = a;
    en[e + 1] = b;
    en[e + 2] = c;
    en[e + 3] = d;
    en[e + E_VALUE] = value + 1;
    en[e + E_LAST] = now;
    en[e + E_TIMEOUT] = timeout;
    this.hashes[s] = hash;
    this.used++;
    this.counters[FT_INSERTS]++;
    return 1;
  }

  /** Remove a flow whatever its age; returns its value, or -1 if absent. */
  remove(hash: number, a: number, b: number, c: number, d: number): number {
    const i = this.find(hash | 0, a | 0, b | 0, c | 0, d | 0);
    if (i < 0) return -1;
    const v = this.slotValue(i);
    this.removeSlot(i);
    return v;
  }

  /** Empty one slot (for `scan` callbacks). */
  removeSlot(slot: number): void {
    const e = slot * ENTRY_WORDS + E_VALUE;
    if (this.entries[e] === EMPTY) return;
    this.entries[e] = EMPTY;
    this.used--;
  }

  /** Give a live slot a new value (for `scan` callbacks), keeping its times. */
  setSlotValue(slot: number, value: number): void {
    const e = slot * ENTRY_WORDS + E_VALUE;
    if (this.entries[e] !== EMPTY && value >= 0 && value < 0x7fffffff) this.entries[e] = (value | 0) + 1;
  }

  /**
   * Control plane: call `fn(slot, value)` for every entry live at `now`. `fn` may read
   * the slot (`slotKey`, `slotValue`) and may call `removeSlot(slot)` or
   * `setSlotValue(slot, v)` (slots never move, so the walk stays valid). Returns the
   * number of live entries.
   */
  scan(now: number, fn: (slot: number, value: number) => void): number {
    let n = 0;
    for (let i = 0; i < this.capacity; i++) {
      const v = this.slotValue(i);
      if (v < 0 || this.isExpired(i, now | 0)) continue;
      n++;
      fn(i, v);
    }
    return n;
  }

  /** Control plane: remove every entry whose value is `value` (e.g. a failed tunnel). */
  removeValue(value: number): number {
    let n = 0;
    for (let i = 0; i < this.capacity; i++) {
      if (value >= 0 && this.slotValue(i) === value) {
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
      if (this.slotValue(i) >= 0 && this.isExpired(i, now | 0)) {
        this.reclaim(i);
        n++;
      }
    }
    return n;
  }

  /** Drop every entry (counters are cumulative and kept). */
  clear(): void {
    for (let s = 0; s < this.capacity; s++) this.entries[s * ENTRY_WORDS + E_VALUE] = EMPTY;
    this.used = 0;
  }

  /**
   * Load the first cache lines of the bucket of `hash` (its hashes, and its first slot, where a
   * bucket's only flow lives) and return a value made of them, for the caller to keep so that
   * the loads are not optimised away. No dependency between two calls: a pass of touches over a
   * batch has many cache misses in flight at once, where lookups one after the other wait for
   * each (JavaScript has no prefetch instruction). Per packet.
   */
  touch(hash: number): number {
    const base = (hash & this.bucketMask) << this.waysShift;
    return this.hashes[base]! ^ this.entries[base * ENTRY_WORDS + E_VALUE]!;
  }

  /**
   * The slot holding this key (live or expired), or -1, with no side effect. Per packet.
   */
  probe(hash: number, a: number, b: number, c: number, d: number): number {
    return this.find(hash | 0, a | 0, b | 0, c | 0, d | 0);
  }

  /** Slot holding this key (live or expired), or -1. */
  private find(hash: number, a: number, b: number, c: number, d: number): number {
    const base = (hash & this.bucketMask) << this.waysShift;
    const end = base + this.ways;
    const hs = this.hashes;
    const en = this.entries;
    for (let i = base; i < end; i++) {
      if (hs[i] !== hash) continue;
      const e = i * ENTRY_WORDS;
      if (en[e + E_VALUE] !== EMPTY && en[e] === a && en[e + 1] === b && en[e + 2] === c && en[e + 3] === d) return i;
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
    const en = this.entries;
    let stalest = -1;
    let stalestAge = 0;
    for (let i = base; i < end; i++) {
      const e = i * ENTRY_WORDS;
      if (en[e + E_VALUE] === EMPTY) return i;
      const age = (now - en[e + E_LAST]) | 0;
      if (age > en[e + E_TIMEOUT]) {
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
    const e = i * ENTRY_WORDS;
    return ((now - this.entries[e + E_LAST]) | 0) > this.entries[e + E_TIMEOUT];
  }

  private reclaim(i: number): void {
    this.removeSlot(i);
    this.counters[FT_EXPIRED]++;
  }
}
