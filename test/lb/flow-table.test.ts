import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowTable, FT_COUNTER_NAMES } from '../../src/lb/flow-table.js';
import { flowHash, makeHashKey } from '../../src/lb/hash.js';

const TCP_TIMEOUT = 300_000;
const UDP_TIMEOUT = 30_000;
const key = makeHashKey('flow-table-test');

/** A flow by number: 10.0.x.y:port -> 192.0.2.1:443/TCP. */
function flow(n: number): [number, number, number, number, number] {
  const a = (0x0a000000 + (n >>> 10)) | 0;
  const b = 0xc0000201 | 0;
  const c = ((1024 + (n & 1023)) << 16) | 443;
  const d = 6;
  return [flowHash(key, a, b, c, d), a, b, c, d];
}

describe('FlowTable basics', () => {
  it('rounds capacity up to a power of two, and validates options', () => {
    expect(new FlowTable(1000).capacity).toBe(1024);
    expect(new FlowTable(1).capacity).toBe(8); // at least one bucket of `ways` slots
    expect(new FlowTable(3, { ways: 1 }).capacity).toBe(4);
    expect(() => new FlowTable(0)).toThrow(RangeError);
    expect(() => new FlowTable(64, { ways: 3 })).toThrow(RangeError);
  });

  it('hit, miss, insert, replace', () => {
    const t = new FlowTable(64);
    const f = flow(1);
    expect(t.lookup(...f, 0)).toBe(-1);
    expect(t.insert(...f, 7, 0, TCP_TIMEOUT)).toBe(1);
    expect(t.lookup(...f, 1)).toBe(7);
    expect(t.insert(...f, 9, 2, TCP_TIMEOUT)).toBe(0);
    expect(t.lookup(...f, 3)).toBe(9);
    expect(t.size).toBe(1);
    expect(t.lookup(...flow(2), 3)).toBe(-1);
    expect([t.hits, t.misses, t.inserts, t.replaces, t.evictions, t.expired]).toEqual([2, 2, 1, 1, 0, 0]);
    expect(FT_COUNTER_NAMES).toHaveLength(t.counters.length);
  });

  it('normalises uint32 inputs to int32 (a key read from a Uint32Array still matches)', () => {
    const t = new FlowTable(64);
    expect(t.insert(0xfffffff0, 0xffffffff, 0x80000000, 1, 2, 5, 0, 100)).toBe(1);
    expect(t.lookup(-16, -1, -0x80000000, 1, 2, 1)).toBe(5);
  });

  it('refuses negative values', () => {
    const t = new FlowTable(64);
    expect(t.insert(...flow(1), -3, 0, 100)).toBe(-1);
    expect(t.size).toBe(0);
  });

  it('remove, removeValue, scan, setSlotValue, sweep, clear', () => {
    const t = new FlowTable(1024);
    for (let n = 0; n < 100; n++) t.insert(...flow(n), n % 4, 0, n < 50 ? UDP_TIMEOUT : TCP_TIMEOUT);
    expect(t.remove(...flow(3))).toBe(3);
    expect(t.remove(...flow(3))).toBe(-1);
    expect(t.size).toBe(99);
    expect(t.evictions).toBe(0);
    // Tunnel 1 failed: flows on it are dropped and will re-select.
    expect(t.removeValue(1)).toBe(25);
    expect(t.lookup(...flow(5), 1)).toBe(-1);
    // Tunnel 2 moves to 3 in place.
    const seen: number[] = [];
    const live = t.scan(1, (slot, v) => {
      seen.push(v);
      if (v === 2) t.setSlotValue(slot, 3);
    });
    expect(live).toBe(74);
    expect(seen.filter((v) => v === 1)).toHaveLength(0);
    expect(t.lookup(...flow(6), 2)).toBe(3);
    // The UDP half idles out at 30 s; TCP stays.
    expect(t.sweep(UDP_TIMEOUT + 10)).toBe(36);
    expect(t.size).toBe(38);
    expect(t.scan(UDP_TIMEOUT + 10, () => {})).toBe(38);
    t.clear();
    expect(t.size).toBe(0);
    expect(t.lookup(...flow(60), UDP_TIMEOUT + 20)).toBe(-1);
  });
});

