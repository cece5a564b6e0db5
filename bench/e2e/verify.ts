/**
 * Output checks for bench/e2e.ts, independent of the data path's own checksum code: every
 * IPv4 header, UDP and TCP checksum (outer, and inner after GRE/NVGRE) recomputed with the
 * slow byte-at-a-time reference (src/wire/checksum-ref.ts), and a packet-by-packet byte
 * comparison of two captures with the differences classified.
 */
import { PacketBatch } from '../../src/batch/packet-batch.js';
import { CaptureReader } from '../../src/io/capture-reader.js';
import { dissectBatch } from '../../src/nodes/dissect.js';
import { csumRef } from '../../src/wire/checksum-ref.js';
import { IPPROTO_UDP } from '../../src/wire/ipv4.js';

export interface CsumReport {
  packets: number;
  ip4: number;
  udp: number;
  tcp: number;
  bad: number;
  /** First few bad packets (index, what). */
  examples: string[];
}

function pseudo(a: Uint8Array, l3: number, proto: number, len: number): number {
  let s = 0;
  for (let k = 12; k < 20; k += 2) s += (a[l3 + k]! << 8) | a[l3 + k + 1]!;
  return s + proto + len;
}

/** Check the checksums of one frame's IPv4 layers; returns the number of bad ones. */
function checkFrame(a: Uint8Array, o: number, end: number, r: CsumReport, idx: number): number {
  let bad = 0;
  const note = (what: string): void => {
    bad++;
    if (r.examples.length < 10) r.examples.push(`packet ${idx}: ${what}`);
  };
  for (let depth = 0; depth < 3; depth++) {
    // Ethernet, up to two tags
    if (end - o < 14) return bad;
    let t = (a[o + 12]! << 8) | a[o + 13]!;
    o += 14;
    for (let k = 0; k < 2 && (t === 0x8100 || t === 0x88a8); k++) {
      t = (a[o + 2]! << 8) | a[o + 3]!;
      o += 4;
    }
    if (t !== 0x0800) return bad;
    for (let ipDepth = 0; ipDepth < 3; ipDepth++) {
      if (end - o < 20 || a[o]! >>> 4 !== 4) return bad;
      const hl = (a[o]! & 15) << 2;
      const total = (a[o + 2]! << 8) | a[o + 3]!;
      r.ip4++;
      if (csumRef(a.subarray(o, o + hl)) !== 0) note('IPv4 header checksum');
      const p = a[o + 9]!;
      const t4 = o + hl;
      const dEnd = Math.min(o + total, end);
      const frag = (((a[o + 6]! << 8) | a[o + 7]!) & 0x1fff) !== 0;
      if (frag) return bad;
      if (p === 17 && dEnd - t4 >= 8) {
        r.udp++;
        const ulen = (a[t4 + 4]! << 8) | a[t4 + 5]!;
        if (((a[t4 + 6]! << 8) | a[t4 + 7]!) !== 0 && csumRef(a.subarray(t4, t4 + ulen), pseudo(a, o, 17, ulen)) !== 0) note('UDP checksum');
        return bad;
      }
      if (p === 6 && dEnd - t4 >= 20) {
        r.tcp++;
        if (csumRef(a.subarray(t4, dEnd), pseudo(a, o, 6, dEnd - t4)) !== 0) note('TCP checksum');
        return bad;
      }
      if (p === 47 && dEnd - t4 >= 4) {
        const f = (a[t4]! << 8) | a[t4 + 1]!;
        const gp = (a[t4 + 2]! << 8) | a[t4 + 3]!;
        const gl = 4 + ((f & 0x8000) !== 0 ? 4 : 0) + ((f & 0x2000) !== 0 ? 4 : 0) + ((f & 0x1000) !== 0 ? 4 : 0);
        o = t4 + gl;
        end = dEnd;
        if (gp === 0x0800) continue; // inner IPv4
        if (gp === 0x6558) break; // inner Ethernet
        return bad;
      }
      return bad;
    }
  }
  return bad;
}

/** Recompute every checksum of every packet of `file` with the reference. */
export function checkChecksums(file: string): CsumReport {
  const r: CsumReport = { packets: 0, ip4: 0, udp: 0, tcp: 0, bad: 0, examples: [] };
  const reader = CaptureReader.open(file);
  const b = new PacketBatch();
  try {
    for (;;) {
      const n = reader.readBatch(b);
      if (n === 0) break;
      for (let i = 0; i < n; i++) r.bad += checkFrame(b.arena, b.base[i]!, b.base[i]! + b.len[i]!, r, r.packets + i);
      r.packets += n;
    }
  } finally {
    reader.close();
  }
  return r;
}

