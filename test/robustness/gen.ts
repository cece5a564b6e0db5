/**
 * Structure-aware frame generators for the fuzz tests, built from the wire layer's emit
 * functions (`src/wire/*Emit`, `*FillChecksum`).
 *
 * A frame is described by a small tree (`FrameSpec`): an optional Ethernet header with a
 * stack of VLAN tags, an IPv4 header, and what it carries, recursively (GRE carrying IPv4 or
 * Ethernet, IP-in-IP, VXLAN in UDP, ESP, IKE, NAT-T). `emitFrame` writes it with every length
 * and checksum right and logs where each field sits (`FieldRef`), so that mutations can break
 * exactly one field, cut the frame anywhere, or make a length lie; `fixIp4Checksums`
 * re-validates the IPv4 headers after a mutation so that it reaches the deeper layers instead
 * of dying at `ip4_bad_csum`.
 *
 * Addresses, VSIDs and VLANs are drawn mostly from the demo configuration
 * (fixtures/configs/demo.yaml), so that generated traffic reaches every data path (SLB NAT,
 * reverse NAT, GRE VIPs, L3 CA IPs, NVGRE -> tunnels), with random values mixed in.
 */
import fc from 'fast-check';
import { LINK_ETHERNET, LINK_RAW } from '../../src/batch/packet-batch.js';
import { csumAdd } from '../../src/wire/checksum.js';
import { espEmit } from '../../src/wire/esp.js';
import { ETHERTYPE_IP4, ETHERTYPE_QINQ, ETHERTYPE_QINQ_OLD, ETHERTYPE_TEB, ETHERTYPE_VLAN, ethEmit } from '../../src/wire/ethernet.js';
import { greEmit, greFillChecksum } from '../../src/wire/gre.js';
import { icmpEmit, icmpFillChecksum } from '../../src/wire/icmp.js';
import { IKE_SA_INIT, ikeEmit } from '../../src/wire/ike.js';
import {
  IPPROTO_ESP, IPPROTO_GRE, IPPROTO_ICMP, IPPROTO_IPIP, IPPROTO_TCP, IPPROTO_UDP, ip4Emit,
} from '../../src/wire/ipv4.js';
import { tcpEmit, tcpFillChecksum } from '../../src/wire/tcp.js';
import { PORT_IKE, PORT_NATT, PORT_VXLAN, udpEmit, udpFillChecksum } from '../../src/wire/udp.js';
import { ip4FromString } from '../../src/wire/view.js';
import { vlanEmit } from '../../src/wire/vlan.js';
import { vxlanEmit } from '../../src/wire/vxlan.js';

// ------------------------------------------------------------------ the description

export interface Vlan {
  tpid: number;
  id: number;
}

export type UdpData =
  | { k: 'bytes'; len: number }
  | { k: 'ike'; exch: number; extra: number }
  | { k: 'natt-esp'; spi: number; seq: number; len: number }
  | { k: 'natt-ike'; exch: number }
  | { k: 'keepalive' }
  | { k: 'vxlan'; vni: number; inner: Eth };

export type L4 =
  | { k: 'udp'; sport: number; dport: number; zeroCsum: boolean; data: UdpData }
  | { k: 'tcp'; sport: number; dport: number; flags: number; options: readonly number[]; data: number }
  | { k: 'icmp'; type: number; data: number }
  | { k: 'gre'; csum: boolean; key: number | null; seq: number | null; inner: GreInner }
  | { k: 'esp'; spi: number; seq: number; data: number }
  | { k: 'ipip'; inner: Ip }
  | { k: 'raw'; proto: number; data: number };

export type GreInner = { k: 'ip'; ip: Ip } | { k: 'eth'; eth: Eth };

export interface Ip {
  src: number;
  dst: number;
  ttl: number;
  id: number;
  mf: boolean;
  /** in 8-byte units; non-zero makes a later fragment (the payload is then raw bytes) */
  fragOff: number;
  options: readonly number[];
  l4: L4;
}

export interface Eth {
  vlans: readonly Vlan[];
  ip: Ip;
}

export interface FrameSpec {
  /** LINK_RAW frames start at the IPv4 header */
  raw: boolean;
  eth: Eth;
}

/** Where a field of an emitted frame sits. */
export interface FieldRef {
  name: string;
  off: number;
  /** bytes: 1, 2 or 4; nibbles ('ihl', 'version', 'doff') have size 1 and a mask */
  size: number;
  mask?: number;
}

