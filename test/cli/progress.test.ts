/**
 * Progress of `gwplane replay` on stderr: a bar redrawn in place on a terminal (run under a
 * pseudo-terminal with util-linux `script`, or tmux), nothing animated in a pipe, `--stats N`
 * lines anywhere, `NO_COLOR`, and Ctrl-C (SIGINT) in the middle of a run that writes a file:
 * the summary of what was done, exit 130, and no output file left.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clock, colourDisabled, ReplayProgress, siCount } from '../../src/cli/progress.js';
import { cli, demoConfig, writeDemoLikeCapture } from '../report/demo-traffic.js';

// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/;
// eslint-disable-next-line no-control-regex
const ANY_ESC = /\u001b/;

/** A fake stderr and clock for the unit tests. */
function fake(isTTY: boolean, columns = 100): { stream: { isTTY: boolean; columns: number; write(s: string): void }; out: string[]; now: { t: number } } {
  const out: string[] = [];
  return { stream: { isTTY, columns, write: (s: string) => void out.push(s) }, out, now: { t: 0 } };
}

describe('ReplayProgress (unit)', () => {
  const file = { bytesConsumed: 0, fileSize: 1000 };
  const cnt = { rx: 0, tx: 0, dropped: 0 };

  it('on a terminal: redraws at most every 100 ms however often batches come, then erases', () => {
    const f = fake(true);
    const p = new ReplayProgress({ stream: f.stream, env: {}, now: () => f.now.t });
    for (let k = 0; k < 1000; k++) {
      f.now.t = k; // a batch every ms for one second
      file.bytesConsumed = k;
      cnt.rx = k * 256;
      p.update(file, cnt);
    }
    expect(f.out.length).toBe(10); // t = 0, 100, ..., 900
    for (const s of f.out) {
      expect(s.startsWith('\rreplay [')).toBe(true);
      expect(s.endsWith('\u001b[K')).toBe(true);
      expect(s).not.toContain('\n');
    }
    expect(f.out[5]).toMatch(/ 50% {2}ETA 0:0\d/);
    p.finish();
    expect(f.out.at(-1)).toBe('\r\u001b[K');
    p.finish();
    p.update(file, cnt);
    expect(f.out.length).toBe(11);
  });

  it('the bar fits the terminal width and uses colour unless NO_COLOR', () => {
    for (const columns of [40, 80, 132]) {
      const f = fake(true, columns);
      const p = new ReplayProgress({ stream: f.stream, env: { NO_COLOR: '1' }, now: () => f.now.t });
      p.update({ bytesConsumed: 300, fileSize: 1000 }, { rx: 123456, tx: 0, dropped: 0 });
      const line = f.out[0]!.slice(1, -3);
      expect(line).not.toMatch(SGR);
      expect(line.length).toBeLessThan(columns);
      expect(line).toMatch(/123\.5k pkts/);
    }
    const c = fake(true);
    new ReplayProgress({ stream: c.stream, env: { TERM: 'xterm-256color' }, now: () => 0 }).update(file, cnt);
    expect(c.out[0]).toMatch(SGR);
    expect(colourDisabled({ NO_COLOR: '' })).toBe(false); // no-color.org: set and non-empty
    expect(colourDisabled({ NO_COLOR: '0' })).toBe(true);
    expect(colourDisabled({ TERM: 'dumb' })).toBe(true);
  });

  it('stdin (no file size): no percent, no ETA, elapsed time instead', () => {
    const f = fake(true);
    const p = new ReplayProgress({ stream: f.stream, env: { NO_COLOR: '1' }, now: () => f.now.t });
    f.now.t = 2500;
    p.update({ bytesConsumed: 5000, fileSize: -1 }, { rx: 5000, tx: 0, dropped: 0 });
    expect(f.out[0]).not.toMatch(/%|ETA/);
    expect(f.out[0]).toMatch(/0:03 elapsed/);
  });

  it('not a terminal: nothing at all without --stats; plain lines every N s with it', () => {
    const quiet = fake(false);
    const p0 = new ReplayProgress({ stream: quiet.stream, env: {}, now: () => quiet.now.t });
    expect(p0.active).toBe(false);
    for (let k = 0; k < 5000; k += 7) {
      quiet.now.t = k;
      p0.update(file, cnt);
    }
    p0.finish();
    expect(quiet.out).toEqual([]);

    const f = fake(false);
    const p = new ReplayProgress({ stream: f.stream, statsEverySec: 2, env: {}, now: () => f.now.t });
    expect(p.active).toBe(true);
    for (let k = 0; k <= 7000; k += 50) {
      f.now.t = k;
      p.update({ bytesConsumed: k / 10, fileSize: 1000 }, { rx: k, tx: k - 1, dropped: 1 });
    }
    p.finish();
    expect(f.out.length).toBe(3); // at 2, 4 and 6 s
    expect(f.out[0]).toBe('gwplane: stats: elapsed=2.0s packets=2000 pps=1000 tx=1999 dropped=1 read_bytes=200 read=20.0% eta=0:08\n');
    for (const s of f.out) expect(s).not.toMatch(/\r|\u001b/);
  });

  it('a long stall prints one stats line, not a burst', () => {
    const f = fake(false);
    const p = new ReplayProgress({ stream: f.stream, statsEverySec: 1, env: {}, now: () => f.now.t });
    f.now.t = 10_500;
    p.update(file, cnt);
    f.now.t = 10_900;
    p.update(file, cnt);
    expect(f.out.length).toBe(1);
    f.now.t = 11_000;
    p.update(file, cnt);
    expect(f.out.length).toBe(2);
  });

  it('stats on a terminal go above the bar', () => {
    const f = fake(true);
    const p = new ReplayProgress({ stream: f.stream, statsEverySec: 1, env: { NO_COLOR: '1' }, now: () => f.now.t });
    p.update(file, cnt);
    f.now.t = 1000;
    p.update(file, cnt);
    expect(f.out[1]).toMatch(/^\r\u001b\[Kgwplane: stats: .*\n\rreplay \[/);
  });

  it('formats counts and times', () => {
    expect([siCount(999), siCount(12345), siCount(1234567), siCount(2.5e9)]).toEqual(['999', '12.3k', '1.23M', '2.50G']);
    expect([clock(0), clock(59.6), clock(61), clock(3723), clock(Infinity)]).toEqual(['0:00', '1:00', '1:01', '1:02:03', '--:--']);
  });
});

// ---------------------------------------------------------------------------- the CLI

let dir: string;
let capture: string;
let capturePackets: number;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-progress-'));
  capture = path.join(dir, 'demo-like.pcap');
  capturePackets = writeDemoLikeCapture(capture).packets;
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

const ttyTool = process.env.GWPLANE_TEST_TTY ?? (have('script') ? 'script' : have('tmux') ? 'tmux' : null);
if (ttyTool === null) console.log('progress: terminal tests skipped: neither script (util-linux) nor tmux is installed');

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Run a shell command with a pseudo-terminal as its stdout/stderr; returns what the terminal got. */
function inTerminal(cmd: string, env: NodeJS.ProcessEnv): string {
  if (ttyTool === 'script') {
    const r = spawnSync('script', ['-qfec', cmd, '/dev/null'], { env, encoding: 'latin1', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`script: status ${r.status}: ${r.stderr}`);
    return r.stdout;
  }
  // tmux: a detached session whose pane output is piped to a file.
  const sock = path.join(dir, `tmux-${process.pid}.sock`);
  const log = path.join(dir, 'tmux.log');
  fs.writeFileSync(log, '');
  const t = (...a: string[]): void => void spawnSync('tmux', ['-S', sock, ...a], { env, timeout: 60_000 });
  t('new-session', '-d', '-x', '120', '-y', '30', `sleep 0.5; ${cmd}; tmux -S ${q(sock)} wait-for -S gwplane-done`);
  t('pipe-pane', '-o', `cat >> ${q(log)}`);
  t('wait-for', 'gwplane-done');
  t('kill-server');
  return fs.readFileSync(log, 'latin1');
}

describe.skipIf(ttyTool === null)('replay on a terminal', () => {
  const env = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', ...extra };
    if (!('NO_COLOR' in extra)) delete e.NO_COLOR;
    return e;
  };

  it('draws a progress bar on stderr, erases it at the end; the summary is intact', () => {
    const out = path.join(dir, 'summary-tty.txt');
    const term = inTerminal(`${q(process.execPath)} ${q(cli)} replay -r ${q(capture)} --config ${q(demoConfig)} > ${q(out)}`, env({}));
    expect(term).toContain('\rreplay [');
    expect(term).toMatch(/\d+(\.\d+)?k? pkts {2}\d+(\.\d+)?[kM]? pps {2}\s*\d+% {2}ETA \d+:\d\d/);
    expect(term).toContain('\u001b[K');
    expect(term).toMatch(SGR); // colour on a terminal without NO_COLOR
    expect(term.replace(/\r\n$/, '').endsWith('\r\u001b[K')).toBe(true); // erased, nothing left on the line
    expect(fs.readFileSync(out, 'utf8')).toMatch(new RegExp(`^Actual: ${capturePackets} packets`));
  });

  it('NO_COLOR: the same bar without colour codes', () => {
    const term = inTerminal(`${q(process.execPath)} ${q(cli)} replay -r ${q(capture)} --config ${q(demoConfig)} > /dev/null`, env({ NO_COLOR: '1' }));
    expect(term).toContain('\rreplay [');
    expect(term).not.toMatch(SGR);
  });

  it('from stdin: no percent or ETA (no file size), elapsed time instead', () => {
    const term = inTerminal(`${q(process.execPath)} ${q(cli)} replay -r - --config ${q(demoConfig)} < ${q(capture)} > /dev/null`, env({ NO_COLOR: '1' }));
    expect(term).toContain('\rreplay [');
    expect(term).toMatch(/ pps {2}\d+:\d\d elapsed/);
    expect(term).not.toContain('ETA');
  });
});

describe('replay in a pipe', () => {
  it('no bar, no carriage return, no escape sequence on stderr', () => {
    const r = spawnSync(process.execPath, [cli, 'replay', '-r', capture, '--config', demoConfig], { encoding: 'utf8', env: { ...process.env, TERM: 'xterm-256color' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^Actual: ${capturePackets} packets`));
    expect(r.stdout).not.toMatch(/\r|\u001b/);
  });

  /** Replay from stdin fed `chunk` bytes every `everyMs`; `onStderr` sees stderr as it comes. */
  function slowReplay(args: string[], chunk: number, everyMs: number, endWhen: (stderr: string) => boolean = () => false): { child: ChildProcessWithoutNullStreams; done: Promise<{ code: number | null; stdout: string; stderr: string }>; stderrSoFar: () => string } {
    const data = fs.readFileSync(capture);
    const child = spawn(process.execPath, [cli, 'replay', '-r', '-', '--config', demoConfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.stdin.on('error', () => {}); // EPIPE once the child has gone
    let off = 0;
    const timer = setInterval(() => {
      if (off >= data.length || endWhen(stderr)) {
        clearInterval(timer);
        child.stdin.end();
        return;
      }
      child.stdin.write(data.subarray(off, Math.min(data.length, off + chunk)));
      off += chunk;
    }, everyMs);
    const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on('close', (code) => {
        clearInterval(timer);
        resolve({ code, stdout, stderr });
      }),
    );
    return { child, done, stderrSoFar: () => stderr };
  }

  it('--stats 1: plain one-line records every second, even in a pipe', async () => {
    // ~400 kB/s (the whole capture would take ~10 s): end the input after the second line
    const { done } = slowReplay(['--stats', '1'], 20_000, 50, (err) => (err.match(/gwplane: stats: /g) ?? []).length >= 2);
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('gwplane: stats: '));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(l).toMatch(/^gwplane: stats: elapsed=\d+\.\ds packets=\d+ pps=\d+ tx=\d+ dropped=\d+ read_bytes=\d+$/);
    const pk = lines.map((l) => Number(/packets=(\d+)/.exec(l)![1]));
    expect(pk[pk.length - 1]!).toBeGreaterThan(pk[0]!);
    expect(r.stderr).not.toMatch(/\r/);
    expect(r.stderr).not.toMatch(ANY_ESC);
    expect(r.stdout).toMatch(/^Actual: \d+ packets/);
  });

  it('Ctrl-C (SIGINT) while writing a file: summary of what was done, exit 130, no output file', async () => {
    const outFile = path.join(dir, 'interrupted.pcap');
    const { child, done, stderrSoFar } = slowReplay(['-w', outFile, '--stats', '1'], 20_000, 50);
    // wait until it is well under way (a stats line), then interrupt
    const t0 = Date.now();
    while (!stderrSoFar().includes('gwplane: stats: ') && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
    expect(stderrSoFar()).toContain('gwplane: stats: ');
    expect(fs.readdirSync(dir).some((f) => f.startsWith('.interrupted.pcap.') && f.endsWith('.tmp'))).toBe(true); // being written
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    const m = /^Actual: (\d+) packets/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![1])).toBeLessThan(capturePackets);
    expect(r.stdout).toContain('Interrupted: the summary covers what was processed; no output file was left.');
    expect(r.stdout).toContain('Failover scorecard:');
    expect(fs.existsSync(outFile)).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.includes('interrupted.pcap'))).toEqual([]);
  });
});
