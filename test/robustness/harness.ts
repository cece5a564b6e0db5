/**
 * The fuzz harness: frames through the real dissector and data path (`dissectBatch`,
 * `forwardBatch`) of a control plane built from a config, and the invariants every packet
 * must keep, whatever its bytes:
 *
 *   - nothing throws;
 *   - every packet is forwarded (next != drop, drop == 0) or dropped with a named reason
 *     (1 <= drop < DROP_COUNT);
 *   - rx == tx + sum(drops) for the batch, and each reason's counter moved by exactly the
 *     packets that carry it;
 *   - the tunnel nesting the dissector walked is bounded (depth <= MAX_TUNNEL_DEPTH + 1);
 *   - every forwarded frame re-parses (dissected again: no drop), its IPv4 header checksums
 *     verify, and no UDP/TCP/ICMP/GRE checksum that verified on the way in fails on the way out
 *     (checked by `checksumWalk`, an independent slow parser, not by the dissector);
 *   - a forwarded frame differs from the input only where the data path is documented to
 *     write (destination MAC; NAT'd address and its checksums; the new encapsulation).
 */
import { HEADROOM, LINK_ETHERNET, PacketBatch } from '../../src/batch/packet-batch.js';
import type { GwConfig } from '../../src/control/config-schema.js';
import { Controller } from '../../src/control/controller.js';
import { FlowTable } from '../../src/lb/flow-table.js';
import { DELIVERY_IPIP } from '../../src/nodes/dataplane-tables.js';
import { dissectBatch, MAX_TUNNEL_DEPTH } from '../../src/nodes/dissect.js';
import { FlowKeyColumns, forwardBatch, NEXT_DROP, NEXT_GATEWAY, NEXT_REPLY, NEXT_TUNNEL, type ForwardContext } from '../../src/nodes/gateway-forward.js';
import { DataplaneCounters } from '../../src/stats/counters.js';
import { DROP_COUNT, DROP_TOO_DEEP, DROP_VLAN_TOO_DEEP, dropName } from '../../src/stats/drop-reasons.js';
import { csumAdd, csumPseudo } from '../../src/wire/checksum.js';
import { greHeaderLen } from '../../src/wire/gre.js';

/** One data plane: controller (the only writer of tables), flow table, counters. */
export class Plane {
  readonly ctl: Controller;
  readonly ctx: ForwardContext;
  readonly keys = new FlowKeyColumns(256);
  nowMs = 0;

  constructor(readonly cfg: GwConfig, hashKey: Uint32Array, flowCapacity = cfg.flow_table.capacity) {
    this.ctl = new Controller(cfg, { hashKey });
    this.ctx = {
      tables: this.ctl.tables,
      flows: new FlowTable(flowCapacity),
      counters: new DataplaneCounters(cfg.gateways.length, this.ctl.tunnelNames.length),
      gwAlive: new Uint8Array(cfg.gateways.length).fill(1),
      nowMs: 0,
    };
  }
}

export interface FrameIn {
  bytes: Buffer;
  link: number;
  /** unbroken generated frame: its dissection is predictable */
  pristine?: boolean;
  /** generated frames: offset of NVGRE's tenant IPv4 packet, tunnel layers, most VLAN tags */
  nvgreInner?: number;
  tunnelDepth?: number;
  maxTags?: number;
  /** all checksums of a pristine frame are valid (no zero-checksum UDP needed) */
}

export interface Outcome {
  next: number;
  drop: number;
  /** drop reason found by the dissector (0 if none) */
  parseDrop: number;
  target: number;
  depth: number;
  out: Buffer | null;
}

/** Everything the fuzz runs have seen, for the figures. */
export class FuzzStats {
  frames = 0;
  batches = 0;
  forwarded = 0;
  failures = 0;
  readonly drops = new Float64Array(DROP_COUNT);
  readonly nexts = new Float64Array(4);
  maxDepth = 0;

  add(o: FuzzStats): void {
    this.frames += o.frames;
    this.batches += o.batches;
    this.forwarded += o.forwarded;
    this.failures += o.failures;
    for (let k = 0; k < DROP_COUNT; k++) this.drops[k]! += o.drops[k]!;
    for (let k = 0; k < 4; k++) this.nexts[k]! += o.nexts[k]!;
    this.maxDepth = Math.max(this.maxDepth, o.maxDepth);
  }

  reasonsSeen(): string[] {
    const out: string[] = [];
    for (let k = 1; k < DROP_COUNT; k++) if (this.drops[k]! > 0) out.push(dropName(k));
    return out;
  }
}

