/**
 * Test frames for the data-path tests, written with the wire layer's emit functions into a
 * batch (every length and checksum correct), and a small harness around forwardBatch.
 */
import { LINK_ETHERNET, PacketBatch } from '../../src/batch/packet-batch.js';
import { Controller } from '../../src/control/controller.js';
import type { GwConfig } from '../../src/control/config-schema.js';
import { FlowTable } from '../../src/lb/flow-table.js';
import { dissectBatch } from '../../src/nodes/dissect.js';
import { FlowKeyColumns, forwardBatch, type ForwardContext } from '../../src/nodes/gateway-forward.js';
import { DataplaneCounters } from '../../src/stats/counters.js';
import { espEmit } from '../../src/wire/esp.js';
import { ethEmit, ETHERTYPE_IP4, ETHERTYPE_TEB, ETHERTYPE_VLAN } from '../../src/wire/ethernet.js';
import { greEmit } from '../../src/wire/gre.js';
import { ikeEmit, IKE_SA_INIT } from '../../src/wire/ike.js';
import { ip4Emit, IPPROTO_ESP, IPPROTO_GRE, IPPROTO_TCP, IPPROTO_UDP } from '../../src/wire/ipv4.js';
import { tcpEmit, tcpFillChecksum } from '../../src/wire/tcp.js';
import { udpEmit, udpFillChecksum } from '../../src/wire/udp.js';
import { vlanEmit } from '../../src/wire/vlan.js';
import { ip4FromString } from '../../src/wire/view.js';

export type Frame = (v: DataView, o: number) => number; // writes a frame at o, returns its end

const ip = (s: string | number): number => (typeof s === 'string' ? ip4FromString(s) : s);

function l2(v: DataView, o: number, vlan?: number): number {
  o += ethEmit(v, o, { dst: '02:00:00:00:00:01', src: '02:00:00:00:00:02', type: vlan !== undefined ? ETHERTYPE_VLAN : ETHERTYPE_IP4 });
  if (vlan !== undefined) o += vlanEmit(v, o, { id: vlan, type: ETHERTYPE_IP4 });
  return o;
}

/** IPv4/UDP with `payload` bytes written by `fill` (or zeros). */
export function udp(src: string | number, dst: string | number, sport: number, dport: number, opts: { vlan?: number; payload?: number; fill?: (v: DataView, o: number) => void; zeroCsum?: boolean } = {}): Frame {
  return (v, o) => {
    o = l2(v, o, opts.vlan);
    const pl = opts.payload ?? 32;
    ip4Emit(v, o, { totalLen: 28 + pl, proto: IPPROTO_UDP, src: ip(src), dst: ip(dst), id: 7 });
    for (let k = 0; k < pl; k++) v.setUint8(o + 28 + k, (k * 7 + 3) & 0xff);
    opts.fill?.(v, o + 28);
    udpEmit(v, o + 20, { sport, dport, len: 8 + pl });
    if (!opts.zeroCsum) udpFillChecksum(v, o + 20, 8 + pl, ip(src), ip(dst));
    return o + 28 + pl;
  };
}

export function ike(src: string, dst: string, sport = 500, dport = 500): Frame {
  return udp(src, dst, sport, dport, { payload: 28, fill: (v, o) => ikeEmit(v, o, { ispi: 0x0102030405060708n, rspi: 0n, exchangeType: IKE_SA_INIT, length: 28 }) });
}

export function nattEsp(src: string, dst: string, spi: number, sport = 4500, dport = 4500): Frame {
  return udp(src, dst, sport, dport, { payload: 40, fill: (v, o) => espEmit(v, o, { spi, seq: 1 }) });
}

export function esp(src: string, dst: string, spi: number): Frame {
  return (v, o) => {
    o = l2(v, o);
    ip4Emit(v, o, { totalLen: 20 + 40, proto: IPPROTO_ESP, src: ip(src), dst: ip(dst) });
    espEmit(v, o + 20, { spi, seq: 9 });
    return o + 60;
  };
}

