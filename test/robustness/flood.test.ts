/**
 * Issue 6, item 3: floods of new flows, and hash flooding.
 *
 * 1. A flood of 200k new flows (TCP SYN and UDP, alternately) through `runReplay` into a flow
 *    table of 4096 entries, with 16 long-lived flows sending among them (each every 320 packets): the table keeps its
 *    bound, every new flow is counted, evictions take the stalest entries (the active flows
 *    survive, the first flows of the flood are gone), memory stays flat. The 10-million-flow
 *    run is `npm run fuzz -- --flood 10000000` (flood-long.test.ts); its figures are in
 *    test/ROBUSTNESS.md.
 * 2. Hash flooding: flows crafted to fall into one bucket under a known fixed key. Under that
 *    key they evict each other and a victim flow of the same bucket; under a random key the
 *    same flows spread over the table. Lookups never examine more than one bucket (8 slots)
 *    either way: collisions cost evictions, never time. Measured by counting (bucket
 *    occupancy, evictions, slots examined per lookup), not by the clock.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlowTable } from '../../src/lb/flow-table.js';
import { flowHash, makeHashKey } from '../../src/lb/hash.js';
import { runReplay } from '../../src/replay/replay.js';
import { C_FLOWS_NEW } from '../../src/stats/counters.js';
import { ip4FromString } from '../../src/wire/view.js';
import { recordFigures } from './figures.js';
import { demoConfig, KEY } from './planes.js';
import { FLOOD_SPORT0, floodTraffic, nvgreFrame, PcapOut } from './traffic.js';

const FLOWS = 200_000;
const CAPACITY = 4096;
const ELEPHANTS = 16;
const EVERY = 20;
let dir = '';
const figures: Record<string, unknown> = {};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-flood-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  recordFigures('flood', figures);
});

const cfgWith = (capacity: number, hash = 'hash: { kind: keyed, key: "demo", symmetric: false }'): ReturnType<typeof demoConfig> =>
  demoConfig((t) =>
    t
      .replace(/flow_table: \{[^}]*\}/, `flow_table: { capacity: ${capacity}, tcp_idle_ms: 300000, udp_idle_ms: 30000, other_idle_ms: 30000 }`)
      .replace('hash: { kind: keyed, key: "demo", symmetric: false }', hash)
      .replace(/scenario:[\s\S]*$/, 'scenario: []\n'),
  );

/** Slots of `ft` holding the key (a, b, c, d) (live or not). */
function holds(ft: FlowTable, a: number, b: number, c: number, d: number): boolean {
  for (let s = 0; s < ft.capacity; s++) if (ft.slotValue(s) !== -1 && ft.slotKey(s, 0) === a && ft.slotKey(s, 1) === b && ft.slotKey(s, 2) === c && ft.slotKey(s, 3) === d) return true;
  return false;
}