describe('FlowTable timeouts', () => {
  it('expires idle entries, per-entry timeouts, lookups keep a flow alive', () => {
    const t = new FlowTable(64);
    const udp = flow(1);
    const tcp = flow(2);
    t.insert(...udp, 1, 0, 100);
    t.insert(...tcp, 2, 0, 1000);
    expect(t.lookup(...udp, 100)).toBe(1); // idle exactly the timeout: still live
    expect(t.lookup(...udp, 200)).toBe(1); // refreshed at 100
    expect(t.lookup(...udp, 301)).toBe(-1); // idle 101 > 100
    expect(t.expired).toBe(1);
    expect(t.size).toBe(1);
    expect(t.lookup(...tcp, 1000)).toBe(2);
    // An expired key inserted again is a new flow, not a replace.
    expect(t.insert(...udp, 4, 400, 100)).toBe(1);
    expect(t.insert(...udp, 5, 600, 100)).toBe(1);
    expect(t.replaces).toBe(0);
    expect(t.expired).toBe(2);
  });

  it('survives the int32 millisecond clock wrapping', () => {
    const t = new FlowTable(64);
    const f = flow(9);
    const start = 0x7fffff00;
    t.insert(...f, 3, start, 1000);
    expect(t.lookup(...f, (start + 500) | 0)).toBe(3); // now is negative
    expect(t.lookup(...f, (start + 1400) | 0)).toBe(3);
    expect(t.lookup(...f, (start + 2401) | 0)).toBe(-1);
  });

  it('reuses an expired slot of a full window before evicting a live one', () => {
    const t = new FlowTable(8, { ways: 8 }); // one bucket
    for (let n = 0; n < 8; n++) t.insert(...flow(n), n, n, n === 5 ? 10 : 10_000);
    expect(t.insert(...flow(100), 100, 50, 10_000)).toBe(1);
    expect(t.expired).toBe(1);
    expect(t.evictions).toBe(0);
    expect(t.lookup(...flow(5), 51)).toBe(-1);
    expect(t.lookup(...flow(0), 51)).toBe(0);
  });
});

describe('FlowTable bounds and eviction', () => {
  it('inserting 10x capacity stays within capacity and counts evictions', () => {
    const t = new FlowTable(1024);
    for (let n = 0; n < 10 * 1024; n++) expect(t.insert(...flow(n), n & 0xffff, n, TCP_TIMEOUT)).toBe(1);
    expect(t.size).toBeLessThanOrEqual(t.capacity);
    expect(t.size).toBeGreaterThan(0.99 * t.capacity);
    expect(t.inserts).toBe(10 * 1024);
    expect(t.evictions).toBe(t.inserts - t.size);
    // The survivors are the most recent flows: nothing older than the last ~2 table-fulls.
    let oldest = Infinity;
    t.scan(10 * 1024, (_slot, v) => (oldest = Math.min(oldest, v)));
    expect(oldest).toBeGreaterThan(10 * 1024 - 3 * 1024);
  });

  it('evicts the stalest entry of the window (LRU), honouring lookups', () => {
    const t = new FlowTable(64, { ways: 8 });
    // Nine keys in one bucket: hash low bits equal (bucket 3), high bits differ.
    const k = (i: number): [number, number, number, number, number] => [3 | (i << 16), i, 0, 0, 17];
    for (let i = 0; i < 8; i++) t.insert(...k(i), i, i, 10_000);
    for (const i of [0, 1, 2]) expect(t.lookup(...k(i), 20 + i)).toBe(i);
    expect(t.insert(...k(8), 8, 30, 10_000)).toBe(1);
    expect(t.lookup(...k(3), 31)).toBe(-1); // stalest: last used at 3
    expect(t.insert(...k(9), 9, 32, 10_000)).toBe(1);
    expect(t.lookup(...k(4), 33)).toBe(-1); // then 4
    for (const i of [0, 1, 2, 5, 6, 7, 8, 9]) expect(t.lookup(...k(i), 40)).toBe(i);
    expect(t.evictions).toBe(2);
    expect(t.size).toBe(8);
  });

  it('with evict off, a full window refuses the insert', () => {
    const t = new FlowTable(8, { ways: 8, evict: false });
    for (let n = 0; n < 8; n++) expect(t.insert(...flow(n), n, 0, 1000)).toBe(1);
    expect(t.insert(...flow(8), 8, 1, 1000)).toBe(-1);
    expect(t.full).toBe(1);
    expect(t.insert(...flow(3), 33, 1, 1000)).toBe(0); // updating a live key still works
    expect(t.insert(...flow(8), 8, 1002, 1000)).toBe(1); // everything idled out
  });

  it('keys with the same hash are told apart by their key words', () => {
    const t = new FlowTable(64);
    const h = 0x12345678;
    const keys = [[1, 2, 3, 4], [1, 2, 3, 5], [1, 2, 4, 4], [1, 3, 3, 4], [2, 2, 3, 4]];
    keys.forEach(([a, b, c, d], i) => expect(t.insert(h, a, b, c, d, i, 0, 1000)).toBe(1));
    keys.forEach(([a, b, c, d], i) => expect(t.lookup(h, a, b, c, d, 1)).toBe(i));
    expect(t.lookup(h, 9, 9, 9, 9, 1)).toBe(-1);
    expect(t.remove(h, 1, 2, 3, 5)).toBe(1);
    expect(t.lookup(h, 1, 2, 3, 4, 2)).toBe(0);
    expect(t.lookup(h, 1, 2, 3, 5, 2)).toBe(-1);
    // Same key words, different hash: the caller's hash is part of the identity.
    expect(t.lookup(h + 1, 1, 2, 3, 4, 2)).toBe(-1);
  });
});

