/**
 * Streaming, synchronous reader of classic pcap and pcapng captures, from a file or stdin
 * ('-'), filling a PacketBatch. The format is told by the magic number, not the file name.
 *
 * Memory is bounded: the file is read in chunks into one reused buffer (ChunkSource) and
 * records are copied from it straight into the batch arena. A length read from the file is
 * checked against a sane maximum (MAX_FRAME for packet data, PCAPNG_MAX_BLOCK for a block)
 * before it decides how much to buffer. The per-packet path allocates nothing (records over
 * SMALL_COPY bytes excepted: see copy-bytes.ts) and throws only for a file that breaks the
 * format (CaptureError, once: the stream is then unusable).
 *
 * A file that ends inside its last record or block is not an error: the complete records
 * are delivered, `truncatedRecords` is incremented, a warning names the byte offset, and the
 * stream ends. A file that ends inside its file header (pcap's 24 bytes, pcapng's first
 * Section Header Block) is a CaptureError. So is a pcapng block whose total length exceeds
 * the size of the whole (regular) file: that is a length lie, not a cut (on stdin, where the
 * size is unknown, it reads as a truncated last block).
 *
 * Packets whose link type is not one the dissector accepts (Ethernet 1, raw IP 101, IPv4
 * 228) are skipped and counted in `otherLinkPackets`; other pcapng blocks (name resolution,
 * statistics, decryption secrets, custom, the obsolete Packet Block) in `skippedBlocks`.
 */
import fs from 'node:fs';
import {
  LINK_ETHERNET, LINK_IPV4, LINK_RAW, MAX_FRAME, type PacketBatch,
} from '../batch/packet-batch.js';
import { CaptureError } from './capture-error.js';
import { ChunkSource } from './chunk-source.js';
import { copyBytes } from './copy-bytes.js';
import {
  PCAP_HEADER_LEN, PCAP_LINKTYPE_MASK, PCAP_OFF_LINKTYPE, PCAP_OFF_SNAPLEN, PCAP_RECORD_HEADER_LEN,
  PCAP_VERSION_MAJOR, REC_OFF_CAPLEN, REC_OFF_ORIGLEN, REC_OFF_TS_FRAC, REC_OFF_TS_SEC, pcapCapLimit,
} from './pcap-format.js';
import {
  BLOCK_MIN_LEN, BT_EPB, BT_IDB, BT_SHB, BT_SPB, BYTE_ORDER_MAGIC, EPB_MIN_LEN, EPB_OFF_CAPLEN,
  EPB_OFF_DATA, EPB_OFF_IFID, EPB_OFF_ORIGLEN, EPB_OFF_TS_HIGH, EPB_OFF_TS_LOW, IDB_MIN_LEN,
  IDB_OFF_LINKTYPE, IDB_OFF_OPTIONS, IDB_OFF_SNAPLEN, IF_TSOFFSET, IF_TSRESOL, OPT_ENDOFOPT,
  PCAPNG_MAX_BLOCK, PCAPNG_VERSION_MAJOR, SHB_MIN_LEN, SHB_OFF_BOM, SHB_OFF_MAJOR, SHB_OFF_MINOR,
  SPB_MIN_LEN, SPB_OFF_DATA, SPB_OFF_ORIGLEN, pad4,
} from './pcapng-format.js';
import { TSRESOL_DEFAULT, tsIn, tsOut, tsresolExp, tsresolKind, unitsToSecNsec } from './timestamp.js';

/** Default read size: 1 MiB. */
export const DEFAULT_CHUNK_BYTES = 1 << 20;
/** Sane maximum of interfaces per pcapng section (each costs a few numbers of memory). */
const MAX_INTERFACES = 1 << 20;
/** Warnings kept (a crafted file could otherwise make one per block). */
const MAX_WARNINGS = 100;
/** wireLen is an Int32Array column. */
const MAX_WIRE_LEN = 0x7fffffff;

/** Byte-swapped byte-order magic: the section was written in the other byte order. */
const BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;

function linkAccepted(link: number): boolean {
  return link === LINK_ETHERNET || link === LINK_RAW || link === LINK_IPV4;
}

