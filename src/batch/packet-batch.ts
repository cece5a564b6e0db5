/**
 * A batch of packets described by struct-of-arrays typed-array columns (VPP's frame of
 * 256 buffer indices, with the per-packet metadata VPP keeps in `vlib_buffer_t`).
 *
 * All packet bytes live in one arena Buffer; `base[i]` is the absolute offset of frame
 * i's first byte (its L2 header, or its IPv4 header on a raw-IP link) and `len[i]` its
 * captured length. Each frame is preceded by HEADROOM free bytes so that a node can
 * prepend an encapsulation in place (IP-in-IP, GRE) by moving `base[i]` back.
 *
 * Every column but the timestamps (`tsSec tsNsec`, uint32) is int32 and lives in one
 * Int32Array, `i32` (column K_X at K_X * capacity); the named columns (`l3`, `src` ...) are
 * views of it. The per-packet loops that touch many columns (dissectBatch, forwardBatch) go
 * through `i32` and offsets: one array costs V8 an index check per access, where each column's
 * own typed array cost a map check and three field loads (bench/batch/columns.bench.ts).
 * Everything else uses the named columns.
 *
 * The batch is allocated once and reused: `reset()` only sets `count = 0`. Columns are
 * only meaningful for `i < count`. Offsets are absolute arena offsets, -1 when absent.
 *
 * Column contract of the dissector: `l3 l4 il3 encap flags vlanCount src dst proto ports drop`
 * are written for every packet; the others only when their layer was found, and hold stale
 * values otherwise: `ipEnd` when l3 >= 0; `tun depth` when encap != ENCAP_NONE; `spi espSeq`
 * when encap is ESP or NAT-T ESP; `vni` when encap is VXLAN; `tpid0 vlan0` when vlanCount >= 1,
 * `vlan1` when vlanCount >= 2; `il4 isrc idst iproto iports` when il3 >= 0 (il4 may be -1);
 * `greKey` when F_GRE_KEY, `greProto` when F_GRE. `hash next target` belong to the data path.
 * Addresses and keys are stored as int32 (read `>>> 0` only when printing).
 */

import { slabBuffer } from './slab.js';

/** Column indices in `PacketBatch.i32` (column K at K * capacity), for loops that write many columns. */
export const K_BASE = 0;
export const K_LEN = 1;
export const K_WIRELEN = 2;
export const K_L3 = 3;
export const K_L4 = 4;
export const K_TUN = 5;
export const K_IL3 = 6;
export const K_IL4 = 7;
export const K_IPEND = 8;
export const K_FLAGS = 9;
export const K_SRC = 10;
export const K_DST = 11;
export const K_PORTS = 12;
export const K_ISRC = 13;
export const K_IDST = 14;
export const K_IPORTS = 15;
export const K_GREKEY = 16;
export const K_SPI = 17;
export const K_ESPSEQ = 18;
export const K_VNI = 19;
export const K_HASH = 20;
export const K_FKC = 21;
export const K_FKD = 22;
export const K_TARGET = 23;
export const K_LINK = 24;
export const K_ENCAP = 25;
export const K_DEPTH = 26;
export const K_VLANCOUNT = 27;
export const K_TPID0 = 28;
export const K_VLAN0 = 29;
export const K_VLAN1 = 30;
export const K_PROTO = 31;
export const K_IPROTO = 32;
export const K_GREPROTO = 33;
export const K_DROP = 34;
export const K_NEXT = 35;
export const K_COUNT = 36;

export const BATCH_SIZE = 256;
/** Free bytes kept before every frame for in-place encapsulation. */
export const HEADROOM = 64;
/** Largest record we accept (pcap snaplen limit used by tcpdump/libpcap: 256 KiB). */
export const MAX_FRAME = 262144;
/** Default arena: enough for a full batch of 2 KiB frames; grows (rarely) for jumbo records. */
export const DEFAULT_ARENA_BYTES = BATCH_SIZE * 2048;

/** Link types (pcap LINKTYPE_*) the dissector accepts. */
export const LINK_ETHERNET = 1;
export const LINK_RAW = 101;
export const LINK_IPV4 = 228;

