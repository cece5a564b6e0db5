/**
 * Test traffic for the lab, derived from a configuration: one stream per kind of traffic the
 * gateway data plane handles, each packet numbered so that captures taken in the gateway
 * namespaces can be matched back to what onprem sent.
 *
 *   ike    UDP 500 -> SLB VIP from each tenant public IP          seq in the IKE message ID
 *   natt   UDP 4500 ESP-in-UDP -> SLB VIP, SPI per stream          seq in the ESP sequence number
 *   esp    IP protocol 50 -> SLB VIP, SPI per stream               seq in the ESP sequence number
 *   gre    GRE (IPv4 payload) from the tenant -> its GRE VIP       seq in the inner UDP payload
 *   nvgre  NVGRE (VSID) from a compute host, `flows` inner UDP
 *          flows per site toward the site's prefix                 seq in the inner UDP payload
 *   l3     802.1Q tagged UDP peer IP -> CA IP (vxlan mode only)    seq in the UDP payload
 *
 * `mode` picks the link the frames are injected on: `vxlan` (onprem's VXLAN device, to the
 * forwarder's MAC), `raw` (onprem's eth0, to fwd's MAC; no 802.1Q), or `kernel`: the SLB
 * streams already addressed to the designated gateway's DIP, for a baseline of the kernel's
 * own forwarding through fwd. Every checksum is computed here, so the frames are valid on
 * the wire whatever the devices' offloads do.
 */
import { LINK_ETHERNET, PacketBatch } from '../batch/packet-batch.js';
import type { GwConfig } from '../control/config-schema.js';
import { Controller } from '../control/controller.js';
import { CaptureWriter } from '../io/capture-writer.js';
import { espEmit } from '../wire/esp.js';
import { ethEmit, ETHERTYPE_IP4, ETHERTYPE_TEB, ETHERTYPE_VLAN } from '../wire/ethernet.js';
import { greEmit } from '../wire/gre.js';
import { IKE_SA_INIT, ikeEmit } from '../wire/ike.js';
import { ip4Emit, IPPROTO_ESP, IPPROTO_GRE, IPPROTO_UDP } from '../wire/ipv4.js';
import { udpEmit, udpFillChecksum } from '../wire/udp.js';
import { vlanEmit } from '../wire/vlan.js';
import { ip4FromString } from '../wire/view.js';
import { LAB } from './lab.js';

export type StreamKind = 'ike' | 'natt' | 'esp' | 'gre' | 'nvgre' | 'l3';
export const STREAM_KINDS: readonly StreamKind[] = ['ike', 'natt', 'esp', 'gre', 'nvgre', 'l3'];
export type TrafficMode = 'vxlan' | 'raw' | 'kernel';

export interface LabStream {
  id: number;
  kind: StreamKind;
  tenant: string;
  /** Outer source and destination as sent by onprem. */
  src: string;
  dst: string;
  /** ESP/NAT-T: the SPI. */
  spi: number;
  /** l3: the VLAN. */
  vlan: number;
  /** nvgre: VSID, site and the inner flow. */
  vsid: number;
  site: string;
  isrc: string;
  idst: string;
  sport: number;
  dport: number;
}

export interface LabTrafficOptions {
  rounds: number;
  mode: TrafficMode;
  /** Inner flows per site for NVGRE (default 16). */
  flowsPerSite?: number;
  /** Only these kinds (default: all the mode allows). */
  kinds?: readonly StreamKind[];
  /** Packets per second written into the timestamps (tcpreplay without --pps uses them). */
  pps?: number;
}

const PAYLOAD = 48;

/** The streams for a config (ids are positions; the order is stable for a given config). */
export function labStreams(cfg: GwConfig, o: Pick<LabTrafficOptions, 'mode' | 'flowsPerSite' | 'kinds'>): LabStream[] {
  const ctl = new Controller(cfg);
  const kinds = new Set<StreamKind>(o.kinds ?? STREAM_KINDS);
  if (o.mode !== 'vxlan') kinds.delete('l3'); // IP without an 802.1Q-aware first hop
  if (o.mode === 'kernel') {
    for (const k of ['gre', 'nvgre', 'l3'] as const) kinds.delete(k);
  }
  const out: LabStream[] = [];
  const blank = { spi: 0, vlan: 0, vsid: 0, site: '', isrc: '', idst: '', sport: 0, dport: 0 };
  const add = (s: Omit<LabStream, 'id'>): void => void out.push({ ...s, id: out.length });
  const dipOf = (tenant: string): string => {
    const g = ctl.placement.ikev2[tenant];
    return cfg.gateways.find((x) => x.name === g)!.dip;
  };
  for (const r of ctl.placement.nat) {
    const dst = o.mode === 'kernel' ? dipOf(r.tenant) : r.vip;
    const spiBase = 0x10000 + out.length * 16;
    if (kinds.has('ike')) add({ ...blank, kind: 'ike', tenant: r.tenant, src: r.public_ip, dst, sport: 500, dport: 500 });
    if (kinds.has('natt')) add({ ...blank, kind: 'natt', tenant: r.tenant, src: r.public_ip, dst, sport: 4500, dport: 4500, spi: spiBase + 1 });
    if (kinds.has('esp')) add({ ...blank, kind: 'esp', tenant: r.tenant, src: r.public_ip, dst, spi: spiBase + 2 });
  }
  if (kinds.has('gre')) {
    for (const t of cfg.tenants) {
      for (const c of t.connections) {
        if (c.type !== 'gre' || t.public_ips.length === 0) continue;
        const vip = ctl.placement.gre[c.name]?.gre_vip;
        if (vip) add({ ...blank, kind: 'gre', tenant: t.name, src: t.public_ips[0]!, dst: vip, isrc: '10.9.0.1', idst: '10.9.0.2', sport: 1000, dport: 2000 });
      }
    }
  }
  if (kinds.has('nvgre')) {
    const flows = o.flowsPerSite ?? 16;
    cfg.sites.forEach((s, si) => {
      const t = cfg.tenants.find((x) => x.name === s.tenant)!;
      const net = ip4FromString(s.prefixes[0]!.split('/')[0]!);
      for (let f = 0; f < flows; f++) {
        add({
          ...blank,
          kind: 'nvgre',
          tenant: t.name,
          src: LAB.onpremIp,
          dst: s.tunnels[0]!.local_ip,
          vsid: t.vsid,
          site: s.name,
          isrc: `10.10.${si}.${f + 1}`,
          idst: ipStr(net + f + 1),
          sport: 10000 + f,
          dport: 20000 + f,
        });
      }
    });
  }
  if (kinds.has('l3')) {
    for (const t of cfg.tenants) {
      for (const c of t.connections) {
        if (c.type === 'l3') add({ ...blank, kind: 'l3', tenant: t.name, src: c.peer_ip, dst: c.ca_ip, vlan: c.vlan, sport: 5000, dport: 5000 });
      }
    }
  }
  return out;
}