export interface DiffReport {
  packetsA: number;
  packetsB: number;
  identical: number;
  /** Packets equal except in the allowed byte ranges. */
  allowedOnly: number;
  /**
   * Of those, packets whose UDP checksum is 0xFFFF in one capture and 0x0000 in the other: a
   * computed zero, which RFC 768 says to send as 0xFFFF (0x0000 means "no checksum").
   */
  udpZeroChecksum: number;
  other: number;
  examples: string[];
}

/**
 * Compare two captures packet by packet. `allowed` lists byte ranges [from, to) of a frame
 * whose differences are documented (e.g. the destination MAC); anything else is counted.
 */
export function diffCaptures(a: string, b: string, allowed: ReadonlyArray<readonly [number, number]>): DiffReport {
  const r: DiffReport = { packetsA: 0, packetsB: 0, identical: 0, allowedOnly: 0, udpZeroChecksum: 0, other: 0, examples: [] };
  const ra = CaptureReader.open(a);
  const rb = CaptureReader.open(b);
  const ba = new PacketBatch();
  const bb = new PacketBatch();
  try {
    for (;;) {
      const na = ra.readBatch(ba);
      const nb = rb.readBatch(bb);
      dissectBatch(ba);
      r.packetsA += na;
      r.packetsB += nb;
      const n = Math.min(na, nb);
      for (let i = 0; i < n; i++) {
        const la = ba.len[i]!;
        const lb = bb.len[i]!;
        const idx = r.packetsA - na + i;
        if (la !== lb) {
          r.other++;
          if (r.examples.length < 10) r.examples.push(`packet ${idx}: length ${la} vs ${lb}`);
          continue;
        }
        let same = true;
        let onlyAllowed = true;
        let zeroSum = false;
        // the UDP checksum field of a (first) UDP header, as an offset in the frame
        const udpSum = ba.proto[i] === IPPROTO_UDP && ba.l4[i]! >= 0 ? ba.l4[i]! - ba.base[i]! + 6 : -1;
        const u16 = (x: PacketBatch, k: number): number => (x.arena[x.base[i]! + k]! << 8) | x.arena[x.base[i]! + k + 1]!;
        for (let k = 0; k < la; k++) {
          if (ba.arena[ba.base[i]! + k] === bb.arena[bb.base[i]! + k]) continue;
          same = false;
          if ((k === udpSum || k === udpSum + 1) && u16(ba, udpSum) + u16(bb, udpSum) === 0xffff && (u16(ba, udpSum) === 0 || u16(bb, udpSum) === 0)) {
            zeroSum = true;
            continue;
          }
          if (!allowed.some(([f, t]) => k >= f && k < t)) {
            onlyAllowed = false;
            if (r.examples.length < 10) r.examples.push(`packet ${idx}: byte ${k} differs`);
            break;
          }
        }
        if (same) r.identical++;
        else if (onlyAllowed) {
          r.allowedOnly++;
          if (zeroSum) r.udpZeroChecksum++;
        } else r.other++;
      }
      if (na !== nb || na === 0) break;
    }
  } finally {
    ra.close();
    rb.close();
  }
  return r;
}

/**
 * Two captures hold the same records: timestamps, captured and original lengths, bytes (the
 * file headers may differ). Returns the records compared and how many differ.
 */
export function sameRecords(a: string, b: string): { records: number; differing: number; examples: string[] } {
  const ra = CaptureReader.open(a);
  const rb = CaptureReader.open(b);
  const ba = new PacketBatch();
  const bb = new PacketBatch();
  const out = { records: 0, differing: 0, examples: [] as string[] };
  try {
    for (;;) {
      const na = ra.readBatch(ba);
      const nb = rb.readBatch(bb);
      const n = Math.min(na, nb);
      for (let i = 0; i < n; i++, out.records++) {
        const same = ba.len[i] === bb.len[i] && ba.wireLen[i] === bb.wireLen[i] && ba.tsSec[i] === bb.tsSec[i] && ba.tsNsec[i] === bb.tsNsec[i] &&
          ba.arena.compare(bb.arena, bb.base[i]!, bb.base[i]! + bb.len[i]!, ba.base[i]!, ba.base[i]! + ba.len[i]!) === 0;
        if (!same && out.differing++ < 3) out.examples.push(`record ${out.records} differs`);
      }
      if (na !== nb) {
        out.differing += Math.abs(na - nb);
        out.examples.push(`one capture ends ${Math.abs(na - nb)} records early`);
        break;
      }
      if (na === 0) break;
    }
  } finally {
    ra.close();
    rb.close();
  }
  return out;
}