/** Encapsulation kinds found by the dissector (`encap[i]`). */
export const ENCAP_NONE = 0;
export const ENCAP_GRE = 1; // GRE carrying IPv4 (or another protocol type)
export const ENCAP_NVGRE = 2; // GRE carrying Transparent Ethernet Bridging (0x6558)
export const ENCAP_ESP = 3; // IP protocol 50
export const ENCAP_NATT_ESP = 4; // ESP-in-UDP on 4500 (RFC 3948)
export const ENCAP_NATT_IKE = 5; // IKE on 4500 behind the 4-byte zero non-ESP marker
export const ENCAP_NATT_KEEPALIVE = 6; // one 0xFF byte on 4500
export const ENCAP_IKE = 7; // IKE on UDP 500
export const ENCAP_VXLAN = 8; // VXLAN on 4789
export const ENCAP_IPIP = 9; // IPv4 in IPv4 (protocol 4)

export const ENCAP_NAMES: readonly string[] = [
  'none', 'gre', 'nvgre', 'esp', 'natt-esp', 'natt-ike', 'natt-keepalive', 'ike', 'vxlan', 'ipip',
];

/** Bits of `flags[i]`. */
export const F_VLAN = 1 << 0; // at least one outer 802.1Q/802.1ad tag
export const F_QINQ = 1 << 1; // two or more outer tags
export const F_IP4 = 1 << 2; // an outer IPv4 header was found (l3 >= 0)
export const F_IP_OPTIONS = 1 << 3; // outer IHL > 5
export const F_FRAG = 1 << 4; // outer IPv4 is a fragment (MF set or offset != 0)
export const F_LATER_FRAG = 1 << 5; // outer IPv4 fragment offset != 0 (no transport header)
export const F_IP_CSUM_OK = 1 << 6; // outer IPv4 header checksum verified good
export const F_IP_TRUNC = 1 << 7; // outer IPv4 total length > bytes captured
export const F_GRE_KEY = 1 << 8;
export const F_GRE_CSUM = 1 << 9;
export const F_GRE_SEQ = 1 << 10;
export const F_INNER_VLAN = 1 << 11; // the innermost Ethernet frame was tagged
export const F_INNER_FRAG = 1 << 12; // innermost IPv4 is a fragment
export const F_GRE = 1 << 13; // a GRE header was found (greProto valid)

export class PacketBatch {
  readonly capacity: number;
  count = 0;
  arena: Buffer;
  /** One long-lived DataView over the arena (re-made only when the arena grows). */
  dv: DataView;

  // --- filled by the source (capture reader, socket) ---
  /** Every Int32 column, one after another (column k at k * capacity): the named columns are views of it. */
  readonly i32: Int32Array;
  readonly base: Int32Array;
  readonly len: Int32Array;
  readonly wireLen: Int32Array;
  readonly tsSec: Uint32Array;
  readonly tsNsec: Uint32Array;
  readonly link: Int32Array;

  // --- filled by the dissector ---
  readonly l3: Int32Array; // outer IPv4 header
  readonly l4: Int32Array; // outer transport (UDP/TCP/ICMP/GRE/ESP header)
  readonly tun: Int32Array; // tunnel payload header: ESP in UDP, IKE, VXLAN, inner Ethernet of NVGRE
  readonly il3: Int32Array; // innermost IPv4 header
  readonly il4: Int32Array; // transport header after the innermost IPv4
  readonly ipEnd: Int32Array; // end of the outer IPv4 datagram, bounded by the capture
  readonly encap: Int32Array;
  readonly depth: Int32Array; // tunnel nesting depth reached
  readonly flags: Int32Array;
  readonly vlanCount: Int32Array;
  readonly tpid0: Int32Array; // TPID of the first outer tag (0x8100 or 0x88a8)
  readonly vlan0: Int32Array; // VLAN id of the first outer tag
  readonly vlan1: Int32Array; // VLAN id of the second outer tag
  readonly src: Int32Array;
  readonly dst: Int32Array;
  readonly proto: Int32Array;
  readonly ports: Int32Array; // sport << 16 | dport
  readonly isrc: Int32Array;
  readonly idst: Int32Array;
  readonly iproto: Int32Array;
  readonly iports: Int32Array;
  readonly greKey: Int32Array;
  readonly greProto: Int32Array;
  readonly spi: Int32Array;
  readonly espSeq: Int32Array;
  readonly vni: Int32Array;