function ipStr(a: number): string {
  return `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

function macs(mode: TrafficMode): { dst: string; src: string } {
  return mode === 'vxlan' ? { dst: LAB.forwarderMac, src: LAB.onpremVxlanMac } : { dst: LAB.fwdOutsideMac, src: LAB.onpremMac };
}

/** Write packet `seq` of stream `s` at `o`; returns the frame's end. */
export function labFrame(v: DataView, o: number, s: LabStream, seq: number, mode: TrafficMode): number {
  const m = macs(mode);
  const vlan = s.kind === 'l3';
  o += ethEmit(v, o, { dst: m.dst, src: m.src, type: vlan ? ETHERTYPE_VLAN : ETHERTYPE_IP4 });
  if (vlan) o += vlanEmit(v, o, { id: s.vlan, type: ETHERTYPE_IP4 });
  const src = ip4FromString(s.src);
  const dst = ip4FromString(s.dst);
  const id = seq & 0xffff;
  switch (s.kind) {
    case 'ike':
    case 'natt':
    case 'l3': {
      const pl = PAYLOAD;
      ip4Emit(v, o, { totalLen: 28 + pl, proto: IPPROTO_UDP, src, dst, id });
      const p = o + 28;
      for (let k = 0; k < pl; k++) v.setUint8(p + k, (k * 7 + s.id) & 0xff);
      if (s.kind === 'ike') ikeEmit(v, p, { ispi: BigInt(0x1000 + s.id) << 32n, rspi: 0n, exchangeType: IKE_SA_INIT, messageId: seq, length: pl });
      else if (s.kind === 'natt') espEmit(v, p, { spi: s.spi, seq });
      else v.setUint32(p, seq);
      udpEmit(v, o + 20, { sport: s.sport, dport: s.dport, len: 8 + pl });
      udpFillChecksum(v, o + 20, 8 + pl, src, dst);
      return p + pl;
    }
    case 'esp': {
      const pl = PAYLOAD;
      ip4Emit(v, o, { totalLen: 20 + pl, proto: IPPROTO_ESP, src, dst, id });
      for (let k = 8; k < pl; k++) v.setUint8(o + 20 + k, (k * 5 + s.id) & 0xff);
      espEmit(v, o + 20, { spi: s.spi, seq });
      return o + 20 + pl;
    }
    case 'gre':
    case 'nvgre': {
      const outer = o;
      o += 20;
      if (s.kind === 'gre') o += greEmit(v, o, { proto: ETHERTYPE_IP4 });
      else {
        o += greEmit(v, o, { proto: ETHERTYPE_TEB, key: ((s.vsid << 8) | 1) | 0 });
        o += ethEmit(v, o, { dst: '02:00:00:00:01:01', src: '02:00:00:00:01:02', type: ETHERTYPE_IP4 });
      }
      const i = o;
      const isrc = ip4FromString(s.isrc);
      const idst = ip4FromString(s.idst);
      const pl = 16;
      ip4Emit(v, i, { totalLen: 28 + pl, proto: IPPROTO_UDP, src: isrc, dst: idst, id, ttl: 63 });
      v.setUint32(i + 28, seq);
      for (let k = 4; k < pl; k++) v.setUint8(i + 28 + k, k);
      udpEmit(v, i + 20, { sport: s.sport, dport: s.dport, len: 8 + pl });
      udpFillChecksum(v, i + 20, 8 + pl, isrc, idst);
      const end = i + 28 + pl;
      ip4Emit(v, outer, { totalLen: end - outer, proto: IPPROTO_GRE, src, dst, id });
      return end;
    }
  }
}

/** Write `rounds` rounds of every stream (round r carries seq r) to a pcap file. */
export function writeLabTraffic(cfg: GwConfig, path: string, o: LabTrafficOptions): { packets: number; streams: LabStream[] } {
  const streams = labStreams(cfg, o);
  const w = CaptureWriter.open(path, 'pcap', { linkType: LINK_ETHERNET, nanos: true });
  const b = new PacketBatch(1, 4096);
  const gapNs = Math.round(1e9 / (o.pps ?? 1000));
  let t = 0;
  let n = 0;
  try {
    for (let r = 0; r < o.rounds; r++) {
      for (const s of streams) {
        const end = labFrame(b.dv, 64, s, r, o.mode);
        w.writePacket(b.arena, 64, end - 64, end - 64, Math.floor(t / 1e9), t % 1e9);
        t += gapNs;
        n++;
      }
    }
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
  return { packets: n, streams };
}
