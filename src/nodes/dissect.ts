/**
 * The batch dissector: takes every frame of a batch apart and fills the batch's
 * struct-of-arrays columns (layer offsets, outer and innermost 5-tuple, encapsulation kind,
 * VLAN ids, GRE key, SPI, VNI, drop reason; the column contract is in packet-batch.ts).
 *
 * Two paths, as in VPP's ip4-input and Linux's GRO: this loop takes the shapes a gateway sees
 * all day apart in straight-line code, and hands every other frame to the general walk
 * (`dissectWalk`, dissect-walk.ts), which knows every encapsulation, nesting, option, fragment
 * and malformation. The fast path accepts a frame only when it is well formed all the way
 * down, so that it never has a drop reason to record:
 *
 *   Ethernet, at most two 802.1Q/802.1ad tags, IPv4 without options, not a fragment, Total
 *   Length within the capture, header checksum good, carrying
 *     - UDP (length consistent): plain, IKE on 500, NAT-T on 4500 (IKE behind the non-ESP
 *       marker, ESP, keepalive), or
 *     - TCP (data offset consistent), or ESP (8 header bytes captured), or
 *     - GRE (no flag but Key), carrying IPv4, or Transparent Ethernet Bridging (NVGRE) with an
 *       untagged inner Ethernet frame and IPv4; the inner IPv4 as strict as the outer, carrying
 *       TCP, or UDP that is not itself a tunnel.
 *
 * Anything else, including everything that would set a drop reason, goes to the walk, and the
 * walk's result stands alone: it writes every column the contract (packet-batch.ts) calls valid,
 * over what the fast path may have written before refusing the frame. `dissectBatchWalk` (every
 * frame walked) is the reference: test/pipeline/dissect-fast.test.ts checks that both give the
 * same valid columns on the corpus, the fixtures, the trace mix and fuzzed frames.
 *
 * Why two paths: the walk's loop-carried state machine (30 variables merged at every turn)
 * cost 25-45 ns for a frame even when every branch was predicted; the straight-line path is
 * measured in bench/nodes/pipeline.bench.ts against the walk on the same batches.
 *
 * Per packet: no allocation, no throw, no string; all reads through the batch's one DataView,
 * every read preceded by a length check.
 */
import {
  ENCAP_ESP,
  ENCAP_GRE,
  ENCAP_IKE,
  ENCAP_NATT_ESP,
  ENCAP_NATT_IKE,
  ENCAP_NATT_KEEPALIVE,
  ENCAP_NONE,
  ENCAP_NVGRE,
  F_GRE,
  F_GRE_KEY,
  F_IP4,
  F_IP_CSUM_OK,
  F_QINQ,
  F_VLAN,
  LINK_ETHERNET,
  K_BASE, K_DEPTH, K_DROP, K_DST, K_ENCAP, K_ESPSEQ, K_FLAGS, K_GREKEY, K_GREPROTO, K_IDST, K_IL3, K_IL4, K_IPEND, K_IPORTS, K_IPROTO,
  K_ISRC, K_L3, K_L4, K_LEN, K_LINK, K_PORTS, K_PROTO, K_SPI, K_SRC, K_TPID0, K_TUN, K_VLAN0, K_VLAN1, K_VLANCOUNT,
  type PacketBatch,
} from '../batch/packet-batch.js';
import { csumFold5 } from '../wire/checksum.js';
import { ESP_HLEN } from '../wire/esp.js';
import { ETH_HLEN, ETHERTYPE_IP4, ETHERTYPE_TEB } from '../wire/ethernet.js';
import { GRE_F_KEY } from '../wire/gre.js';
import { IKE_HLEN } from '../wire/ike.js';
import { IP4_F_MF, IP4_FRAG_MASK, IPPROTO_ESP, IPPROTO_GRE, IPPROTO_TCP, IPPROTO_UDP } from '../wire/ipv4.js';
import { NATT_KEEPALIVE_BYTE, NATT_MARKER_LEN } from '../wire/natt.js';
import { TCP_MIN_HLEN } from '../wire/tcp.js';
import { PORT_IKE, PORT_NATT, UDP_HLEN } from '../wire/udp.js';
import { VLAN_HLEN } from '../wire/vlan.js';
import { dissectWalk, isTpid, udpService } from './dissect-walk.js';