  // --- decisions (nodes) ---
  readonly hash: Int32Array;
  /** Flow key words besides the inner addresses: ports or SPI, and proto | tenant << 8. */
  readonly fkc: Int32Array;
  readonly fkd: Int32Array;
  /** Where the flow-table touches of the NVGRE hash pass leave their loads (read by no one). */
  touchSink = 0;
  readonly drop: Int32Array;
  readonly next: Int32Array;
  /** What the packet was sent to: a gateway or tunnel index, by `next`. -1 none. */
  readonly target: Int32Array;

  constructor(capacity = BATCH_SIZE, arenaBytes = DEFAULT_ARENA_BYTES) {
    this.capacity = capacity;
    this.arena = slabBuffer(arenaBytes);
    this.dv = new DataView(this.arena.buffer, this.arena.byteOffset, this.arena.byteLength);
    const n = capacity;
    this.i32 = new Int32Array(n * K_COUNT);
    const col = (k: number): Int32Array => new Int32Array(this.i32.buffer, k * n * 4, n);
    this.base = col(K_BASE);
    this.len = col(K_LEN);
    this.wireLen = col(K_WIRELEN);
    this.tsSec = new Uint32Array(n);
    this.tsNsec = new Uint32Array(n);
    this.link = col(K_LINK);
    this.l3 = col(K_L3);
    this.l4 = col(K_L4);
    this.tun = col(K_TUN);
    this.il3 = col(K_IL3);
    this.il4 = col(K_IL4);
    this.ipEnd = col(K_IPEND);
    this.encap = col(K_ENCAP);
    this.depth = col(K_DEPTH);
    this.flags = col(K_FLAGS);
    this.vlanCount = col(K_VLANCOUNT);
    this.tpid0 = col(K_TPID0);
    this.vlan0 = col(K_VLAN0);
    this.vlan1 = col(K_VLAN1);
    this.src = col(K_SRC);
    this.dst = col(K_DST);
    this.proto = col(K_PROTO);
    this.ports = col(K_PORTS);
    this.isrc = col(K_ISRC);
    this.idst = col(K_IDST);
    this.iproto = col(K_IPROTO);
    this.iports = col(K_IPORTS);
    this.greKey = col(K_GREKEY);
    this.greProto = col(K_GREPROTO);
    this.spi = col(K_SPI);
    this.espSeq = col(K_ESPSEQ);
    this.vni = col(K_VNI);
    this.hash = col(K_HASH);
    this.fkc = col(K_FKC);
    this.fkd = col(K_FKD);
    this.drop = col(K_DROP);
    this.next = col(K_NEXT);
    this.target = col(K_TARGET);
  }

  /** Bytes of arena used so far (the source appends frames after `used`). */
  used = 0;

  /**
   * Reserve room for a frame of `n` bytes (plus headroom) and return its base offset,
   * or -1 if the batch is full or the arena has no room left (the source then ends the
   * batch). Used by sources, never per packet by nodes.
   */
  reserve(n: number): number {
    if (this.count >= this.capacity) return -1;
    const start = this.used + HEADROOM;
    if (start + n > this.arena.length) {
      if (this.count > 0) return -1;
      // An empty batch always takes the frame: grow once (jumbo record).
      this.grow(start + n);
    }
    return start;
  }

  /** Commit the frame reserved at `base` as packet `count`. */
  commit(base: number, capLen: number, wireLen: number, tsSec: number, tsNsec: number, link: number): void {
    const i = this.count++;
    this.base[i] = base;
    this.len[i] = capLen;
    this.wireLen[i] = wireLen;
    this.tsSec[i] = tsSec;
    this.tsNsec[i] = tsNsec;
    this.link[i] = link;
    this.used = base + capLen;
  }

  /** Empty the batch for reuse (no allocation). */
  reset(): void {
    this.count = 0;
    this.used = 0;
  }

  private grow(bytes: number): void {
    const a = slabBuffer(Math.max(bytes, this.arena.length * 2));
    this.arena.copy(a, 0, 0, this.used);
    this.arena = a;
    this.dv = new DataView(a.buffer, a.byteOffset, a.byteLength);
  }
}