export interface Emitted {
  bytes: Buffer;
  link: number;
  fields: FieldRef[];
  /** offsets of every IPv4 header, outermost first */
  ip4: number[];
  /** offset of the IPv4 packet that NVGRE carries (the tenant's packet), -1 if not NVGRE outside */
  nvgreInner: number;
  /** tunnel layers (GRE, IP-in-IP, VXLAN) the dissector walks through */
  tunnelDepth: number;
  /** most VLAN tags in one Ethernet header */
  maxTags: number;
}

// ------------------------------------------------------------------ sizes

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function sizeUdpData(d: UdpData): number {
  switch (d.k) {
    case 'bytes': return d.len;
    case 'ike': return 28 + d.extra;
    case 'natt-esp': return 8 + d.len;
    case 'natt-ike': return 4 + 28;
    case 'keepalive': return 1;
    case 'vxlan': return 8 + sizeEth(d.inner);
  }
}

function sizeL4(l: L4): number {
  switch (l.k) {
    case 'udp': return 8 + sizeUdpData(l.data);
    case 'tcp': return 20 + pad4(l.options.length) + l.data;
    case 'icmp': return 8 + l.data;
    case 'gre': return 4 + (l.csum ? 4 : 0) + (l.key !== null ? 4 : 0) + (l.seq !== null ? 4 : 0) + (l.inner.k === 'ip' ? sizeIp(l.inner.ip) : sizeEth(l.inner.eth));
    case 'esp': return 8 + l.data;
    case 'ipip': return sizeIp(l.inner);
    case 'raw': return l.data;
  }
}

function sizeIp(ip: Ip): number {
  return 20 + pad4(ip.options.length) + (ip.fragOff !== 0 ? laterFragLen(ip) : sizeL4(ip.l4));
}

/** A later fragment carries a few raw bytes of the datagram's middle. */
function laterFragLen(ip: Ip): number {
  return 8 + (ip.id & 31);
}

function sizeEth(e: Eth): number {
  return 14 + 4 * e.vlans.length + sizeIp(e.ip);
}

// ------------------------------------------------------------------ emit

class Writer {
  readonly v: DataView;
  readonly fields: FieldRef[] = [];
  readonly ip4: number[] = [];
  nvgreInner = -1;
  depth = 0;
  maxTags = 0;
  /** a later fragment stops the dissector's walk: tunnels below it are not counted */
  stopped = false;
  private greSeen = false;

