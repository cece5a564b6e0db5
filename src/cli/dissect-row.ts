/**
 * One dissected frame as a row of the oracle's columns (`../shared/corpus/README.md`,
 * columns 1 to 43), in tshark's `-T fields` value formats: decimal integers, some fields
 * 0x-prefixed hex, dotted quads, IKE SPIs as 16 lowercase hex digits, empty cells where
 * the layer or field is absent.
 *
 * This is display code (slow path): it runs after `dissectBatch` and reads the offsets the
 * dissector recorded, re-reading a few fields (checksum status, IKE header) from the bytes.
 */
import {
  ENCAP_IKE,
  ENCAP_NATT_ESP,
  ENCAP_NATT_IKE,
  ENCAP_NATT_KEEPALIVE,
  ENCAP_ESP,
  ENCAP_VXLAN,
  F_GRE_KEY,
  F_GRE_SEQ,
  F_LATER_FRAG,
  LINK_ETHERNET,
  PacketBatch,
} from '../batch/packet-batch.js';
import { csumAdd, csumPseudo } from '../wire/checksum.js';
import { ETHERTYPE_MIN, ETHERTYPE_QINQ, ETHERTYPE_QINQ_OLD, ETHERTYPE_VLAN } from '../wire/ethernet.js';
import { greKeyOffset, greSeqOffset } from '../wire/gre.js';
import { IPPROTO_TCP, IPPROTO_UDP } from '../wire/ipv4.js';
import { ip4ToString } from '../wire/view.js';

export const DISSECT_COLUMNS: readonly string[] = [
  'frame.number', 'frame.cap_len', 'eth.type', 'vlan.id',
  'ip.src', 'ip.dst', 'ip.proto', 'ip.hdr_len', 'ip.len', 'ip.flags.mf', 'ip.frag_offset', 'ip.ttl',
  'ip.checksum.status', 'gre.key', 'gre.proto', 'esp.spi', 'esp.sequence',
  'udp.srcport', 'udp.dstport', 'tcp.srcport', 'tcp.dstport',
  'inner.ip.src', 'inner.ip.dst', 'inner.ip.proto', 'inner.srcport', 'inner.dstport',
  'frame.len', 'outer.vlan.ids', 'ip.version', 'ip.id', 'ip.flags.df',
  'udp.length', 'udp.checksum', 'udp.checksum.status', 'tcp.checksum.status',
  'gre.flags_and_version', 'gre.seq', 'udpencap.kind',
  'isakmp.ispi', 'isakmp.rspi', 'isakmp.version', 'isakmp.exchangetype', 'vxlan.vni',
];

function hex(x: number, width = 4): string {
  return '0x' + (x >>> 0).toString(16).padStart(width, '0');
}

function hex64(v: DataView, o: number): string {
  return (v.getUint32(o) >>> 0).toString(16).padStart(8, '0') + (v.getUint32(o + 4) >>> 0).toString(16).padStart(8, '0');
}

