/**
 * The general dissector of one frame: a small state machine (Ethernet, 802.1Q tags, IPv4,
 * then whatever IPv4 carries, into every tunnel up to MAX_TUNNEL_DEPTH) that fills the batch's
 * struct-of-arrays columns for packet i (layer offsets, outer and innermost 5-tuple,
 * encapsulation kind, VLAN ids, GRE key, SPI, VNI, drop reason).
 *
 * `dissectBatch` (dissect.ts) takes the common well-formed shapes apart itself, in straight-line
 * code, and calls this walk for every other frame; `dissectBatchWalk` runs it on every frame
 * (the reference path of the differential tests). The small `xxxCheck` functions of `src/wire/`
 * are inlined; the byte reads all go through the batch's one DataView.
 *
 * Drops. The first reason found is kept in `drop[i]`. Reasons that leave the bytes
 * readable (total length beyond the capture, a bad header checksum, a bad option, a UDP
 * length that lies) are *soft*: the walk goes on as far as the captured bytes allow, so that
 * `gwplane dissect` can show every field (as tshark does) and the data plane still refuses
 * the packet. Structural failures end the walk. Nothing here throws on any byte sequence:
 * every read is preceded by a length check against the end of the captured bytes.
 *
 * Nothing is allocated, no string is touched.
 */
import {
  ENCAP_ESP,
  ENCAP_GRE,
  ENCAP_IKE,
  ENCAP_IPIP,
  ENCAP_NATT_ESP,
  ENCAP_NATT_IKE,
  ENCAP_NATT_KEEPALIVE,
  ENCAP_NONE,
  ENCAP_NVGRE,
  ENCAP_VXLAN,
  F_FRAG,
  F_GRE,
  F_GRE_CSUM,
  F_GRE_KEY,
  F_GRE_SEQ,
  F_INNER_FRAG,
  F_INNER_VLAN,
  F_IP4,
  F_IP_CSUM_OK,
  F_IP_OPTIONS,
  F_IP_TRUNC,
  F_LATER_FRAG,
  F_QINQ,
  F_VLAN,
  LINK_ETHERNET,
  type PacketBatch,
} from '../batch/packet-batch.js';
import {
  DROP_ESP_SHORT,
  DROP_ETH_SHORT,
  DROP_IKE_SHORT,
  DROP_IP4_BAD_CSUM,
  DROP_IP4_BAD_IHL,
  DROP_IP4_HDR_TRUNC,
  DROP_IP4_BAD_TOTAL_LEN,
  DROP_IP4_LEN_EXCEEDS_CAPTURE,
  DROP_L2_NOT_IP4,
  DROP_NATT_SHORT,
  DROP_TCP_SHORT,
  DROP_TOO_DEEP,
  DROP_UDP_SHORT,
  DROP_UDP_BAD_LEN,
  DROP_VLAN_SHORT,
  DROP_VLAN_TOO_DEEP,
} from '../stats/drop-reasons.js';
import { csumAdd } from '../wire/checksum.js';
import { ESP_HLEN } from '../wire/esp.js';
import { ETH_HLEN, ETHERTYPE_IP4, ETHERTYPE_QINQ, ETHERTYPE_QINQ_OLD, ETHERTYPE_TEB, ETHERTYPE_VLAN } from '../wire/ethernet.js';
import { GRE_F_CSUM, GRE_F_KEY, GRE_F_SEQ, greCheck } from '../wire/gre.js';
import { icmpCheck } from '../wire/icmp.js';
import { IKE_HLEN } from '../wire/ike.js';
import {
  IP4_F_MF,
  IP4_FRAG_MASK,
  IPPROTO_ESP,
  IPPROTO_GRE,
  IPPROTO_ICMP,
  IPPROTO_IPIP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  ip4Check,
  ip4OptionsCheck,
} from '../wire/ipv4.js';
import { NATT_ESP, NATT_IKE, NATT_KEEPALIVE, NATT_MARKER_LEN, nattClassify } from '../wire/natt.js';
import { tcpCheck } from '../wire/tcp.js';
import { PORT_IKE, PORT_NATT, PORT_VXLAN, UDP_HLEN } from '../wire/udp.js';
import { VLAN_HLEN, VLAN_MAX_TAGS } from '../wire/vlan.js';
import { vxlanCheck } from '../wire/vxlan.js';