describe(`a flood of ${FLOWS / 1000}k new flows into a table of ${CAPACITY}`, () => {
  it('keeps the bound, counts every new flow and eviction, evicts the stalest, memory flat', () => {
    const cap = path.join(dir, 'flood.pcap');
    const out = PcapOut.toFile(cap);
    const { packets, elephantFlows } = floodTraffic(FLOWS, ELEPHANTS, EVERY, (f, t) => out.packet(f, t));
    out.close();
    const rss: number[] = [];
    const heap: number[] = [];
    let batches = 0;
    const r = runReplay({
      read: cap,
      config: cfgWith(CAPACITY),
      hashKey: KEY,
      onBatch: () => {
        if (batches++ % 50 === 0) {
          rss.push(process.memoryUsage().rss);
          heap.push(process.memoryUsage().heapUsed);
        }
      },
    });
    rss.push(process.memoryUsage().rss);
    const ft = r.flows;
    const c = r.counters;
    expect(r.packets).toBe(packets);
    expect(c.rx).toBe(c.tx + c.dropped);
    expect(c.dropped).toBe(0);
    // the bound
    expect(ft.capacity).toBe(CAPACITY);
    expect(ft.size).toBeLessThanOrEqual(CAPACITY);
    expect(ft.size).toBeGreaterThan(CAPACITY * 0.95);
    // every new flow counted; every one beyond what the table holds evicted (no timeouts in 2 s)
    expect(c.c[C_FLOWS_NEW]).toBe(ft.inserts);
    expect(ft.inserts).toBeGreaterThanOrEqual(FLOWS + ELEPHANTS);
    expect(ft.evictions).toBe(ft.inserts - ft.size);
    expect(ft.expired).toBe(0);
    // the stalest go: every active flow is still there, the first flows of the flood are not
    const kd = (tenant: number, proto: number): number => proto | (tenant << 8);
    for (const e of elephantFlows) {
      expect(holds(ft, e.isrc, e.idst, (e.sport << 16) | e.dport, kd(e.vsid - 5001, 6))).toBe(true);
    }
    const isrc0 = ip4FromString('10.0.0.0');
    let firstKept = 0;
    for (let k = 0; k < 1000; k++) {
      const site = k % 2;
      const idst = ((site === 0 ? ip4FromString('172.16.0.0') : ip4FromString('172.17.0.0')) | ((k * 2654435761) & 0xffff)) | 0;
      if (holds(ft, (isrc0 | (k >>> 8)) | 0, idst, ((FLOOD_SPORT0 + (k & 0x3fff)) << 16) | (1 + ((k >>> 14) & 0x7fff)), kd(site, site === 0 ? 6 : 17))) firstKept++;
    }
    expect(firstKept).toBe(0);
    // an active flow never moved while the table churned
    expect(r.stickinessViolations).toBe(0);
    // memory: the tables are allocated up front; 200k flows add nothing that stays
    const growthMiB = (rss[rss.length - 1]! - rss[0]!) / 1048576;
    expect(growthMiB).toBeLessThan(48);
    Object.assign(figures, {
      flows: FLOWS,
      elephants: ELEPHANTS,
      packets,
      table_capacity: ft.capacity,
      table_size: ft.size,
      inserts: ft.inserts,
      evictions: ft.evictions,
      flows_new_counter: c.c[C_FLOWS_NEW],
      elephants_kept: ELEPHANTS,
      first_1000_kept: firstKept,
      rss_mib_first_batch: Math.round(rss[0]! / 104857.6) / 10,
      rss_mib_end: Math.round(rss[rss.length - 1]! / 104857.6) / 10,
      rss_mib_max: Math.round(Math.max(...rss) / 104857.6) / 10,
      heap_mib_first_batch: Math.round(heap[0]! / 104857.6) / 10,
      heap_mib_last_sample: Math.round(heap[heap.length - 1]! / 104857.6) / 10,
    });
  });
});

// ------------------------------------------------------------------ hash flooding

const TABLE = 4096; // 512 buckets of 8
const ATTACK = 4096;
const KNOWN = makeHashKey('a key the attacker knows');
const CONTOSO_TCP = 6 | (0 << 8); // kd of the data path: proto | tenant index << 8
const SRC = ip4FromString('10.127.134.99');
const DST_NET = ip4FromString('172.16.0.0');

/** Flows (distinct 5-tuples) whose keyed hash under KNOWN falls into bucket `bucket` of TABLE/8. */
function craftColliding(n: number, bucket: number): Array<[number, number, number]> {
  const mask = TABLE / 8 - 1;
  const out: Array<[number, number, number]> = [];
  for (let k = 0; out.length < n; k++) {
    const dst = (DST_NET | (k & 0xffff)) | 0;
    const ports = ((1024 + ((k >>> 16) & 0x3fff)) << 16) | 443;
    if ((flowHash(KNOWN, SRC, dst, ports, CONTOSO_TCP) & mask) === bucket) out.push([SRC, dst, ports]);
  }
  return out;
}

interface Load {
  evictions: number;
  maxBucket: number;
  bucketsUsed: number;
  /** times the (active) victim flow had been evicted when its next packet came */
  victimEvicted: number;
  /** slots examined per lookup (a hit stops at its slot, a miss reads the whole bucket) */
  meanProbes: number;
  maxProbes: number;
}

