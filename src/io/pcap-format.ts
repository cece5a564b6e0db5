/**
 * Classic pcap (libpcap) file format, draft-ietf-opsawg-pcap:
 *
 * File Header (section 4), 24 bytes, in the byte order of the writer:
 *    0 magic: 0xA1B2C3D4 (s + us) or 0xA1B23C4D (s + ns); read byte-swapped = other order
 *    4 major version (2) | 6 minor version (4)
 *    8 reserved1 (old "thiszone", ignored) | 12 reserved2 (old "sigfigs", ignored)
 *   16 snaplen
 *   20 FCS len (4 bits) | R | P | reserved (10 bits) | LinkType (16 bits)
 *
 * Packet Record (section 5), 16-byte header then caplen bytes, not padded:
 *    0 ts seconds | 4 ts microseconds or nanoseconds | 8 captured length | 12 original length
 */
import { MAX_FRAME } from '../batch/packet-batch.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;

export const PCAP_OFF_SNAPLEN = 16;
export const PCAP_OFF_LINKTYPE = 20;
/** LinkType is the low 16 bits of the header's last word; the top bits carry FCS information. */
export const PCAP_LINKTYPE_MASK = 0xffff;

export const REC_OFF_TS_SEC = 0;
export const REC_OFF_TS_FRAC = 4;
export const REC_OFF_CAPLEN = 8;
export const REC_OFF_ORIGLEN = 12;

/**
 * How far a record's captured length may exceed the header's snaplen before the file is
 * called corrupt. Real files do exceed it (the tcpdump test corpus has snaplen 1 with an
 * 8-byte record, snaplen 41 with 54-byte records), so only gross lies are rejected.
 */
export const PCAP_SNAPLEN_SLACK = 65535;

/**
 * Largest captured length accepted in a file with this header snaplen: MAX_FRAME always,
 * and snaplen + slack when the snaplen is meaningful (section 4: it MUST NOT be zero).
 */
export function pcapCapLimit(snaplen: number): number {
  if (snaplen < 1 || snaplen >= MAX_FRAME) return MAX_FRAME;
  return Math.min(MAX_FRAME, snaplen + PCAP_SNAPLEN_SLACK);
}

/** Write a 24-byte file header at `off`; returns its length. */
export function pcapWriteHeader(
  dv: DataView, off: number, nanos: boolean, snaplen: number, linkType: number, le: boolean,
): number {
  dv.setUint32(off, nanos ? PCAP_MAGIC_NS : PCAP_MAGIC_US, le);
  dv.setUint16(off + 4, PCAP_VERSION_MAJOR, le);
  dv.setUint16(off + 6, PCAP_VERSION_MINOR, le);
  dv.setUint32(off + 8, 0, le);
  dv.setUint32(off + 12, 0, le);
  dv.setUint32(off + PCAP_OFF_SNAPLEN, snaplen, le);
  dv.setUint32(off + PCAP_OFF_LINKTYPE, linkType, le);
  return PCAP_HEADER_LEN;
}