/** Tunnel layers (GRE, IP-in-IP, VXLAN) walked through before giving up with DROP_TOO_DEEP. */
export const MAX_TUNNEL_DEPTH = 4;

/** What the walk expects next. */
const S_DONE = 0;
const S_ETH = 1; // an (inner) Ethernet header at o
const S_IP4 = 2; // an IPv4 header at o

export function isTpid(t: number): boolean {
  return t === ETHERTYPE_VLAN || t === ETHERTYPE_QINQ || t === ETHERTYPE_QINQ_OLD;
}

/**
 * Which UDP port decides the payload, tshark-style: the lower of the two ports is tried
 * first, then the higher. Returns 500, 4500, 4789 or 0.
 */
export function udpService(ports: number): number {
  const sp = ports >>> 16;
  const dp = ports & 0xffff;
  const lo = sp < dp ? sp : dp;
  const hi = sp < dp ? dp : sp;
  if (lo === PORT_IKE || lo === PORT_NATT || lo === PORT_VXLAN) return lo;
  if (hi === PORT_IKE || hi === PORT_NATT || hi === PORT_VXLAN) return hi;
  return 0;
}

/** Frames taken apart by the walk since the process started (the fast path's misses). */
let walked = 0;

/** How many frames `dissectWalk` has taken apart in this process (tests, bench notes). */
export function walkedFrames(): number {
  return walked;
}

/**
 * Take packet i of the batch apart, whatever its shape, and fill its columns. The general walk
 * behind `dissectBatch`'s fast path (dissect.ts): every encapsulation, nesting, option, fragment
 * and malformation, as described at the top of this file.
 */