export { dissectBatchWalk, dissectWalk, MAX_TUNNEL_DEPTH, walkedFrames } from './dissect-walk.js';

export interface DissectOptions {
  /** Verify outer and inner IPv4 header checksums (smoltcp's ChecksumCapabilities). */
  verifyIp4Checksum: boolean;
}

export const DEFAULT_DISSECT_OPTIONS: DissectOptions = { verifyIp4Checksum: true };

/** First byte of an IPv4 header without options: version 4, IHL 5 (RFC 791). */
const IP4_VER_IHL_PLAIN = 0x45;
/** The fixed IPv4 header. */
const IP4_HLEN = 20;

/** Dissect packets [0, b.count) of the batch in place. */
export function dissectBatch(b: PacketBatch, opts: DissectOptions = DEFAULT_DISSECT_OPTIONS): void {
  const v = b.dv;
  const n = b.count;
  const cols = b.i32;
  const S = b.capacity;
  const verify = opts.verifyIp4Checksum;
  // The columns, as offsets into the batch's one Int32Array of columns (packet-batch.ts): a
  // store through one array costs an index check, where each column's own typed array cost a
  // map check and three field loads per packet (the loop is too big for V8 to peel and hoist
  // them). Measured on the trace mix, dissect + forward in alternating rounds: 0.966x.
  const oBase = K_BASE * S;
  const oLen = K_LEN * S;
  const oLink = K_LINK * S;
  const oL3 = K_L3 * S;
  const oL4 = K_L4 * S;
  const oTun = K_TUN * S;
  const oIl3 = K_IL3 * S;
  const oIl4 = K_IL4 * S;
  const oIpEnd = K_IPEND * S;
  const oEncap = K_ENCAP * S;
  const oDepth = K_DEPTH * S;
  const oFlags = K_FLAGS * S;
  const oVlanCount = K_VLANCOUNT * S;
  const oTpid0 = K_TPID0 * S;
  const oVlan0 = K_VLAN0 * S;
  const oVlan1 = K_VLAN1 * S;
  const oSrc = K_SRC * S;
  const oDst = K_DST * S;
  const oProto = K_PROTO * S;
  const oPorts = K_PORTS * S;
  const oIsrc = K_ISRC * S;
  const oIdst = K_IDST * S;
  const oIproto = K_IPROTO * S;
  const oIports = K_IPORTS * S;
  const oGreKey = K_GREKEY * S;
  const oGreProto = K_GREPROTO * S;
  const oSpi = K_SPI * S;
  const oEspSeq = K_ESPSEQ * S;
  const oDrop = K_DROP * S;
  const okFlag = verify ? F_IP4 | F_IP_CSUM_OK : F_IP4;
  // Frames the fast path refuses are walked after the loop, which keeps the loop free of calls.
  const misses = missList(n);
  let nMiss = 0;

  for (let i = 0; i < n; i++) {
    // A refused frame leaves the block (break) and is listed below: one exit, always reached,
    // so that its operations have type feedback (a branch first taken after optimisation
    // deoptimised this function in the middle of a replay).
    let refused = 1;
    frame: {
      const base = cols[oBase + i]!;
      const capEnd = base + cols[oLen + i]!;
      // ---- Ethernet II and up to two tags ----
      if (cols[oLink + i]! !== LINK_ETHERNET || capEnd - base < ETH_HLEN + IP4_HLEN) break frame;
      let o = base + ETH_HLEN;
      let type = v.getUint16(o - 2);
      let vlanCount = 0;
      if (isTpid(type)) {
        if (capEnd - o < 2 * VLAN_HLEN + IP4_HLEN) break frame;
        cols[oTpid0 + i] = type;
        cols[oVlan0 + i] = v.getUint16(o) & 0x0fff;
        type = v.getUint16(o + 2);
        o += VLAN_HLEN;
        vlanCount = 1;
        if (isTpid(type)) {
          cols[oVlan1 + i] = v.getUint16(o) & 0x0fff;
          type = v.getUint16(o + 2);
          o += VLAN_HLEN;
          vlanCount = 2;
        }
      }
      // ---- outer IPv4: no options, not a fragment, within the capture, checksum good ----
      if (type !== ETHERTYPE_IP4 || capEnd - o < IP4_HLEN) break frame;
      const w0 = v.getInt32(o);
      const w1 = v.getInt32(o + 4);
      const w2 = v.getInt32(o + 8);
      const src = v.getInt32(o + 12);
      const dst = v.getInt32(o + 16);
      const end = o + (w0 & 0xffff);
      if (
        w0 >>> 24 !== IP4_VER_IHL_PLAIN ||
        end - o < IP4_HLEN ||
        end > capEnd ||
        (w1 & (IP4_F_MF | IP4_FRAG_MASK)) !== 0 ||
        (verify && csumFold5(w0, w1, w2, src, dst) !== 0xffff)
      ) break frame;
      const proto = (w2 >>> 16) & 0xff;
      const t = o + IP4_HLEN;
      let flags = okFlag;
      const l4 = t;
      let ports = 0;
      let encap = ENCAP_NONE;
      let il3 = -1;

      if (proto === IPPROTO_UDP) {
        // RFC 768: the length covers header and data and fits the IP payload.
        const ulen = end - t >= UDP_HLEN ? v.getUint16(t + 4) : 0;
        if (ulen < UDP_HLEN || t + ulen > end) break frame;
        ports = v.getInt32(t);
        const svc = udpService(ports);
        const pl = t + UDP_HLEN;
        const pn = ulen - UDP_HLEN;
        if (svc === PORT_IKE) {
          if (pn < IKE_HLEN) break frame;
          encap = ENCAP_IKE;
          cols[oTun + i] = pl;
        } else if (svc === PORT_NATT) {
          // RFC 3948: a one-byte 0xFF keepalive, IKE behind four zero bytes, else ESP.
          if (pn === 1 && v.getUint8(pl) === NATT_KEEPALIVE_BYTE) {
            encap = ENCAP_NATT_KEEPALIVE;
            cols[oTun + i] = pl;
          } else if (pn < ESP_HLEN) break frame;
          else {
            const spi = v.getInt32(pl);
            if (spi === 0) {
              if (pn < NATT_MARKER_LEN + IKE_HLEN) break frame;
              encap = ENCAP_NATT_IKE;
              cols[oTun + i] = pl + NATT_MARKER_LEN;
            } else {
              encap = ENCAP_NATT_ESP;
              cols[oTun + i] = pl;
              cols[oSpi + i] = spi;
              cols[oEspSeq + i] = v.getInt32(pl + 4);
            }
          }
        } else if (svc !== 0) break frame; // VXLAN: the walk takes it apart
      } else if (proto === IPPROTO_TCP) {
        // RFC 9293: Data Offset is at least 5 words and within the segment.
        const hl = end - t >= TCP_MIN_HLEN ? (v.getUint8(t + 12) >>> 4) << 2 : 0;
        if (hl < TCP_MIN_HLEN || hl > end - t) break frame;
        ports = v.getInt32(t);
      } else if (proto === IPPROTO_ESP) {
        if (end - t < ESP_HLEN) break frame;
        encap = ENCAP_ESP;
        cols[oTun + i] = t;
        cols[oSpi + i] = v.getInt32(t);
        cols[oEspSeq + i] = v.getInt32(t + 4);
      } else if (proto === IPPROTO_GRE) {
        // GRE with no flag but Key (RFC 2890), version 0, carrying IPv4 or NVGRE's Ethernet.
        const f = end - t >= 8 ? v.getUint16(t) : -1;
        const gp = f >= 0 ? v.getUint16(t + 2) : 0;
        const gl = f === GRE_F_KEY ? 8 : 4;
        let io = t + gl;
        if ((f !== 0 && f !== GRE_F_KEY) || (gp !== ETHERTYPE_IP4 && gp !== ETHERTYPE_TEB)) break frame;
        if (gp === ETHERTYPE_TEB) {
          // NVGRE: an untagged inner Ethernet frame carrying IPv4
          if (end - io < ETH_HLEN + IP4_HLEN || v.getUint16(io + 12) !== ETHERTYPE_IP4) break frame;
          encap = ENCAP_NVGRE;
          cols[oTun + i] = io;
          io += ETH_HLEN;
        } else if (end - io < IP4_HLEN) break frame;
        else encap = ENCAP_GRE;
        // ---- inner IPv4, as strict as the outer; its datagram ends within the outer one ----
        const x0 = v.getInt32(io);
        const x1 = v.getInt32(io + 4);
        const x2 = v.getInt32(io + 8);
        const isrc = v.getInt32(io + 12);
        const idst = v.getInt32(io + 16);
        const iend = io + (x0 & 0xffff);
        const it = io + IP4_HLEN;
        const ip = (x2 >>> 16) & 0xff;
        let iports = 0;
        if (
          x0 >>> 24 !== IP4_VER_IHL_PLAIN ||
          iend < it ||
          iend > end ||
          (x1 & (IP4_F_MF | IP4_FRAG_MASK)) !== 0 ||
          (verify && csumFold5(x0, x1, x2, isrc, idst) !== 0xffff)
        ) break frame;
        if (ip === IPPROTO_TCP) {
          const hl = iend - it >= TCP_MIN_HLEN ? (v.getUint8(it + 12) >>> 4) << 2 : 0;
          if (hl < TCP_MIN_HLEN || hl > iend - it) break frame;
          iports = v.getInt32(it);
        } else if (ip === IPPROTO_UDP) {
          const ulen = iend - it >= UDP_HLEN ? v.getUint16(it + 4) : 0;
          if (ulen < UDP_HLEN || it + ulen > iend) break frame;
          iports = v.getInt32(it);
          if (udpService(iports) !== 0) break frame; // a tunnel in the tunnel: the walk
        } else break frame;
        il3 = io;
        cols[oIl4 + i] = it;
        cols[oIsrc + i] = isrc;
        cols[oIdst + i] = idst;
        cols[oIproto + i] = ip;
        cols[oIports + i] = iports;
        cols[oGreProto + i] = gp;
        cols[oDepth + i] = 1;
        if (f === GRE_F_KEY) {
          flags |= F_GRE | F_GRE_KEY;
          cols[oGreKey + i] = v.getInt32(t + 4);
        } else {
          flags |= F_GRE;
          cols[oGreKey + i] = 0;
        }
        if (encap === ENCAP_GRE) cols[oTun + i] = t;
      } else break frame; // ICMP, IP-in-IP, anything else: the walk

      if (vlanCount > 0) {
        flags |= vlanCount > 1 ? F_VLAN | F_QINQ : F_VLAN;
        if (vlanCount === 1) cols[oVlan1 + i] = 0;
      }
      if (encap !== ENCAP_NONE && encap !== ENCAP_NVGRE && encap !== ENCAP_GRE) cols[oDepth + i] = 0;
      cols[oL3 + i] = o;
      cols[oL4 + i] = l4;
      cols[oIl3 + i] = il3;
      cols[oEncap + i] = encap;
      cols[oFlags + i] = flags;
      cols[oVlanCount + i] = vlanCount;
      cols[oSrc + i] = src;
      cols[oDst + i] = dst;
      cols[oProto + i] = proto;
      cols[oPorts + i] = ports;
      cols[oDrop + i] = 0;
      cols[oIpEnd + i] = end;
      refused = 0;
    }
    misses[nMiss] = i;
    nMiss += refused;
  }
  for (let k = 0; k < nMiss; k++) dissectWalk(b, misses[k]!, verify);
}

let misses = new Int32Array(256);

/** The list of refused frames, grown once for a bigger batch (no allocation per batch). */
function missList(n: number): Int32Array {
  if (misses.length < n) misses = new Int32Array(n);
  return misses;
}