  constructor(readonly buf: Buffer) {
    this.v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  f(name: string, off: number, size: number, mask?: number): void {
    this.fields.push(mask === undefined ? { name, off, size } : { name, off, size, mask });
  }

  pattern(o: number, n: number, seed: number): void {
    for (let k = 0; k < n; k++) this.buf[o + k] = (k * 7 + seed * 31 + 1) & 0xff;
  }

  eth(o: number, e: Eth, inner: boolean): number {
    const v = this.v;
    const first = e.vlans.length > 0 ? e.vlans[0]!.tpid : ETHERTYPE_IP4;
    ethEmit(v, o, { dst: inner ? '02:00:00:00:01:01' : '02:00:00:00:00:01', src: inner ? '02:00:00:00:01:02' : '02:00:00:00:00:02', type: first });
    this.f('eth.type', o + 12, 2);
    let p = o + 14;
    this.maxTags = Math.max(this.maxTags, e.vlans.length);
    e.vlans.forEach((t, k) => {
      const next = k + 1 < e.vlans.length ? e.vlans[k + 1]!.tpid : ETHERTYPE_IP4;
      vlanEmit(v, p, { id: t.id, type: next });
      this.f('vlan.tci', p, 2);
      this.f('vlan.type', p + 2, 2);
      p += 4;
    });
    return this.ip(p, e.ip);
  }

  /** Writes the IPv4 packet at o; returns its end. */
  ip(o: number, ip: Ip): number {
    const v = this.v;
    const hlen = 20 + pad4(ip.options.length);
    const total = sizeIp(ip);
    this.ip4.push(o);
    const t = o + hlen;
    let proto: number;
    if (ip.fragOff !== 0) {
      proto = protoOf(ip.l4);
      this.pattern(t, laterFragLen(ip), ip.id);
      this.stopped = true;
    } else {
      proto = this.l4(t, ip.l4, ip.src, ip.dst);
    }
    const opts = new Uint8Array(pad4(ip.options.length));
    ip.options.forEach((x, k) => (opts[k] = x));
    ip4Emit(v, o, {
      totalLen: total, proto, src: ip.src, dst: ip.dst, ttl: ip.ttl, id: ip.id, mf: ip.mf, fragOffset: ip.fragOff,
      ...(opts.length > 0 ? { options: opts } : {}),
    });
    this.f('ip4.version', o, 1, 0xf0);
    this.f('ip4.ihl', o, 1, 0x0f);
    this.f('ip4.total_len', o + 2, 2);
    this.f('ip4.frag', o + 6, 2);
    this.f('ip4.ttl', o + 8, 1);
    this.f('ip4.proto', o + 9, 1);
    this.f('ip4.csum', o + 10, 2);
    this.f('ip4.src', o + 12, 4);
    this.f('ip4.dst', o + 16, 4);
    if (opts.length > 0) {
      this.f('ip4.opt0', o + 20, 1);
      if (opts.length > 1) this.f('ip4.opt0.len', o + 21, 1);
    }
    return o + total;
  }

  /** Writes the transport or tunnel header and what follows; returns the IP protocol. */
  l4(o: number, l: L4, src: number, dst: number): number {
    const v = this.v;
    switch (l.k) {
      case 'udp': {
        const len = sizeL4(l);
        this.udpData(o + 8, l.data);
        udpEmit(v, o, { sport: l.sport, dport: l.dport, len });
        if (!l.zeroCsum) udpFillChecksum(v, o, len, src, dst);
        this.f('udp.sport', o, 2);
        this.f('udp.dport', o + 2, 2);
        this.f('udp.len', o + 4, 2);
        this.f('udp.csum', o + 6, 2);
        return IPPROTO_UDP;
      }
      case 'tcp': {
        const opts = new Uint8Array(pad4(l.options.length));
        l.options.forEach((x, k) => (opts[k] = x));
        const hl = tcpEmit(v, o, { sport: l.sport, dport: l.dport, flags: l.flags, seq: 1000, ack: 0, ...(opts.length > 0 ? { options: opts } : {}) });
        this.pattern(o + hl, l.data, l.sport);
        tcpFillChecksum(v, o, hl + l.data, src, dst);
        this.f('tcp.sport', o, 2);
        this.f('tcp.dport', o + 2, 2);
        this.f('tcp.doff', o + 12, 1, 0xf0);
        this.f('tcp.flags', o + 13, 1);
        this.f('tcp.csum', o + 16, 2);
        return IPPROTO_TCP;
      }
      case 'icmp': {
        icmpEmit(v, o, { type: l.type, id: 7, seq: 1 });
        this.pattern(o + 8, l.data, 3);
        icmpFillChecksum(v, o, 8 + l.data);
        this.f('icmp.type', o, 1);
        return IPPROTO_ICMP;
      }
      case 'gre': {
        const gp = l.inner.k === 'ip' ? ETHERTYPE_IP4 : ETHERTYPE_TEB;
        const hl = greEmit(v, o, { proto: gp, csum: l.csum, ...(l.key !== null ? { key: l.key } : {}), ...(l.seq !== null ? { seq: l.seq } : {}) });
        if (!this.stopped) this.depth++;
        const firstGre = !this.greSeen;
        this.greSeen = true;
        this.f('gre.flags', o, 2);
        this.f('gre.proto', o + 2, 2);
        if (l.key !== null) this.f('gre.key', o + 4 + (l.csum ? 4 : 0), 4);
        let end: number;
        if (l.inner.k === 'ip') end = this.ip(o + hl, l.inner.ip);
        else {
          if (firstGre && this.ip4.length === 1) {
            const e = l.inner.eth;
            this.nvgreInner = o + hl + 14 + 4 * e.vlans.length;
          }
          end = this.eth(o + hl, l.inner.eth, true);
        }
        if (l.csum) greFillChecksum(v, o, end - o);
        return IPPROTO_GRE;
      }
      case 'esp': {
        espEmit(v, o, { spi: l.spi, seq: l.seq });
        this.pattern(o + 8, l.data, l.spi & 0xff);
        this.f('esp.spi', o, 4);
        return IPPROTO_ESP;
      }
      case 'ipip': {
        if (!this.stopped) this.depth++;
        this.ip(o, l.inner);
        return IPPROTO_IPIP;
      }
      case 'raw': {
        this.pattern(o, l.data, l.proto);
        return l.proto;
      }
    }
  }

  udpData(o: number, d: UdpData): void {
    const v = this.v;
    switch (d.k) {
      case 'bytes':
        this.pattern(o, d.len, 5);
        return;
      case 'ike':
        ikeEmit(v, o, { ispi: 0x0102030405060708n, rspi: 0n, exchangeType: d.exch, length: 28 + d.extra });
        this.pattern(o + 28, d.extra, 9);
        this.f('ike.length', o + 24, 4);
        return;
      case 'natt-esp':
        espEmit(v, o, { spi: d.spi, seq: d.seq });
        this.pattern(o + 8, d.len, 11);
        this.f('esp.spi', o, 4);
        return;
      case 'natt-ike':
        v.setUint32(o, 0);
        ikeEmit(v, o + 4, { ispi: 0x1112131415161718n, rspi: 0n, exchangeType: d.exch, length: 28 });
        this.f('natt.marker', o, 4);
        return;
      case 'keepalive':
        v.setUint8(o, 0xff);
        this.f('natt.keepalive', o, 1);
        return;
      case 'vxlan':
        vxlanEmit(v, o, { vni: d.vni });
        this.f('vxlan.flags', o, 1);
        if (!this.stopped) this.depth++;
        this.eth(o + 8, d.inner, true);
        return;
    }
  }
}

function protoOf(l: L4): number {
  switch (l.k) {
    case 'udp': return IPPROTO_UDP;
    case 'tcp': return IPPROTO_TCP;
    case 'icmp': return IPPROTO_ICMP;
    case 'gre': return IPPROTO_GRE;
    case 'esp': return IPPROTO_ESP;
    case 'ipip': return IPPROTO_IPIP;
    case 'raw': return l.proto;
  }
}

/** Write a frame with every length and checksum right, and log its fields. */
export function emitFrame(spec: FrameSpec): Emitted {
  const size = spec.raw ? sizeIp(spec.eth.ip) : sizeEth(spec.eth);
  const w = new Writer(Buffer.alloc(size));
  if (spec.raw) w.ip(0, spec.eth.ip);
  else w.eth(0, spec.eth, false);
  return {
    bytes: w.buf,
    link: spec.raw ? LINK_RAW : LINK_ETHERNET,
    fields: w.fields,
    ip4: w.ip4,
    nvgreInner: w.nvgreInner,
    tunnelDepth: w.depth,
    maxTags: w.maxTags,
  };
}

/** Recompute the header checksum of every IPv4 header whose IHL fits (innermost first). */
export function fixIp4Checksums(b: Buffer, ip4: number[]): void {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let k = ip4.length - 1; k >= 0; k--) {
    const o = ip4[k]!;
    if (o + 20 > b.length) continue;
    const hl = (b[o]! & 15) << 2;
    if (hl < 20 || o + hl > b.length) continue;
    v.setUint16(o + 10, 0);
    v.setUint16(o + 10, ~csumAdd(v, o, hl, 0) & 0xffff);
  }
}

