/**
 * The launcher (src/cli/launch.ts, dist/src/cli/main.cjs): the build's V8 code cache is one V8
 * accepts under the CLI's own node flags; `replay` loads none of the node modules only the
 * forwarder and the lab use (they are required lazily, as is node:crypto); and a bundled
 * command that does use them (the forwarder with --metrics: dgram, http, os, prom-client
 * through the launcher's import) runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli/main.cjs');
const bundle = path.join(root, 'dist/src/cli/gwplane.cjs');
/** The flags of the launcher's first line, to which V8 ties the cache. */
const flags = fs.readFileSync(cli, 'utf8').split('\n', 1)[0]!.split(/\s+/).filter((x) => x.startsWith('--'));

describe('launcher', () => {
  it('runs by its first line with node flags, and the build left a code cache V8 accepts under them', () => {
    expect(flags).toContain('--max-semi-space-size=1');
    const text = fs.readFileSync(bundle);
    expect(text.every((x) => x < 0x80)).toBe(true);
    expect(text.toString('latin1')).toMatch(/^\(function \(exports, require, module, __filename, __dirname\) \{/);
    expect(fs.existsSync(`${bundle}.cache`)).toBe(true);
    const probe = [
      "const fs = require('fs'), vm = require('vm');",
      `const file = ${JSON.stringify(bundle)};`,
      // the bundle: CommonJS's module function, ASCII only (scripts/bundle.mjs)
      "const src = fs.readFileSync(file, 'latin1');",
      // the cache file: 16 bytes naming the bundle it was made from (size, mtime), then V8's data
      "const c = fs.readFileSync(file + '.cache'), st = fs.statSync(file);",
      "if (c.readDoubleLE(0) !== st.size || c.readDoubleLE(8) !== st.mtimeMs) throw new Error('cache made for another bundle');",
      "const s = new vm.Script(src, { filename: file, cachedData: c.subarray(16) });",
      'process.stdout.write(String(s.cachedDataRejected));',
    ].join('\n');
    const accepted = spawnSync(process.execPath, [...flags, '-e', probe], { encoding: 'utf8' });
    expect(accepted.stdout).toBe('false');
    // without the flags V8 rejects it, and the CLI still runs (compiled as usual)
    const rejected = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
    expect(rejected.stdout).toBe('true');
    const r = spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('node dist/src/cli/main.js (tsc\'s module of main.ts, where the launcher used to be) runs the command line too', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'dist/src/cli/main.js'), '--version'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('starts node without NODE_EXTRA_CA_CERTS (a CA file node would parse at every start; gwplane makes no TLS connection)', () => {
    // node warns at startup when that file cannot be loaded: run by the first line, no warning
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: path.join(os.tmpdir(), 'gwplane-no-such-ca-file.pem') };
    const direct = spawnSync(process.execPath, [...flags, cli, '--version'], { encoding: 'utf8', env });
    expect(direct.stderr).toMatch(/Ignoring extra certs/);
    const r = spawnSync(cli, ['--version'], { encoding: 'utf8', env });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("gives node's malloc the settings of its first line (huge pages, a 64 MiB top pad), replacing the caller's", () => {
    // a module node loads before the CLI (NODE_OPTIONS --require) reports the environment and the
    // size of malloc's heap ([heap] in /proc/self/maps): with a 64 MiB top pad it is at least that
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-tunables-'));
    try {
      const probe = path.join(dir, 'probe.cjs');
      fs.writeFileSync(
        probe,
        "process.on('exit', () => { const l = require('fs').readFileSync('/proc/self/maps', 'utf8').split('\\n').find((x) => x.endsWith('[heap]')) || '0-0';" +
          " const [a, b] = l.split(' ')[0].split('-').map((x) => parseInt(x, 16)); process.stderr.write(`tunables=${process.env.GLIBC_TUNABLES} heap=${b - a}\\n`); });\n",
      );
      const report = (cmd: string, args: string[]): { tunables: string; heap: number } => {
        const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: `--require ${probe}`, GLIBC_TUNABLES: 'glibc.malloc.top_pad=0' } });
        expect(r.status, r.stderr).toBe(0);
        const m = /tunables=(\S+) heap=(\d+)/.exec(r.stderr);
        expect(m, r.stderr).not.toBeNull();
        return { tunables: m![1]!, heap: Number(m![2]) };
      };
      const viaFirstLine = report(cli, ['--version']);
      expect(viaFirstLine.tunables).toBe('glibc.malloc.hugetlb=1:glibc.malloc.top_pad=67108864');
      expect(viaFirstLine.heap).toBeGreaterThanOrEqual(64 * 1024 * 1024);
      // the caller's setting, node run directly: no pad, a heap of a few MiB
      const direct = report(process.execPath, [...flags, cli, '--version']);
      expect(direct.tunables).toBe('glibc.malloc.top_pad=0');
      expect(direct.heap).toBeLessThan(32 * 1024 * 1024);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bundle changed after its cache was made is compiled from its source, not from the stale cache', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-launcher-'));
    try {
      // a copy of dist/src/cli whose bundle prints another version, at the same length
      const cliDir = path.join(dir, 'dist/src/cli');
      fs.mkdirSync(cliDir, { recursive: true });
      fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
      fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
      for (const f of ['main.cjs', 'gwplane.cjs', 'gwplane.cjs.cache']) fs.copyFileSync(path.join(root, 'dist/src/cli', f), path.join(cliDir, f));
      const stamp = fs.readFileSync(path.join(cliDir, 'gwplane.cjs.cache')).subarray(0, 16);
      const st = fs.statSync(path.join(cliDir, 'gwplane.cjs'));
      // restore the stamp of the copied bundle (its size, its new mtime): the cache is valid for it
      const s2 = Buffer.alloc(16);
      s2.writeDoubleLE(st.size, 0);
      s2.writeDoubleLE(st.mtimeMs, 8);
      fs.writeFileSync(path.join(cliDir, 'gwplane.cjs.cache'), Buffer.concat([s2, fs.readFileSync(path.join(cliDir, 'gwplane.cjs.cache')).subarray(16)]));
      expect(stamp.readDoubleLE(0)).toBe(st.size);
      const run = (): string => spawnSync(process.execPath, [...flags, path.join(cliDir, 'main.cjs'), '--version'], { encoding: 'utf8' }).stdout.trim();
      expect(run()).toMatch(/^\d+\.\d+\.\d+$/);
      // the same length, other code: the version read from package.json becomes a constant
      const src = fs.readFileSync(path.join(cliDir, 'gwplane.cjs'), 'utf8');
      const from = '.version(version, "-V, --version")';
      expect(src).toContain(from);
      const to = `.version(${JSON.stringify('9.9.9'.padEnd(from.length - '.version(, "-V, --version")'.length - 2, '9'))}, "-V, --version")`;
      expect(to.length).toBe(from.length);
      fs.writeFileSync(path.join(cliDir, 'gwplane.cjs'), src.replace(from, to));
      expect(run()).toMatch(/^9\.9\.9/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replay loads no node module that only the forwarder, the lab or a random key need', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-launcher-'));
    try {
      const list = path.join(dir, 'modules.txt');
      const preload = path.join(dir, 'preload.cjs');
      fs.writeFileSync(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));\n`);
      const r = spawnSync(process.execPath, [...flags, '-r', preload, cli, 'replay', '-r', 'fixtures/demo/demo.pcap', '--config', 'fixtures/configs/demo.yaml', '-w', path.join(dir, 'out.pcap')], { cwd: root, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const loaded = new Set(fs.readFileSync(list, 'utf8').split('\n'));
      expect(loaded.has('NativeModule fs')).toBe(true); // the list is what it claims to be
      // net and stream too: stdout and stderr are pipes here, and node makes their streams (which
      // load net) only when process.stdout or process.stderr is first used (src/cli/output.ts)
      for (const m of ['child_process', 'dgram', 'http', 'crypto', 'net', 'stream']) expect(loaded.has(`NativeModule ${m}`), m).toBe(false);
      // the launcher is CommonJS (main.cjs): node runs it without its ES module loader's
      // resolver and asynchronous file reads
      for (const m of ['internal/modules/esm/resolve', 'internal/fs/promises']) expect(loaded.has(`NativeModule ${m}`), m).toBe(false);
      expect(r.stdout).toMatch(/^Actual: \d+ packets/m); // the summary, written without the stream
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('help into a pipe whose reader has gone (gwplane --help | head -0) ends quietly with 0', async () => {
    const c = spawn(cli, ['--help'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout!.destroy(); // the reader goes away before gwplane writes: its write meets EPIPE
    let stderr = '';
    c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => c.on('close', (x) => resolve(x)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('the bundled forwarder runs with the lazily required modules: VXLAN sockets, /metrics over HTTP', async () => {
    const port = 20000 + (process.pid % 20000);
    const c = spawn(process.execPath, [...flags, cli, 'forward', '--config', 'fixtures/configs/lab.yaml', '--io', 'vxlan', '--vxlan-listen', `127.0.0.1:${port + 1}`, '--metrics', `127.0.0.1:${port}`, '--log-format', 'json'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    try {
      let body = '';
      for (let i = 0; i < 100 && body === ''; i++) {
        await new Promise((r) => setTimeout(r, 100));
        body = await fetch(`http://127.0.0.1:${port}/metrics`).then((x) => x.text(), () => '');
      }
      expect(body, stderr).toMatch(/^gwplane_/m);
    } finally {
      c.kill('SIGTERM');
      await new Promise((r) => c.once('exit', r));
    }
    expect(stderr).toMatch(/forwarding \(--io vxlan\)/);
  }, 30_000);
});
