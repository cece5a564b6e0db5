/**
 * Deterministic captures for the replay-level robustness tests (faults, floods, kill -9),
 * written with the wire layer through gen.ts, and a small classic-pcap writer (little-endian,
 * nanosecond timestamps) that streams to a file or a pipe. Seeded (mulberry32), never
 * Math.random: the same bytes on every run.
 */
import fs from 'node:fs';
import { emitFrame, type Ip, type L4 } from './gen.js';
import { ip4FromString } from '../../src/wire/view.js';
import { IKE_SA_INIT } from '../../src/wire/ike.js';

const ip = ip4FromString;

/** mulberry32: a 32-bit seeded PRNG. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor((this.u32() / 0x1_0000_0000) * (hi - lo + 1));
  }
}

/** Classic pcap, little-endian, nanosecond magic, Ethernet; buffered writes to an fd. */
export class PcapOut {
  private buf = Buffer.alloc(1 << 20);
  private pos = 0;
  packets = 0;
  bytes = 0;

  constructor(private readonly write: (b: Buffer) => void) {
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b23c4d, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(262144, 16);
    h.writeUInt32LE(1, 20);
    this.put(h);
  }

  static toFile(path: string): PcapOut & { close(): void } {
    const fd = fs.openSync(path, 'w');
    const p = new PcapOut((b) => fs.writeSync(fd, b)) as PcapOut & { close(): void };
    p.close = () => {
      p.flush();
      fs.closeSync(fd);
    };
    return p;
  }

  private put(b: Buffer): void {
    if (this.pos + b.length > this.buf.length) this.flush();
    b.copy(this.buf, this.pos);
    this.pos += b.length;
    this.bytes += b.length;
  }

  packet(frame: Buffer, tNs: number): void {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(Math.floor(tNs / 1e9), 0);
    r.writeUInt32LE(tNs % 1e9, 4);
    r.writeUInt32LE(frame.length, 8);
    r.writeUInt32LE(frame.length, 12);
    this.put(r);
    this.put(frame);
    this.packets++;
  }

  flush(): void {
    if (this.pos > 0) this.write(Buffer.from(this.buf.subarray(0, this.pos)));
    this.pos = 0;
  }
}

// ------------------------------------------------------------------ demo traffic

const mkIp = (src: number, dst: number, l4: L4, ttl = 64): Ip => ({ src, dst, ttl, id: 1, mf: false, fragOff: 0, options: [], l4 });

/** NVGRE from a compute host to a GRE VIP: tenant VSID, inner TCP or UDP 5-tuple. */
export function nvgreFrame(vsid: number, isrc: number, idst: number, sport: number, dport: number, tcp: boolean, syn = false): Buffer {
  const l4: L4 = tcp
    ? { k: 'tcp', sport, dport, flags: syn ? 0x02 : 0x18, options: [], data: syn ? 0 : 12 }
    : { k: 'udp', sport, dport, zeroCsum: false, data: { k: 'bytes', len: 12 } };
  return emitFrame({
    raw: false,
    eth: { vlans: [], ip: mkIp(ip('10.1.0.7'), ip('198.51.100.21'), { k: 'gre', csum: false, key: ((vsid << 8) | 1) | 0, seq: null, inner: { k: 'eth', eth: { vlans: [], ip: mkIp(isrc, idst, l4, 63) } } }) },
  }).bytes;
}

/** The demo's tenants: VSID and a prefix of their sites. */
export const DEMO_SITES: ReadonlyArray<{ vsid: number; net: number }> = [
  { vsid: 5001, net: ip('172.16.0.0') }, // contoso-hq: 2 tunnels
  { vsid: 5002, net: ip('172.17.0.0') }, // woodgrove-dc: 4 tunnels
  { vsid: 5003, net: ip('172.18.0.0') }, // fabrikam-branch: 1 tunnel
];

/**
 * Mixed demo traffic: `flows` long-lived NVGRE flows spread over the three sites, each sending
 * in turn, plus IKE/NAT-T to the SLB VIP, GRE to the GRE VIPs and 802.1Q to the CA IPs, at
 * `pps` packets per second of capture time for `seconds`.
 */
