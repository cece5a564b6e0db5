/**
 * Helpers for the lab tests: a runnable copy of the CLI (transpiled from src/ into a temp
 * directory, so the test needs no prior `npm run build`), processes inside namespaces that
 * are always stopped, tcpdump captures, and a reader that turns a capture into records.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { LINK_ETHERNET, PacketBatch } from '../../src/batch/packet-batch.js';
import { CaptureReader } from '../../src/io/capture-reader.js';
import { csumRef } from '../../src/wire/checksum-ref.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Transpile src/ (per file, no type check) into `<tmp>/dist/src`, with package.json at
 * `<tmp>` and node_modules linked, mirroring the repo's dist/ layout. Returns the program's
 * entry, gwplane.js (unbundled: the repository's dist/src/cli/main.cjs launches the bundle of it).
 */
export function buildCli(tmp: string, o: { omit?: string[]; unbuiltRawSocket?: boolean } = {}): string {
  const walk = (dir: string): string[] =>
    fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
  for (const f of walk('src')) {
    const js = ts.transpileModule(fs.readFileSync(path.join(repoRoot, f), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const out = path.join(tmp, 'dist', f.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, js);
  }
  fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(tmp, 'package.json'));
  const nm = path.join(tmp, 'node_modules');
  if (!o.omit && !o.unbuiltRawSocket) fs.symlinkSync(path.join(repoRoot, 'node_modules'), nm);
  else {
    // a node_modules of links to the real packages, without some (npm ci --omit=optional)
    fs.mkdirSync(nm);
    for (const e of fs.readdirSync(path.join(repoRoot, 'node_modules'))) {
      if (o.omit?.includes(e) || (o.unbuiltRawSocket && e === 'raw-socket')) continue;
      fs.symlinkSync(path.join(repoRoot, 'node_modules', e), path.join(nm, e));
    }
    if (o.unbuiltRawSocket) {
      // installed, but the native addon was never built (no compiler at install time)
      const rs = path.join(nm, 'raw-socket');
      fs.mkdirSync(rs);
      fs.writeFileSync(path.join(rs, 'package.json'), '{ "name": "raw-socket", "version": "1.8.1", "main": "index.js" }\n');
      fs.writeFileSync(path.join(rs, 'index.js'), 'var raw = require("./build/Release/raw.node");\nmodule.exports = raw;\n');
    }
  }
  fs.chmodSync(tmp, 0o755);
  fs.chmodSync(path.dirname(tmp), fs.statSync(path.dirname(tmp)).mode | 0o755);
  return path.join(tmp, 'dist', 'src', 'cli', 'gwplane.js');
}

export function run(cmd: string, args: string[], timeoutMs = 30_000): { status: number | null; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, cwd: repoRoot });
  return { status: r.status, out: r.stdout ?? '', err: `${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
}

export function must(cmd: string, args: string[], timeoutMs = 30_000): string {
  const r = run(cmd, args, timeoutMs);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.err}${r.out}`);
  return r.out;
}

export function has(cmd: string, args: string[] = ['--version']): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000 });
  return !r.error && r.status !== null;
}

