/**
 * The slow reference path of the benchmark trace, shared by test/bench/fast-path.test.ts (a few
 * thousand frames) and `npm run bench:e2e -- --only reference` (all of the large trace): each
 * input frame taken apart with plain byte reads, its path decided from the configuration's
 * addresses (VIP, DIPs, VSIDs, site prefixes, GRE VIPs, VLANs) and the lb layer (the keyed flow
 * hash and the site's Maglev table), and the expected output built with the wire layer's emit
 * functions and *full* checksum computations (where the data path uses RFC 1624 incremental
 * updates). Allocates per frame: it is the reference, not a data path.
 */
import type { GwConfig } from '../../src/control/config-schema.js';
import type { Controller } from '../../src/control/controller.js';
import { flowHash } from '../../src/lb/hash.js';
import { NEXT_GATEWAY, NEXT_REPLY, NEXT_TUNNEL } from '../../src/nodes/forward-context.js';
import { csumRef } from '../../src/wire/checksum-ref.js';
import { ETHERTYPE_IP4 } from '../../src/wire/ethernet.js';
import { greEmit } from '../../src/wire/gre.js';
import { ip4Emit, ip4FillChecksum, IPPROTO_GRE, IPPROTO_UDP } from '../../src/wire/ipv4.js';
import { udpFillChecksum } from '../../src/wire/udp.js';
import { VIP } from '../../fixtures/gen-trace.js';

/** A verdict and the bytes that leave. */
export interface RefOut {
  next: number;
  target: number;
  drop: number;
  bytes: Buffer;
}

const u16 = (a: Buffer, o: number): number => a.readUInt16BE(o);
const i32 = (a: Buffer, o: number): number => a.readInt32BE(o);
const dv = (a: Buffer): DataView => new DataView(a.buffer, a.byteOffset, a.byteLength);

/**
 * The slow reference: the expected verdict and output bytes of one frame of the benchmark trace
 * (fixtures/gen-trace.ts) under `cfg` (bench/configs/trace.yaml or nat1.yaml), flows hashed with `hashKey`.
 */