// ------------------------------------------------------------------ the demo's addresses

const ip = (s: string): number => ip4FromString(s);

export const DEMO = {
  vip: ip('203.0.113.10'),
  publicIps: ['192.0.2.1', '192.0.2.2', '198.51.100.1', '198.51.100.2', '192.0.2.50'].map(ip),
  dips: ['10.0.0.11', '10.0.0.12', '10.0.0.13', '10.0.0.14', '10.0.0.15', '10.0.0.16', '10.0.0.17', '10.0.0.18'].map(ip),
  greVips: ['198.51.100.21', '198.51.100.22', '198.51.100.23'].map(ip),
  caIps: ['10.127.134.1', '10.127.134.2'].map(ip),
  vsids: [5001, 5002, 5003],
  vlans: [1001, 1002],
  /** site prefixes: 172.16/16 (contoso-hq, woodgrove-dc), 172.17/16 (woodgrove-dc), 172.18/16 (fabrikam) */
  sitePrefixes: [ip('172.16.0.0'), ip('172.17.0.0'), ip('172.18.0.0')],
};

const ALL_KNOWN = [DEMO.vip, ...DEMO.publicIps, ...DEMO.dips, ...DEMO.greVips, ...DEMO.caIps];

/** An address: mostly one the demo config knows, or inside a site prefix, sometimes random. */
export const addrArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ALL_KNOWN) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...DEMO.sitePrefixes), fc.integer({ min: 0, max: 0xffff })).map(([p, h]) => (p | h) | 0) },
  { weight: 1, arbitrary: fc.integer({ min: -0x80000000, max: 0x7fffffff }) },
);