/** Build the row of packet `i` (columns in DISSECT_COLUMNS order). */
export function dissectRow(b: PacketBatch, i: number, frameNumber: number): string[] {
  const v = b.dv;
  const base = b.base[i]!;
  const capEnd = base + b.len[i]!;
  const c: string[] = new Array<string>(DISSECT_COLUMNS.length).fill('');
  const set = (name: string, value: string | number): void => {
    c[DISSECT_COLUMNS.indexOf(name)] = String(value);
  };
  set('frame.number', frameNumber);
  set('frame.cap_len', b.len[i]!);
  set('frame.len', b.wireLen[i]!);

  // ---- L2 ----
  if (b.link[i] === LINK_ETHERNET && capEnd - base >= 14) {
    const t = v.getUint16(base + 12);
    if (t >= ETHERTYPE_MIN) set('eth.type', hex(t));
    if (b.vlanCount[i]! > 0) {
      if (b.tpid0[i] === ETHERTYPE_VLAN) set('vlan.id', b.vlan0[i]!);
      // all outer tags, outermost first (re-read: the batch keeps only two)
      const ids: number[] = [];
      let o = base + 12;
      let type = t;
      while ((type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) && o + 6 <= capEnd) {
        ids.push(v.getUint16(o + 2) & 0x0fff);
        type = v.getUint16(o + 4);
        o += 4;
      }
      set('outer.vlan.ids', ids.join(','));
    }
  }

  // ---- outer IPv4: each field shown when its bytes were captured (as tshark does) ----
  const l3 = b.l3[i]!;
  if (l3 >= 0) {
    const avail = capEnd - l3;
    const ver = v.getUint8(l3) >>> 4;
    set('ip.version', ver);
    const hlen = (v.getUint8(l3) & 15) << 2;
    if (ver === 4) set('ip.hdr_len', hlen);
    // RFC 791: IHL below 5 is no IPv4 header; tshark stops after the IHL.
    const total = avail >= 4 ? v.getUint16(l3 + 2) : -1;
    if (ver === 4 && hlen >= 20 && total >= 0) set('ip.len', total);
    // A Total Length below the header (other than TSO's 0) is bogus: tshark stops there.
    const bogusTotal = total > 0 && total < hlen;
    if (ver === 4 && hlen >= 20 && !bogusTotal) {
      if (avail >= 6) set('ip.id', hex(v.getUint16(l3 + 4)));
      if (avail >= 8) {
        const ff = v.getUint16(l3 + 6);
        set('ip.flags.df', (ff >>> 14) & 1);
        set('ip.flags.mf', (ff >>> 13) & 1);
        set('ip.frag_offset', ff & 0x1fff);
      }
      if (avail >= 9) set('ip.ttl', v.getUint8(l3 + 8));
      if (avail >= 10) set('ip.proto', v.getUint8(l3 + 9));
      if (avail >= 12) set('ip.checksum.status', hlen > avail ? 2 : csumAdd(v, l3, hlen, 0) === 0xffff ? 1 : 0);
      if (avail >= 16) set('ip.src', ip4ToString(v.getInt32(l3 + 12)));
      if (avail >= 20) set('ip.dst', ip4ToString(v.getInt32(l3 + 16)));
    }
  }

  // ---- outer transport ----
  const l4 = b.l4[i]!;
  const proto = b.proto[i]!;
  if (l4 >= 0 && (b.flags[i]! & F_LATER_FRAG) === 0) {
    const ipEnd = b.ipEnd[i]!;
    if (proto === IPPROTO_UDP && capEnd - l4 >= 4) {
      set('udp.srcport', b.ports[i]! >>> 16);
      set('udp.dstport', b.ports[i]! & 0xffff);
      if (capEnd - l4 >= 8) {
        const ulen = v.getUint16(l4 + 4);
        const cs = v.getUint16(l4 + 6);
        set('udp.length', ulen);
        if (ulen >= 8) set('udp.checksum', hex(cs));
        let st: number;
        if (ulen < 8) st = -1;
        else if (cs === 0) st = 3;
        else if (ulen < 8 || l4 + ulen > ipEnd || (b.flags[i]! & 0x10) !== 0) st = 2;
        else st = csumAdd(v, l4, ulen, csumPseudo(b.src[i]!, b.dst[i]!, IPPROTO_UDP, ulen)) === 0xffff ? 1 : 0;
        if (st >= 0) set('udp.checksum.status', st);
      }
    } else if (proto === IPPROTO_TCP && capEnd - l4 >= 4) {
      set('tcp.srcport', b.ports[i]! >>> 16);
      set('tcp.dstport', b.ports[i]! & 0xffff);
      if (capEnd - l4 >= 20) {
        const seg = ipEnd - l4;
        const total = v.getUint16(l3 + 2);
        const hlen = (v.getUint8(l3) & 15) << 2;
        const segLen = total - hlen;
        let st: number;
        if (segLen !== seg || (b.flags[i]! & 0x10) !== 0) st = 2;
        else st = csumAdd(v, l4, seg, csumPseudo(b.src[i]!, b.dst[i]!, IPPROTO_TCP, seg)) === 0xffff ? 1 : 0;
        set('tcp.checksum.status', st);
      }
    }
  }

  // ---- first GRE ----
  const encap = b.encap[i]!;
  const gre = firstGre(b, i);
  if (gre >= 0) {
    const f = v.getUint16(gre);
    set('gre.flags_and_version', hex(f));
    set('gre.proto', hex(v.getUint16(gre + 2)));
    if ((b.flags[i]! & F_GRE_KEY) !== 0) set('gre.key', hex(b.greKey[i]!, 8));
    if ((b.flags[i]! & F_GRE_SEQ) !== 0 && gre + greSeqOffset(f) + 4 <= capEnd) set('gre.seq', v.getUint32(gre + greSeqOffset(f)));
    void greKeyOffset;
  }

  // ---- ESP, NAT-T, IKE, VXLAN ----
  const tun = b.tun[i]!;
  if (encap === ENCAP_ESP || encap === ENCAP_NATT_ESP) {
    if (tun >= 0 && capEnd - tun >= 4) set('esp.spi', hex(b.spi[i]!, 8));
    if (tun >= 0 && capEnd - tun >= 8) set('esp.sequence', b.espSeq[i]! >>> 0);
  }
  if (encap === ENCAP_NATT_ESP) set('udpencap.kind', 'esp');
  else if (encap === ENCAP_NATT_IKE) set('udpencap.kind', 'ike');
  else if (encap === ENCAP_NATT_KEEPALIVE) set('udpencap.kind', 'keepalive');
  if ((encap === ENCAP_IKE || encap === ENCAP_NATT_IKE) && tun >= 0 && capEnd - tun >= 28) {
    set('isakmp.ispi', hex64(v, tun));
    set('isakmp.rspi', hex64(v, tun + 8));
    set('isakmp.version', hex(v.getUint8(tun + 17), 2));
    set('isakmp.exchangetype', v.getUint8(tun + 18));
  }
  if (encap === ENCAP_VXLAN && tun >= 0) set('vxlan.vni', b.vni[i]!);

  // ---- innermost IPv4 and its transport ----
  const il3 = b.il3[i]!;
  if (il3 >= 0) {
    set('inner.ip.src', ip4ToString(b.isrc[i]!));
    set('inner.ip.dst', ip4ToString(b.idst[i]!));
    set('inner.ip.proto', b.iproto[i]!);
    const il4 = b.il4[i]!;
    if (il4 >= 0 && (b.iproto[i] === IPPROTO_UDP || b.iproto[i] === IPPROTO_TCP)) {
      set('inner.srcport', b.iports[i]! >>> 16);
      set('inner.dstport', b.iports[i]! & 0xffff);
    }
  }
  return c;
}

/** Offset of the first GRE header, or -1 (outer GRE, or GRE inside the first tunnel). */
function firstGre(b: PacketBatch, i: number): number {
  if (b.proto[i] === 47 && b.l4[i]! >= 0 && (b.flags[i]! & F_LATER_FRAG) === 0 && b.base[i]! + b.len[i]! - b.l4[i]! >= 4) return b.l4[i]!;
  return -1;
}