/**
 * Reference model: a Map of live entries. An entry is present while now - last <=
 * timeout. Insert of an absent key into a bucket with `ways` present entries evicts the
 * present entry with the oldest `last` (times are strictly increasing in the test, so
 * there are no ties), or fails when eviction is off.
 */
class ModelTable {
  readonly m = new Map<string, { hash: number; value: number; last: number; timeout: number }>();
  hits = 0;
  misses = 0;
  evictions = 0;
  full = 0;
  constructor(readonly buckets: number, readonly ways: number, readonly evict: boolean) {}

  private live(k: string, now: number) {
    const e = this.m.get(k);
    if (e && now - e.last > e.timeout) {
      this.m.delete(k);
      return undefined;
    }
    return e;
  }

  peek(k: string, now: number): number {
    return this.live(k, now)?.value ?? -1;
  }

  lookup(k: string, now: number): number {
    const e = this.live(k, now);
    if (!e) {
      this.misses++;
      return -1;
    }
    e.last = now;
    this.hits++;
    return e.value;
  }

  insert(k: string, hash: number, value: number, now: number, timeout: number): number {
    const e = this.live(k, now);
    if (e) {
      Object.assign(e, { value, last: now, timeout });
      return 0;
    }
    const bucket = hash & (this.buckets - 1);
    const same = [...this.m.keys()].filter((x) => this.live(x, now) && (this.m.get(x)!.hash & (this.buckets - 1)) === bucket);
    if (same.length >= this.ways) {
      if (!this.evict) {
        this.full++;
        return -1;
      }
      const stalest = same.reduce((p, x) => (this.m.get(x)!.last < this.m.get(p)!.last ? x : p));
      this.m.delete(stalest);
      this.evictions++;
    }
    this.m.set(k, { hash, value, last: now, timeout });
    return 1;
  }

  liveEntries(now: number): string[] {
    return [...this.m.keys()].filter((k) => this.live(k, now)).map((k) => `${k}=${this.m.get(k)!.value}`).sort();
  }
}

describe('FlowTable vs a Map-based reference model', () => {
  type Op = { kind: 'lookup' | 'insert' | 'remove' | 'scan'; key: number; value: number; dt: number; timeout: number };
  const op = fc.record({
    kind: fc.constantFrom<Op['kind']>('lookup', 'lookup', 'insert', 'insert', 'insert', 'remove', 'scan'),
    key: fc.integer({ min: 0, max: 60 }),
    value: fc.integer({ min: 0, max: 1000 }),
    dt: fc.integer({ min: 1, max: 10 }),
    timeout: fc.constantFrom(10, 200, 1000, 5000),
  });

  for (const cfg of [
    { capacity: 16, ways: 4, evict: true },
    { capacity: 16, ways: 4, evict: false },
    { capacity: 32, ways: 8, evict: true },
    { capacity: 8, ways: 1, evict: true },
  ]) {
    it(`agrees on random operations (capacity ${cfg.capacity}, ways ${cfg.ways}, evict ${cfg.evict})`, () => {
      fc.assert(
        fc.property(fc.array(op, { minLength: 100, maxLength: 400 }), (ops) => {
          const t = new FlowTable(cfg.capacity, { ways: cfg.ways, evict: cfg.evict });
          const model = new ModelTable(cfg.capacity / cfg.ways, cfg.ways, cfg.evict);
          // Keys 0..60; hashes collide on purpose (k % 13), and so do buckets.
          const words = (k: number): [number, number, number, number, number] => [(k % 13) * 0x01010101, k, -k, k * 7, 6];
          const name = (k: number) => String(k);
          let now = 0;
          for (const o of ops) {
            now += o.dt;
            const w = words(o.key);
            if (o.kind === 'lookup') {
              expect(t.lookup(...w, now)).toBe(model.lookup(name(o.key), now));
            } else if (o.kind === 'insert') {
              expect(t.insert(...w, o.value, now, o.timeout)).toBe(model.insert(name(o.key), w[0], o.value, now, o.timeout));
            } else if (o.kind === 'remove') {
              const present = model.peek(name(o.key), now);
              const got = t.remove(...w);
              // remove ignores age: an expired entry not yet reclaimed may come back too.
              if (present >= 0 || got >= 0) expect(got).toBe(present >= 0 ? present : got);
              model.m.delete(name(o.key));
            } else {
              const live: string[] = [];
              t.scan(now, (slot, v) => live.push(`${t.slotKey(slot, 0)}=${v}`));
              expect(live.sort()).toEqual(model.liveEntries(now));
            }
            expect(t.size).toBeLessThanOrEqual(t.capacity);
            expect(t.size).toBeGreaterThanOrEqual(model.liveEntries(now).length);
          }
          expect(t.hits).toBe(model.hits);
          expect(t.misses).toBe(model.misses);
          expect(t.evictions).toBe(model.evictions);
          expect(t.full).toBe(model.full);
        }),
        { numRuns: 100 },
      );
    });
  }
});
