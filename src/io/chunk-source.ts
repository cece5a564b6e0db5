/**
 * A bounded streaming window over a file descriptor: one reused chunk buffer that the capture
 * reader parses in place. Records may straddle chunk boundaries: when a record does not fit in
 * what is buffered, the unparsed tail is moved to the front and more is read after it.
 *
 *   buf:  [ parsed ... | start ........ end | free ............ ]
 *          ^ file offset `base`     (unparsed bytes)
 *
 * The buffer only grows when a single record or block is bigger than it, and callers must
 * check such a length against a sane maximum before asking for it (`ensure(n)`), so memory
 * stays bounded by max(chunk size, largest accepted record).
 */
import { slabBuffer } from '../batch/slab.js';
import { CaptureError } from './capture-error.js';
import { readRetry } from './fd-sync.js';

export class ChunkSource {
  buf: Buffer;
  /** Long-lived DataView over `buf` (re-made only when `buf` grows). */
  dv: DataView;
  /** First unparsed byte in `buf`. */
  start = 0;
  /** End of the valid bytes in `buf`. */
  end = 0;
  /** File offset of `buf[0]`. */
  base = 0;
  /** The descriptor returned 0 (end of file); no more reads. */
  eof = false;
  /**
   * Called before the buffered bytes are moved or overwritten by a read: whoever still points
   * into `buf` (an in-place batch, io/in-place-output.ts) finishes with those bytes first.
   */
  beforeMove: (() => void) | null = null;

  constructor(
    private readonly fd: number,
    private readonly file: string,
    chunkBytes: number,
  ) {
    this.buf = slabBuffer(chunkBytes);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** File offset of the first unparsed byte. */
  offset(): number {
    return this.base + this.start;
  }

  /** Unparsed bytes buffered. */
  available(): number {
    return this.end - this.start;
  }

  /**
   * Make `n` bytes available from `start`. Returns false if the file ends first (the bytes
   * that do exist stay available). `n` must already be checked against a sane maximum.
   * May move the buffered bytes (`start` changes) and replace `buf`/`dv`: re-read them after.
   */
  ensure(n: number): boolean {
    if (this.end - this.start >= n) return true;
    return this.fill(n);
  }

  /** Mark `n` bytes as parsed. */
  consume(n: number): void {
    this.start += n;
  }

  private fill(n: number): boolean {
    this.beforeMove?.();
    if (this.start > 0) {
      // Keep the partial tail: move it to the front of the buffer.
      this.buf.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.base += this.start;
      this.start = 0;
    }
    if (n > this.buf.length) {
      // One record bigger than the chunk: grow once (n was checked by the caller).
      const grown = slabBuffer(n);
      this.buf.copy(grown, 0, 0, this.end);
      this.buf = grown;
      this.dv = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
    }
    while (this.end < n && !this.eof) {
      let got: number;
      try {
        got = readRetry(this.fd, this.buf, this.end, this.buf.length - this.end);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        throw new CaptureError(this.file, this.base + this.end, `read failed: ${why}`);
      }
      if (got === 0) this.eof = true;
      else this.end += got;
    }
    return this.end >= n;
  }
}