/** GRE (proto 0x0800) to a GRE VIP carrying a small inner IPv4/UDP packet. */
export function greToVip(src: string, vip: string, key?: number): Frame {
  return (v, o) => {
    o = l2(v, o);
    const gl = key === undefined ? 4 : 8;
    ip4Emit(v, o, { totalLen: 20 + gl + 28, proto: IPPROTO_GRE, src: ip(src), dst: ip(vip) });
    greEmit(v, o + 20, key === undefined ? { proto: ETHERTYPE_IP4 } : { proto: ETHERTYPE_IP4, key });
    const i = o + 20 + gl;
    ip4Emit(v, i, { totalLen: 28, proto: IPPROTO_UDP, src: '10.9.0.1', dst: '10.9.0.2' });
    udpEmit(v, i + 20, { sport: 1000, dport: 2000, len: 8 });
    udpFillChecksum(v, i + 20, 8, ip('10.9.0.1'), ip('10.9.0.2'));
    return i + 28;
  };
}

/** NVGRE from a compute host: outer IPv4 + GRE(K, 0x6558, VSID<<8|flowid) + Ethernet + inner TCP/UDP. */
export function nvgre(vsid: number, isrc: string | number, idst: string | number, sport: number, dport: number, proto: 'tcp' | 'udp' = 'tcp', outerDst = '198.51.100.21'): Frame {
  return (v, o) => {
    o = l2(v, o);
    const outer = o;
    o += 20;
    o += greEmit(v, o, { proto: ETHERTYPE_TEB, key: ((vsid << 8) | 1) | 0 });
    o += ethEmit(v, o, { dst: '02:00:00:00:01:01', src: '02:00:00:00:01:02', type: ETHERTYPE_IP4 });
    const i = o;
    const l4 = proto === 'tcp' ? 20 : 8;
    const pl = 12;
    ip4Emit(v, i, { totalLen: 20 + l4 + pl, proto: proto === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP, src: ip(isrc), dst: ip(idst), ttl: 63 });
    if (proto === 'tcp') {
      tcpEmit(v, i + 20, { sport, dport, flags: 0x18 });
      tcpFillChecksum(v, i + 20, 20 + pl, ip(isrc), ip(idst));
    } else {
      udpEmit(v, i + 20, { sport, dport, len: 8 + pl });
      udpFillChecksum(v, i + 20, 8 + pl, ip(isrc), ip(idst));
    }
    const end = i + 20 + l4 + pl;
    ip4Emit(v, outer, { totalLen: end - outer, proto: IPPROTO_GRE, src: '10.1.0.7', dst: ip(outerDst) });
    return end;
  };
}

/** A batch holding the given frames (up to its capacity). */
export function batchOf(frames: Frame[], tsMs = 0): PacketBatch {
  const b = new PacketBatch(Math.max(frames.length, 1), Math.max(frames.length, 1) * 512);
  for (const f of frames) {
    const base = b.reserve(400);
    const end = f(b.dv, base);
    b.commit(base, end - base, end - base, Math.floor(tsMs / 1000), (tsMs % 1000) * 1e6, LINK_ETHERNET);
  }
  return b;
}

/** One data plane instance over a config: controller, flow table, counters. */
export class Plane {
  readonly ctl: Controller;
  readonly ctx: ForwardContext;
  constructor(cfg: GwConfig, hashKey?: Uint32Array) {
    this.ctl = new Controller(cfg, hashKey ? { hashKey } : {});
    this.ctx = {
      tables: this.ctl.tables,
      flows: new FlowTable(cfg.flow_table.capacity),
      counters: new DataplaneCounters(cfg.gateways.length, this.ctl.tunnelNames.length),
      gwAlive: new Uint8Array(cfg.gateways.length).fill(1),
      nowMs: 0,
    };
  }
  /** Dissect and forward a batch with the controller's current tables. */
  run(b: PacketBatch, nowMs = 0): PacketBatch {
    this.ctx.tables = this.ctl.tables;
    this.ctx.nowMs = nowMs;
    dissectBatch(b);
    forwardBatch(b, 0, b.count, this.ctx, new FlowKeyColumns(b.capacity));
    return b;
  }
}
