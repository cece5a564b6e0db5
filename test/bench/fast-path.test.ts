/**
 * Correctness at speed (issue 4): the fast path (flat dissector + flat forwarder over
 * batches of 256) gives byte-identical output to a slow reference path on a generated trace
 * of a few thousand packets of the benchmark mix (fixtures/gen-trace.ts).
 *
 * The reference takes each input frame apart with plain byte reads, decides its path from
 * the configuration's addresses (VIP, DIPs, VSIDs, site prefixes, GRE VIPs, VLANs) and the
 * lb layer (the keyed flow hash and the site's Maglev table), and builds the expected output
 * with the wire layer's emit functions and *full* checksum computations (where the fast path
 * uses RFC 1624 incremental updates). Also: the same verdicts and bytes with batches of 1
 * and 7 packets, and with the flows sharded over two independent data planes
 * (src/worker/shard.ts), as two worker threads would run them. No timings are asserted.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LINK_ETHERNET, PacketBatch } from '../../src/batch/packet-batch.js';
import { loadConfig } from '../../src/control/config-load.js';
import { Controller } from '../../src/control/controller.js';
import { FlowTable } from '../../src/lb/flow-table.js';
import { flowHash, makeHashKey } from '../../src/lb/hash.js';
import { dissectBatch } from '../../src/nodes/dissect.js';
import { forwardBatch, NEXT_GATEWAY, NEXT_REPLY, NEXT_TUNNEL, type ForwardContext } from '../../src/nodes/gateway-forward.js';
import { DataplaneCounters } from '../../src/stats/counters.js';
import { csumRef } from '../../src/wire/checksum-ref.js';
import { ETHERTYPE_IP4 } from '../../src/wire/ethernet.js';
import { greEmit } from '../../src/wire/gre.js';
import { ip4Emit, ip4FillChecksum, IPPROTO_GRE, IPPROTO_UDP } from '../../src/wire/ipv4.js';
import { udpFillChecksum } from '../../src/wire/udp.js';
import { shardOf } from '../../src/worker/shard.js';
import { TraceGen, VIP } from '../../fixtures/gen-trace.js';

const root = path.resolve(__dirname, '../..');
const cfg = loadConfig(path.join(root, 'bench/configs/trace.yaml'));
const KEY = makeHashKey('fast-path-test');
const N = 3000;

/** The input frames, each in its own buffer. */
function frames(mode: 'mix' | 'nat'): Buffer[] {
  const g = new TraceGen({ packets: N, flows: 600, seed: 11, mode });
  const out: Buffer[] = [];
  const scratch = Buffer.alloc(256);
  const v = new DataView(scratch.buffer);
  for (let k = 0; k < N; k++) out.push(Buffer.from(scratch.subarray(0, g.next(scratch, v, 0))));
  return out;
}

function plane(): { ctl: Controller; ctx: ForwardContext } {
  const ctl = new Controller(cfg, { hashKey: KEY });
  return {
    ctl,
    ctx: {
      tables: ctl.tables,
      flows: new FlowTable(cfg.flow_table.capacity),
      counters: new DataplaneCounters(cfg.gateways.length, ctl.tunnelNames.length),
      gwAlive: new Uint8Array(cfg.gateways.length).fill(1),
      nowMs: 0,
    },
  };
}

interface Out {
  next: number;
  target: number;
  drop: number;
  bytes: Buffer;
}

/** The fast path over `input` in batches of `size`, for the packets `only` selects. */
function fast(input: Buffer[], size: number, ctx: ForwardContext, only: (k: number) => boolean = () => true): Map<number, Out> {
  const res = new Map<number, Out>();
  const b = new PacketBatch(size, size * 512);
  const idx: number[] = [];
  const flush = (): void => {
    dissectBatch(b);
    forwardBatch(b, 0, b.count, ctx, null);
    for (let i = 0; i < b.count; i++) {
      res.set(idx[i]!, { next: b.next[i]!, target: b.target[i]!, drop: b.drop[i]!, bytes: Buffer.from(b.arena.subarray(b.base[i]!, b.base[i]! + b.len[i]!)) });
    }
    b.reset();
    idx.length = 0;
  };
  input.forEach((f, k) => {
    if (!only(k)) return;
    const base = b.reserve(f.length);
    f.copy(b.arena, base);
    b.commit(base, f.length, f.length, 0, 0, LINK_ETHERNET);
    idx.push(k);
    if (b.count === size) flush();
  });
  if (b.count > 0) flush();
  return res;
}

const u16 = (a: Buffer, o: number): number => a.readUInt16BE(o);
const i32 = (a: Buffer, o: number): number => a.readInt32BE(o);
const dv = (a: Buffer): DataView => new DataView(a.buffer, a.byteOffset, a.byteLength);

/** The slow reference: the expected verdict and output bytes of one input frame. */
function reference(f: Buffer, ctl: Controller): Out {
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
    const h = flowHash(KEY, isrc, idst, ports, ip | (tenant << 8));
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
function checksumsOk(f: Buffer): boolean {
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

describe('fast path against the slow reference (generated trace)', () => {
  for (const mode of ['mix', 'nat'] as const) {
    it(`${mode}: every generated frame is valid and dissects without a drop`, () => {
      const input = frames(mode);
      expect(input.every(checksumsOk)).toBe(true);
      const { ctx } = plane();
      const got = fast(input, 256, ctx);
      expect([...got.values()].filter((o) => o.drop !== 0)).toEqual([]);
    });

    it(`${mode}: output bytes and verdicts equal the reference's, and every output checksum is valid`, () => {
      const input = frames(mode);
      const { ctl, ctx } = plane();
      const got = fast(input, 256, ctx);
      let mismatches = 0;
      input.forEach((f, k) => {
        const want = reference(f, ctl);
        const o = got.get(k)!;
        if (o.next !== want.next || o.target !== want.target || !o.bytes.equals(want.bytes)) {
          if (mismatches++ < 3) expect({ k, next: o.next, target: o.target, bytes: o.bytes.toString('hex') }).toEqual({ k, next: want.next, target: want.target, bytes: want.bytes.toString('hex') });
        }
        expect(checksumsOk(o.bytes)).toBe(true);
      });
      expect(mismatches).toBe(0);
    });
  }

  it('batches of 1 and 7 packets give the same verdicts and bytes as batches of 256', () => {
    const input = frames('mix');
    const a = fast(input, 256, plane().ctx);
    for (const size of [1, 7]) {
      const b = fast(input, size, plane().ctx);
      for (let k = 0; k < input.length; k++) expect(b.get(k)).toEqual(a.get(k));
    }
  });

  it('flows sharded over two data planes (as two workers) give the same result as one', () => {
    const input = frames('mix');
    const one = fast(input, 256, plane().ctx);
    const shard = input.map((f) => shardOf(dv(f), 0, f.length, true, 2));
    expect(shard.filter((s) => s === 0).length).toBeGreaterThan(input.length / 4);
    expect(shard.filter((s) => s === 1).length).toBeGreaterThan(input.length / 4);
    const s0 = fast(input, 256, plane().ctx, (k) => shard[k] === 0);
    const s1 = fast(input, 256, plane().ctx, (k) => shard[k] === 1);
    for (let k = 0; k < input.length; k++) expect((shard[k] === 0 ? s0 : s1).get(k)).toEqual(one.get(k));
  });
});