/** A process in a namespace whose output is collected; `lines` are its stderr+stdout lines. */
export class Proc {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  exit: Promise<number | null>;
  exitCode: number | null | undefined = undefined;
  constructor(
    readonly name: string,
    ns: string | null,
    argv: string[],
  ) {
    const full = ns ? ['ip', 'netns', 'exec', ns, ...argv] : argv;
    this.child = spawn(full[0]!, full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], cwd: repoRoot });
    this.child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exit = new Promise((resolve) => {
      this.child.on('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      });
      this.child.on('error', () => {
        this.exitCode = null;
        resolve(null);
      });
    });
  }

  /** JSON log lines (pino) on stderr. */
  logs(): Array<Record<string, unknown>> {
    return this.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }

  /** Wait (bounded) until `test` holds; throws with the process's output on timeout or exit. */
  async until(what: string, test: () => boolean, timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!test()) {
      if (this.exitCode !== undefined) throw new Error(`${this.name} exited (${this.exitCode}) while waiting for ${what}:\n${this.stderr}\n${this.stdout}`);
      if (Date.now() > end) throw new Error(`${this.name}: timeout waiting for ${what}:\n${this.stderr.slice(-4000)}\n${this.stdout.slice(-2000)}`);
      await sleep(10);
    }
  }

  async untilLog(what: string, pred: (o: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    await this.until(what, () => this.logs().some(pred), timeoutMs);
    return this.logs().find(pred)!;
  }

  /** Send a signal and wait (bounded) for the exit; SIGKILL after the grace period. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<number | null> {
    if (this.exitCode !== undefined) return this.exitCode;
    try {
      this.child.kill(signal);
    } catch {
      // gone
    }
    const t = setTimeout(() => {
      try {
        this.child.kill('SIGKILL');
      } catch {
        // gone
      }
    }, graceMs);
    const c = await this.exit;
    clearTimeout(t);
    return c;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** tcpdump in a namespace, started and known to be listening. */
export async function startCapture(ns: string, iface: string, file: string, filter: string[] = []): Promise<Proc> {
  const p = new Proc(`tcpdump ${ns}/${iface}`, ns, ['tcpdump', '-Z', 'root', '--immediate-mode', '-i', iface, '-Q', 'in', '-n', '-U', '-s', '256', '-w', file, ...filter]);
  await p.until('tcpdump listening', () => /listening on/.test(p.stderr), 10_000);
  return p;
}

export interface Rec {
  /** ms since the epoch (capture timestamp). */
  t: number;
  vlan: number;
  arp: { op: number; sha: string; spa: string; tpa: string } | null;
  src: string;
  dst: string;
  proto: number;
  sport: number;
  dport: number;
  /** ESP SPI (ESP, NAT-T ESP). */
  spi: number;
  /** GRE key, or -1 without one. */
  greKey: number;
  /** Inner flow of GRE: "src>dst sport>dport". */
  inner: string;
  /** The lab's sequence number, -1 when the packet carries none. */
  seq: number;
  ipCsumOk: boolean;
  /** UDP checksum valid (outer UDP, or inner UDP for GRE payloads); true when absent. */
  l4CsumOk: boolean;
}

const ipStr = (b: Buffer, o: number): string => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
const macStr = (b: Buffer, o: number): string => [...b.subarray(o, o + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');

function udpOk(b: Buffer, ip: number, l4: number, end: number): boolean {
  if (b.readUInt16BE(l4 + 6) === 0) return true;
  const len = b.readUInt16BE(l4 + 4);
  if (l4 + len > end) return false;
  const ph = Buffer.alloc(12);
  b.copy(ph, 0, ip + 12, ip + 20);
  ph[9] = 17;
  ph.writeUInt16BE(len, 10);
  return csumRef(Buffer.concat([ph, b.subarray(l4, l4 + len)])) === 0;
}

/** Parse one frame (Ethernet, or raw IPv4 when `raw`). */
export function parseFrame(b: Buffer, t: number, link: number): Rec {
  const r: Rec = { t, vlan: 0, arp: null, src: '', dst: '', proto: 0, sport: 0, dport: 0, spi: 0, greKey: -1, inner: '', seq: -1, ipCsumOk: true, l4CsumOk: true };
  let o = 0;
  if (link === LINK_ETHERNET) {
    let type = b.readUInt16BE(12);
    o = 14;
    if (type === 0x8100) {
      r.vlan = b.readUInt16BE(14) & 0x0fff;
      type = b.readUInt16BE(16);
      o = 18;
    }
    if (type === 0x0806) {
      r.arp = { op: b.readUInt16BE(o + 6), sha: macStr(b, o + 8), spa: ipStr(b, o + 14), tpa: ipStr(b, o + 24) };
      return r;
    }
    if (type !== 0x0800) return r;
  }
  const ip = o;
  const ihl = (b[ip]! & 15) * 4;
  const end = Math.min(b.length, ip + b.readUInt16BE(ip + 2));
  r.ipCsumOk = csumRef(b.subarray(ip, ip + ihl)) === 0;
  r.src = ipStr(b, ip + 12);
  r.dst = ipStr(b, ip + 16);
  r.proto = b[ip + 9]!;
  const l4 = ip + ihl;
  if (r.proto === 17) {
    r.sport = b.readUInt16BE(l4);
    r.dport = b.readUInt16BE(l4 + 2);
    r.l4CsumOk = udpOk(b, ip, l4, end);
    const p = l4 + 8;
    if (r.dport === 500) r.seq = b.readUInt32BE(p + 20); // IKE message ID
    else if (r.dport === 4500) {
      r.spi = b.readUInt32BE(p);
      r.seq = b.readUInt32BE(p + 4); // ESP sequence
    } else r.seq = b.readUInt32BE(p);
  } else if (r.proto === 50) {
    r.spi = b.readUInt32BE(l4);
    r.seq = b.readUInt32BE(l4 + 4);
  } else if (r.proto === 47) {
    const flags = b.readUInt16BE(l4);
    let p = l4 + 4;
    if (flags & 0x8000) p += 4;
    if (flags & 0x2000) {
      r.greKey = b.readUInt32BE(p);
      p += 4;
    }
    if (b.readUInt16BE(l4 + 2) === 0x6558) p += 14; // NVGRE: inner Ethernet
    const ii = p;
    const iihl = (b[ii]! & 15) * 4;
    const iend = Math.min(b.length, ii + b.readUInt16BE(ii + 2));
    const il4 = ii + iihl;
    r.inner = `${ipStr(b, ii + 12)}>${ipStr(b, ii + 16)} ${b.readUInt16BE(il4)}>${b.readUInt16BE(il4 + 2)}`;
    r.l4CsumOk = csumRef(b.subarray(ii, ii + iihl)) === 0 && udpOk(b, ii, il4, iend);
    r.seq = b.readUInt32BE(il4 + 8);
  }
  return r;
}

/** Every frame of a capture as a record. */
export function readRecords(file: string): Rec[] {
  if (!fs.existsSync(file) || fs.statSync(file).size < 24) return [];
  const reader = CaptureReader.open(file);
  const batch = new PacketBatch();
  const out: Rec[] = [];
  try {
    for (let guard = 0; guard < 100_000; guard++) {
      const n = reader.readBatch(batch);
      if (n === 0) break;
      for (let i = 0; i < n; i++) {
        const f = Buffer.from(batch.arena.subarray(batch.base[i]!, batch.base[i]! + batch.len[i]!));
        out.push(parseFrame(f, batch.tsSec[i]! * 1000 + batch.tsNsec[i]! / 1e6, batch.link[i]!));
      }
    }
  } finally {
    reader.close();
  }
  return out;
}

/** Sum of an interface counter over namespaces (netlink, `ip -s -j`: no sysfs remount). */
export function ifaceCounter(namespaces: readonly string[], iface: string, dir: 'rx' | 'tx' = 'rx'): number {
  let t = 0;
  for (const ns of namespaces) {
    const j = JSON.parse(must('ip', ['-s', '-j', '-n', ns, 'link', 'show', 'dev', iface])) as Array<{ stats64: Record<string, { packets: number }> }>;
    t += j[0]!.stats64[dir]!.packets;
  }
  return t;
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

const LOCK = path.join(os.tmpdir(), 'gwplane-lab.lock');

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The lab's namespaces have fixed names: two test runs at once (two engineers, or a full
 * `npm test` beside `vitest run test/lab`) would tear down each other's lab. Take a lock file
 * holding our pid; wait (bounded) while a live process holds it; a dead holder's lock is stale.
 * Returns null when acquired, else why not.
 */
export async function acquireLabLock(waitMs: number): Promise<string | null> {
  const end = Date.now() + waitMs;
  for (;;) {
    try {
      fs.writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      return null;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return `cannot create ${LOCK}: ${(e as Error).message}`;
    }
    const holder = Number(fs.readFileSync(LOCK, 'utf8').trim());
    if (!Number.isInteger(holder) || holder <= 0 || !pidAlive(holder)) {
      fs.rmSync(LOCK, { force: true });
      continue;
    }
    if (Date.now() > end) return `the lab is in use by pid ${holder} (${LOCK})`;
    await sleep(250);
  }
}

export function releaseLabLock(): void {
  try {
    if (Number(fs.readFileSync(LOCK, 'utf8').trim()) === process.pid) fs.rmSync(LOCK, { force: true });
  } catch {
    // not held
  }
}
