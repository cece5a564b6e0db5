/**
 * The least a pcap-to-pcap tool must do, shared by the limit processes of bench/e2e.ts:
 * read a classic little-endian pcap in 1 MiB chunks and walk its 16-byte record headers.
 * No packet is looked at. (The generated traces are little-endian pcap.)
 */
import fs from 'node:fs';

export const CHUNK = 1 << 20;
const MAX_RECORD = 262144 + 16;

/**
 * Walk every record of `file`; for each chunk, `onChunk(buf, end)` is given the bytes of
 * the complete records it holds ([0, end)). The 24-byte file header is passed as the first
 * chunk. Returns the number of records.
 */
export function walkFile(file: string, onChunk?: (buf: Buffer, end: number) => void): number {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(CHUNK + MAX_RECORD);
  let records = 0;
  try {
    if (fs.readSync(fd, buf, 0, 24, null) !== 24) throw new Error(`${file}: not a pcap file`);
    if (buf.readUInt32LE(0) !== 0xa1b2c3d4 && buf.readUInt32LE(0) !== 0xa1b23c4d) throw new Error(`${file}: not a little-endian pcap file`);
    onChunk?.(buf, 24);
    let have = 0;
    for (;;) {
      const got = fs.readSync(fd, buf, have, CHUNK, null);
      const end = have + got;
      let p = 0;
      while (p + 16 <= end) {
        const next = p + 16 + buf.readUInt32LE(p + 8);
        if (next > end) break;
        p = next;
        records++;
      }
      if (p > 0) onChunk?.(buf, p);
      buf.copyWithin(0, p, end);
      have = end - p;
      if (got === 0) break;
    }
  } finally {
    fs.closeSync(fd);
  }
  return records;
}

/** Walk the record headers of a whole pcap already in memory; returns the record count. */
export function walkBuffer(buf: Buffer): number {
  let p = 24;
  let n = 0;
  const end = buf.length;
  while (p + 16 <= end) {
    p += 16 + buf.readUInt32LE(p + 8);
    n++;
  }
  return n;
}