export function dissectWalk(b: PacketBatch, i: number, verify: boolean): void {
  const v = b.dv;
  walked++;
  {
    const base = b.base[i]!;
    const capEnd = base + b.len[i]!;
    let l3 = -1;
    let l4 = -1;
    let tun = -1;
    let il3 = -1;
    let il4 = -1;
    let ipEnd = -1;
    let encap = ENCAP_NONE;
    let depth = 0;
    let flags = 0;
    let vlanCount = 0;
    let tpid0 = 0;
    let vlan0 = 0;
    let vlan1 = 0;
    let src = 0;
    let dst = 0;
    let proto = 0;
    let ports = 0;
    let isrc = 0;
    let idst = 0;
    let iproto = 0;
    let iports = 0;
    let greKey = 0;
    let greProto = 0;
    let spi = 0;
    let espSeq = 0;
    let vni = 0;
    let drop = 0;
    let greSeen = false;

    let o = base;
    let end = capEnd; // end of the bytes that belong to the current layer
    let state = b.link[i] === LINK_ETHERNET ? S_ETH : S_IP4;

    while (state !== S_DONE) {
      if (state === S_ETH) {
        // ---- Ethernet II, then stacked 802.1Q / 802.1ad tags ----
        if (end - o < ETH_HLEN) {
          if (drop === 0) drop = DROP_ETH_SHORT;
          break;
        }
        let type = v.getUint16(o + 12);
        o += ETH_HLEN;
        let tags = 0;
        while (isTpid(type)) {
          if (tags >= VLAN_MAX_TAGS) {
            if (drop === 0) drop = DROP_VLAN_TOO_DEEP;
            break;
          }
          if (end - o < VLAN_HLEN) {
            if (drop === 0) drop = DROP_VLAN_SHORT;
            break;
          }
          const id = v.getUint16(o) & 0x0fff;
          if (l3 < 0) {
            if (tags === 0) {
              tpid0 = type;
              vlan0 = id;
            } else if (tags === 1) vlan1 = id;
            vlanCount++;
          } else flags |= F_INNER_VLAN;
          type = v.getUint16(o + 2);
          o += VLAN_HLEN;
          tags++;
        }
        if (drop === DROP_VLAN_TOO_DEEP || drop === DROP_VLAN_SHORT) break;
        if (type !== ETHERTYPE_IP4) {
          if (drop === 0 && l3 < 0) drop = DROP_L2_NOT_IP4;
          break;
        }
        state = S_IP4;
        continue;
      }

      // ---- IPv4 (RFC 791) ----
      const outer = l3 < 0;
      const avail = end - o;
      if (avail < 20 || v.getUint8(o) >>> 4 !== 4) {
        // Keep the offset when the fixed header is there, so the bytes can be shown.
        if (outer && avail >= 1) l3 = o;
        const r = ip4Check(v, o, end);
        if (drop === 0) drop = -r;
        break;
      }
      // The fixed header as five 32-bit words, read once (ip4Check's rules, in its order).
      const w0 = v.getInt32(o);
      const w1 = v.getInt32(o + 4);
      const w2 = v.getInt32(o + 8);
      const w3 = v.getInt32(o + 12);
      const w4 = v.getInt32(o + 16);
      const p = (w2 >>> 16) & 0xff;
      if (outer) {
        l3 = o;
        flags |= F_IP4;
        src = w3;
        dst = w4;
        proto = p;
      } else {
        il3 = o;
        il4 = -1;
        iports = 0;
        isrc = w3;
        idst = w4;
        iproto = p;
      }
      const hlen = (w0 >>> 22) & 0x3c;
      let total = w0 & 0xffff;
      if (hlen < 20 || hlen > avail) {
        // RFC 791: IHL is at least 5; the header must have been captured whole.
        if (drop === 0) drop = hlen < 20 ? DROP_IP4_BAD_IHL : DROP_IP4_HDR_TRUNC;
        break;
      }
      if (total < hlen) {
        if (total !== 0) {
          if (drop === 0) drop = DROP_IP4_BAD_TOTAL_LEN;
          break;
        }
        // Total Length 0 (TSO/GSO/BIG TCP captures): soft. Like tshark, read on as if the
        // datagram ran to the end of the captured bytes. Any other length below the header
        // is bogus and ends the walk.
        if (drop === 0) drop = DROP_IP4_BAD_TOTAL_LEN;
        total = end - o;
      }
      let dEnd = o + total;
      if (dEnd > end) {
        // Total Length beyond what was captured (or beyond the enclosing layer): soft.
        if (drop === 0) drop = DROP_IP4_LEN_EXCEEDS_CAPTURE;
        if (outer) flags |= F_IP_TRUNC;
        dEnd = end;
      }
      if (verify) {
        // RFC 1071 over the header: the ten 16-bit words of the fixed part, then any options.
        let cs =
          (w0 >>> 16) + (w0 & 0xffff) + (w1 >>> 16) + (w1 & 0xffff) + (w2 >>> 16) + (w2 & 0xffff) + (w3 >>> 16) + (w3 & 0xffff) + (w4 >>> 16) + (w4 & 0xffff);
        if (hlen > 20) cs += csumAdd(v, o + 20, hlen - 20, 0);
        cs = (cs & 0xffff) + (cs >>> 16);
        cs = (cs & 0xffff) + (cs >>> 16);
        if (cs === 0xffff) {
          if (outer) flags |= F_IP_CSUM_OK;
        } else if (drop === 0) drop = DROP_IP4_BAD_CSUM;
      }
      if (hlen > 20) {
        if (outer) flags |= F_IP_OPTIONS;
        const ro = ip4OptionsCheck(v, o, hlen);
        if (ro < 0 && drop === 0) drop = -ro;
      }
      const ff = w1 & 0xffff;
      if (outer) {
        ipEnd = dEnd;
        if ((ff & (IP4_F_MF | IP4_FRAG_MASK)) !== 0) flags |= F_FRAG;
      } else if ((ff & (IP4_F_MF | IP4_FRAG_MASK)) !== 0) flags |= F_INNER_FRAG;
      if ((ff & IP4_FRAG_MASK) !== 0) {
        // A later fragment carries no transport header (RFC 791 fragmentation).
        if (outer) flags |= F_LATER_FRAG;
        break;
      }
      const t = o + hlen;
      end = dEnd;
      o = t;

      // ---- what the IPv4 header carries ----
      if (p === IPPROTO_UDP) {
        if (end - t < 4) {
          if (drop === 0) drop = DROP_UDP_SHORT;
          break;
        }
        const pp = v.getInt32(t);
        if (outer) {
          l4 = t;
          ports = pp;
        } else {
          il4 = t;
          iports = pp;
        }
        if (end - t < UDP_HLEN) {
          if (drop === 0) drop = DROP_UDP_SHORT;
          break;
        }
        const ulen = v.getUint16(t + 4);
        let uEnd = t + ulen;
        const firstFragment = (ff & IP4_F_MF) !== 0;
        if (ulen < UDP_HLEN || (uEnd > end && !firstFragment)) {
          // RFC 768: the length covers header and data and must fit in the IP payload
          // (in a first fragment it covers the whole datagram, so it may not).
          if (drop === 0) drop = DROP_UDP_BAD_LEN;
          if (ulen < UDP_HLEN) break;
          uEnd = end;
        }
        const svc = udpService(pp);
        if (svc === 0) break;
        const pl = t + UDP_HLEN;
        if (svc === PORT_NATT) {
          const k = nattClassify(v, pl, uEnd);
          if (k === NATT_KEEPALIVE) {
            if (encap === ENCAP_NONE) encap = ENCAP_NATT_KEEPALIVE;
            if (tun < 0) tun = pl;
          } else if (k === NATT_IKE) {
            if (encap === ENCAP_NONE) encap = ENCAP_NATT_IKE;
            if (tun < 0) tun = pl + NATT_MARKER_LEN;
            if (uEnd - pl < NATT_MARKER_LEN + IKE_HLEN && drop === 0) drop = DROP_IKE_SHORT;
          } else if (k === NATT_ESP) {
            if (encap === ENCAP_NONE) {
              encap = ENCAP_NATT_ESP;
              spi = v.getInt32(pl);
              espSeq = v.getInt32(pl + 4);
            }
            if (tun < 0) tun = pl;
          } else if (uEnd - pl >= 4) {
            // 4 to 7 bytes, non-zero: an ESP header cut short.
            if (encap === ENCAP_NONE) {
              encap = ENCAP_NATT_ESP;
              spi = v.getInt32(pl);
            }
            if (tun < 0) tun = pl;
            if (drop === 0) drop = DROP_ESP_SHORT;
          } else if (drop === 0 && k < 0) drop = DROP_NATT_SHORT;
          break;
        }
        if (svc === PORT_IKE) {
          if (encap === ENCAP_NONE) encap = ENCAP_IKE;
          if (tun < 0) tun = pl;
          if (uEnd - pl < IKE_HLEN && drop === 0) drop = DROP_IKE_SHORT;
          break;
        }
        // VXLAN (RFC 7348), then its inner Ethernet frame.
        const rv = vxlanCheck(v, pl, uEnd);
        if (rv < 0) {
          if (drop === 0) drop = -rv;
          break;
        }
        if (encap === ENCAP_NONE) {
          encap = ENCAP_VXLAN;
          vni = v.getUint32(pl + 4) >>> 8;
          tun = pl;
        }
        if (++depth > MAX_TUNNEL_DEPTH) {
          if (drop === 0) drop = DROP_TOO_DEEP;
          break;
        }
        o = pl + 8;
        end = uEnd;
        state = S_ETH;
        continue;
      }

      if (p === IPPROTO_TCP) {
        if (end - t < 4) {
          if (drop === 0) drop = DROP_TCP_SHORT;
          break;
        }
        if (outer) {
          l4 = t;
          ports = v.getInt32(t);
        } else {
          il4 = t;
          iports = v.getInt32(t);
        }
        const rt = tcpCheck(v, t, end);
        if (rt < 0 && drop === 0) drop = -rt;
        break;
      }

      if (p === IPPROTO_GRE) {
        if (outer) l4 = t;
        const rg = greCheck(v, t, end);
        const f = end - t >= 2 ? v.getUint16(t) : 0;
        const gp = end - t >= 4 ? v.getUint16(t + 2) : 0;
        if (!greSeen && end - t >= 4) {
          greSeen = true;
          greProto = gp;
          if ((f & GRE_F_CSUM) !== 0) flags |= F_GRE_CSUM;
          if ((f & GRE_F_SEQ) !== 0) flags |= F_GRE_SEQ;
          if (rg > 0 && (f & GRE_F_KEY) !== 0) {
            flags |= F_GRE_KEY;
            greKey = v.getInt32(t + 4 + ((f >>> 13) & 4));
          }
          if (tun < 0) tun = t;
        }
        if (rg < 0) {
          if (drop === 0) drop = -rg;
          break;
        }
        if (++depth > MAX_TUNNEL_DEPTH) {
          if (drop === 0) drop = DROP_TOO_DEEP;
          break;
        }
        if (gp === ETHERTYPE_IP4) {
          if (encap === ENCAP_NONE) encap = ENCAP_GRE;
          o = t + rg;
          state = S_IP4;
          continue;
        }
        if (gp === ETHERTYPE_TEB) {
          if (encap === ENCAP_NONE) {
            encap = ENCAP_NVGRE;
            tun = t + rg;
          }
          o = t + rg;
          state = S_ETH;
          continue;
        }
        if (encap === ENCAP_NONE) encap = ENCAP_GRE;
        break;
      }

      if (p === IPPROTO_ESP) {
        if (outer) l4 = t;
        if (encap === ENCAP_NONE) {
          encap = ENCAP_ESP;
          tun = t;
          if (end - t >= 4) spi = v.getInt32(t);
          if (end - t >= ESP_HLEN) espSeq = v.getInt32(t + 4);
        }
        if (end - t < ESP_HLEN && drop === 0) drop = DROP_ESP_SHORT;
        break;
      }

      if (p === IPPROTO_IPIP) {
        if (outer) l4 = t;
        if (encap === ENCAP_NONE) {
          encap = ENCAP_IPIP;
          tun = t;
        }
        if (++depth > MAX_TUNNEL_DEPTH) {
          if (drop === 0) drop = DROP_TOO_DEEP;
          break;
        }
        state = S_IP4;
        continue;
      }

      if (p === IPPROTO_ICMP) {
        if (outer) l4 = t;
        else il4 = t;
        const ri = icmpCheck(v, t, end);
        if (ri < 0 && drop === 0) drop = -ri;
        break;
      }
      if (outer) l4 = t;
      break;
    }

    if (vlanCount > 0) flags |= vlanCount > 1 ? F_VLAN | F_QINQ : F_VLAN;
    // Always-valid columns, then the ones valid only when their layer was found (see the
    // column contract in packet-batch.ts): fewer stores per packet (each costs ~0.6 ns).
    b.l3[i] = l3;
    b.l4[i] = l4;
    b.il3[i] = il3;
    b.encap[i] = encap;
    b.flags[i] = greSeen ? flags | F_GRE : flags;
    b.vlanCount[i] = vlanCount;
    b.src[i] = src;
    b.dst[i] = dst;
    b.proto[i] = proto;
    b.ports[i] = ports;
    b.drop[i] = drop;
    if (l3 >= 0) b.ipEnd[i] = ipEnd;
    if (encap !== ENCAP_NONE) {
      b.tun[i] = tun;
      b.depth[i] = depth;
      if (encap === ENCAP_ESP || encap === ENCAP_NATT_ESP) {
        b.spi[i] = spi;
        b.espSeq[i] = espSeq;
      } else if (encap === ENCAP_VXLAN) b.vni[i] = vni;
    }
    if (vlanCount > 0) {
      b.tpid0[i] = tpid0;
      b.vlan0[i] = vlan0;
      b.vlan1[i] = vlan1;
    }
    if (il3 >= 0) {
      b.il4[i] = il4;
      b.isrc[i] = isrc;
      b.idst[i] = idst;
      b.iproto[i] = iproto;
      b.iports[i] = iports;
    }
    if (greSeen) {
      b.greKey[i] = greKey;
      b.greProto[i] = greProto;
    }
  }
}

/** Dissect every packet of the batch with the general walk (the reference for `dissectBatch`). */
export function dissectBatchWalk(b: PacketBatch, verify = true): void {
  for (let i = 0; i < b.count; i++) dissectWalk(b, i, verify);
}
