/**
 * Running the real `gwplane` CLI (dist/src/cli/main.cjs, built by `npm test`'s pretest) in a
 * child process, for the tests that need an exit code, a signal or a process's memory.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './planes.js';

export const CLI = path.join(repoRoot, 'dist/src/cli/main.cjs');

let built = false;
/** Make sure the CLI is built (`npm test` builds it first; a bare `vitest run` may not have). */
export function ensureCli(): string {
  if (!built && !fs.existsSync(CLI)) {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', path.join(repoRoot, 'tsconfig.json')], { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 });
    if (!fs.existsSync(CLI)) throw new Error(`cannot build the CLI: ${r.stdout}${r.stderr}`);
  }
  built = true;
  return CLI;
}

export function runCli(args: string[], o: { input?: Buffer; timeoutMs?: number; cwd?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [ensureCli(), ...args], {
    cwd: o.cwd ?? repoRoot,
    encoding: 'utf8',
    timeout: o.timeoutMs ?? 60_000,
    maxBuffer: 1 << 26,
    ...(o.input ? { input: o.input } : {}),
  });
}

/** VmRSS and VmHWM (peak) of a live process, in KiB, from /proc; null when it is gone. */
export function procMem(pid: number): { rssKiB: number; hwmKiB: number } | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+)/.exec(s);
    const hwm = /VmHWM:\s+(\d+)/.exec(s);
    if (!rss || !hwm) return null;
    return { rssKiB: Number(rss[1]), hwmKiB: Number(hwm[1]) };
  } catch {
    return null;
  }
}
