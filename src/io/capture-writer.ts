/**
 * Buffered, synchronous writer of classic pcap or pcapng, to a file or stdout ('-').
 *
 * A file is written under a temporary name in the same directory, `.<name>.<pid>.tmp`, and
 * renamed to its final name only by commit(), so a capture that looks complete is complete.
 * A destination that exists and is no regular file (`/dev/null`, a FIFO: special-file.ts) is
 * opened and written directly, never replaced; a symbolic link is followed to the file it names.
 * abort() (or the process exiting, e.g. on an uncaught exception, before commit) removes the
 * temporary file. stdout is written directly; if its reader goes away (EPIPE) the writer
 * stops writing quietly and sets `brokenPipe`.
 *
 * Packets are appended to one reused 1 MiB buffer, written out with fs.writeSync when full;
 * writePacket allocates nothing.
 *
 * - pcap: little-endian, microsecond magic (nanosecond with `nanos: true`), one link type.
 * - pcapng: little-endian SHB, one IDB per link type used (if_tsresol = 9, nanoseconds),
 *   EPBs, with an opt_comment option when a comment is given.
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import { LINK_ETHERNET, MAX_FRAME } from '../batch/packet-batch.js';
import { slabBuffer } from '../batch/slab.js';
import { CaptureError } from './capture-error.js';
import { copyBytes } from './copy-bytes.js';
import { isSpecialFile, renameTarget, tempNameFor } from './special-file.js';
import { writeAll } from './fd-sync.js';
import {
  PCAP_RECORD_HEADER_LEN, REC_OFF_CAPLEN, REC_OFF_ORIGLEN, REC_OFF_TS_FRAC, REC_OFF_TS_SEC, pcapWriteHeader,
} from './pcap-format.js';
import {
  EPB_OFF_DATA, EPB_OFF_TS_HIGH, EPB_OFF_TS_LOW, OPT_COMMENT, epbLength, epbWriteHeader, idbLength, idbWrite, pad4, shbWrite,
} from './pcapng-format.js';
import { secNsecToNs64, tsOut } from './timestamp.js';

/** Output buffer size. */
export const DEFAULT_OUT_BYTES = 1 << 20;
/** if_tsresol written in every IDB: 10^-9 s. */
const TSRESOL_NANOS = 9;
/** Option values have a 16-bit length (pcapng 3.5). */
const MAX_OPTION_BYTES = 0xffff;

export interface CaptureWriterOptions {
  /** Link type of the pcap file / of the first pcapng interface. Default 1 (Ethernet). */
  linkType?: number;
  /** Records are cut to this many bytes. Default MAX_FRAME (262144). */
  snaplen?: number;
  /** pcap only: nanosecond timestamps (magic 0xA1B23C4D). Default false: microseconds. */
  nanos?: boolean;
}

// Writers not yet committed or aborted; their temporary files are removed at process exit.
const pending = new Set<CaptureWriter>();
let exitHookInstalled = false;

