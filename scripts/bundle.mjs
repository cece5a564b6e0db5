/**
 * `node scripts/bundle.mjs`, the second half of `npm run build`: after `tsc` has type-checked
 * and emitted every module into dist/, rolldown bundles each program gwplane runs (the CLI, the
 * shard worker, the benchmark runners) from the TypeScript sources and writes the bundle over the
 * entry file tsc emitted, at the same path; the CLI's is dist/src/cli/gwplane.cjs, which the
 * launcher dist/src/cli/main.cjs runs (src/cli/launch.ts), and its V8 code cache is made last.
 * Everything that starts a program (package.json `bin`, `npm start`, `npm run bench`, the tests
 * that spawn the CLI) therefore runs a bundle; modules imported one by one (tests, tools) are
 * tsc's.
 *
 * Why bundle: constants. An imported binding (`ENCAP_NVGRE`, `DROP_NO_ROUTE`, `F_VLAN` ...) is a
 * live ES module binding: V8 loads it from its cell with a TDZ check and a small-integer check on
 * every use, even in optimised code. `optimization.inlineConst` puts the value in its place, as a
 * C compiler does with an enum: the dissector went from 58 to 46 ns/packet (same source, same
 * process, interleaved runs). Startup is about the same either way here (one 800 KB file
 * against ~90 small modules: the minima of 10 runs of `replay -c 1` were equal).
 *
 * Left outside the bundles (loaded from node_modules when used): raw-socket (a native addon),
 * prom-client, and bench/run.js, which `gwplane bench` imports only from a repository build.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const optimization = { inlineConst: { mode: 'all', pass: 3 } };
const external = ['raw-socket', 'prom-client', /bench\/run\.js$/];

/**
 * One self-contained file per program (the worker and the benchmark runners: each is its own
 * process or thread).
 */
function single(input, file, format = 'esm') {
  return {
    input,
    cwd: root,
    platform: 'node',
    external,
    optimization,
    output: { file, format, codeSplitting: false, sourcemap: true },
  };
}

// chunks of an earlier build whose names are gone would stay behind
fs.rmSync(path.join(root, 'dist/src/cli/chunks'), { recursive: true, force: true });

await build([
  {
    // The CLI: one CommonJS file that the launcher (main.cjs) compiles with a V8 code cache
    // (src/cli/launch.ts says why). Each command's modules (yaml for a config, pino and sockets
    // for the forwarder) are still run only when that command runs: rolldown wraps a module
    // reached by `import()` in a function called by that import. `import.meta.url` becomes the
    // bundle's own file URL, which is where the ES modules were (dist/src/cli/).
    input: 'src/cli/gwplane.ts',
    cwd: root,
    platform: 'node',
    external,
    optimization,
    output: {
      file: 'dist/src/cli/gwplane.cjs',
      format: 'cjs',
      codeSplitting: false,
      sourcemap: true,
      // ASCII only (strings, regular expressions and names escaped; comments below), so that the
      // launcher reads it as a one-byte (latin1) string: no UTF-8 decoding and half the memory
      charset: 'ascii',
    },
  },
  // The launcher in CommonJS: node runs a .cjs program through its CommonJS loader, where an ES
  // module program first starts the ES module loader (its resolver, its asynchronous file
  // reads: fs/promises, readline, watchers). `replay -c 1` of the 1M trace took 0.917x the
  // time with a CommonJS launcher (interleaved runs, 15 rounds).
  single('src/cli/launch.ts', 'dist/src/cli/main.cjs', 'cjs'),
  single('src/worker/shard-worker.ts', 'dist/src/worker/shard-worker.js'),
  single('bench/run.ts', 'dist/bench/run.js'),
  single('bench/e2e.ts', 'dist/bench/e2e.js'),
  ...['decoders', 'gc-check', 'parse', 'walk', 'workers'].map((n) => single(`bench/e2e/${n}.ts`, `dist/bench/e2e/${n}.js`)),
  // the read-walk-write limit starts as the CLI does, through node's CommonJS loader (the
  // launcher above): the limit pays no start-up cost that gwplane does not
  single('bench/e2e/rww.ts', 'dist/bench/e2e/rww.cjs', 'cjs'),
  // and so does the flat sketch of the job, a reference point beside it (bench/e2e/flat-sketch.ts)
  single('bench/e2e/flat-sketch.ts', 'dist/bench/e2e/flat-sketch.cjs', 'cjs'),
]);

// The launcher compiles the CLI's bundle as it is (src/cli/launch.ts): wrapped here in
// CommonJS's module function (on its first line: the source map's lines stay right), and ASCII
// only: charset 'ascii' escaped strings, regular expressions and names, and what is left
// (comments) is escaped here the same way.
const bundleFile = path.join(root, 'dist/src/cli/gwplane.cjs');
const bundleText = fs
  .readFileSync(bundleFile, 'utf8')
  .replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
fs.writeFileSync(bundleFile, `(function (exports, require, module, __filename, __dirname) {${bundleText}\n});\n`);

// the CLI runs by its first line (`#!/usr/bin/env -S node <flags>`: see src/cli/launch.ts)
const launcher = path.join(root, 'dist/src/cli/main.cjs');
fs.chmodSync(launcher, 0o755);

// The code cache of the CLI: a replay of the bundled demo, run as users run it (by the first
// line, so with its node flags, to which V8 ties the cache), writes the bytecode of every
// function it compiled to dist/src/cli/gwplane.cjs.cache. Without it gwplane works the same,
// starting a little slower.
const cacheFile = path.join(root, 'dist/src/cli/gwplane.cjs.cache');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-build-'));
fs.rmSync(cacheFile, { force: true });
try {
  const r = spawnSync(launcher, ['replay', '-r', 'fixtures/demo/demo.pcap', '--config', 'fixtures/configs/demo.yaml', '-w', path.join(scratch, 'demo-out.pcap')], {
    cwd: root,
    env: { ...process.env, GWPLANE_WRITE_CODE_CACHE: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0 || !fs.existsSync(cacheFile)) {
    process.stderr.write(`bundle: warning: no code cache made (exit ${r.status ?? r.signal}); gwplane starts without one\n`);
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