const SPECIAL_PORTS = new Set([PORT_IKE, PORT_NATT, PORT_VXLAN]);
/** A port that is none of 500, 4500, 4789 (those decide the UDP payload's dissection). */
const plainPort = fc.integer({ min: 1, max: 65535 }).filter((p) => !SPECIAL_PORTS.has(p));

const vsidArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...DEMO.vsids) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffff }) });
const vlanIdArb = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...DEMO.vlans) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 4095 }) });
const tpidArb = fc.constantFrom(ETHERTYPE_VLAN, ETHERTYPE_VLAN, ETHERTYPE_QINQ, ETHERTYPE_QINQ_OLD);
export const vlansArb = (max: number): fc.Arbitrary<readonly Vlan[]> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant<readonly Vlan[]>([]) },
    { weight: 2, arbitrary: fc.array(fc.record({ tpid: tpidArb, id: vlanIdArb }), { minLength: 1, maxLength: max }) },
  );

/** Valid IPv4 options: NOP, End, Router Alert (4 bytes), a short Record Route. */
const ipOptionsArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant<readonly number[]>([]) },
  { weight: 1, arbitrary: fc.constant([1, 1, 1, 0]) },
  { weight: 1, arbitrary: fc.constant([148, 4, 0, 0]) },
  { weight: 1, arbitrary: fc.constant([7, 7, 4, 0, 0, 0, 0, 0]) },
);

const tcpOptionsArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant<readonly number[]>([]) },
  { weight: 1, arbitrary: fc.constant([2, 4, 5, 0xb4]) }, // MSS 1460
  { weight: 1, arbitrary: fc.constant([1, 1, 4, 2]) }, // NOP NOP SACK-permitted
);

function ipOf(l4: fc.Arbitrary<L4>, src = addrArb, dst = addrArb): fc.Arbitrary<Ip> {
  return fc.record({
    src,
    dst,
    ttl: fc.oneof({ weight: 5, arbitrary: fc.constant(64) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }),
    id: fc.integer({ min: 0, max: 0xffff }),
    mf: fc.constant(false),
    fragOff: fc.constant(0),
    options: ipOptionsArb,
    l4,
  });
}

/** A few fragments: first fragments (MF) and later ones (offset != 0). */
function withFragments(a: fc.Arbitrary<Ip>): fc.Arbitrary<Ip> {
  return fc.tuple(a, fc.integer({ min: 0, max: 19 }), fc.integer({ min: 1, max: 0x1fff })).map(([x, r, off]) => {
    if (r === 0) return { ...x, mf: true };
    if (r === 1) return { ...x, fragOff: off, mf: off % 2 === 0 };
    return x;
  });
}

