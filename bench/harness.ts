/**
 * A small harness over tinybench: every case runs in several independent rounds; the
 * figure is the median over rounds of each round's median sample, with the spread
 * (min..max over rounds). Results are in ns per packet and Mpps.
 */
import os from 'node:os';
import { Bench } from 'tinybench';

export interface BenchCase {
  /** Group name (mirrors src/: "wire", "nodes", "lb" ...). */
  group: string;
  name: string;
  /** Packets (or items) processed by one call of `fn`. */
  perOp: number;
  fn: () => void;
  /** Target in ns per packet (lower is better), when the issue names one. */
  targetNs?: number;
  /** Name of a case in the same group this one is compared against (ratio printed). */
  peer?: string;
  /**
   * Name of a case in the same group whose cost is part of this one's and is subtracted,
   * round by round (e.g. restoring a batch a node rewrote): the figure is then
   * median over rounds of (this round's median - that case's round median).
   */
  minus?: string;
  /** One line printed under the tables: what the case does and does not include. */
  note?: string;
}

export interface BenchResult {
  group: string;
  name: string;
  nsPerPacket: number;
  minNs: number;
  maxNs: number;
  mpps: number;
  rounds: number;
  targetNs: number | null;
  met: boolean | null;
  peer: string | null;
  ratioToPeer: number | null;
  /** The case subtracted from this one, if any, and this case's figure before subtracting. */
  minus: string | null;
  rawNs: number | null;
  note: string | null;
}

export interface MachineFacts {
  cpu: string;
  cores: number;
  node: string;
  v8: string;
  platform: string;
  date: string;
}

export function machineFacts(): MachineFacts {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function runCases(cases: BenchCase[], opts: { rounds?: number; timeMs?: number; log?: (s: string) => void } = {}): Promise<BenchResult[]> {
  const rounds = opts.rounds ?? 5;
  const per = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    const bench = new Bench({ time: opts.timeMs ?? 300, warmupTime: 100 });
    for (const c of cases) bench.add(`${c.group}/${c.name}`, c.fn);
    await bench.run();
    for (const t of bench.tasks) {
      const res = t.result as { state?: string; latency?: { p50?: number; mean: number }; error?: unknown };
      if (!res.latency) throw new Error(`bench ${t.name} failed: ${String(res.error ?? res.state)}`);
      const c = cases.find((x) => `${x.group}/${x.name}` === t.name)!;
      const ns = ((res.latency.p50 ?? res.latency.mean) * 1e6) / c.perOp;
      (per.get(t.name) ?? per.set(t.name, []).get(t.name)!).push(ns);
    }
    opts.log?.(`round ${r + 1}/${rounds} done`);
  }
  const results: BenchResult[] = cases.map((c) => {
    let xs = per.get(`${c.group}/${c.name}`)!;
    const rawNs = c.minus !== undefined ? median(xs) : null;
    if (c.minus !== undefined) {
      const ys = per.get(`${c.group}/${c.minus}`);
      if (!ys) throw new Error(`bench ${c.group}/${c.name}: minus case ${c.minus} was not run`);
      xs = xs.map((x, r) => x - ys[r]!);
    }
    const ns = median(xs);
    return {
      group: c.group,
      name: c.name,
      nsPerPacket: ns,
      minNs: Math.min(...xs),
      maxNs: Math.max(...xs),
      mpps: 1e3 / ns,
      rounds,
      targetNs: c.targetNs ?? null,
      met: c.targetNs === undefined ? null : ns <= c.targetNs,
      peer: c.peer ?? null,
      ratioToPeer: null,
      minus: c.minus ?? null,
      rawNs,
      note: c.note ?? null,
    };
  });
  for (const r of results) {
    if (r.peer === null) continue;
    const p = results.find((x) => x.group === r.group && x.name === r.peer);
    if (p) r.ratioToPeer = p.nsPerPacket / r.nsPerPacket;
  }
  return results;
}

/** "2.41x slower than X" / "1.30x faster than X", from peer ns / this ns. */
export function ratioText(r: BenchResult): string {
  if (r.ratioToPeer === null) return '';
  return r.ratioToPeer < 1 ? `${(1 / r.ratioToPeer).toFixed(2)}x slower than ${r.peer}` : `${r.ratioToPeer.toFixed(2)}x faster than ${r.peer}`;
}

export function formatResults(results: BenchResult[]): string {
  const rows = [['case', 'ns/packet', 'spread (min..max)', 'Mpps', 'target', 'met', 'x peer']];
  for (const r of results) {
    rows.push([
      `${r.group}/${r.name}`,
      r.nsPerPacket.toFixed(1),
      `${r.minNs.toFixed(1)}..${r.maxNs.toFixed(1)}`,
      r.mpps.toFixed(2),
      r.targetNs === null ? '' : `<= ${r.targetNs}`,
      r.met === null ? '' : r.met ? 'yes' : 'NO',
      ratioText(r),
    ]);
  }
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(w[c]!) : cell.padStart(w[c]!))).join('  ')).join('\n');
}
