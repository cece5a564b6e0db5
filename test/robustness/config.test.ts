/**
 * Issue 6, item 5: hostile configuration, at the CLI. fixtures/configs/bad/ holds one broken
 * config per validation rule (malformed YAML/JSON, wrong types, N > M, duplicate VIPs or DIPs,
 * overlapping prefixes within a tenant, tunnels with weight 0, a site with no tunnels, ...),
 * each with `# expect: L:C field` on line 1; test/control/config-load.test.ts checks the
 * loader's message for each. Here: `gwplane replay --config BAD` exits 2 with
 * `gwplane: error: FILE:L:C: field: ...` on stderr, prints no summary, and starts nothing: the
 * capture is never opened (a missing capture would be exit 1; a capture on a stdin that never
 * ends would hang) and no output file, not even a temporary one, is created.
 *
 * All fixtures run through the built CLI's `main()` in one child process (fast); a sample also
 * runs as real `gwplane` processes, for the process exit status.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCli } from './cli.js';
import { recordFigures } from './figures.js';
import { repoRoot } from './planes.js';

const BAD = 'fixtures/configs/bad';
const fixtures = fs.readdirSync(path.join(repoRoot, BAD)).filter((f) => f.endsWith('.yaml') || f.endsWith('.json')).sort();
let dir = '';
const figures = { fixtures: fixtures.length, exit_2: 0, message_at_expected_line_col: 0, outputs_created: 0, real_processes: 0 };

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-badcfg-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  recordFigures('config', figures);
});

function expected(f: string): { pos: string; field: string } {
  const m = /^# expect: (\d+:\d+) (\S+)/.exec(fs.readFileSync(path.join(repoRoot, BAD, f), 'utf8').split('\n')[0]!);
  if (!m) throw new Error(`${f}: no '# expect: L:C field' on line 1`);
  return { pos: m[1]!, field: m[2]! };
}

describe('gwplane replay --config BAD', () => {
  it(`every fixture of ${BAD}: exit 2, FILE:L:C: field, no summary, capture never opened, nothing written`, () => {
    const out = path.join(dir, 'out.pcap');
    const script = `
      import { main } from ${JSON.stringify(pathToFileURL(ensureCli()).href)};
      const files = JSON.parse(process.env.BAD_FIXTURES);
      const res = [];
      const realOut = process.stdout.write.bind(process.stdout);
      for (const f of files) {
        let err = '', out = '';
        const e0 = process.stderr.write, o0 = process.stdout.write;
        process.stderr.write = (s) => { err += s; return true; };
        process.stdout.write = (s) => { out += s; return true; };
        let code;
        try {
          code = await main(['node', 'gwplane', 'replay', '-r', '/nonexistent/capture.pcap', '--config', f, '-w', ${JSON.stringify(out)}]);
        } catch (e) { code = 'threw ' + e; }
        process.stderr.write = e0; process.stdout.write = o0;
        res.push({ f, code, err, out });
      }
      realOut(JSON.stringify(res));
    `;
    // (the list goes in the environment: main.cjs treats a first argument as its own path)
    const env = { ...process.env, BAD_FIXTURES: JSON.stringify(fixtures.map((f) => `${BAD}/${f}`)) };
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, env, encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 24 });
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as Array<{ f: string; code: number | string; err: string; out: string }>;
    expect(res.length).toBe(fixtures.length);
    for (const x of res) {
      const want = expected(path.basename(x.f));
      expect(x.code, `${x.f}: ${x.err}`).toBe(2);
      figures.exit_2++;
      expect(x.err, x.f).toContain(`gwplane: error: ${x.f}:${want.pos}: ${want.field}: `);
      figures.message_at_expected_line_col++;
      expect(x.out, x.f).toBe('');
      expect(x.err, x.f).not.toMatch(/nonexistent|cannot open/);
    }
    const left = fs.readdirSync(dir);
    figures.outputs_created = left.length;
    expect(left).toEqual([]);
  });

  it('other hostile texts (malformed JSON, nesting past the stack, binary, aliases, 50,000 keys): exit 2 with FILE:L:C', () => {
    const hostile: Record<string, string> = {
      'json-trailing-comma.json': '{ "slb": { "vips": ["203.0.113.10"], }, }',
      'json-cut.json': '{ "slb": { "vips": ["203.0.113.10"',
      'json-number-key.json': '{ "slb": { "vips": ["203.0.113.10"] }, 1: 2 }',
      'empty.yaml': '',
      'only-comment.yaml': '# nothing\n',
      'binary.yaml': '\u0000\u0001\u00ff\u00fe'.repeat(64),
      'nested-100k.yaml': '['.repeat(100_000),
      'nested-closed.json': '{"a":'.repeat(5000) + '1' + '}'.repeat(5000),
      'alias-bomb.yaml': ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefghi'.split('').map((c, k) => `${c}: &${c} [${Array(9).fill('*' + 'abcdefghi'[k]).join(', ')}]`)].join('\n'),
      'tabs.yaml': 'slb:\n\tvips: [203.0.113.10]\n',
      'keys-50k.yaml': Array.from({ length: 50_000 }, (_, i) => `k${i}: 1`).join('\n'),
      'dup-keys-20k.yaml': Array.from({ length: 20_000 }, () => 'slb: 1').join('\n'),
      'huge-value.yaml': `slb: { vips: ["${'9'.repeat(1_000_000)}"] }`,
    };
    const files = Object.entries(hostile).map(([name, text]) => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, text);
      return f;
    });
    const script = `
      import { main } from ${JSON.stringify(pathToFileURL(ensureCli()).href)};
      const res = [];
      const realOut = process.stdout.write.bind(process.stdout);
      for (const f of JSON.parse(process.env.BAD_FIXTURES)) {
        let err = '', out = '';
        const e0 = process.stderr.write, o0 = process.stdout.write;
        process.stderr.write = (s) => { err += s; return true; };
        process.stdout.write = (s) => { out += s; return true; };
        const t0 = Date.now();
        let code;
        try { code = await main(['node', 'gwplane', 'replay', '-r', '/nonexistent/capture.pcap', '--config', f]); } catch (e) { code = 'threw ' + e; }
        process.stderr.write = e0; process.stdout.write = o0;
        res.push({ f, code, err: err.slice(0, 300), out, ms: Date.now() - t0 });
      }
      realOut(JSON.stringify(res));
    `;
    // One process per text that overflows the parser's stack: after a caught stack overflow,
    // V8 (Node 20) may abort the *next* deep parse in the same process (a regexp compiled at
    // depth fails as "out of memory"). The CLI parses one config per process, so it is not
    // exposed; see test/ROBUSTNESS.md.
    const deep = (f: string): boolean => /nested/.test(f);
    const res: Array<{ f: string; code: number | string; err: string; out: string; ms: number }> = [];
    for (const group of [files.filter((f) => !deep(f)), ...files.filter(deep).map((f) => [f])]) {
      const env = { ...process.env, BAD_FIXTURES: JSON.stringify(group) };
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, env, encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 24 });
      expect(r.status, r.stderr).toBe(0);
      res.push(...JSON.parse(r.stdout));
    }
    expect(res.length).toBe(files.length);
    for (const x of res) {
      expect(x.code, `${x.f}: ${x.err}`).toBe(2);
      expect(x.err).toMatch(new RegExp(`^gwplane: error: ${x.f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: \\S+: .`));
      expect(x.out).toBe('');
    }
    (figures as Record<string, unknown>).hostile_texts = Object.fromEntries(res.map((x) => [path.basename(x.f), { exit: x.code, ms: x.ms, error: x.err.split('\n')[0]!.replace(dir + '/', '') }]));
    for (const f of files) fs.rmSync(f);
  });

  const SAMPLE = ['syntax-yaml.yaml', 'standby-exceeds-active.yaml', 'duplicate-vip.yaml', 'duplicate-dip.yaml', 'prefix-overlap-same-site.yaml', 'tunnel-weight-zero.yaml', 'site-no-tunnels.yaml', 'wrong-type-integer.yaml'];
  for (const f of SAMPLE.filter((x) => fixtures.includes(x))) {
    it(`real process, ${f}: status 2, and a stdin capture that never ends is not read`, async () => {
      const want = expected(f);
      const out = path.join(dir, `${f}.pcap`);
      // stdin stays open: a replay that started would block reading it until the timeout
      const child = spawn(process.execPath, [ensureCli(), 'replay', '-r', '-', '--config', `${BAD}/${f}`, '-w', out], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
      let err = '';
      let stdout = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const status = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      clearTimeout(timer);
      child.stdin.destroy();
      figures.real_processes++;
      expect(status, err).toBe(2);
      expect(err).toContain(`gwplane: error: ${BAD}/${f}:${want.pos}: ${want.field}: `);
      expect(stdout).toBe('');
      expect(fs.existsSync(out)).toBe(false);
      expect(fs.readdirSync(dir).filter((x) => x.includes(f))).toEqual([]);
    });
  }
});