function trackPending(w: CaptureWriter): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const p of pending) p.abort();
    });
  }
  pending.add(w);
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed: nothing to release
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class CaptureWriter {
  /** The final path, or '-' for stdout. */
  readonly path: string;
  readonly format: 'pcap' | 'pcapng';
  /** Where the bytes go until commit(); null for stdout and for a special file written directly. */
  readonly tempPath: string | null;
  /** Packets written. */
  packets = 0;
  /** File bytes produced so far (headers included, buffered or written). */
  bytes = 0;
  /** stdout's reader went away: later output is dropped. */
  brokenPipe = false;

  private readonly fd: number;
  /** The file commit() renames the temporary file over (`path`, its symbolic links resolved). */
  private renameTo = '';
  private readonly linkType: number;
  private readonly snaplen: number;
  private readonly nanos: boolean;
  private out: Buffer;
  private dv: DataView;
  private pos = 0;
  private state: 'open' | 'committed' | 'aborted' = 'open';
  /** pcapng: link type of each interface id written so far. */
  private readonly ifLinks: number[] = [];
  private lastLink = -1;
  private lastIf = 0;
  /** DataView over the last source buffer (callers usually write from one batch arena). */
  private srcBuf: Buffer | null = null;
  private srcDv: DataView | null = null;

  private constructor(
    path: string, format: 'pcap' | 'pcapng', fd: number, tempPath: string | null,
    linkType: number, snaplen: number, nanos: boolean,
  ) {
    this.path = path;
    this.format = format;
    this.fd = fd;
    this.tempPath = tempPath;
    this.linkType = linkType;
    this.snaplen = snaplen;
    this.nanos = nanos;
    this.out = slabBuffer(DEFAULT_OUT_BYTES);
    this.dv = new DataView(this.out.buffer, this.out.byteOffset, this.out.byteLength);
  }

  /**
   * Create `path` (through its temporary name) or write to stdout for '-', and write the
   * file header. Throws CaptureError if the temporary file cannot be created.
   */
  static open(path: string, format: 'pcap' | 'pcapng', opts: CaptureWriterOptions = {}): CaptureWriter {
    if (format !== 'pcap' && format !== 'pcapng') throw new RangeError(`unknown capture format ${String(format)}`);
    const linkType = opts.linkType ?? LINK_ETHERNET;
    if (!Number.isInteger(linkType) || linkType < 0 || linkType > 0xffff) {
      throw new RangeError(`linkType must be a 16-bit integer, got ${linkType}`);
    }
    const snaplen = opts.snaplen ?? MAX_FRAME;
    if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > 0xffffffff) {
      throw new RangeError(`snaplen must be a positive 32-bit integer, got ${snaplen}`);
    }
    let fd = 1;
    let tempPath: string | null = null;
    let dest = '';
    if (path !== '-' && isSpecialFile(path)) {
      try {
        fd = fs.openSync(path, 'w');
      } catch (e) {
        throw new CaptureError(path, 0, `cannot open: ${message(e)}`);
      }
    } else if (path !== '-') {
      dest = renameTarget(nodePath.resolve(path));
      tempPath = tempNameFor(dest);
      try {
        fd = fs.openSync(tempPath, 'w', 0o644);
      } catch (e) {
        throw new CaptureError(path, 0, `cannot create: ${message(e)}`);
      }
    }
    const w = new CaptureWriter(path, format, fd, tempPath, linkType, snaplen, opts.nanos === true);
    if (tempPath !== null) {
      w.renameTo = dest;
      trackPending(w);
    }
    if (format === 'pcap') {
      w.pos = pcapWriteHeader(w.dv, 0, w.nanos, snaplen, linkType, true);
    } else {
      w.pos = shbWrite(w.dv, 0, true);
      w.interfaceFor(linkType);
    }
    w.bytes = w.pos;
    return w;
  }

  /**
   * Append one packet: `len` bytes of `buf` from `off` (cut to snaplen), original length
   * `wireLen`, timestamp `tsSec` + `tsNsec`. pcapng: `comment` becomes an opt_comment option
   * and `linkType` (default: the one given at open) selects or adds an interface. pcap holds
   * one link type and no comments: another link type is an Error, comments are dropped.
   */
  writePacket(
    buf: Buffer, off: number, len: number, wireLen: number, tsSec: number, tsNsec: number,
    comment?: string, linkType?: number,
  ): void {
    if (this.state !== 'open') throw new Error(`${this.path}: writePacket after ${this.state === 'committed' ? 'commit' : 'abort'}`);
    const link = linkType ?? this.linkType;
    const cap = len > this.snaplen ? this.snaplen : len;
    if (off < 0 || off + cap > buf.length) throw new RangeError(`${this.path}: packet [${off}, ${off + cap}) outside its buffer`);
    const orig = wireLen < cap ? cap : wireLen;
    if (this.format === 'pcap') {
      if (link !== this.linkType) {
        throw new Error(`${this.path}: a pcap file holds one link type (${this.linkType}), got a packet of link type ${link}`);
      }
      const need = PCAP_RECORD_HEADER_LEN + cap;
      this.room(need);
      const p = this.pos;
      // Written here rather than through a helper: a uint32 above 2^30 (any current tsSec)
      // passed to a function V8 does not inline is boxed in a heap number.
      const dv = this.dv;
      dv.setUint32(p + REC_OFF_TS_SEC, tsSec, true);
      dv.setUint32(p + REC_OFF_TS_FRAC, this.nanos ? tsNsec : Math.floor(tsNsec / 1000), true);
      dv.setUint32(p + REC_OFF_CAPLEN, cap, true);
      dv.setUint32(p + REC_OFF_ORIGLEN, orig, true);
      this.copyIn(buf, off, p + PCAP_RECORD_HEADER_LEN, cap);
      this.pos = p + need;
      this.bytes += need;
    } else {
      const ifId = link === this.lastLink ? this.lastIf : this.interfaceFor(link);
      const commentBytes = comment ? Buffer.byteLength(comment, 'utf8') : 0;
      if (commentBytes > MAX_OPTION_BYTES) {
        throw new RangeError(`${this.path}: comment of ${commentBytes} bytes exceeds the pcapng option limit ${MAX_OPTION_BYTES}`);
      }
      // Options (3.5): opt_comment (code 1, UTF-8, padded to 32 bits), then opt_endofopt.
      const optBytes = commentBytes > 0 ? 4 + pad4(commentBytes) + 4 : 0;
      const total = epbLength(cap, optBytes);
      this.room(total);
      const out = this.out;
      const dv = this.dv;
      const b = this.pos;
      secNsecToNs64(tsSec, tsNsec);
      epbWriteHeader(dv, b, total, ifId, cap, orig, true);
      dv.setUint32(b + EPB_OFF_TS_HIGH, tsOut[0], true);
      dv.setUint32(b + EPB_OFF_TS_LOW, tsOut[1], true);
      this.copyIn(buf, off, b + EPB_OFF_DATA, cap);
      let p = b + EPB_OFF_DATA + cap;
      const padded = b + EPB_OFF_DATA + pad4(cap);
      while (p < padded) out[p++] = 0; // 3.6.2: padding octets MUST be zero
      if (commentBytes > 0) {
        dv.setUint16(p, OPT_COMMENT, true);
        dv.setUint16(p + 2, commentBytes, true);
        out.write(comment as string, p + 4, commentBytes, 'utf8');
        const end = p + 4 + pad4(commentBytes);
        for (let z = p + 4 + commentBytes; z < end; z++) out[z] = 0;
        dv.setUint32(end, 0, true); // opt_endofopt: code 0, length 0
        p = end + 4;
      }
      dv.setUint32(p, total, true);
      this.pos = b + total;
      this.bytes += total;
    }
    this.packets++;
  }

  /**
   * Write `n` bytes of `buf` from `from`, as they are: `packets` complete records of this
   * writer's format, laid out by the caller (io/in-place-output.ts). Bytes buffered by
   * `writePacket` go out first, so the file keeps its order.
   */
  writeRecords(buf: Buffer, from: number, n: number, packets: number): void {
    if (this.state !== 'open') throw new Error(`${this.path}: writeRecords after ${this.state === 'committed' ? 'commit' : 'abort'}`);
    this.flush();
    this.packets += packets;
    this.bytes += n;
    if (this.brokenPipe) return;
    let ok: boolean;
    try {
      ok = writeAll(this.fd, buf, from, n);
    } catch (e) {
      throw new CaptureError(this.path, this.bytes - n, `write failed: ${message(e)}`);
    }
    if (!ok) this.brokenPipe = true;
  }

  /**
   * Flush, close and rename the temporary file to the final name. A second call is a no-op.
   * A write error throws CaptureError and leaves the writer open (call abort()); a failed
   * rename throws CaptureError after removing the temporary file.
   */
  commit(): void {
    if (this.state === 'committed') return;
    if (this.state === 'aborted') throw new Error(`${this.path}: commit after abort`);
    this.flush();
    if (this.tempPath !== null) {
      fs.closeSync(this.fd);
      unlinkOld(this.renameTo);
      try {
        fs.renameSync(this.tempPath, this.renameTo);
      } catch (e) {
        this.state = 'aborted';
        pending.delete(this);
        try {
          fs.unlinkSync(this.tempPath);
        } catch {
          // already gone
        }
        throw new CaptureError(this.path, 0, `cannot rename ${this.tempPath} to it: ${message(e)}`);
      }
      pending.delete(this);
    } else if (this.fd !== 1) {
      closeQuietly(this.fd);
    }
    this.state = 'committed';
  }

  /**
   * Close and unlink the temporary file (stdout: drop what is buffered; a special file: close
   * it). No-op once committed or aborted.
   */
  abort(): void {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    this.pos = 0;
    if (this.fd !== 1) closeQuietly(this.fd);
    if (this.tempPath !== null) {
      pending.delete(this);
      try {
        fs.unlinkSync(this.tempPath);
      } catch {
        // already gone
      }
    }
  }

  /** Copy packet bytes into the output buffer at `to`. */
  private copyIn(buf: Buffer, off: number, to: number, n: number): void {
    if (buf !== this.srcBuf) {
      this.srcBuf = buf;
      this.srcDv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    copyBytes(buf, this.srcDv as DataView, off, this.out, this.dv, to, n);
  }

  /** pcapng: the interface id for `link`, writing its IDB (4.2) the first time. */
  private interfaceFor(link: number): number {
    let id = this.ifLinks.indexOf(link);
    if (id < 0) {
      id = this.ifLinks.length;
      this.ifLinks.push(link);
      const len = idbLength(TSRESOL_NANOS);
      this.room(len);
      idbWrite(this.dv, this.pos, link, this.snaplen, TSRESOL_NANOS, true);
      this.pos += len;
      this.bytes += len;
    }
    this.lastLink = link;
    this.lastIf = id;
    return id;
  }

  /** Make room for `n` more bytes in the output buffer. */
  private room(n: number): void {
    if (this.pos + n <= this.out.length) return;
    this.flush();
    if (n > this.out.length) {
      this.out = slabBuffer(n);
      this.dv = new DataView(this.out.buffer, this.out.byteOffset, this.out.byteLength);
    }
  }

  private flush(): void {
    if (this.pos === 0) return;
    const n = this.pos;
    this.pos = 0;
    if (this.brokenPipe) return;
    let ok: boolean;
    try {
      ok = writeAll(this.fd, this.out, 0, n);
    } catch (e) {
      throw new CaptureError(this.path, this.bytes - n, `write failed: ${message(e)}`);
    }
    if (!ok) this.brokenPipe = true;
  }
}

/**
 * Remove the file a commit replaces, before the rename. ext4 (auto_da_alloc, the default)
 * treats a rename over an existing file as "replace via rename" and starts writing the new
 * file's delayed blocks out inside the rename: 27-29 ms for a 150 MB capture on this machine,
 * 0.5-0.7 ms with the old name unlinked first (scratch measurement, issue 4). The destination
 * never holds a partial capture either way: it is the old file, no file, then the complete
 * new one. Errors are ignored here (a missing file, a directory): rename reports what matters.
 */
function unlinkOld(path: string): void {
  try {
    fs.unlinkSync(path);
  } catch {
    // nothing to remove, or not removable: renameSync says why if that matters
  }
}
