#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.top_pad=67108864 node --v8-pool-size=1 --max-semi-space-size=1
/**
 * The launcher: dist/src/cli/main.cjs (package.json `bin`). It compiles the bundled program
 * (gwplane.cjs beside it: src/cli/gwplane.ts and everything it imports, one CommonJS file) with
 * the V8 code cache that `npm run build` made for it (gwplane.cjs.cache: the bytecode of every
 * function a replay of the demo capture ran, scripts/bundle.mjs), and runs the command line.
 * Imported, it runs nothing and exports `main` (tests).
 *
 * Why: starting gwplane is mostly compiling its JavaScript and loading modules. The cache
 * spares V8 the parsing and bytecode generation (`replay -c 1` took 0.85x the time of the ES
 * module bundle with cache and CommonJS together, 0.96x with CommonJS alone: interleaved runs,
 * native-free-notes.md), and one CommonJS file spares the ES module loader's resolution of ~15
 * chunks and the facades it builds for `node:` modules (`import fs from 'node:fs'` loads the
 * stream modules for `fs.ReadStream`). A cache that is missing, made for another state of the
 * bundle, or made by another V8 or under other flags (V8 rejects it: `cachedDataRejected`) is
 * not used, and the program is compiled as usual.
 * No static import here, so that this file costs no module facade either. The build makes this
 * file CommonJS too (main.cjs): node runs a .js program of this `"type": "module"` package
 * through its ES module loader, which first loads its resolver and its asynchronous file reads
 * (fs/promises, readline, watchers); a .cjs program goes through the CommonJS loader (`replay
 * -c 1` of the 1M trace: 0.917x the time, interleaved runs, 15 rounds).
 *
 * The first line starts node with two flags, measured on this 2-core machine (bench/RESULTS.md,
 * native-free-notes.md): one V8 compiler thread (`--v8-pool-size=1`: the default four compete
 * with the data path for two cores and each keeps a malloc arena: a 1M-packet replay took 656
 * ms instead of 724, and 2.5 MiB less peak RSS), and young-generation semispaces of at most
 * 1 MiB (`--max-semi-space-size=1`: the data path allocates nothing once optimised, so a big
 * young generation only holds what the JIT's warm-up boxed; with 2 MiB, 68 MiB peak RSS instead
 * of 72 for the same replay, and 1 MiB took 0.98x the time of 2 MiB for whole 1M-packet replays,
 * interleaved runs: every page a process touches first costs ~12 us of page fault here).
 * `node dist/src/cli/main.cjs` without them works the same, a little slower (and without the
 * code cache, which V8 ties to its flags).
 *
 * The first line also drops NODE_EXTRA_CA_CERTS from node's environment: Node 20 reads and
 * parses that file of CA certificates at every start, before any JavaScript runs, and gwplane
 * makes no TLS connection. Where it is set to Debian's bundle (/etc/ssl/certs/
 * ca-certificates.crt, as on this machine), `node -e 0` took 101 ms with it and 65 ms without
 * (interleaved runs), and a whole 1M-packet NAT replay 0.88x the time.
 *
 * The first line also sets GLIBC_TUNABLES=glibc.malloc.hugetlb=1: glibc's malloc then asks for
 * transparent huge pages (madvise) for the memory it takes from the kernel, where the kernel
 * grants them on request (`madvise` in /sys/kernel/mm/transparent_hugepage/enabled, as here).
 * Measured alone, when the flow table (4.5 MB for the trace config) was a block malloc mapped
 * for itself, a replay touching nearly every page of it: a 1M-packet replay took ~1,600 fewer
 * page faults (5,763-6,061 against 7,330-7,936) and 0.937x the time (interleaved runs, 21
 * rounds; `replay -c 1` 1.006x); each first touch of a 4 KiB page costs ~12 us here. Peak RSS
 * of the 2 GB streaming replay: 59.1-61.8 MiB in three runs (57.9-58.6 without).
 * The same variable sets glibc.malloc.top_pad=67108864 (64 MiB; mallopt(3) M_TOP_PAD, 128 KiB by
 * default): malloc grows its heap by that much more than it needs, and keeps that much free at
 * the top of the heap when memory is freed instead of giving it back to the kernel. Two more
 * effects, from glibc: big blocks that fit in that free top (the flow table, the I/O slab) now
 * come from the heap, which hugetlb=1 madvises the same way, instead of mappings of their own;
 * and setting top_pad turns off malloc's dynamic mmap threshold (mallopt(3) NOTES), so a block
 * of 128 KiB or more that does not fit is mapped and unmapped each time. My reading (not
 * proven): memory freed and taken again (V8's compiler takes and frees some for each function
 * it optimises) is reused rather than faulted in again, and the heap grows in steps big enough
 * for huge pages. Measured on 1M-packet replays (interleaved rounds, both with hugetlb=1):
 *   - page faults 2,903-3,266 (9 runs) against 5,951-7,974 without it (6 runs);
 *   - whole replay 0.938x the time (11 rounds) and 0.877x (15 rounds, a slower phase of the VM);
 *     `replay -c 1` 0.891x (15 rounds); the read-walk-write limit 1.01x (11 rounds: no gain);
 *   - peak RSS of the 1M replay 65-68 MiB against 59-63 MiB; of the 2 GB streaming replay
 *     64.6-66.3 MiB in seven runs (target 69.3);
 *   - smaller pads fault more: 2 MiB 4,663-5,100, 4 MiB 3,553-3,892, 16 MiB 3,001-3,353 (3 runs
 *     each); glibc.malloc.arena_max=1 on top took 3 MiB less RSS and 1.009x the time.
 * It replaces a GLIBC_TUNABLES the caller set.
 *
 * GWPLANE_WRITE_CODE_CACHE=1 (the build sets it): write the cache at exit, from the functions
 * this run compiled.
 */
