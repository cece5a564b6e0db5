/**
 * Synchronous reads and writes on a file descriptor that may be a non-blocking pipe or tty
 * (stdin / stdout handed over by a shell or a parent process). A non-blocking descriptor makes
 * `fs.readSync` / `fs.writeSync` throw EAGAIN when no data (or no room) is available yet; we
 * then sleep a little with `Atomics.wait` (a real blocking sleep, no busy loop) and retry.
 */
import fs from 'node:fs';

/** How long to sleep before retrying after EAGAIN. */
const EAGAIN_SLEEP_MS = 2;

let sleepCell: Int32Array | undefined;

/** Block the thread for `ms` milliseconds (Atomics.wait on a private, never-notified cell). */
export function sleepMs(ms: number): void {
  if (sleepCell === undefined) sleepCell = new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(sleepCell, 0, 0, ms);
}

function errCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null ? (e as NodeJS.ErrnoException).code : undefined;
}

/**
 * Read up to `len` bytes into `buf` at `off` from the current position of `fd`. Returns the
 * number of bytes read, 0 only at end of file. Retries on EAGAIN; other errors are thrown.
 */
export function readRetry(fd: number, buf: Buffer, off: number, len: number): number {
  for (;;) {
    try {
      return fs.readSync(fd, buf, off, len, null);
    } catch (e) {
      const code = errCode(e);
      if (code === 'EAGAIN') {
        sleepMs(EAGAIN_SLEEP_MS);
        continue;
      }
      if (code === 'EOF') return 0; // Windows pipes report a closed writer this way
      throw e;
    }
  }
}

/**
 * Write `buf[off, off + len)` completely to `fd` (writeSync may write less than asked on a
 * pipe). Retries on EAGAIN. Returns false if the reader went away (EPIPE), true otherwise;
 * other errors are thrown.
 */
export function writeAll(fd: number, buf: Buffer, off: number, len: number): boolean {
  while (len > 0) {
    let n: number;
    try {
      n = fs.writeSync(fd, buf, off, len);
    } catch (e) {
      const code = errCode(e);
      if (code === 'EAGAIN') {
        sleepMs(EAGAIN_SLEEP_MS);
        continue;
      }
      if (code === 'EPIPE') return false;
      throw e;
    }
    off += n;
    len -= n;
  }
  return true;
}