export function writeDemoTraffic(path: string, o: { seconds: number; pps: number; flows: number; seed: number }): number {
  const out = PcapOut.toFile(path);
  const rng = new Rng(o.seed);
  const flows = Array.from({ length: o.flows }, (_, k) => {
    const s = DEMO_SITES[k % 3]!;
    return { vsid: s.vsid, isrc: (ip('10.127.134.0') | rng.int(10, 250)) | 0, idst: (s.net | rng.int(1, 0xfffe)) | 0, sport: rng.int(1024, 65535), dport: [443, 80, 53, 5060][k % 4]!, tcp: k % 4 !== 2 };
  });
  const pubs = ['192.0.2.1', '192.0.2.2', '198.51.100.1', '198.51.100.2', '192.0.2.50'].map(ip);
  const n = Math.round(o.seconds * o.pps);
  for (let k = 0; k < n; k++) {
    const t = Math.round((k * 1e9) / o.pps);
    const r = k % 10;
    let frame: Buffer;
    if (r < 7) {
      const f = flows[k % flows.length]!;
      frame = nvgreFrame(f.vsid, f.isrc, f.idst, f.sport, f.dport, f.tcp);
    } else if (r === 7) {
      const natt = rng.int(0, 1) === 0;
      const l4: L4 = natt
        ? { k: 'udp', sport: 4500, dport: 4500, zeroCsum: false, data: { k: 'natt-esp', spi: 0x1000 + (k % 5), seq: k, len: 32 } }
        : { k: 'udp', sport: 500, dport: 500, zeroCsum: false, data: { k: 'ike', exch: IKE_SA_INIT, extra: 16 } };
      frame = emitFrame({ raw: false, eth: { vlans: [], ip: mkIp(pubs[rng.int(0, pubs.length - 1)]!, ip('203.0.113.10'), l4) } }).bytes;
    } else if (r === 8) {
      frame = emitFrame({ raw: false, eth: { vlans: [], ip: mkIp(ip('192.0.2.101'), ip(rng.int(0, 1) === 0 ? '198.51.100.21' : '198.51.100.22'), { k: 'gre', csum: false, key: 1001, seq: null, inner: { k: 'ip', ip: mkIp(ip('10.9.0.1'), ip('10.9.0.2'), { k: 'udp', sport: 1000, dport: 2000, zeroCsum: false, data: { k: 'bytes', len: 20 } }) } }) } }).bytes;
    } else {
      frame = emitFrame({ raw: false, eth: { vlans: [{ tpid: 0x8100, id: rng.int(1001, 1002) }], ip: mkIp(ip('10.127.134.2'), ip('10.127.134.1'), { k: 'tcp', sport: 33000 + (k % 50), dport: 179, flags: 0x18, options: [], data: 8 }) } }).bytes;
    }
    out.packet(frame, t);
  }
  out.close();
  return n;
}

/** Flood source ports: 20000 + 14 bits, clear of 500, 4500 and 4789 (which make UDP IKE, NAT-T, VXLAN). */
export const FLOOD_SPORT0 = 20000;
/** Flood packets are 10 us apart in capture time (100k new flows per second). */
export const FLOOD_GAP_NS = 10_000;

/**
 * A flood of new flows: every packet a new NVGRE flow (TCP SYN or UDP, alternately) to one of
 * the demo's sites, and every `elephantEvery` packets one of `elephants` long-lived flows.
 * Resumable (`next` emits up to n more packets), so that a long flood can be streamed into a
 * pipe with backpressure. Packets are FLOOD_GAP_NS apart in capture time.
 */
export class FloodGen {
  readonly elephantFlows: Array<{ vsid: number; isrc: number; idst: number; sport: number; dport: number }>;
  /** new flows emitted so far */
  k = 0;
  packets = 0;
  private t = 0;
  private elephantAt = -1;
  // one template frame per kind, patched per flow (the flood is long: no object per packet)
  private readonly tcp = nvgreFrame(5001, 0, 0, 0, 0, true, true);
  private readonly udp = nvgreFrame(5002, 0, 0, 0, 0, false);
  private readonly elephantFrames: Buffer[];