/** Insert the flows (and a victim flow first) into a fresh table under `key`; count. */
function load(key: Uint32Array, flows: Array<[number, number, number]>, victim: [number, number, number]): Load {
  const ft = new FlowTable(TABLE);
  const h = (f: [number, number, number]): number => flowHash(key, f[0], f[1], f[2], CONTOSO_TCP);
  ft.insert(h(victim), victim[0], victim[1], victim[2], CONTOSO_TCP, 1, 0, 300000);
  let victimEvicted = 0;
  flows.forEach((f, k) => {
    ft.insert(h(f), f[0], f[1], f[2], CONTOSO_TCP, 0, 1 + k, 300000);
    // the victim is active: one packet every 64 attack packets
    if (k % 64 === 63 && ft.lookup(h(victim), victim[0], victim[1], victim[2], CONTOSO_TCP, 1 + k) < 0) {
      victimEvicted++;
      ft.insert(h(victim), victim[0], victim[1], victim[2], CONTOSO_TCP, 1, 1 + k, 300000);
    }
  });
  const per = new Int32Array(TABLE / 8);
  for (let s = 0; s < TABLE; s++) if (ft.slotValue(s) !== -1) per[s >>> 3]!++;
  let probes = 0;
  let maxProbes = 0;
  for (const f of [...flows, victim]) {
    const hh = h(f);
    const b = (hh & (TABLE / 8 - 1)) << 3;
    let p = 8;
    for (let s = b; s < b + 8; s++) {
      if (ft.slotValue(s) !== -1 && ft.hashes[s] === hh && ft.slotKey(s, 0) === f[0] && ft.slotKey(s, 1) === f[1] && ft.slotKey(s, 2) === f[2]) {
        p = s - b + 1;
        break;
      }
    }
    probes += p;
    maxProbes = Math.max(maxProbes, p);
  }
  return {
    evictions: ft.evictions,
    maxBucket: Math.max(...per),
    bucketsUsed: per.filter((x) => x > 0).length,
    victimEvicted,
    meanProbes: Math.round((probes / (flows.length + 1)) * 100) / 100,
    maxProbes,
  };
}

describe('hash flooding: flows crafted to collide under a known key', () => {
  it('under the known key they pile into one bucket and evict; under a random key they spread; probes stay <= 8', () => {
    const victimBucket = 77;
    const crafted = craftColliding(ATTACK + 1, victimBucket);
    const victim = crafted.pop()!;
    const known = load(KNOWN, crafted, victim);
    const random = load(makeHashKey(), crafted, victim);
    // the attack works against the key it was made for: one bucket, everything evicted
    expect(known.bucketsUsed).toBe(1);
    expect(known.maxBucket).toBe(8);
    expect(known.evictions).toBeGreaterThan(ATTACK - 8);
    // a random per-process key spreads the same flows like any others (4096 flows, 512 buckets of 8)
    expect(random.bucketsUsed).toBeGreaterThan(480);
    expect(random.evictions).toBeLessThan(ATTACK * 0.25);
    expect(random.victimEvicted).toBe(0);
    expect(known.victimEvicted).toBeGreaterThan(ATTACK / 64 - 2);
    // lookups read at most one bucket whatever the keys
    expect(known.maxProbes).toBeLessThanOrEqual(8);
    expect(random.maxProbes).toBeLessThanOrEqual(8);
    figures.hash_flooding = { table: TABLE, crafted_flows: ATTACK, known_key: known, random_key: random };
  });

  it('through the data path: the crafted flows under the configured key vs a random key', () => {
    // The replay, not just the table: NVGRE flows of contoso whose (inner 5-tuple, tenant)
    // collide under KNOWN, with a victim flow sending among them.
    const crafted = craftColliding(1025, 5);
    const victim = crafted.pop()!;
    const cap = path.join(dir, 'collide.pcap');
    const out = PcapOut.toFile(cap);
    let t = 0;
    crafted.forEach((f, k) => {
      // 1 ms apart: the flow table's clock counts milliseconds, and LRU needs ages to differ
      out.packet(nvgreFrame(5001, f[0], f[1], f[2] >>> 16, f[2] & 0xffff, true, true), (t += 1e6));
      if (k % 16 === 0) out.packet(nvgreFrame(5001, victim[0], victim[1], victim[2] >>> 16, victim[2] & 0xffff, true), (t += 1e6));
    });
    out.close();
    const run = (key: Uint32Array): { evictions: number; inserts: number } => {
      const r = runReplay({ read: cap, config: cfgWith(TABLE), hashKey: key });
      expect(r.counters.rx).toBe(r.counters.tx + r.counters.dropped);
      return { evictions: r.flows.evictions, inserts: r.flows.inserts };
    };
    const known = run(KNOWN);
    const random = run(makeHashKey());
    // known key: every crafted flow evicts one (the victim among them, re-inserted again and again)
    expect(known.evictions).toBeGreaterThan(1000);
    expect(known.inserts).toBeGreaterThan(1024 + 30);
    // random key: the victim is inserted once; almost nothing is evicted
    expect(random.inserts).toBe(1025);
    expect(random.evictions).toBeLessThan(50);
    figures.hash_flooding_replay = { crafted_flows: 1024, known_key: known, random_key: random };
  });
});