// leaves: transports that end the walk
const udpLeaf: fc.Arbitrary<L4> = fc.record({
  k: fc.constant('udp' as const),
  sport: plainPort,
  dport: plainPort,
  zeroCsum: fc.boolean(),
  data: fc.record({ k: fc.constant('bytes' as const), len: fc.integer({ min: 0, max: 64 }) }),
});
const tcpLeaf: fc.Arbitrary<L4> = fc.record({
  k: fc.constant('tcp' as const),
  sport: fc.integer({ min: 1, max: 65535 }),
  dport: fc.integer({ min: 1, max: 65535 }),
  flags: fc.constantFrom(0x02, 0x10, 0x18, 0x11, 0x04),
  options: tcpOptionsArb,
  data: fc.integer({ min: 0, max: 48 }),
});
const icmpLeaf: fc.Arbitrary<L4> = fc.record({ k: fc.constant('icmp' as const), type: fc.constantFrom(0, 3, 8, 11), data: fc.integer({ min: 0, max: 32 }) });
const espLeaf: fc.Arbitrary<L4> = fc.record({
  k: fc.constant('esp' as const),
  spi: fc.integer({ min: 1, max: 0x7fffffff }),
  seq: fc.integer({ min: 0, max: 0x7fffffff }),
  data: fc.integer({ min: 0, max: 48 }),
});
const rawLeaf: fc.Arbitrary<L4> = fc.record({ k: fc.constant('raw' as const), proto: fc.constantFrom(2, 41, 89, 103, 132, 253), data: fc.integer({ min: 0, max: 40 }) });
/** IKE on 500, NAT-T (ESP-in-UDP, IKE behind the marker, keepalive) on 4500. */
const ikeNattLeaf: fc.Arbitrary<L4> = fc.oneof(
  fc.record({ sport: fc.constantFrom(500, 500, 4500, 1024), zeroCsum: fc.boolean(), exch: fc.constantFrom(IKE_SA_INIT, 35, 36, 37), extra: fc.integer({ min: 0, max: 40 }) })
    .map(({ sport, zeroCsum, exch, extra }): L4 => ({ k: 'udp', sport, dport: 500, zeroCsum, data: { k: 'ike', exch, extra } })),
  fc.record({ sport: fc.constantFrom(4500, 40001, 1701), zeroCsum: fc.boolean(), spi: fc.integer({ min: 1, max: 0x7fffffff }), seq: fc.nat(), len: fc.integer({ min: 0, max: 64 }) })
    .map(({ sport, zeroCsum, spi, seq, len }): L4 => ({ k: 'udp', sport, dport: 4500, zeroCsum, data: { k: 'natt-esp', spi, seq, len } })),
  fc.record({ sport: fc.constantFrom(4500, 40002), zeroCsum: fc.boolean(), exch: fc.constantFrom(IKE_SA_INIT, 35) })
    .map(({ sport, zeroCsum, exch }): L4 => ({ k: 'udp', sport, dport: 4500, zeroCsum, data: { k: 'natt-ike', exch } })),
  fc.record({ sport: fc.constantFrom(4500, 40003), zeroCsum: fc.boolean() })
    .map(({ sport, zeroCsum }): L4 => ({ k: 'udp', sport, dport: 4500, zeroCsum, data: { k: 'keepalive' } })),
);

const leafL4 = fc.oneof(udpLeaf, tcpLeaf, icmpLeaf, espLeaf, rawLeaf, ikeNattLeaf);

const ipCache = new Map<number, fc.Arbitrary<Ip>>();
/** An IPv4 packet with up to `depth` more tunnel layers inside. */
export function ipArb(depth: number): fc.Arbitrary<Ip> {
  const hit = ipCache.get(depth);
  if (hit) return hit;
  let l4: fc.Arbitrary<L4> = leafL4;
  if (depth > 0) {
    const inner = ipArb(depth - 1);
    const innerEth = fc.record({ vlans: vlansArb(2), ip: inner });
    l4 = fc.oneof(
      { weight: 4, arbitrary: leafL4 },
      { weight: 1, arbitrary: fc.record({ csum: fc.boolean(), key: fc.option(fc.integer({ min: -0x80000000, max: 0x7fffffff })), seq: fc.option(fc.nat()), inner: inner.map((x): GreInner => ({ k: 'ip', ip: x })) }).map((g): L4 => ({ k: 'gre', ...g })) },
      { weight: 1, arbitrary: fc.record({ csum: fc.boolean(), key: fc.option(vsidArb.map((x) => ((x << 8) | 1) | 0), { nil: null, freq: 8 }), seq: fc.option(fc.nat()), inner: innerEth.map((e): GreInner => ({ k: 'eth', eth: e })) }).map((g): L4 => ({ k: 'gre', ...g })) },
      { weight: 1, arbitrary: inner.map((x): L4 => ({ k: 'ipip', inner: x })) },
      { weight: 1, arbitrary: fc.record({ sport: plainPort, vni: fc.integer({ min: 0, max: 0xffffff }), inner: innerEth, zeroCsum: fc.boolean() }).map(({ sport, vni, inner: e, zeroCsum }): L4 => ({ k: 'udp', sport, dport: PORT_VXLAN, zeroCsum, data: { k: 'vxlan', vni, inner: e } })) },
    );
  }
  const a = withFragments(ipOf(l4));
  ipCache.set(depth, a);
  return a;
}

/** Any structure, nesting up to 3 tunnels, up to 5 outer VLAN tags (one more than the limit). */
export const randomFrameArb: fc.Arbitrary<FrameSpec> = fc.record({
  raw: fc.boolean(),
  eth: fc.record({ vlans: vlansArb(5), ip: ipArb(3) }),
});

