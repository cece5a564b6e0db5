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
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const optimization = { inlineConst: { mode: 'all', pass: 3 } };
const external = ['raw-socket', 'prom-client', /bench\/run\.js$/];

/**
 * One self-contained file per program. A module the program imports dynamically (each CLI
 * command) is evaluated only when the import runs, as before bundling. One file rather than
 * chunks: every module then sees the program's own `import.meta.url` (the CLI finds
 * package.json from it), and a chunked CLI was no faster to start.
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

await build([
  single('src/cli/main.ts', 'dist/src/cli/main.js'),
  single('src/worker/shard-worker.ts', 'dist/src/worker/shard-worker.js'),
  single('bench/run.ts', 'dist/bench/run.js'),
  single('bench/e2e.ts', 'dist/bench/e2e.js'),
  ...['decoders', 'gc-check', 'parse', 'rww', 'walk'].map((n) => single(`bench/e2e/${n}.ts`, `dist/bench/e2e/${n}.js`)),
]);