function hex32(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class CaptureReader {
  readonly format: 'pcap' | 'pcapng';
  /** The path as given, or '-' for stdin. */
  readonly file: string;
  /** Size of a regular file, -1 for stdin and pipes. */
  readonly fileSize: number;
  /** File bytes consumed so far (for progress). */
  bytesConsumed = 0;
  /** Records delivered into batches. */
  packets = 0;
  /** A cut-short last record or block (0 or 1). */
  truncatedRecords = 0;
  /** pcapng blocks skipped: NRB, ISB, DSB, custom, obsolete PB, unknown types, unreadable sections. */
  skippedBlocks = 0;
  /** Packet records skipped because their link type is not 1, 101 or 228. */
  otherLinkPackets = 0;
  /** Human-readable notes: truncated last record, skipped link types and sections. */
  readonly warnings: string[] = [];

  private readonly fd: number;
  private readonly src: ChunkSource;
  private closed = false;
  /** End of data reached (or a truncated last record): readBatch returns 0 from now on. */
  private ended = false;
  /** Byte order of the pcap file / current pcapng section. */
  private le = true;
  /** Link types in order of first appearance, and a flag per 16-bit link type. */
  private readonly seenLinks: number[] = [];
  private readonly linkSeen = new Uint8Array(65536);

  // --- classic pcap ---
  private nanos = false;
  private snaplen = 0;
  private pcapLink = 0;
  private capLimit = MAX_FRAME;

  // --- pcapng: the current section's interfaces, indexed by interface id ---
  private readonly ifLink: number[] = [];
  private readonly ifCapLimit: number[] = [];
  private readonly ifSnaplen: number[] = [];
  private readonly ifTsKind: number[] = [];
  private readonly ifTsExp: number[] = [];
  /** if_tsoffset seconds, low 32 bits (enough: seconds are delivered mod 2^32). */
  private readonly ifTsOffset: number[] = [];
  /** The current section has a major version we cannot read: skip to the next SHB. */
  private sectionSkipped = false;
  /** Total length and byte order of the block returned by nextBlock(). */
  private blockLen = 0;
  private blockLe = true;

  private constructor(file: string, fd: number, fileSize: number, format: 'pcap' | 'pcapng', src: ChunkSource) {
    this.file = file;
    this.fd = fd;
    this.fileSize = fileSize;
    this.format = format;
    this.src = src;
  }

  /**
   * Open a capture file, or stdin for '-', and read its file header (pcap) or first section
   * header and interface descriptions (pcapng). Throws CaptureError if it cannot be opened or
   * read, is empty, has a bad magic number or a truncated file header.
   */
  static open(path: string, opts: { chunkBytes?: number } = {}): CaptureReader {
    const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    if (!Number.isInteger(chunkBytes) || chunkBytes < 1) {
      throw new RangeError(`chunkBytes must be a positive integer, got ${chunkBytes}`);
    }
    let fd = 0;
    let fileSize = -1;
    if (path !== '-') {
      try {
        fd = fs.openSync(path, 'r');
      } catch (e) {
        throw new CaptureError(path, 0, `cannot open: ${message(e)}`);
      }
      try {
        const st = fs.fstatSync(fd);
        if (st.isFile()) fileSize = st.size;
      } catch {
        // size unknown: progress is not available, nothing else depends on it
      }
    }
    try {
      const src = new ChunkSource(fd, path, chunkBytes);
      if (!src.ensure(4)) {
        if (src.available() === 0) throw new CaptureError(path, 0, 'empty capture');
        throw new CaptureError(path, 0, `truncated file header: only ${src.available()} bytes`);
      }
      const magic = src.dv.getUint32(src.start, false);
      let reader: CaptureReader;
      if (magic === BT_SHB) {
        reader = new CaptureReader(path, fd, fileSize, 'pcapng', src);
        reader.readFirstSection();
      } else if (magic === 0xa1b2c3d4 || magic === 0xd4c3b2a1 || magic === 0xa1b23c4d || magic === 0x4d3cb2a1) {
        reader = new CaptureReader(path, fd, fileSize, 'pcap', src);
        reader.readPcapHeader();
      } else {
        throw new CaptureError(path, 0, `not a pcap or pcapng file (magic ${hex32(magic)})`);
      }
      reader.bytesConsumed = src.offset();
      return reader;
    } catch (e) {
      if (fd !== 0) fs.closeSync(fd);
      throw e;
    }
  }

  /**
   * Reset `batch` and fill it with the next records (up to its capacity or arena room).
   * Returns the number of packets delivered; 0 means the end of the capture.
   */
  readBatch(batch: PacketBatch): number {
    batch.reset();
    if (this.ended) return 0;
    if (this.format === 'pcap') this.readPcap(batch);
    else this.readPcapng(batch);
    this.bytesConsumed = this.src.offset();
    return batch.count;
  }

  /**
   * True for a little-endian classic pcap: `readBatchInPlace` can deliver its records where they
   * lie in the read buffer, each right after its 16-byte record header.
   */
  get inPlaceCapable(): boolean {
    return this.format === 'pcap' && this.le;
  }

  /** The pcap file header's fields (pcap only): timestamps in nanoseconds, snaplen, link type. */
  get pcapHeader(): { nanos: boolean; snaplen: number; linkType: number } {
    return { nanos: this.nanos, snaplen: this.snaplen, linkType: this.pcapLink };
  }

  /**
   * Like `readBatch`, without copying: the batch's arena becomes the read buffer itself and each
   * frame is delivered where it lies, its record header in the 16 bytes before it (the only
   * headroom it has: a node that prepends bytes, such as IP-in-IP delivery, must not run on
   * such a batch). The batch ends early rather than let a read move buffered bytes under it;
   * the bytes stay valid until the next call (`beforeMove` of the chunk source is called first).
   * Little-endian classic pcap only (`inPlaceCapable`).
   */
  readBatchInPlace(batch: PacketBatch): number {
    if (!this.inPlaceCapable) throw new Error(`${this.file}: in-place reading needs a little-endian classic pcap`);
    batch.reset();
    if (this.ended) return 0;
    this.readPcapInPlace(batch);
    this.bytesConsumed = this.src.offset();
    return batch.count;
  }

  /** Called before the read buffer's bytes move (see `readBatchInPlace`). */
  set beforeMove(fn: (() => void) | null) {
    this.src.beforeMove = fn;
  }

  /** Close the file (not stdin). Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ended = true;
    if (this.fd !== 0) fs.closeSync(this.fd);
  }

  /**
   * Link types seen so far, each once, in order of appearance: pcap's header link type;
   * pcapng's from each Interface Description Block read (open() reads those that precede
   * the first packet).
   */
  linkTypes(): number[] {
    return this.seenLinks.slice();
  }

  // ------------------------------------------------------------------ classic pcap

  /** File header, draft-ietf-opsawg-pcap section 4. */
  private readPcapHeader(): void {
    const src = this.src;
    // Section 4: the file header is 24 bytes; fewer is not a capture we can read.
    if (!src.ensure(PCAP_HEADER_LEN)) {
      throw new CaptureError(this.file, 0, `truncated file header: ${src.available()} of ${PCAP_HEADER_LEN} bytes`);
    }
    const dv = src.dv;
    const s = src.start;
    const magicBE = dv.getUint32(s, false);
    // 4.1: the magic is written in the writer's byte order; read swapped means little-endian.
    this.le = magicBE === 0xd4c3b2a1 || magicBE === 0x4d3cb2a1;
    this.nanos = magicBE === 0xa1b23c4d || magicBE === 0x4d3cb2a1;
    const major = dv.getUint16(s + 4, this.le);
    const minor = dv.getUint16(s + 6, this.le);
    if (major !== PCAP_VERSION_MAJOR) {
      this.warn(`${this.file}: byte 4: unexpected pcap version ${major}.${minor}, reading as 2.4`);
    }
    this.snaplen = dv.getUint32(s + PCAP_OFF_SNAPLEN, this.le);
    this.capLimit = pcapCapLimit(this.snaplen);
    // Section 4, figure 2: LinkType is the low 16 bits; FCS len / P bits sit on top.
    this.pcapLink = dv.getUint32(s + PCAP_OFF_LINKTYPE, this.le) & PCAP_LINKTYPE_MASK;
    this.noteLink(this.pcapLink, PCAP_OFF_LINKTYPE);
    src.consume(PCAP_HEADER_LEN);
  }

  /** Packet records, draft-ietf-opsawg-pcap section 5. */
  private readPcap(batch: PacketBatch): void {
    const src = this.src;
    const le = this.le;
    const link = this.pcapLink;
    const accepted = linkAccepted(link);
    const limit = this.capLimit;
    for (;;) {
      if (!src.ensure(PCAP_RECORD_HEADER_LEN)) {
        this.endOfData(src.offset(), PCAP_RECORD_HEADER_LEN, false, 'record');
        return;
      }
      const cap = src.dv.getUint32(src.start + REC_OFF_CAPLEN, le);
      // Section 5: captured length <= snaplen (tolerating real-world slack), and never more
      // than MAX_FRAME: a bigger value is a corrupt file, not a packet.
      if (cap > limit) {
        throw new CaptureError(this.file, src.offset(),
          `record captured length ${cap} exceeds the limit ${limit} (snaplen ${this.snaplen}, MAX_FRAME ${MAX_FRAME})`);
      }
      const need = PCAP_RECORD_HEADER_LEN + cap;
      if (!src.ensure(need)) {
        this.endOfData(src.offset(), need, false, 'record');
        return;
      }
      if (!accepted) {
        this.otherLinkPackets++;
        src.consume(need);
        continue;
      }
      const base = batch.reserve(cap);
      if (base < 0) return; // batch full: the record stays for the next call
      const s = src.start;
      const dv = src.dv;
      copyBytes(src.buf, dv, s + PCAP_RECORD_HEADER_LEN, batch.arena, batch.dv, base, cap);
      let sec = dv.getUint32(s + REC_OFF_TS_SEC, le);
      let frac = dv.getUint32(s + REC_OFF_TS_FRAC, le);
      let nsec: number;
      if (this.nanos) {
        if (frac >= 1e9) {
          const carry = Math.floor(frac / 1e9); // out-of-range fraction: carry into seconds
          sec += carry;
          frac -= carry * 1e9;
        }
        nsec = frac;
      } else {
        if (frac >= 1e6) {
          const carry = Math.floor(frac / 1e6);
          sec += carry;
          frac -= carry * 1e6;
        }
        nsec = frac * 1000;
      }
      // Section 5: original length SHOULD NOT be less than captured; tolerate, but report >= cap.
      let orig = dv.getUint32(s + REC_OFF_ORIGLEN, le);
      if (orig < cap) orig = cap;
      else if (orig > MAX_WIRE_LEN) orig = MAX_WIRE_LEN;
      batch.commit(base, cap, orig, sec >>> 0, nsec, link);
      this.packets++;
      src.consume(need);
    }
  }

  /** Packet records of a little-endian pcap, delivered in place (see readBatchInPlace). */
  private readPcapInPlace(batch: PacketBatch): void {
    // A file of another link type has only records to skip: go on until one is delivered.
    while (batch.count === 0 && !this.ended) this.readPcapBuffered(batch);
  }

  /** The records buffered (at least the next one, read if needed), up to the batch's capacity. */
  private readPcapBuffered(batch: PacketBatch): void {
    const src = this.src;
    // The first record: read more if it is not all there (this may move the buffered bytes).
    if (!src.ensure(PCAP_RECORD_HEADER_LEN)) {
      this.endOfData(src.offset(), PCAP_RECORD_HEADER_LEN, false, 'record');
      return;
    }
    const first = PCAP_RECORD_HEADER_LEN + src.dv.getUint32(src.start + REC_OFF_CAPLEN, true);
    if (first - PCAP_RECORD_HEADER_LEN <= this.capLimit && !src.ensure(first)) {
      this.endOfData(src.offset(), first, false, 'record');
      return;
    }
    // Then every record already buffered, up to the batch's capacity, without a call per record.
    const v = src.dv;
    const end = src.end;
    const limit = this.capLimit;
    const link = this.pcapLink;
    const accepted = linkAccepted(link);
    const nanos = this.nanos;
    const unit = nanos ? 1e9 : 1e6;
    const cap0 = batch.capacity;
    const cBase = batch.base;
    const cLen = batch.len;
    const cWire = batch.wireLen;
    const cSec = batch.tsSec;
    const cNsec = batch.tsNsec;
    const cLink = batch.link;
    batch.arena = src.buf;
    batch.dv = v;
    let at = src.start;
    let n = 0;
    let skipped = 0;
    while (n < cap0 && end - at >= PCAP_RECORD_HEADER_LEN) {
      const cap = v.getUint32(at + REC_OFF_CAPLEN, true);
      // Section 5: captured length <= snaplen (tolerating real-world slack), never above
      // MAX_FRAME: a bigger value is a corrupt file, not a packet.
      if (cap > limit) {
        src.start = at;
        throw new CaptureError(this.file, src.offset(),
          `record captured length ${cap} exceeds the limit ${limit} (snaplen ${this.snaplen}, MAX_FRAME ${MAX_FRAME})`);
      }
      const next = at + PCAP_RECORD_HEADER_LEN + cap;
      if (next > end) break; // not all buffered: the next call reads it
      if (!accepted) {
        skipped++;
        at = next;
        continue;
      }
      let sec = v.getUint32(at + REC_OFF_TS_SEC, true);
      let frac = v.getUint32(at + REC_OFF_TS_FRAC, true);
      if (frac >= unit) {
        const carry = Math.floor(frac / unit); // out-of-range fraction: carry into seconds
        sec += carry;
        frac -= carry * unit;
      }
      // Section 5: original length SHOULD NOT be less than captured; tolerate, report >= cap.
      let orig = v.getUint32(at + REC_OFF_ORIGLEN, true);
      if (orig < cap) orig = cap;
      else if (orig > MAX_WIRE_LEN) orig = MAX_WIRE_LEN;
      cBase[n] = at + PCAP_RECORD_HEADER_LEN;
      cLen[n] = cap;
      cWire[n] = orig;
      cSec[n] = sec >>> 0;
      cNsec[n] = nanos ? frac : frac * 1000;
      cLink[n] = link;
      n++;
      at = next;
    }
    src.start = at;
    batch.count = n;
    batch.used = at;
    this.packets += n;
    this.otherLinkPackets += skipped;
  }

  // ------------------------------------------------------------------ pcapng

  /** The first Section Header Block, then the blocks up to the first packet. */
  private readFirstSection(): void {
    this.nextBlock(true); // an SHB (open() checked the magic), or a CaptureError
    this.section(this.src.start, this.src.offset());
    this.src.consume(this.blockLen);
    // Read the interface descriptions that precede the first packet, so that linkTypes()
    // is meaningful right after open().
    for (;;) {
      const t = this.nextBlock(false);
      if (t < 0) return;
      if (!this.sectionSkipped && (t === BT_EPB || t === BT_SPB)) return; // left for readBatch
      this.controlBlock(t, this.src.start, this.src.offset());
      this.src.consume(this.blockLen);
    }
  }

  private readPcapng(batch: PacketBatch): void {
    const src = this.src;
    for (;;) {
      const type = this.nextBlock(false);
      if (type < 0) return;
      const s = src.start;
      if (!this.sectionSkipped && type === BT_EPB) {
        if (!this.epb(batch, s, src.offset())) return; // batch full: block kept for next call
      } else if (!this.sectionSkipped && type === BT_SPB) {
        if (!this.spb(batch, s, src.offset())) return;
      } else {
        this.controlBlock(type, s, src.offset());
      }
      src.consume(this.blockLen);
    }
  }

  /** Any block that is not a packet of a readable section. */
  private controlBlock(type: number, s: number, o: number): void {
    if (type === BT_SHB) this.section(s, o);
    else if (this.sectionSkipped) this.skippedBlocks++;
    else if (type === BT_IDB) this.iface(s, o);
    else this.skippedBlocks++; // NRB, ISB, DSB, custom, obsolete PB, unknown: skipped by length (3.1)
  }

  /**
   * Validate the next block's framing and buffer all of it; returns its type, or -1 at the
   * end of data (clean, or a truncated last block: warning). Sets blockLen / blockLe.
   */
  private nextBlock(first: boolean): number {
    const src = this.src;
    const o = src.offset();
    if (!src.ensure(8)) return this.endOfData(o, 8, first, first ? 'section header block' : 'block');
    const type = src.dv.getUint32(src.start, this.le);
    let le = this.le;
    if (type === BT_SHB) {
      // 4.1: the SHB type is palindromic; its byte-order magic sets the section's byte order,
      // which already applies to the SHB's own total length.
      if (!src.ensure(12)) return this.endOfData(o, 12, first, 'section header block');
      const bom = src.dv.getUint32(src.start + SHB_OFF_BOM, true);
      if (bom === BYTE_ORDER_MAGIC) le = true;
      else if (bom === BYTE_ORDER_MAGIC_SWAPPED) le = false;
      else throw new CaptureError(this.file, o + SHB_OFF_BOM, `bad byte-order magic ${hex32(bom)} in section header block`);
    }
    const len = src.dv.getUint32(src.start + 4, le);
    // 3.1: the total length counts the 8-byte header and 4-byte trailer, so it is >= 12,
    // and it MUST be a multiple of 4.
    if (len < BLOCK_MIN_LEN) {
      throw new CaptureError(this.file, o, `block total length ${len} is less than ${BLOCK_MIN_LEN}`);
    }
    if (len % 4 !== 0) {
      throw new CaptureError(this.file, o, `block total length ${len} is not a multiple of 4`);
    }
    // Sane maximum before buffering (and a block cannot be longer than the whole file).
    if (len > PCAPNG_MAX_BLOCK) {
      throw new CaptureError(this.file, o, `block total length ${len} exceeds the maximum ${PCAPNG_MAX_BLOCK}`);
    }
    if (this.fileSize >= 0 && len > this.fileSize) {
      throw new CaptureError(this.file, o, `block total length ${len} exceeds the file size ${this.fileSize}`);
    }
    if (!src.ensure(len)) return this.endOfData(o, len, first, type === BT_SHB ? 'section header block' : 'block');
    // 3.1: the total length is repeated at the end of the block; both copies must agree.
    const trailer = src.dv.getUint32(src.start + len - 4, le);
    if (trailer !== len) {
      throw new CaptureError(this.file, o, `block trailing length ${trailer} disagrees with its leading length ${len}`);
    }
    this.blockLen = len;
    this.blockLe = le;
    return type;
  }

  /** Section Header Block (4.1): new byte order, no interfaces yet. */
  private section(s: number, o: number): void {
    if (this.blockLen < SHB_MIN_LEN) {
      throw new CaptureError(this.file, o, `section header block length ${this.blockLen} is less than ${SHB_MIN_LEN}`);
    }
    this.le = this.blockLe;
    const dv = this.src.dv;
    const major = dv.getUint16(s + SHB_OFF_MAJOR, this.le);
    const minor = dv.getUint16(s + SHB_OFF_MINOR, this.le);
    // 4.2: interface ids are only valid inside their section.
    this.ifLink.length = 0;
    this.ifCapLimit.length = 0;
    this.ifSnaplen.length = 0;
    this.ifTsKind.length = 0;
    this.ifTsExp.length = 0;
    this.ifTsOffset.length = 0;
    // 3.4: a section whose version cannot be read MUST be skipped up to the next SHB.
    this.sectionSkipped = major !== PCAPNG_VERSION_MAJOR;
    if (this.sectionSkipped) {
      this.warn(`${this.file}: byte ${o}: pcapng section version ${major}.${minor} not supported, section skipped`);
    }
  }

  /** Interface Description Block (4.2): link type, snaplen, if_tsresol, if_tsoffset. */
  private iface(s: number, o: number): void {
    const len = this.blockLen;
    if (len < IDB_MIN_LEN) {
      throw new CaptureError(this.file, o, `interface description block length ${len} is less than ${IDB_MIN_LEN}`);
    }
    if (this.ifLink.length >= MAX_INTERFACES) {
      throw new CaptureError(this.file, o, `more than ${MAX_INTERFACES} interfaces in one section`);
    }
    const dv = this.src.dv;
    const le = this.le;
    const link = dv.getUint16(s + IDB_OFF_LINKTYPE, le);
    const snaplen = dv.getUint32(s + IDB_OFF_SNAPLEN, le);
    let tsresol = TSRESOL_DEFAULT; // 4.2: absent if_tsresol means 10^-6
    let tsOffset = 0;
    // 3.5: options up to opt_endofopt or the end of the block, whichever comes first.
    const end = s + len - 4;
    let p = s + IDB_OFF_OPTIONS;
    while (p + 4 <= end) {
      const code = dv.getUint16(p, le);
      const olen = dv.getUint16(p + 2, le);
      if (code === OPT_ENDOFOPT) break;
      if (p + 4 + olen > end) {
        throw new CaptureError(this.file, o + (p - s), `option ${code} length ${olen} runs past the end of its block`);
      }
      if (code === IF_TSRESOL) {
        // 4.2: if_tsresol is exactly 1 byte; MSB 0 -> 10^-v s, MSB 1 -> 2^-v s.
        if (olen === 1) tsresol = dv.getUint8(p + 4);
        else this.warn(`${this.file}: byte ${o + (p - s)}: if_tsresol of length ${olen} ignored`);
      } else if (code === IF_TSOFFSET) {
        // 4.2: if_tsoffset is a 64-bit signed count of seconds added to every timestamp.
        // Only its low 32 bits matter for seconds delivered mod 2^32.
        if (olen === 8) tsOffset = dv.getUint32(le ? p + 4 : p + 8, le);
        else this.warn(`${this.file}: byte ${o + (p - s)}: if_tsoffset of length ${olen} ignored`);
      }
      p += 4 + pad4(olen);
    }
    this.ifLink.push(link);
    this.ifSnaplen.push(snaplen);
    this.ifCapLimit.push(pcapCapLimit(snaplen)); // 4.2: snaplen 0 means no limit
    this.ifTsKind.push(tsresolKind(tsresol));
    this.ifTsExp.push(tsresolExp(tsresol));
    this.ifTsOffset.push(tsOffset);
    this.noteLink(link, o + IDB_OFF_LINKTYPE);
  }

  /** Enhanced Packet Block (4.3). Returns false if the batch is full (block not consumed). */
  private epb(batch: PacketBatch, s: number, o: number): boolean {
    const len = this.blockLen;
    if (len < EPB_MIN_LEN) {
      throw new CaptureError(this.file, o, `enhanced packet block length ${len} is less than ${EPB_MIN_LEN}`);
    }
    const src = this.src;
    const dv = src.dv;
    const le = this.le;
    const ifId = dv.getUint32(s + EPB_OFF_IFID, le);
    // 4.3: the interface id MUST name an IDB already seen in this section.
    if (ifId >= this.ifLink.length) {
      throw new CaptureError(this.file, o + EPB_OFF_IFID,
        `enhanced packet block names interface ${ifId}, but the section declares ${this.ifLink.length}`);
    }
    const cap = dv.getUint32(s + EPB_OFF_CAPLEN, le);
    // 4.3: the packet data (padded to 32 bits) lies between the fixed fields and the trailer.
    if (cap > len - EPB_MIN_LEN) {
      throw new CaptureError(this.file, o + EPB_OFF_CAPLEN, `captured length ${cap} overruns its block of length ${len}`);
    }
    // 4.3: captured length <= the interface's snaplen (with slack), and at most MAX_FRAME.
    const limit = this.ifCapLimit[ifId];
    if (cap > limit) {
      throw new CaptureError(this.file, o + EPB_OFF_CAPLEN,
        `captured length ${cap} exceeds the limit ${limit} (snaplen ${this.ifSnaplen[ifId]}, MAX_FRAME ${MAX_FRAME})`);
    }
    const link = this.ifLink[ifId];
    if (!linkAccepted(link)) {
      this.otherLinkPackets++;
      return true;
    }
    const base = batch.reserve(cap);
    if (base < 0) return false;
    copyBytes(src.buf, dv, s + EPB_OFF_DATA, batch.arena, batch.dv, base, cap);
    tsIn[0] = dv.getUint32(s + EPB_OFF_TS_HIGH, le);
    tsIn[1] = dv.getUint32(s + EPB_OFF_TS_LOW, le);
    unitsToSecNsec(this.ifTsKind[ifId], this.ifTsExp[ifId]);
    const sec = (tsOut[0] + this.ifTsOffset[ifId]) >>> 0;
    // 4.3: a reader MAY raise an original length below the captured length to it.
    let orig = dv.getUint32(s + EPB_OFF_ORIGLEN, le);
    if (orig < cap) orig = cap;
    else if (orig > MAX_WIRE_LEN) orig = MAX_WIRE_LEN;
    batch.commit(base, cap, orig, sec, tsOut[1], link);
    this.packets++;
    return true;
  }

  /**
   * Simple Packet Block (4.4): implicitly interface 0; captured length = min(original
   * length, room in the block, snaplen). It has no timestamp: delivered as 0 s 0 ns.
   */
  private spb(batch: PacketBatch, s: number, o: number): boolean {
    const len = this.blockLen;
    if (len < SPB_MIN_LEN) {
      throw new CaptureError(this.file, o, `simple packet block length ${len} is less than ${SPB_MIN_LEN}`);
    }
    // 4.4: an SPB belongs to the first interface of the section, which must exist.
    if (this.ifLink.length === 0) {
      throw new CaptureError(this.file, o, 'simple packet block before any interface description block');
    }
    const src = this.src;
    const orig = src.dv.getUint32(s + SPB_OFF_ORIGLEN, this.le);
    let cap = len - SPB_MIN_LEN;
    if (orig < cap) cap = orig;
    const snaplen = this.ifSnaplen[0];
    if (snaplen > 0 && snaplen < cap) cap = snaplen;
    if (cap > MAX_FRAME) {
      throw new CaptureError(this.file, o, `simple packet block holds ${cap} bytes, more than MAX_FRAME ${MAX_FRAME}`);
    }
    const link = this.ifLink[0];
    if (!linkAccepted(link)) {
      this.otherLinkPackets++;
      return true;
    }
    const base = batch.reserve(cap);
    if (base < 0) return false;
    copyBytes(src.buf, src.dv, s + SPB_OFF_DATA, batch.arena, batch.dv, base, cap);
    batch.commit(base, cap, orig > MAX_WIRE_LEN ? MAX_WIRE_LEN : orig, 0, 0, link);
    this.packets++;
    return true;
  }

  // ------------------------------------------------------------------ common

  /**
   * The data ended where `need` bytes were expected at offset `o`. Nothing buffered: clean
   * end. A partial record or block: warning + truncatedRecords, end of stream. Inside the
   * file header (`first`): CaptureError. Returns -1 for nextBlock's convenience.
   */
  private endOfData(o: number, need: number, first: boolean, what: string): number {
    const have = this.src.available();
    if (first) {
      throw new CaptureError(this.file, o, `truncated file header: ${what} has ${have} of ${need} bytes`);
    }
    if (have > 0) {
      this.truncatedRecords++; // always reported, even past MAX_WARNINGS: it happens once
      this.warnings.push(`${this.file}: byte ${o}: truncated last ${what}: the file ends after ${have} of ${need} bytes`);
      this.src.consume(have);
    }
    this.ended = true;
    return -1;
  }

  /** Add a warning, up to MAX_WARNINGS. */
  private warn(text: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(text);
    else if (this.warnings.length === MAX_WARNINGS) this.warnings.push(`${this.file}: further warnings suppressed`);
  }

  /** Remember a link type; warn once about one whose packets will be skipped. */
  private noteLink(link: number, o: number): void {
    if (this.linkSeen[link]) return;
    this.linkSeen[link] = 1;
    this.seenLinks.push(link);
    if (!linkAccepted(link)) {
      this.warn(`${this.file}: byte ${o}: link type ${link} is not Ethernet (1), raw IP (101) or IPv4 (228): its packets are skipped`);
    }
  }
}