// ---- frames aimed at each data path (so that forwarded frames are common) ----

const toVip = fc.record({ src: fc.constantFrom(...DEMO.publicIps, ip('192.0.2.99')), l4: fc.oneof(ikeNattLeaf, ikeNattLeaf, espLeaf) })
  .chain(({ src, l4 }) => ipOf(fc.constant(l4), fc.constant(src), fc.constant(DEMO.vip)));
const replyFromDip = fc.record({ src: fc.constantFrom(...DEMO.dips), dst: fc.constantFrom(...DEMO.publicIps), l4: fc.oneof(ikeNattLeaf, espLeaf) })
  .chain(({ src, dst, l4 }) => ipOf(fc.constant(l4), fc.constant(src), fc.constant(dst)));
const greToVip = fc.record({ dst: fc.constantFrom(...DEMO.greVips), key: fc.option(fc.integer({ min: 0, max: 5000 })), csum: fc.boolean(), inner: ipOf(leafL4) })
  .chain(({ dst, key, csum, inner }) => ipOf(fc.constant<L4>({ k: 'gre', csum, key, seq: null, inner: { k: 'ip', ip: inner } }), addrArb, fc.constant(dst)));
const nvgre = fc.record({
  vsid: vsidArb,
  flow: fc.integer({ min: 0, max: 255 }),
  csum: fc.boolean(),
  seq: fc.option(fc.nat(), { freq: 4 }),
  innerVlans: vlansArb(1),
  inner: ipOf(fc.oneof(tcpLeaf, udpLeaf, espLeaf, icmpLeaf), addrArb, fc.tuple(fc.constantFrom(...DEMO.sitePrefixes), fc.integer({ min: 0, max: 0xffff })).map(([p, h]) => (p | h) | 0)),
  dst: fc.constantFrom(...DEMO.greVips),
}).chain(({ vsid, flow, csum, seq, innerVlans, inner, dst }) =>
  ipOf(fc.constant<L4>({ k: 'gre', csum, key: ((vsid << 8) | flow) | 0, seq, inner: { k: 'eth', eth: { vlans: innerVlans, ip: inner } } }), addrArb, fc.constant(dst)));
const l3Vlan = fc.record({ vlans: fc.array(fc.record({ tpid: tpidArb, id: vlanIdArb }), { minLength: 1, maxLength: 2 }), ip: ipOf(leafL4, addrArb, fc.constantFrom(...DEMO.caIps)) });

/** Frames aimed at the data paths of the demo config. */
export const targetedFrameArb: fc.Arbitrary<FrameSpec> = fc.oneof(
  fc.record({ raw: fc.constant(false), eth: fc.record({ vlans: vlansArb(1), ip: withFragments(toVip) }) }),
  fc.record({ raw: fc.constant(false), eth: fc.record({ vlans: fc.constant([]), ip: replyFromDip }) }),
  fc.record({ raw: fc.boolean(), eth: fc.record({ vlans: fc.constant([]), ip: greToVip }) }),
  fc.record({ raw: fc.boolean(), eth: fc.record({ vlans: vlansArb(1), ip: nvgre }) }),
  fc.record({ raw: fc.constant(false), eth: l3Vlan }),
);

/** A chain of `n` tunnel layers of random kinds (GRE in GRE in GRE, VXLAN in GRE, ...). */
export const deepFrameArb: fc.Arbitrary<FrameSpec> = fc
  .tuple(fc.array(fc.constantFrom('gre-ip', 'gre-eth', 'ipip', 'vxlan'), { minLength: 0, maxLength: 8 }), ipOf(leafL4), fc.boolean())
  .map(([kinds, leaf, raw]) => {
    let x: Ip = leaf;
    for (const k of kinds.reverse()) {
      const base = { src: ip('10.1.0.7'), dst: DEMO.greVips[0]!, ttl: 64, id: 1, mf: false, fragOff: 0, options: [] };
      if (k === 'gre-ip') x = { ...base, l4: { k: 'gre', csum: false, key: null, seq: null, inner: { k: 'ip', ip: x } } };
      else if (k === 'gre-eth') x = { ...base, l4: { k: 'gre', csum: false, key: (5001 << 8) | 1, seq: null, inner: { k: 'eth', eth: { vlans: [], ip: x } } } };
      else if (k === 'ipip') x = { ...base, l4: { k: 'ipip', inner: x } };
      else x = { ...base, l4: { k: 'udp', sport: 50000, dport: PORT_VXLAN, zeroCsum: true, data: { k: 'vxlan', vni: 77, inner: { vlans: [], ip: x } } } };
    }
    return { raw, eth: { vlans: [], ip: x } };
  });

