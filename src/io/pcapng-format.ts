/**
 * pcapng file format, draft-ietf-opsawg-pcapng ("PCAP Now Generic"). Section numbers below
 * are that draft's.
 *
 * Every block (3.1): type (4) | total length (4) | body, padded to 32 bits | total length (4).
 * The total length counts all of it (12 for an empty body) and MUST be a multiple of 4.
 * Numbers are in the byte order of the section, given by the Section Header Block.
 *
 * Options (3.5): code (2) | length (2) | value padded to 32 bits; opt_endofopt (0, 0) ends
 * the list, but readers must also stop at the end of the block.
 */

/** Block types (10.1). */
export const BT_SHB = 0x0a0d0d0a; // Section Header Block (4.1), palindromic
export const BT_IDB = 0x00000001; // Interface Description Block (4.2)
export const BT_PB = 0x00000002; // Packet Block, obsolete (appendix A)
export const BT_SPB = 0x00000003; // Simple Packet Block (4.4)
export const BT_NRB = 0x00000004; // Name Resolution Block (4.5)
export const BT_ISB = 0x00000005; // Interface Statistics Block (4.6)
export const BT_EPB = 0x00000006; // Enhanced Packet Block (4.3)
export const BT_DSB = 0x0000000a; // Decryption Secrets Block (4.7)
export const BT_CB_COPY = 0x00000bad; // Custom Block (4.8)
export const BT_CB_NOCOPY = 0x40000bad;

/** SHB byte-order magic (4.1); reads as 0x4D3C2B1A in the other byte order. */
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const PCAPNG_VERSION_MAJOR = 1;
export const PCAPNG_VERSION_MINOR = 0;

/** Option codes (3.5, 4.2). */
export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
export const IF_TSRESOL = 9;
export const IF_TSOFFSET = 14;

/** Minimum total lengths: header + trailer (3.1), plus each block's fixed fields. */
export const BLOCK_MIN_LEN = 12;
export const SHB_MIN_LEN = 28; // + magic, versions, 64-bit section length
export const IDB_MIN_LEN = 20; // + link type, reserved, snaplen
export const EPB_MIN_LEN = 32; // + interface id, timestamp (2 x 32), caplen, origlen
export const SPB_MIN_LEN = 16; // + original length

/** Offsets of the fixed fields inside a block (from the block type). */
export const SHB_OFF_BOM = 8;
export const SHB_OFF_MAJOR = 12;
export const SHB_OFF_MINOR = 14;
export const IDB_OFF_LINKTYPE = 8;
export const IDB_OFF_SNAPLEN = 12;
export const IDB_OFF_OPTIONS = 16;
export const EPB_OFF_IFID = 8;
export const EPB_OFF_TS_HIGH = 12;
export const EPB_OFF_TS_LOW = 16;
export const EPB_OFF_CAPLEN = 20;
export const EPB_OFF_ORIGLEN = 24;
export const EPB_OFF_DATA = 28;
export const SPB_OFF_ORIGLEN = 8;
export const SPB_OFF_DATA = 12;

/**
 * Largest block we buffer (a sane maximum, not in the draft: libpcap caps blocks at 16 MiB
 * too). Lengths read from the file are checked against it before anything is allocated.
 */
export const PCAPNG_MAX_BLOCK = 16 * 1024 * 1024;

/** Round up to a multiple of 4 (32-bit padding). */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Write a 28-byte SHB (version 1.0, section length -1 = unknown, no options). */
export function shbWrite(dv: DataView, off: number, le: boolean): number {
  dv.setUint32(off, BT_SHB, le);
  dv.setUint32(off + 4, SHB_MIN_LEN, le);
  dv.setUint32(off + SHB_OFF_BOM, BYTE_ORDER_MAGIC, le);
  dv.setUint16(off + SHB_OFF_MAJOR, PCAPNG_VERSION_MAJOR, le);
  dv.setUint16(off + SHB_OFF_MINOR, PCAPNG_VERSION_MINOR, le);
  dv.setUint32(off + 16, 0xffffffff, le);
  dv.setUint32(off + 20, 0xffffffff, le);
  dv.setUint32(off + 24, SHB_MIN_LEN, le);
  return SHB_MIN_LEN;
}

/** Length of an IDB written by `idbWrite`. */
export function idbLength(tsresol: number): number {
  return tsresol < 0 ? IDB_MIN_LEN : IDB_MIN_LEN + 8 + 4; // if_tsresol option + opt_endofopt
}

/** Write an IDB; `tsresol` < 0 omits the if_tsresol option. Returns its length. */
export function idbWrite(
  dv: DataView, off: number, linkType: number, snaplen: number, tsresol: number, le: boolean,
): number {
  const len = idbLength(tsresol);
  dv.setUint32(off, BT_IDB, le);
  dv.setUint32(off + 4, len, le);
  dv.setUint16(off + IDB_OFF_LINKTYPE, linkType, le);
  dv.setUint16(off + IDB_OFF_LINKTYPE + 2, 0, le);
  dv.setUint32(off + IDB_OFF_SNAPLEN, snaplen, le);
  let p = off + IDB_OFF_OPTIONS;
  if (tsresol >= 0) {
    dv.setUint16(p, IF_TSRESOL, le);
    dv.setUint16(p + 2, 1, le);
    dv.setUint32(p + 4, 0, le); // value byte + 3 bytes of zero padding
    dv.setUint8(p + 4, tsresol);
    dv.setUint32(p + 8, 0, le); // opt_endofopt
    p += 12;
  }
  dv.setUint32(p, len, le);
  return len;
}

/** Total length of an EPB holding `caplen` bytes and an options area of `optBytes`. */
export function epbLength(caplen: number, optBytes: number): number {
  return EPB_MIN_LEN + pad4(caplen) + optBytes;
}

/**
 * Write the EPB header and fixed fields except the timestamp (at off + 12 and off + 16, left
 * to the caller: see timestamp.ts on why uint32 values travel through typed arrays);
 * packet data goes at off + 28.
 */
export function epbWriteHeader(
  dv: DataView, off: number, totalLen: number, ifId: number, caplen: number, origlen: number, le: boolean,
): void {
  dv.setUint32(off, BT_EPB, le);
  dv.setUint32(off + 4, totalLen, le);
  dv.setUint32(off + EPB_OFF_IFID, ifId, le);
  dv.setUint32(off + EPB_OFF_CAPLEN, caplen, le);
  dv.setUint32(off + EPB_OFF_ORIGLEN, origlen, le);
}
