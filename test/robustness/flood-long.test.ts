/**
 * Issue 6, item 3, at full size: FLOOD_FLOWS new flows (10 million for test/ROBUSTNESS.md)
 * streamed through a pipe into the real `gwplane replay -r -` with the demo config (flow table
 * of 1,048,576 entries), 16 long-lived flows among them. The child's resident set is sampled
 * from /proc while it runs: the table keeps its bound, and memory stays flat from the first
 * percent of the flood to its end. Skipped unless FLOOD_FLOWS is set:
 *
 *   npm run fuzz -- --flood 10000000
 *
 * (never in `npm test`: it takes minutes and two cores).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureCli, procMem } from './cli.js';
import { recordFigures } from './figures.js';
import { demoText, repoRoot } from './planes.js';
import { FloodGen, PcapOut } from './traffic.js';

const FLOWS = Number(process.env.FLOOD_FLOWS ?? 0);
const CAPACITY = Number(process.env.FLOOD_CAPACITY ?? 1048576);

describe.runIf(FLOWS > 0)(`a flood of ${FLOWS} new flows through gwplane replay`, () => {
  it('bounded table, counted new flows and evictions, flat RSS', { timeout: 3_600_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-flood-long-'));
    const cfg = path.join(dir, 'flood.yaml');
    fs.writeFileSync(cfg, demoText.replace(/flow_table: \{[^}]*\}/, `flow_table: { capacity: ${CAPACITY}, tcp_idle_ms: 300000, udp_idle_ms: 30000, other_idle_ms: 30000 }`).replace(/scenario:[\s\S]*$/, 'scenario: []\n'));
    const args = ['replay', '-r', '-', '--config', cfg, '--json', '--hash-seed', 'flood'];
    const child = spawn(process.execPath, [ensureCli(), ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));

    const gen = new FloodGen(FLOWS, 16, 20);
    const samples: Array<{ flows: number; rssKiB: number; hwmKiB: number }> = [];
    const timer = setInterval(() => {
      const m = procMem(child.pid!);
      if (m) samples.push({ flows: gen.k, ...m });
    }, 100);
    const started = Date.now();
    // stream with backpressure: ~1 MiB of pcap per write
    let pending: Buffer[] = [];
    const out = new PcapOut((b) => pending.push(b));
    while (!gen.done) {
      gen.next(10_000, (f, t) => out.packet(f, t));
      out.flush();
      for (const b of pending) {
        if (!child.stdin.write(b)) await new Promise<void>((r) => child.stdin.once('drain', r));
      }
      pending = [];
    }
    child.stdin.end();
    const code = await exit;
    clearInterval(timer);
    const seconds = (Date.now() - started) / 1000;
    expect(code, stderr).toBe(0);
    const j = JSON.parse(stdout) as {
      packets: number;
      counters: Record<string, number>;
      drops: Record<string, number>;
      flow_table: Record<string, number>;
      stickiness_violations: number;
    };
    const ft = j.flow_table;
    expect(j.packets).toBe(gen.packets);
    expect(j.counters.rx).toBe(j.counters.tx! + j.counters.drops!);
    expect(ft.size).toBeLessThanOrEqual(ft.capacity!);
    expect(ft.capacity).toBe(CAPACITY);
    expect(j.counters.flows_new).toBe(ft.inserts);
    expect(ft.inserts).toBeGreaterThanOrEqual(FLOWS);
    expect(ft.evictions).toBe(ft.inserts! - ft.size! - ft.expired!);
    expect(j.stickiness_violations).toBe(0);
    const at = (frac: number): number => samples.find((s) => s.flows >= FLOWS * frac)?.rssKiB ?? NaN;
    const first = at(0.01);
    const last = samples[samples.length - 1]!.rssKiB;
    const mib = (k: number): number => Math.round(k / 102.4) / 10;
    const fig = {
      command: `npm run fuzz -- --flood ${FLOWS}`,
      child: `node dist/src/cli/main.cjs ${args.join(' ').replace(cfg, 'flood.yaml')} < (generated pcap on a pipe)`,
      flows: FLOWS,
      packets: j.packets,
      seconds,
      table_capacity: ft.capacity,
      table_size: ft.size,
      flows_new: j.counters.flows_new,
      inserts: ft.inserts,
      evictions: ft.evictions,
      expired: ft.expired,
      drops: j.drops,
      stickiness_violations: j.stickiness_violations,
      rss_mib: { at_1pct: mib(first), at_10pct: mib(at(0.1)), at_50pct: mib(at(0.5)), at_90pct: mib(at(0.9)), last_sample: mib(last), peak_vmhwm: mib(Math.max(...samples.map((s) => s.hwmKiB))) },
      samples: samples.length,
    };
    recordFigures(`flood-${FLOWS}`, fig);
    // flat: what the flood adds after its first percent is noise, not per-flow memory
    expect(last - first).toBeLessThan(64 * 1024);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
