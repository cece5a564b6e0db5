/**
 * pcap in, pcap out, no packet copied: the output of a replay built inside the reader's read
 * buffer, where `CaptureReader.readBatchInPlace` left each frame right after its 16-byte record
 * header.
 *
 * Each packet kept (in order) gets its record header rewritten in the 16 bytes before its
 * frame: captured and original length (the data path may have shortened it: NVGRE
 * re-encapsulated in GRE starts later in the same bytes and ends where it ended), and its
 * timestamp. Records that follow each other in the buffer form a run; a dropped packet or a
 * frame that moved ends the run, and the next run is moved down (one `copyWithin`, a memmove)
 * to close the gap. The compacted bytes go to the writer in one write per read buffer: when
 * the reader is about to move or refill its buffer (`ChunkSource.beforeMove`), and at the end.
 *
 * The cost per packet is four stores; a memmove per run only where packets were dropped or
 * shortened. The file header is the input's (byte order little-endian, timestamp precision,
 * snaplen, link type: `CaptureReader.pcapHeader`), so unchanged records come out byte for byte.
 *
 * The copies this avoids (reader -> batch arena -> writer buffer) cost 17-22 ns a packet each
 * (batch/slab.ts); bench/io/replay-io.bench.ts measures both paths.
 */
import type { PacketBatch } from '../batch/packet-batch.js';
import type { CaptureWriter } from './capture-writer.js';
import { PCAP_RECORD_HEADER_LEN, REC_OFF_CAPLEN, REC_OFF_ORIGLEN, REC_OFF_TS_FRAC, REC_OFF_TS_SEC } from './pcap-format.js';

export class InPlaceOutput {
  private buf: Buffer | null = null;
  private dv: DataView | null = null;
  /** Pending output in `buf`: [spanStart, w), then the current run [runStart, runEnd). -1: none. */
  private spanStart = -1;
  private w = -1;
  private runStart = -1;
  private runEnd = -1;
  private pendingPackets = 0;

  constructor(
    private readonly writer: CaptureWriter,
    private readonly nanos: boolean,
  ) {}

  /** Packet i of an in-place batch goes to the output (call in packet order). */
  keep(b: PacketBatch, i: number): void {
    if (b.arena !== this.buf) {
      this.flush();
      this.buf = b.arena;
      this.dv = b.dv;
    }
    const dv = this.dv!;
    const base = b.base[i]!;
    const len = b.len[i]!;
    const wire = b.wireLen[i]!;
    const h = base - PCAP_RECORD_HEADER_LEN;
    dv.setUint32(h + REC_OFF_TS_SEC, b.tsSec[i]!, true);
    dv.setUint32(h + REC_OFF_TS_FRAC, this.nanos ? b.tsNsec[i]! : Math.floor(b.tsNsec[i]! / 1000), true);
    dv.setUint32(h + REC_OFF_CAPLEN, len, true);
    dv.setUint32(h + REC_OFF_ORIGLEN, wire < len ? len : wire, true);
    if (h !== this.runEnd) {
      this.endRun();
      this.runStart = h;
    }
    this.runEnd = base + len;
    this.pendingPackets++;
  }

  /** Write what is pending. The reader calls it before its buffer moves; call it before commit. */
  flush(): void {
    this.endRun();
    if (this.w > this.spanStart) this.writer.writeRecords(this.buf!, this.spanStart, this.w - this.spanStart, this.pendingPackets);
    this.spanStart = -1;
    this.w = -1;
    this.pendingPackets = 0;
  }

  /** Append the current run to the pending span, moving it down to close a gap. */
  private endRun(): void {
    if (this.runStart < 0) return;
    const n = this.runEnd - this.runStart;
    if (this.w < 0) {
      this.spanStart = this.runStart;
      this.w = this.runStart;
    } else if (this.runStart !== this.w) {
      this.buf!.copyWithin(this.w, this.runStart, this.runEnd);
    }
    this.w += n;
    this.runStart = -1;
    this.runEnd = -1;
  }
}