export function reference(f: Buffer, cfg: GwConfig, ctl: Controller, hashKey: Uint32Array): RefOut {
  const T = ctl.tables;
  let l3 = 14;
  let vlan = -1;
  if (u16(f, 12) === 0x8100) {
    vlan = u16(f, 14) & 0xfff;
    l3 = 18;
  }
  const src = i32(f, l3 + 12);
  const dst = i32(f, l3 + 16);
  const proto = f[l3 + 9]!;
  const gwMac = (g: number): Buffer => {
    const m = Buffer.alloc(6);
    m.writeInt32BE(T.gwMacHi[g]!, 0);
    m.writeUInt16BE(T.gwMacLo[g]!, 4);
    return m;
  };
  const dips = Array.from(T.gwDip);
  if (dst === VIP) {
    // SLB NAT: the tenant's designated gateway; destination -> its DIP, checksums in full
    const tenant = cfg.tenants.findIndex((t) => t.public_ips.some((p) => ipNum(p) === src));
    const g = ctl.natOwner.get(cfg.tenants[tenant]!.name)!;
    const o = Buffer.from(f);
    o.writeInt32BE(T.gwDip[g]!, l3 + 16);
    ip4FillChecksum(dv(o), l3, 20);
    if (proto === IPPROTO_UDP && u16(f, l3 + 26) !== 0) udpFillChecksum(dv(o), l3 + 20, u16(f, l3 + 24), src, T.gwDip[g]!);
    gwMac(g).copy(o, 0);
    return { next: NEXT_GATEWAY, target: g, drop: 0, bytes: o };
  }
  if (dips.includes(src)) {
    // reverse NAT: source DIP -> the VIP, MAC kept
    const o = Buffer.from(f);
    o.writeInt32BE(VIP, l3 + 12);
    ip4FillChecksum(dv(o), l3, 20);
    if (proto === IPPROTO_UDP && u16(f, l3 + 26) !== 0) udpFillChecksum(dv(o), l3 + 20, u16(f, l3 + 24), VIP, dst);
    return { next: NEXT_REPLY, target: -1, drop: 0, bytes: o };
  }
  if (proto === IPPROTO_GRE && u16(f, l3 + 22) === 0x6558) {
    // NVGRE: VSID -> tenant -> site by prefix -> Maglev(flow hash) -> GRE to the tunnel's remote
    const key = i32(f, l3 + 24);
    const tenant = cfg.tenants.findIndex((t) => t.vsid === key >>> 8);
    const il3 = l3 + 28 + 14;
    const isrc = i32(f, il3 + 12);
    const idst = i32(f, il3 + 16);
    const ip = f[il3 + 9]!;
    const ports = i32(f, il3 + 20);
    const site = cfg.sites.findIndex((s) => s.tenant === cfg.tenants[tenant]!.name && s.prefixes.some((p) => inPrefix(idst, p)));
    const h = flowHash(hashKey, isrc, idst, ports, ip | (tenant << 8));
    const t = T.siteMaglev[site]![(h >>> 0) % T.maglevSize]!;
    const inner = f.subarray(il3, il3 + u16(f, il3 + 2));
    const greLen = T.tunHasKey[t] === 1 ? 8 : 4;
    const o = Buffer.alloc(14 + 20 + greLen + inner.length);
    gwMac(T.tunGw[t]!).copy(o, 0);
    f.copy(o, 6, 0, 6);
    o.writeUInt16BE(ETHERTYPE_IP4, 12);
    ip4Emit(dv(o), 14, { totalLen: 20 + greLen + inner.length, ttl: 64, proto: IPPROTO_GRE, src: T.tunLocal[t]!, dst: T.tunRemote[t]! });
    greEmit(dv(o), 34, T.tunHasKey[t] === 1 ? { proto: ETHERTYPE_IP4, key: T.tunKey[t]! } : { proto: ETHERTYPE_IP4 });
    inner.copy(o, 34 + greLen);
    return { next: NEXT_TUNNEL, target: t, drop: 0, bytes: o };
  }
  // GRE to a GRE VIP, or 802.1Q to a CA IP: delivered to the owner, MAC rewritten
  const g = proto === IPPROTO_GRE ? T.greVip.get(dst, 0) : T.l3.get(vlan, dst);
  const o = Buffer.from(f);
  gwMac(g).copy(o, 0);
  return { next: NEXT_GATEWAY, target: g, drop: 0, bytes: o };
}

function ipNum(s: string): number {
  return s.split('.').reduce((a, x) => ((a << 8) | Number(x)) | 0, 0);
}
function inPrefix(a: number, p: string): boolean {
  const [net, len] = p.split('/');
  const mask = Number(len) === 0 ? 0 : (~0 << (32 - Number(len))) | 0;
  return (a & mask) === (ipNum(net!) & mask);
}

/** Every IPv4 header, UDP and TCP checksum of a frame (outer and inner), by the reference. */
export function checksumsOk(f: Buffer): boolean {
  let o = 14;
  if (u16(f, 12) === 0x8100) o = 18;
  for (;;) {
    const hl = (f[o]! & 15) << 2;
    if (csumRef(f.subarray(o, o + hl)) !== 0) return false;
    const p = f[o + 9]!;
    const t = o + hl;
    const end = o + u16(f, o + 2);
    const pseudo = (f.readUInt16BE(o + 12) + f.readUInt16BE(o + 14) + f.readUInt16BE(o + 16) + f.readUInt16BE(o + 18)) + p + (end - t);
    if (p === 17) return u16(f, t + 6) === 0 || csumRef(f.subarray(t, end), pseudo) === 0;
    if (p === 6) return csumRef(f.subarray(t, end), pseudo) === 0;
    if (p !== 47) return true;
    const gp = u16(f, t + 2);
    const gl = 4 + ((u16(f, t) & 0x2000) !== 0 ? 4 : 0);
    o = t + gl + (gp === 0x6558 ? 14 : 0);
  }
}