/** A batch holding the frames, each with the usual headroom. */
export function batchOf(frames: readonly FrameIn[]): PacketBatch {
  let bytes = 0;
  for (const f of frames) bytes += f.bytes.length + HEADROOM + 8;
  const b = new PacketBatch(Math.max(1, frames.length), bytes + 64);
  for (const f of frames) {
    const base = b.reserve(f.bytes.length);
    if (base < 0) throw new Error('batchOf: no room');
    f.bytes.copy(b.arena, base);
    b.commit(base, f.bytes.length, f.bytes.length, 0, 0, f.link);
  }
  return b;
}

// ------------------------------------------------------------------ independent checksum walk

export interface ChecksumReport {
  /** checksums verified, and how many of them failed, by kind */
  checked: number;
  bad: number;
  ip4Bad: number;
}

/**
 * A slow, independent walk over a frame (Ethernet + VLANs, IPv4, UDP/VXLAN, TCP, ICMP,
 * GRE, IP-in-IP) that verifies every checksum it can: IPv4 headers; UDP (non-zero), TCP,
 * ICMP and GRE (C bit) where the datagram is whole and captured (not a fragment, not cut).
 */
export function checksumWalk(buf: Buffer, link: number): ChecksumReport {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const r: ChecksumReport = { checked: 0, bad: 0, ip4Bad: 0 };
  const sum = (o: number, len: number, init: number): boolean => csumAdd(v, o, len, init) === 0xffff;
  const note = (ok: boolean, ip4 = false): void => {
    r.checked++;
    if (!ok) {
      r.bad++;
      if (ip4) r.ip4Bad++;
    }
  };
  const eth = (o: number, end: number, depth: number): void => {
    if (end - o < 14) return;
    let t = v.getUint16(o + 12);
    o += 14;
    while ((t === 0x8100 || t === 0x88a8 || t === 0x9100) && end - o >= 4) {
      t = v.getUint16(o + 2);
      o += 4;
    }
    if (t === 0x0800) ip(o, end, depth);
  };
  const ip = (o: number, end: number, depth: number): void => {
    if (depth > 12 || end - o < 20 || v.getUint8(o) >>> 4 !== 4) return;
    const hl = (v.getUint8(o) & 15) * 4;
    if (hl < 20 || o + hl > end) return;
    const total = v.getUint16(o + 2);
    if (total < hl || o + total > end) return;
    note(sum(o, hl, 0), true);
    if ((v.getUint16(o + 6) & 0x3fff) !== 0) return; // a fragment: the transport is not whole
    const src = v.getInt32(o + 12);
    const dst = v.getInt32(o + 16);
    const p = v.getUint8(o + 9);
    const t = o + hl;
    const n = total - hl;
    if (p === 17 && n >= 8) {
      const ulen = v.getUint16(t + 4);
      if (ulen < 8 || ulen > n) return;
      if (v.getUint16(t + 6) !== 0) note(sum(t, ulen, csumPseudo(src, dst, 17, ulen)));
      const sp = v.getUint16(t);
      const dp = v.getUint16(t + 2);
      if ((sp === 4789 || dp === 4789) && ulen >= 16 && (v.getUint8(t + 8) & 0x08) !== 0) eth(t + 16, t + ulen, depth + 1);
    } else if (p === 6 && n >= 20) {
      note(sum(t, n, csumPseudo(src, dst, 6, n)));
    } else if (p === 1 && n >= 8) {
      note(sum(t, n, 0));
    } else if (p === 47 && n >= 4) {
      const f = v.getUint16(t);
      if ((f & 0x4c07) !== 0) return;
      const gl = greHeaderLen(f);
      if (gl > n) return;
      if ((f & 0x8000) !== 0) note(sum(t, n, 0));
      const gp = v.getUint16(t + 2);
      if (gp === 0x0800) ip(t + gl, o + total, depth + 1);
      else if (gp === 0x6558) eth(t + gl, o + total, depth + 1);
    } else if (p === 4) {
      ip(t, o + total, depth + 1);
    }
  };
  if (link === LINK_ETHERNET) eth(0, buf.length, 0);
  else ip(0, buf.length, 0);
  return r;
}

// ------------------------------------------------------------------ one batch, all invariants

/**
 * Run the frames as one batch through `plane` and check every invariant. Returns the
 * outcomes and the list of violations (empty when all hold). Never throws on a packet: an
 * exception from the data path is itself reported as a violation.
 */
