/**
 * For tests that need a second process (stdin, stdout pipes, exit hooks): transpile
 * src/io and src/batch to plain ESM in a temp directory with the TypeScript compiler, so a
 * child `node` can import them without a TypeScript loader.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let built: string | undefined;

/** Directory holding src/io/*.js and src/batch/*.js (built once per test file). */
export function buildForChild(): string {
  if (built !== undefined) return built;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-io-child-'));
  fs.writeFileSync(path.join(out, 'package.json'), '{ "type": "module" }\n');
  for (const dir of ['src/io', 'src/batch']) {
    fs.mkdirSync(path.join(out, dir), { recursive: true });
    for (const f of fs.readdirSync(path.join(repoRoot, dir)).filter((n) => n.endsWith('.ts'))) {
      const src = fs.readFileSync(path.join(repoRoot, dir, f), 'utf8');
      const js = ts.transpileModule(src, {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      fs.writeFileSync(path.join(out, dir, f.replace(/\.ts$/, '.js')), js);
    }
  }
  built = out;
  return out;
}

/** Remove the built modules (call from afterAll). */
export function cleanupChildBuild(): void {
  if (built !== undefined) fs.rmSync(built, { recursive: true, force: true });
  built = undefined;
}

/** file:// URL of a built module, e.g. moduleUrl('src/io/capture-reader.js'). */
export function moduleUrl(rel: string): string {
  return pathToFileURL(path.join(buildForChild(), rel)).href;
}