const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
const path = process.getBuiltinModule('node:path') as typeof import('node:path');
const vm = process.getBuiltinModule('node:vm') as typeof import('node:vm');
const { createRequire } = process.getBuiltinModule('node:module') as typeof import('node:module');
const { fileURLToPath } = process.getBuiltinModule('node:url') as typeof import('node:url');
const { isAscii } = process.getBuiltinModule('node:buffer') as typeof import('node:buffer');

const dir = path.dirname(fileURLToPath(import.meta.url));
const file = path.join(dir, 'gwplane.cjs');
const cacheFile = `${file}.cache`;

// The bundle is wrapped in CommonJS's module function and ASCII only (scripts/bundle.mjs): read
// as latin1, it is a one-byte string, made without decoding (0.96x the startup of reading it
// as UTF-8 and wrapping it here: interleaved runs of `replay -c 1`). A bundle that is not ASCII
// after all is decoded as UTF-8.
const bytes = fs.readFileSync(file);
const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
// V8 checks a cache against its version, its flags and the source's length only: the cache
// file starts with the size and mtime of the bundle it was made from, so that a bundle changed
// since (same length or not) is compiled from its source
const stamp = new Float64Array(2);
const st = fs.statSync(file);
stamp[0] = st.size;
stamp[1] = st.mtimeMs;
const stampBytes = Buffer.from(stamp.buffer);
let cachedData: Buffer | undefined;
try {
  const c = fs.readFileSync(cacheFile);
  if (c.length > stampBytes.length && c.subarray(0, stampBytes.length).equals(stampBytes)) cachedData = c.subarray(stampBytes.length);
} catch {
  // no cache: compile as usual
}
const script = new vm.Script(source, { filename: file, cachedData });
if (process.env.GWPLANE_WRITE_CODE_CACHE === '1') {
  process.once('exit', () => fs.writeFileSync(cacheFile, Buffer.concat([stampBytes, script.createCachedData()])));
}
const load = script.runInThisContext() as (e: object, r: NodeJS.Require, m: object, f: string, d: string) => void;
const mod = { exports: {} as typeof import('./gwplane.js') };
load.call(mod.exports, mod.exports, lazyBuiltins(createRequire(file)), mod, file, dir);

/** The command line, for tests that run it in their own process: `main(argv)` -> exit code. */
export const main = mod.exports.main;

// `import()` of what is not in the bundle (external-import.ts says why the launcher does it)
mod.exports.setExternalImporter((specifier) => import(specifier));

// Run when executed (not when imported).
if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) mod.exports.runCli(process.argv);

/**
 * `require` for the bundle, giving the node modules that only some commands use as objects
 * that load the module on the first property read: commander requires child_process (with
 * net and the stream modules: ~7 ms here) for executable subcommands gwplane does not have,
 * and dgram, http, os and child_process serve `forward`, `responder` and `lab` only, but the
 * bundle requires every node module at its top. The bundle only reads their properties (named
 * imports: `(0, node_dgram.createSocket)(...)`), which the proxy forwards.
 */
function lazyBuiltins(req: NodeJS.Require): NodeJS.Require {
  const lazy = new Set(['node:child_process', 'node:dgram', 'node:http', 'node:os']);
  const wrapped = ((id: string): unknown => {
    if (!lazy.has(id)) return req(id);
    let m: Record<string | symbol, unknown> | undefined;
    const real = (): Record<string | symbol, unknown> => (m ??= req(id) as Record<string | symbol, unknown>);
    return new Proxy({}, {
      get: (_t, k) => real()[k],
      has: (_t, k) => k in real(),
      ownKeys: () => Reflect.ownKeys(real()),
      getOwnPropertyDescriptor: (_t, k) => {
        const d = Reflect.getOwnPropertyDescriptor(real(), k);
        return d === undefined ? undefined : { ...d, configurable: true };
      },
    });
  }) as NodeJS.Require;
  return Object.assign(wrapped, { resolve: req.resolve, cache: req.cache, main: req.main, extensions: req.extensions });
}
