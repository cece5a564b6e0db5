/**
 * `import()` of a module that is not in the CLI bundle (bench/run.js, prom-client), through a
 * function the launcher sets (src/cli/launch.ts). Inside a script compiled from a V8 code cache,
 * Node 20 has lost the script's dynamic-import callback, and `import()` there fails with "A
 * dynamic import callback was not specified"; the launcher, an ES module, imports for it. The
 * launcher lives in the bundle's directory (dist/src/cli), so a relative specifier means the
 * same module to both. Without a launcher (tests, tsc's modules) `direct` imports as usual.
 */
export type Importer = (specifier: string) => Promise<unknown>;

let importer: Importer | null = null;

/** The launcher's `import()`. */
export function setExternalImporter(f: Importer): void {
  importer = f;
}

/** `specifier` relative to dist/src/cli (or bare); `direct` is the same `import()` written out. */
export function importExternal<T>(specifier: string, direct: () => Promise<T>): Promise<T> {
  return importer !== null ? (importer(specifier) as Promise<T>) : direct();
}
