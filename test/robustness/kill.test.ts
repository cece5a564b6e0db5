/**
 * Issue 6, item 7: nothing lost. `gwplane replay -w OUT` writes OUT under a temporary name in
 * the same directory (`.OUT.<pid>.tmp`) and renames it only when the run is complete. A replay
 * killed with SIGKILL mid-write (fed through a pipe, so the moment is chosen: the temporary
 * file already holds megabytes) leaves no file with the final name, and an earlier OUT is left
 * untouched; SIGINT and SIGTERM stop after the current batch and leave neither OUT nor the
 * temporary file. The control: a run whose input ends is committed and complete.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PacketBatch } from '../../src/batch/packet-batch.js';
import { CaptureReader } from '../../src/io/capture-reader.js';
import { ensureCli } from './cli.js';
import { recordFigures } from './figures.js';
import { demoText, repoRoot } from './planes.js';
import { writeDemoTraffic } from './traffic.js';

let dir = '';
let capture = Buffer.alloc(0);
let cfg = '';
const figures: Array<{ case: string; signal: string; temp_bytes_at_kill: number; final_name_exists: boolean; left: string[] }> = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-kill-'));
  const f = path.join(dir, 'traffic.pcap');
  writeDemoTraffic(f, { seconds: 20, pps: 3000, flows: 500, seed: 7 }); // 60k packets, about 6 MB
  capture = fs.readFileSync(f);
  fs.rmSync(f);
  cfg = path.join(dir, 'demo.yaml');
  fs.writeFileSync(cfg, demoText.replace(/scenario:[\s\S]*$/, 'scenario: []\n'));
  ensureCli();
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  recordFigures('kill', figures);
});

function start(out: string, extra: string[] = []): { child: ChildProcessWithoutNullStreams; exit: Promise<{ code: number | null; signal: string | null }>; stderr: () => string; stdout: () => string } {
  const child = spawn(process.execPath, [ensureCli(), 'replay', '-r', '-', '--config', cfg, '-w', out, ...extra], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  let text = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stdin.on('error', () => {}); // EPIPE after a kill
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, exit, stderr: () => err, stdout: () => text };
}

/** Write `bytes` to the child's stdin, respecting backpressure; stops quietly if it dies. */
async function feed(child: ChildProcessWithoutNullStreams, bytes: Buffer): Promise<void> {
  for (let o = 0; o < bytes.length && !child.stdin.destroyed; o += 65536) {
    if (!child.stdin.write(bytes.subarray(o, o + 65536))) {
      await new Promise<void>((r) => {
        child.stdin.once('drain', r);
        child.once('close', r);
      });
    }
  }
}

/** Wait until `f` exists and holds at least `bytes` bytes (the writer flushes 1 MiB at a time). */
async function waitFor(f: string, bytes: number, ms = 30_000): Promise<number> {
  const until = Date.now() + ms;
  for (;;) {
    const s = fs.existsSync(f) ? fs.statSync(f).size : -1;
    if (s >= bytes) return s;
    if (Date.now() > until) throw new Error(`${f} did not reach ${bytes} bytes (has ${s})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function packetsIn(f: string): number {
  const r = CaptureReader.open(f);
  const b = new PacketBatch();
  let n = 0;
  for (let k = r.readBatch(b); k > 0; k = r.readBatch(b)) n += k;
  r.close();
  return n;
}

describe('a killed replay leaves no file that looks complete', () => {
  it('control: a replay whose input ends commits a complete capture, and no temporary file', async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'ok-'));
    const out = path.join(sub, 'out.pcap');
    const p = start(out, ['--json']);
    await feed(p.child, capture);
    p.child.stdin.end();
    const { code } = await p.exit;
    expect(code, p.stderr()).toBe(0);
    expect(fs.readdirSync(sub)).toEqual(['out.pcap']);
    expect(packetsIn(out)).toBeGreaterThan(50_000);
  });

  for (const format of ['pcap', 'pcapng'] as const) {
    for (const atMiB of [1, 3]) {
      it(`SIGKILL with ${atMiB} MiB of ${format} written: no ${format} file with the final name`, async () => {
        const sub = fs.mkdtempSync(path.join(dir, 'kill-'));
        const out = path.join(sub, `out.${format}`);
        const p = start(out);
        const temp = path.join(sub, `.out.${format}.${p.child.pid}.tmp`);
        // feed half, hold the pipe open (the replay waits on it), kill once the temp file has grown
        const feeding = feed(p.child, capture.subarray(0, Math.floor(capture.length * 0.9)));
        const size = await waitFor(temp, atMiB * 1048576);
        p.child.kill('SIGKILL');
        const { signal } = await p.exit;
        await feeding;
        expect(signal).toBe('SIGKILL');
        expect(fs.existsSync(out)).toBe(false);
        const left = fs.readdirSync(sub);
        // what is left is the temporary file, named as one: a dot file ending in .tmp
        for (const f of left) expect(f).toMatch(/^\.out\.pcap(ng)?\.\d+\.tmp$/);
        figures.push({ case: `${format}, killed after ${atMiB} MiB`, signal: 'SIGKILL', temp_bytes_at_kill: size, final_name_exists: fs.existsSync(out), left });
      });
    }
  }

  it('SIGKILL of a run replacing an earlier capture: the earlier one stays, byte for byte', async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'keep-'));
    const out = path.join(sub, 'out.pcap');
    const first = start(out);
    await feed(first.child, capture.subarray(0, 200_000));
    first.child.stdin.end();
    expect((await first.exit).code, first.stderr()).toBe(0);
    const before = fs.readFileSync(out);
    const p = start(out);
    const feeding = feed(p.child, capture);
    await waitFor(path.join(sub, `.out.pcap.${p.child.pid}.tmp`), 2 * 1048576);
    p.child.kill('SIGKILL');
    await p.exit;
    await feeding;
    expect(fs.readFileSync(out).equals(before)).toBe(true);
    figures.push({ case: 'pcap replacing an earlier run, killed after 2 MiB', signal: 'SIGKILL', temp_bytes_at_kill: 2 * 1048576, final_name_exists: true, left: fs.readdirSync(sub) });
  });

  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`${sig}: stops after the current batch, exit 130, neither the output nor the temporary file is left`, async () => {
      const sub = fs.mkdtempSync(path.join(dir, 'sig-'));
      const out = path.join(sub, 'out.pcap');
      const p = start(out);
      const temp = path.join(sub, `.out.pcap.${p.child.pid}.tmp`);
      // 90% of the capture, the signal once 1 MiB is written, then the rest and the end. The
      // replay acts on a signal between batches; blocked reading an idle pipe it cannot (see
      // test/ROBUSTNESS.md), so the rest of the capture is what lets it see the request.
      const cut = Math.floor(capture.length * 0.9);
      const feeding = feed(p.child, capture.subarray(0, cut));
      await waitFor(temp, 1048576);
      p.child.kill(sig);
      await new Promise((r) => setTimeout(r, 100));
      await feeding;
      await feed(p.child, capture.subarray(cut));
      p.child.stdin.end();
      const { code } = await p.exit;
      expect(code, p.stderr()).toBe(130);
      expect(p.stdout()).toMatch(/^Interrupted: /m);
      expect(fs.readdirSync(sub)).toEqual([]);
      figures.push({ case: `pcap, ${sig} after 1 MiB`, signal: sig, temp_bytes_at_kill: 1048576, final_name_exists: false, left: [] });
    });
  }
});