  constructor(readonly flows: number, readonly elephants: number, readonly elephantEvery: number) {
    this.elephantFlows = Array.from({ length: elephants }, (_, k) => ({ vsid: DEMO_SITES[k % 2]!.vsid, isrc: ip('10.127.134.7'), idst: (DEMO_SITES[k % 2]!.net | (k + 1)) | 0, sport: 50000 + k, dport: 443 }));
    this.elephantFrames = this.elephantFlows.map((e) => nvgreFrame(e.vsid, e.isrc, e.idst, e.sport, e.dport, true));
  }

  get done(): boolean {
    return this.k >= this.flows;
  }

  /** Emit up to `n` more packets (new flows and the elephants among them). */
  next(n: number, emit: (frame: Buffer, tNs: number) => void): void {
    const inner = 14 + 20 + 8 + 14; // outer Ethernet, IPv4, GRE with key, inner Ethernet
    for (let m = 0; m < n && this.k < this.flows; m++) {
      const k = this.k;
      if (this.elephants > 0 && k % this.elephantEvery === 0 && this.elephantAt !== k) {
        // before new flow k, one packet of an elephant
        this.elephantAt = k;
        emit(this.elephantFrames[(k / this.elephantEvery) % this.elephants]!, this.t);
        this.t += FLOOD_GAP_NS;
        this.packets++;
        continue;
      }
      const f = k % 2 === 0 ? this.tcp : this.udp;
      const site = DEMO_SITES[k % 2]!;
      // new 5-tuple: source 10.x.y.z from k, destination in the site's /16, ports from k
      const isrc = (0x0a000000 | (k >>> 8)) | 0;
      const idst = (site.net | ((k * 2654435761) & 0xffff)) | 0;
      // Destination ports avoid IKE, NAT-T and VXLAN: a tenant packet to those is taken apart
      // as one (found by the 10M-flow run: 8192 short UDP datagrams to port 500, dropped as
      // ike_short, were counted as missing new flows).
      const dp = 1 + ((k >>> 14) & 0x7fff);
      const dport = dp === 500 || dp === 4500 || dp === 4789 ? dp + 0x8000 : dp;
      patchInner(f, inner, isrc, idst, FLOOD_SPORT0 + (k & 0x3fff), dport, k % 2 === 0);
      emit(f, this.t);
      this.t += FLOOD_GAP_NS;
      this.packets++;
      this.k++;
    }
  }
}

/** The whole flood at once (see FloodGen). */
export function floodTraffic(flows: number, elephants: number, elephantEvery: number, emit: (frame: Buffer, tNs: number) => void): { packets: number; elephantFlows: FloodGen['elephantFlows'] } {
  const g = new FloodGen(flows, elephants, elephantEvery);
  while (!g.done) g.next(1 << 16, emit);
  return { packets: g.packets, elephantFlows: g.elephantFlows };
}

/** Rewrite the inner addresses and ports of a template frame and fix its checksums. */
function patchInner(f: Buffer, o: number, src: number, dst: number, sport: number, dport: number, tcp: boolean): void {
  f.writeInt32BE(src, o + 12);
  f.writeInt32BE(dst, o + 16);
  f.writeUInt16BE(0, o + 10);
  f.writeUInt16BE(ones(f, o, 20, 0), o + 10);
  const t = o + 20;
  const len = f.readUInt16BE(o + 2) - 20;
  f.writeUInt16BE(sport, t);
  f.writeUInt16BE(dport, t + 2);
  const c = tcp ? t + 16 : t + 6;
  f.writeUInt16BE(0, c);
  const pseudo = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + (tcp ? 6 : 17) + len;
  let x = ones(f, t, len, pseudo);
  if (!tcp && x === 0) x = 0xffff;
  f.writeUInt16BE(x, c);
}

/** RFC 1071: the complemented ones' complement sum of f[o, o + n) plus `init`. */
function ones(f: Buffer, o: number, n: number, init: number): number {
  let s = init;
  for (let k = 0; k + 1 < n; k += 2) s += f.readUInt16BE(o + k);
  if (n % 2 === 1) s += f[o + n - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}
