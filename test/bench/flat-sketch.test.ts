/**
 * The flat sketch (bench/e2e/flat-sketch.ts), bench:e2e's data point beside the read-walk-write
 * limit, does gwplane's job on the generated trace: its output is gwplane's, byte for byte,
 * and it counts the same verdicts. If either changes (a rewrite in the data path, or in the
 * sketch), its time no longer means anything, and this fails. Runs the built programs
 * (`npm test` builds first). No timings are asserted.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTrace } from '../../fixtures/gen-trace.js';

const root = path.resolve(__dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-sketch-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function sketch(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'dist/bench/e2e/flat-sketch.cjs'), ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bench/e2e/flat-sketch.ts', () => {
  it('writes the bytes gwplane replay writes on the generated trace, with the same verdicts', () => {
    const trace = path.join(dir, 'trace.pcap');
    writeTrace(trace, { packets: 20_000, flows: 2_000 });
    const gw = spawnSync(path.join(root, 'dist/src/cli/main.cjs'), ['replay', '-r', trace, '--config', 'bench/configs/trace.yaml', '-w', path.join(dir, 'gw.pcap'), '--json'], { cwd: root, encoding: 'utf8' });
    expect(gw.status, gw.stderr).toBe(0);
    const s = sketch(trace, path.join(dir, 'sketch.pcap'));
    expect(s.status, s.stderr).toBe(0);

    const c = (JSON.parse(gw.stdout) as { counters: Record<string, number> }).counters;
    const k = JSON.parse(s.stdout) as Record<string, number>;
    // every path of the trace is taken, so a broken one shows
    for (const v of ['nat', 'reverse', 'greVip', 'l3', 'tunnel']) expect(k[v], v).toBeGreaterThan(1000);
    expect(k).toEqual({ dropped: c.drops, nat: c.nat_forward, reverse: c.nat_reverse, greVip: c.gre_vip, l3: c.l3, tunnel: c.tunnel, unchanged: 0 });
    const a = fs.readFileSync(path.join(dir, 'gw.pcap'));
    const b = fs.readFileSync(path.join(dir, 'sketch.pcap'));
    expect(b.length).toBe(a.length);
    expect(b.equals(a)).toBe(true);
  });

  it('refuses a missing argument and a file that is not a pcap', () => {
    const u = sketch();
    expect(u.status).toBe(2);
    expect(u.stderr).toMatch(/usage: flat-sketch.cjs IN OUT/);
    const bad = path.join(dir, 'bad.pcap');
    fs.writeFileSync(bad, 'not a capture file at all');
    const r = sketch(bad, path.join(dir, 'x.pcap'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not a little-endian microsecond pcap file/);
  });
});
