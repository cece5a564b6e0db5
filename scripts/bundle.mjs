/**
 * `node scripts/bundle.mjs`, the second half of `npm run build`: after `tsc` has type-checked
 * and emitted every module into dist/, rolldown bundles each program gwplane runs (the CLI, the shard worker, the
 * benchmark runners) from the TypeScript sources and writes the bundle over the entry file tsc
 * emitted, at the same path. Everything that starts a program (package.json `bin`, `npm start`,
 * `npm run bench`, the tests that spawn the CLI) therefore runs the bundle; modules imported one
 * by one (tests, tools) are tsc's.
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
import fs from 'node:fs';
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
function single(input, file) {
  return {
    input,
    cwd: root,
    platform: 'node',
    external,
    optimization,
    output: { file, format: 'esm', codeSplitting: false, sourcemap: true },
  };
}

// chunks of an earlier build whose names are gone would stay behind
fs.rmSync(path.join(root, 'dist/src/cli/chunks'), { recursive: true, force: true });

await build([
  {
    // The CLI in chunks: each command's modules (and their dependencies: yaml for a config,
    // pino and sockets for the forwarder) are parsed only when that command runs, so that
    // `gwplane --version` loads 130 KB of code, not 800 KB (about 30 ms less here), and `replay` does
    // not load the forwarder. Modules that find files from their own location use the entry's
    // `import.meta.url` (main.ts, package.json) or do not care where their chunk is.
    input: { main: 'src/cli/main.ts' },
    cwd: root,
    platform: 'node',
    external,
    optimization,
    output: { dir: 'dist/src/cli', format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name].js', sourcemap: true },
  },
  single('src/worker/shard-worker.ts', 'dist/src/worker/shard-worker.js'),
  single('bench/run.ts', 'dist/bench/run.js'),
  single('bench/e2e.ts', 'dist/bench/e2e.js'),
  ...['decoders', 'gc-check', 'parse', 'rww', 'walk'].map((n) => single(`bench/e2e/${n}.ts`, `dist/bench/e2e/${n}.js`)),
]);

// the CLI runs by its first line (`#!/usr/bin/env -S node <flags>`: see src/cli/main.ts)
fs.chmodSync(path.join(root, 'dist/src/cli/main.js'), 0o755);
