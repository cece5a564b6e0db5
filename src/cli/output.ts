/**
 * Buffered text output to stdout that survives a closed pipe (`gwplane dissect | head`):
 * on EPIPE it stops writing and reports `closed`, instead of throwing.
 */
import fs from 'node:fs';

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
