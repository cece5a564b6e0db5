/**
 * The command line's output.
 *
 * - `TextOut`: buffered text to a file descriptor with `fs.writeSync`, surviving a closed pipe
 *   (`gwplane dissect | head`): on EPIPE it stops writing and reports `closed`.
 * - `stdout()` and `stderrForProgress()`: node's process.stdout and process.stderr, made only
 *   when first used. Node builds each of them on first access, and for a file, a pipe or a
 *   terminal that loads its stream modules (for a pipe, `net`): 3-4 ms of a start here
 *   (interleaved runs, 21 rounds: a 1M NAT replay writing to a file took 0.97x the time
 *   without them, `replay -c 1` 0.94x). A replay writing to a file never creates them.
 */
import fs from 'node:fs';
import type { ProgressStream } from './progress.js';

let stdoutQuiet = false;

/**
 * process.stdout, quiet on a reader that went away (`gwplane --help | head`): EPIPE ends the
 * process with its exit code so far instead of an error.
 */
export function stdout(): NodeJS.WriteStream {
  if (!stdoutQuiet) {
    stdoutQuiet = true;
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  return process.stdout;
}

/**
 * Whether `fd` can be a terminal, without making node's stream for it: a terminal is a
 * character device (so is /dev/null: for those the caller asks the stream).
 */
function mayBeTerminal(fd: number): boolean {
  try {
    return fs.fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
}

/** stderr for the replay's progress: process.stderr is made only if stderr may be a terminal or when written to. */
export function stderrForProgress(): ProgressStream {
  return {
    isTTY: mayBeTerminal(2) && process.stderr.isTTY === true,
    get columns() {
      return process.stderr.columns;
    },
    write: (s: string) => process.stderr.write(s),
  };
}

export class TextOut {
  private parts: string[] = [];
  private size = 0;
  closed = false;

  constructor(private readonly fd = 1) {}

  write(s: string): void {
    if (this.closed) return;
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= 1 << 16) this.flush();
  }

  flush(): void {
    if (this.closed || this.parts.length === 0) return;
    const data = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.size = 0;
    let off = 0;
    while (off < data.length) {
      try {
        off += fs.writeSync(this.fd, data, off, data.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
          continue;
        }
        if (code === 'EPIPE') {
          this.closed = true;
          return;
        }
        throw e;
      }
    }
  }
}