export const anyFrameArb: fc.Arbitrary<FrameSpec> = fc.oneof(
  { weight: 3, arbitrary: targetedFrameArb },
  { weight: 2, arbitrary: randomFrameArb },
  { weight: 1, arbitrary: deepFrameArb },
);

// ------------------------------------------------------------------ mutations

export type Mutation =
  | { k: 'truncate'; at: number }
  | { k: 'field'; pick: number; how: 'zero' | 'one' | 'max' | 'plus1' | 'minus1' | 'random'; rnd: number }
  | { k: 'flip'; pos: number; bit: number }
  | { k: 'ihl-low'; pick: number; ihl: number }
  | { k: 'options-overrun'; pick: number; len: number }
  | { k: 'length-lie'; pick: number; delta: number };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ k: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ k: fc.constant('field' as const), pick: fc.nat(), how: fc.constantFrom('zero', 'one', 'max', 'plus1', 'minus1', 'random'), rnd: fc.integer({ min: -0x80000000, max: 0x7fffffff }) }),
  fc.record({ k: fc.constant('flip' as const), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ k: fc.constant('ihl-low' as const), pick: fc.nat(), ihl: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ k: fc.constant('options-overrun' as const), pick: fc.nat(), len: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ k: fc.constant('length-lie' as const), pick: fc.nat(), delta: fc.integer({ min: -64, max: 64 }) }),
);

/** Apply one mutation in place (truncation returns a shorter view). */
export function mutate(e: Emitted, b: Buffer, m: Mutation): Buffer {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const inside = (f: FieldRef): boolean => f.off + f.size <= b.length;
  switch (m.k) {
    case 'truncate':
      return b.subarray(0, Math.floor(m.at * b.length));
    case 'flip':
      if (b.length > 0) b[m.pos % b.length]! ^= 1 << m.bit;
      return b;
    case 'field': {
      const fs = e.fields.filter(inside);
      if (fs.length === 0) return b;
      const f = fs[m.pick % fs.length]!;
      const max = f.size === 4 ? 0xffffffff : f.size === 2 ? 0xffff : 0xff;
      const cur = f.size === 4 ? v.getUint32(f.off) : f.size === 2 ? v.getUint16(f.off) : v.getUint8(f.off);
      let x = m.how === 'zero' ? 0 : m.how === 'one' ? 1 : m.how === 'max' ? max : m.how === 'plus1' ? cur + 1 : m.how === 'minus1' ? cur - 1 : m.rnd;
      x = (x >>> 0) & max;
      if (f.mask !== undefined) {
        const shift = f.mask === 0xf0 ? 4 : 0;
        x = (cur & ~f.mask) | ((x << shift) & f.mask);
      }
      if (f.size === 4) v.setUint32(f.off, x >>> 0);
      else if (f.size === 2) v.setUint16(f.off, x);
      else v.setUint8(f.off, x);
      return b;
    }
    case 'ihl-low': {
      const hs = e.ip4.filter((o) => o < b.length);
      if (hs.length === 0) return b;
      const o = hs[m.pick % hs.length]!;
      b[o] = (b[o]! & 0xf0) | m.ihl;
      return b;
    }
    case 'options-overrun': {
      // Give the header 4 bytes of options whose one option claims `len` bytes (IHL 6).
      const hs = e.ip4.filter((o) => o + 24 <= b.length && (b[o]! & 15) === 5);
      if (hs.length === 0) return b;
      const o = hs[m.pick % hs.length]!;
      b[o] = 0x46;
      b[o + 20] = 0x44; // timestamp option
      b[o + 21] = m.len;
      return b;
    }
    case 'length-lie': {
      const fs = e.fields.filter((f) => inside(f) && /total_len|udp\.len|ike\.length/.test(f.name));
      if (fs.length === 0) return b;
      const f = fs[m.pick % fs.length]!;
      if (f.size === 4) v.setUint32(f.off, (v.getUint32(f.off) + m.delta) >>> 0);
      else v.setUint16(f.off, (v.getUint16(f.off) + m.delta) & 0xffff);
      return b;
    }
  }
}