export function runChecked(plane: Plane, frames: readonly FrameIn[], stats: FuzzStats): { outcomes: Outcome[]; violations: string[] } {
  const violations: string[] = [];
  const fail = (i: number, what: string): void => {
    violations.push(`frame ${i} (${frames[i]?.bytes.toString('hex') ?? '?'} link ${frames[i]?.link}): ${what}`);
  };
  const b = batchOf(frames);
  const n = b.count;
  const inputs = frames.map((f) => Buffer.from(f.bytes));
  const cnt = plane.ctx.counters;
  const rx0 = cnt.rx;
  const tx0 = cnt.tx;
  const drops0 = Float64Array.from(cnt.drops);
  plane.nowMs += 1 + (n % 7);
  plane.ctx.nowMs = plane.nowMs;
  plane.ctx.tables = plane.ctl.tables;
  try {
    dissectBatch(b);
  } catch (e) {
    violations.push(`dissectBatch threw: ${(e as Error).stack}`);
    return { outcomes: [], violations };
  }
  const parseDrop = Uint8Array.from(b.drop.subarray(0, n));
  const l3In = Int32Array.from(b.l3.subarray(0, n));
  const l4In = Int32Array.from(b.l4.subarray(0, n));
  const baseIn = Int32Array.from(b.base.subarray(0, n));
  const depth = Uint8Array.from(b.depth.subarray(0, n));
  try {
    forwardBatch(b, 0, n, plane.ctx, plane.keys);
  } catch (e) {
    violations.push(`forwardBatch threw: ${(e as Error).stack}`);
    return { outcomes: [], violations };
  }

  // counters
  const rx = cnt.rx - rx0;
  const tx = cnt.tx - tx0;
  let dropped = 0;
  const tally = new Float64Array(DROP_COUNT);
  for (let i = 0; i < n; i++) if (b.next[i] === NEXT_DROP) tally[b.drop[i]!]!++;
  for (let k = 1; k < DROP_COUNT; k++) {
    const d = cnt.drops[k]! - drops0[k]!;
    dropped += d;
    if (d !== tally[k]) violations.push(`counter drops[${dropName(k)}] moved by ${d}, the batch has ${tally[k]}`);
  }
  if (cnt.drops[0] !== drops0[0]) violations.push('counter drops[none] moved');
  if (rx !== n) violations.push(`rx moved by ${rx}, batch of ${n}`);
  if (rx !== tx + dropped) violations.push(`rx ${rx} != tx ${tx} + drops ${dropped}`);
  if (plane.ctx.flows.size > plane.ctx.flows.capacity) violations.push(`flow table holds ${plane.ctx.flows.size} > capacity ${plane.ctx.flows.capacity}`);

  const outcomes: Outcome[] = [];
  const forwarded: number[] = [];
  for (let i = 0; i < n; i++) {
    const next = b.next[i]!;
    const drop = b.drop[i]!;
    stats.frames++;
    stats.nexts[next]!++;
    if (next === NEXT_DROP) stats.drops[drop]!++;
    stats.maxDepth = Math.max(stats.maxDepth, depth[i]!);
    if (next > NEXT_REPLY) fail(i, `next ${next} is no verdict`);
    if (next === NEXT_DROP && (drop < 1 || drop >= DROP_COUNT)) fail(i, `dropped without a reason (drop ${drop})`);
    if (next !== NEXT_DROP && drop !== 0) fail(i, `forwarded with drop ${dropName(drop)}`);
    if (depth[i]! > MAX_TUNNEL_DEPTH + 1) fail(i, `walked ${depth[i]} tunnel layers, limit ${MAX_TUNNEL_DEPTH}`);
    const f = frames[i]!;
    if (f.pristine && f.maxTags !== undefined && f.maxTags <= 4 && f.tunnelDepth !== undefined) {
      const want = f.tunnelDepth > MAX_TUNNEL_DEPTH ? DROP_TOO_DEEP : 0;
      if (parseDrop[i] !== want) fail(i, `pristine frame of ${f.tunnelDepth} tunnel layers: dissector says ${dropName(parseDrop[i]!)}, expected ${dropName(want)}`);
      if (depth[i] !== Math.min(f.tunnelDepth, MAX_TUNNEL_DEPTH + 1)) fail(i, `depth ${depth[i]} for ${f.tunnelDepth} tunnel layers`);
    }
    if (f.pristine && f.maxTags !== undefined && f.maxTags > 4 && parseDrop[i] !== DROP_VLAN_TOO_DEEP && parseDrop[i] !== DROP_TOO_DEEP) {
      fail(i, `pristine frame with ${f.maxTags} stacked tags: dissector says ${dropName(parseDrop[i]!)}`);
    }
    let out: Buffer | null = null;
    if (next !== NEXT_DROP) {
      stats.forwarded++;
      const s = b.base[i]!;
      const l = b.len[i]!;
      if (s < 0 || l < 0 || s + l > b.arena.length) {
        fail(i, `output [${s}, ${s + l}) outside the arena`);
      } else {
        out = Buffer.from(b.arena.subarray(s, s + l));
        forwarded.push(i);
      }
    }
    outcomes.push({ next, drop, parseDrop: parseDrop[i]!, target: b.target[i]!, depth: depth[i]!, out });
  }

  // forwarded frames: re-parse, checksums, and only the documented bytes changed
  if (forwarded.length > 0) {
    const rb = batchOf(forwarded.map((i) => ({ bytes: outcomes[i]!.out!, link: frames[i]!.link })));
    dissectBatch(rb);
    const T = plane.ctx.tables;
    forwarded.forEach((i, k) => {
      const o = outcomes[i]!;
      const out = o.out!;
      const inp = inputs[i]!;
      const link = frames[i]!.link;
      // IP-in-IP delivery adds a tunnel layer: a packet already at the nesting limit goes one over
      const addedLayer = o.next === NEXT_GATEWAY && T.delivery === DELIVERY_IPIP && o.depth === MAX_TUNNEL_DEPTH && rb.drop[k] === DROP_TOO_DEEP;
      if (rb.drop[k] !== 0 && !addedLayer) fail(i, `forwarded frame (${NEXT_NAMES[o.next]}) does not re-parse: ${dropName(rb.drop[k]!)}; out ${out.toString('hex')}`);
      const ci = checksumWalk(inp, link);
      const co = checksumWalk(out, link);
      if (co.ip4Bad > 0) fail(i, `forwarded frame has ${co.ip4Bad} bad IPv4 header checksums; out ${out.toString('hex')}`);
      if (co.bad > ci.bad) fail(i, `forwarded frame has ${co.bad} bad checksums, the input had ${ci.bad}; out ${out.toString('hex')}`);
      if (frames[i]!.pristine && co.bad > 0 && ci.bad === 0) fail(i, 'a pristine frame came out with a bad checksum');
      const l3 = l3In[i]! - baseIn[i]!;
      const l4 = l4In[i]! >= 0 ? l4In[i]! - baseIn[i]! : -1;
      if (o.next === NEXT_GATEWAY || o.next === NEXT_REPLY) {
        let cmp = out;
        const allowed = new Set<number>();
        if (o.next === NEXT_GATEWAY && T.delivery === DELIVERY_IPIP) {
          // [L2][new IPv4 (20)][the input from its IPv4 header on]
          if (out.length !== inp.length + 20) fail(i, `ip-in-ip output of ${out.length} bytes for ${inp.length} in`);
          cmp = Buffer.concat([out.subarray(0, l3), out.subarray(l3 + 20)]);
        } else if (out.length !== inp.length) fail(i, `output of ${out.length} bytes for ${inp.length} in`);
        if (o.next === NEXT_GATEWAY && T.delivery !== DELIVERY_IPIP && link === LINK_ETHERNET) for (let x = 0; x < 6; x++) allowed.add(x);
        // NAT: the destination (forward) or source (reply) address, its IPv4 checksum, the UDP checksum
        for (const x of [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]) allowed.add(l3 + x);
        if (l4 >= 0) for (const x of [6, 7]) allowed.add(l4 + x);
        for (let x = 0; x < Math.min(cmp.length, inp.length); x++) {
          if (cmp[x] !== inp[x] && !allowed.has(x)) {
            fail(i, `${NEXT_NAMES[o.next]} output differs from the input at byte ${x} (l3 ${l3}, l4 ${l4}); out ${out.toString('hex')}`);
            break;
          }
        }
        if (o.next === NEXT_GATEWAY && !(o.target >= 0 && o.target < T.gwCount)) fail(i, `delivered to gateway ${o.target}`);
      } else if (o.next === NEXT_TUNNEL) {
        if (!(o.target >= 0 && o.target < T.tunCount)) fail(i, `sent on tunnel ${o.target}`);
        const nvgre = frames[i]!.nvgreInner;
        const hdr = (link === LINK_ETHERNET ? 14 : 0) + 20;
        if (out.length >= hdr + 4 && nvgre !== undefined && nvgre >= 0) {
          // the tenant's packet (what NVGRE carried after its Ethernet header) goes out unchanged
          const at = hdr + greHeaderLen(out.readUInt16BE(hdr));
          const tenant = inp.subarray(nvgre, nvgre + inp.readUInt16BE(nvgre + 2));
          if (!out.subarray(at).equals(tenant)) {
            fail(i, `tunnel output does not carry the tenant's packet unchanged: sent ${out.subarray(at).toString('hex')}, tenant sent ${tenant.toString('hex')}`);
          }
        }
      }
    });
  }
  stats.batches++;
  if (violations.length > 0) stats.failures++;
  return { outcomes, violations };
}

export const NEXT_NAMES = ['drop', 'gateway', 'tunnel', 'reply'];
