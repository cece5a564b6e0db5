/**
 * The flow table (src/lb/flow-table.ts: bucketed open addressing in typed arrays, idle
 * timeouts, LRU eviction): a hit, a miss, an insert that reuses expired slots, and an insert
 * into a full table that evicts; beside it the obvious alternative, a `Map` keyed by the
 * 5-tuple as a string (the key string is built per packet, as a Map forces), bounded by
 * deleting the oldest entry. Hashes are precomputed (hash cost: lb/hash). ns per packet.
 */
import { FlowTable } from '../../src/lb/flow-table.js';
import { flowHash, fmix32, makeHashKey } from '../../src/lb/hash.js';
import type { BenchCase } from '../harness.js';
import { SplitFlowTable } from './flow-table-split.js';

const FLOWS = 100_000;
const PER_OP = 4096;
const FOREVER = 0x3fffffff;

let sink = 0;

export function flowTableCases(): BenchCase[] {
  const key = makeHashKey('bench');
  // 100,000 live flows (2x the keys for the miss case), keyed like NVGRE flows
  const n = 2 * FLOWS;
  const a = new Int32Array(n);
  const b = new Int32Array(n);
  const c = new Int32Array(n);
  const d = new Int32Array(n);
  const h = new Int32Array(n);
  let s = 99;
  const next = (): number => (s = fmix32((s + 0x9e3779b9) | 0));
  for (let i = 0; i < n; i++) {
    a[i] = next();
    b[i] = next();
    c[i] = next();
    d[i] = 6 | ((i % 3) << 8);
    h[i] = flowHash(key, a[i]!, b[i]!, c[i]!, d[i]!);
  }
  const t = new FlowTable(262144);
  const split = new SplitFlowTable(262144);
  const m = new Map<string, number>();
  for (let i = 0; i < FLOWS; i++) {
    t.insert(h[i]!, a[i]!, b[i]!, c[i]!, d[i]!, i & 7, 0, FOREVER);
    split.insert(h[i]!, a[i]!, b[i]!, c[i]!, d[i]!, i & 7, 0, FOREVER);
    m.set(`${a[i]}:${b[i]}:${c[i]}:${d[i]}`, i & 7);
  }
  // each call looks at PER_OP flows spread over the whole table (cache misses as in a trace)
  let hitAt = 0;
  let splitAt = 0;
  let missAt = FLOWS;

  // churn tables: rolling new keys
  const churn = new FlowTable(8192);
  let churnNow = 0;
  let churnKey = 0;
  const full = new FlowTable(4096);
  for (let i = 0; i < 4096 * 4; i++) full.insert(fmix32(i), i, i, i, i, 1, 0, FOREVER);
  let fullKey = 1 << 20;
  let fullNow = 1;
  const mapBounded = new Map<string, number>();
  let mapKey = 0;

  return [
    {
      group: 'lb',
      name: 'flow table: hit (100k flows in 256k slots)',
      perOp: PER_OP,
      fn: () => {
        let x = 0;
        for (let k = 0; k < PER_OP; k++) {
          const i = hitAt;
          hitAt = hitAt + 7919 >= FLOWS ? hitAt + 7919 - FLOWS : hitAt + 7919;
          x ^= t.lookup(h[i]!, a[i]!, b[i]!, c[i]!, d[i]!, 0);
        }
        sink ^= x;
      },
    },
    {
      group: 'lb',
      name: 'flow table: hit, one array per field (first layout)',
      perOp: PER_OP,
      peer: 'flow table: hit (100k flows in 256k slots)',
      fn: () => {
        let x = 0;
        for (let k = 0; k < PER_OP; k++) {
          const i = splitAt;
          splitAt = splitAt + 7919 >= FLOWS ? splitAt + 7919 - FLOWS : splitAt + 7919;
          x ^= split.lookup(h[i]!, a[i]!, b[i]!, c[i]!, d[i]!, 0);
        }
        sink ^= x;
      },
    },
    {
      group: 'lb',
      name: 'flow table: miss',
      perOp: PER_OP,
      peer: 'flow table: hit (100k flows in 256k slots)',
      fn: () => {
        let x = 0;
        for (let k = 0; k < PER_OP; k++) {
          const i = missAt;
          missAt = missAt + 7919 >= n ? missAt + 7919 - FLOWS : missAt + 7919;
          x ^= t.lookup(h[i]!, a[i]!, b[i]!, c[i]!, d[i]!, 0);
        }
        sink ^= x;
      },
    },
    {
      group: 'lb',
      name: 'flow table: insert new flow (expired slots reused)',
      perOp: PER_OP,
      peer: 'flow table: hit (100k flows in 256k slots)',
      fn: () => {
        // every call is one idle timeout later: the previous call's flows have expired
        churnNow += 1001;
        let x = 0;
        for (let k = 0; k < PER_OP; k++) {
          const q = churnKey++;
          x ^= churn.insert(fmix32(q), q, ~q, q ^ 0x5555, 17, k & 7, churnNow, 1000);
        }
        sink ^= x;
      },
    },
    {
      group: 'lb',
      name: 'flow table: insert into a full table (evicts the stalest)',
      perOp: PER_OP,
      peer: 'flow table: hit (100k flows in 256k slots)',
      fn: () => {
        let x = 0;
        fullNow++;
        for (let k = 0; k < PER_OP; k++) {
          const q = fullKey++;
          x ^= full.insert(fmix32(q), q, q, q, q, 1, fullNow, FOREVER);
        }
        sink ^= x;
      },
    },
    {
      group: 'lb',
      name: 'alternative: Map keyed by a 5-tuple string, hit',
      perOp: PER_OP,
      peer: 'flow table: hit (100k flows in 256k slots)',
      fn: () => {
        let x = 0;
        for (let k = 0; k < PER_OP; k++) {
          const i = hitAt;
          hitAt = hitAt + 7919 >= FLOWS ? hitAt + 7919 - FLOWS : hitAt + 7919;
          x ^= m.get(`${a[i]}:${b[i]}:${c[i]}:${d[i]}`) ?? -1;
        }
        sink ^= x;
      },
    },
    {
      group: 'lb',
      name: 'alternative: Map keyed by a 5-tuple string, insert (bounded)',
      perOp: PER_OP,
      peer: 'flow table: insert into a full table (evicts the stalest)',
      fn: () => {
        for (let k = 0; k < PER_OP; k++) {
          const q = mapKey++;
          mapBounded.set(`${q}:${~q}:${q ^ 0x5555}:17`, k & 7);
          if (mapBounded.size > 4096) mapBounded.delete(mapBounded.keys().next().value!);
        }
        if (sink === 0x7fffffff) console.log(sink);
      },
    },
  ];
}
