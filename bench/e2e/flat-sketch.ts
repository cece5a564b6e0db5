/**
 * A flat sketch of the replay's per-packet job, as a reference point for bench/e2e.ts (issue 4:
 * "measure whether a flatter hot loop pays"): a loop over each 1 MiB chunk of a capture calls
 * one function per packet, which does in place, with no stage or batch between, the rewrites
 * `gwplane replay` does on the generated trace; then the chunk is written.
 * `node dist/bench/e2e/flat-sketch.cjs IN OUT` (bundled as CommonJS, as the CLI's launcher and
 * the read-walk-write limit are: scripts/bundle.mjs).
 *
 * It is not a second implementation of gwplane. It knows the addresses of
 * bench/configs/trace.yaml (written in below, no config file) and does only what that trace
 * needs: Ethernet with at most one 802.1Q tag; the IPv4 header checksum verified; SLB NAT to
 * the VIP by source IP (UDP 500/4500, ESP) and its reverse from the gateways' DIPs; GRE to a
 * GRE VIP and tagged traffic to the tenants' CA IP get the owner's MAC; NVGRE: VSID and inner
 * destination to a site, HalfSipHash of the inner 5-tuple (src/lb/hash.ts, the config's key),
 * a flow table lookup or insert, the site's Maglev slot (src/lb/maglev.ts builds the tables),
 * and the frame re-encapsulated in GRE to the tunnel, shorter, in the same bytes; the frames
 * gwplane's dissector drops on this trace (a broken VXLAN header behind UDP port 4789) are
 * dropped. Checksums are updated incrementally (RFC 1624) or computed for a new header. Left
 * out: reading and checking a config, counters by reason, health and failover, flow expiry
 * and moves, the series and report, every encapsulation and malformation the trace does not
 * have, pcapng. It drops what it cannot take (not IPv4, a bad header checksum, an unknown
 * source, VSID or prefix, an expired inner TTL, a record too short for what it reads) without
 * saying why; it is a benchmark on the generated trace, not a tool for other captures. A
 * record longer than 262,144 bytes or cut short at the end of the file stops it (exit 1, the
 * byte offset named, the output removed).
 *
 * So its time says what one flat JavaScript program takes for this job on this trace (a data
 * point, not a lower bound: it could be written faster still), not a target gwplane can reach
 * with its features: bench/e2e.ts reports it beside gwplane and the limit, without a target
 * of its own, after checking that its output is gwplane's byte for byte (as
 * test/bench/flat-sketch.test.ts does on a small trace).
 */
import fs from 'node:fs';
import { flowHash, makeHashKey } from '../../src/lb/hash.js';
import { maglevBuild, maglevOffsetSkip, MAGLEV_SIZE } from '../../src/lb/maglev.js';
import { csumAdd, csumFold5, csumReplace32 } from '../../src/wire/checksum.js';

const [inFile, outFile] = process.argv.slice(2);
if (!inFile || !outFile) {
  process.stderr.write('usage: flat-sketch.cjs IN OUT\n');
  process.exit(2);
}

const ip = (a: number, b: number, c: number, d: number): number => ((a << 24) | (b << 16) | (c << 8) | d) | 0;
const VIP = ip(203, 0, 113, 10);
const MAC_HI = 0x02000000; // gateway MACs 02:00:00:00:00:1x: the high 32 bits, then 0x001x
// gateways gw1..gw8 (index 0..7): DIP 10.0.0.11 + i, MAC low 16 bits 0x11 + i
const gwDip = new Int32Array(8).map((_, g) => ip(10, 0, 0, 11 + g));

// SLB NAT: tenant public IP 100.64.T.k -> the gateway of the tenant's ikev2 connection
// (contoso and fabrikam on gw1, woodgrove on gw2), an open-addressing table.
const NAT_SLOTS = 1024;
const natKey = new Int32Array(NAT_SLOTS);
const natGw = new Int32Array(NAT_SLOTS);
const natSlot = (k: number): number => Math.imul(k, 0x9e3779b1) >>> 22;
for (let t = 1; t <= 3; t++) {
  for (let k = 1; k <= 100; k++) {
    const a = ip(100, 64, t, k);
    let h = natSlot(a);
    while (natKey[h] !== 0) h = (h + 1) & (NAT_SLOTS - 1);
    natKey[h] = a;
    natGw[h] = t === 2 ? 1 : 0;
  }
}
const GRE_VIP_4 = ip(198, 51, 100, 21); // gw4 (index 3)
const GRE_VIP_5 = ip(198, 51, 100, 22); // gw5 (index 4)
const CA_IP = ip(10, 127, 134, 1); // VLAN 1001 (contoso) and 1002 (woodgrove), both on gw7 (index 6)

// NVGRE sites: VSID 5001 contoso-hq 172.16/16; 5002 woodgrove-dc 172.16/16 and 172.17/16;
// 5003 fabrikam-branch 172.18/16. Tunnels (index): site, gateway, local, remote, key.
const tunSite = [0, 0, 1, 1, 1, 1, 2];
const tunGw = new Int32Array([3, 4, 3, 3, 4, 4, 3]);
const tunLocal = new Int32Array([GRE_VIP_4, GRE_VIP_5, GRE_VIP_4, GRE_VIP_4, GRE_VIP_5, GRE_VIP_5, ip(198, 51, 100, 23)]);
const tunRemote = new Int32Array([ip(192, 0, 2, 101), ip(192, 0, 2, 102), ip(198, 51, 100, 101), ip(198, 51, 100, 102), ip(198, 51, 100, 101), ip(198, 51, 100, 102), ip(192, 0, 2, 150)]);
const tunKey = new Int32Array([1001, 1002, 2001, 2002, 2003, 2004, 3001]);
const tunName = ['contoso-hq/t1', 'contoso-hq/t2', 'woodgrove-dc/t1', 'woodgrove-dc/t2', 'woodgrove-dc/t3', 'woodgrove-dc/t4', 'fabrikam-branch/t1'];
const maglev: Int32Array[] = [];
for (let s = 0; s < 3; s++) {
  const backends = [];
  for (let t = 0; t < tunSite.length; t++) if (tunSite[t] === s) backends.push({ id: t, ...maglevOffsetSkip(tunName[t]!), weight: 1 });
  maglev.push(maglevBuild(backends, MAGLEV_SIZE));
}
const [mgContoso, mgWoodgrove, mgFabrikam] = maglev as [Int32Array, Int32Array, Int32Array];
const hashKey = makeHashKey('demo');

// Flow table: 131,072 slots (trace.yaml's capacity) of 4 key words and a tunnel, probed in
// buckets of 8 (a full bucket: the flow is not remembered, its tunnel comes from Maglev).
const FLOW_SLOTS = 131072;
const flowKey = new Int32Array(FLOW_SLOTS * 4);
const flowTun = new Int32Array(FLOW_SLOTS).fill(-1);

const CHUNK = 1 << 20;
const MAX_RECORD = 262144 + 16;
const buf = Buffer.allocUnsafe(CHUNK + MAX_RECORD);
const v = new DataView(buf.buffer, buf.byteOffset, buf.length);
const count = new Int32Array(8); // 0 dropped, 1 nat, 2 reverse, 3 gre vip, 4 l3, 5 tunnel, 6 passed unchanged

/**
 * The IPv4 address at l3 + at (12 source, 16 destination) becomes `to`: the header checksum
 * and a UDP checksum updated by RFC 1624 (a zero UDP checksum stays zero, a computed zero is
 * sent as 0xFFFF: RFC 768).
 */
function replaceAddress(l3: number, l4: number, proto: number, at: number, from: number, to: number): void {
  v.setInt32(l3 + at, to);
  v.setUint16(l3 + 10, csumReplace32(v.getUint16(l3 + 10), from, to));
  if (proto === 17) {
    const c = v.getUint16(l4 + 6);
    if (c !== 0) {
      const c1 = csumReplace32(c, from, to);
      v.setUint16(l4 + 6, c1 === 0 ? 0xffff : c1);
    }
  }
}

/**
 * gwplane's dissector takes apart a UDP packet whose service port (the lower of the two first,
 * as tshark does) is VXLAN's 4789, outer or a tenant's inside NVGRE, and drops the whole frame
 * when that VXLAN is broken (RFC 7348: 8 bytes with the I flag set, then an Ethernet header):
 * 12 packets of the 1M trace. Ports 500 and 4500 are not checked here.
 */
function vxlanOk(l4: number, end: number, ports: number): boolean {
  const sp = ports >>> 16;
  const dp = ports & 0xffff;
  const lo = sp < dp ? sp : dp;
  const hi = sp < dp ? dp : sp;
  const service = lo === 500 || lo === 4500 || lo === 4789 ? lo : hi === 500 || hi === 4500 || hi === 4789 ? hi : 0;
  if (service !== 4789) return true;
  let uEnd = l4 + v.getUint16(l4 + 4);
  if (uEnd > end) uEnd = end;
  const vx = l4 + 8;
  return uEnd - vx >= 8 && (v.getUint8(vx) & 0x08) !== 0 && uEnd - vx - 8 >= 14;
}

/** Where processRecord left the kept record's new length (its start is the return value). */
let outLenG = 0;

/**
 * One record, the frame at p + 16 of `caplen` bytes, rewritten in place: returns where its
 * record (header first) now starts, -1 when it is dropped; its length is left in `outLenG`.
 * A function called per packet, not the body of processChunk's loop: V8 then optimises it as
 * a whole function instead of by on-stack replacement of the loop, and the whole process took
 * 0.89x and 0.92x the time (two sets of 15 interleaved rounds). With --trace-opt, its TurboFan
 * compilation takes 18-29 ms of the compiler thread, and the first packet on a path that had
 * not run before (the VXLAN check) deoptimises it once more ("insufficient type feedback"):
 * the whole-process cost of a JIT whose optimised code V8 cannot cache (gwplane's code cache
 * holds bytecode only), which gwplane pays as well.
 */
function processRecord(p: number, caplen: number, next: number): number {
  const f = p + 16;
  let outStart = p; // the record's new start (its 16-byte header) and length
  let outLen = caplen;
  let keep = true;
  let et = caplen >= 34 ? v.getUint16(f + 12) : 0; // Ethernet + the least IPv4 header
  let l3 = f + 14;
  let vlan = -1;
  if (et === 0x8100 && caplen >= 38) {
    vlan = v.getUint16(f + 14) & 0xfff;
    et = v.getUint16(f + 16);
    l3 = f + 18;
  }
  const vi = et === 0x0800 ? buf[l3]! : 0;
  let ihl = (vi & 15) << 2;
  if (vi >> 4 !== 4 || ihl < 20 || l3 + ihl > next) keep = false;
  else {
    // RFC 1071: the one's complement sum of a valid header, checksum included, is 0xffff
    if (csumAdd(v, l3, ihl, 0) !== 0xffff) keep = false;
  }
  if (keep) {
    const proto = buf[l3 + 9]!;
    const src = v.getInt32(l3 + 12);
    const dst = v.getInt32(l3 + 16);
    const l4 = l3 + ihl;
    if (proto === 17 && (l4 + 8 > next || !vxlanOk(l4, next, v.getInt32(l4)))) keep = false;
    else if (dst === VIP && (proto === 50 || (proto === 17 && (v.getUint16(l4 + 2) === 4500 || v.getUint16(l4 + 2) === 500)))) {
      // SLB NAT: VIP -> the tenant's gateway DIP, and its MAC
      let h = natSlot(src);
      while (natKey[h] !== src && natKey[h] !== 0) h = (h + 1) & (NAT_SLOTS - 1);
      if (natKey[h] === 0) keep = false;
      else {
        const g = natGw[h]!;
        replaceAddress(l3, l4, proto, 16, dst, gwDip[g]!);
        v.setInt32(f, MAC_HI);
        v.setUint16(f + 4, 0x11 + g);
        count[1]++;
      }
    } else if ((proto === 17 || proto === 50) && (src === gwDip[0] || src === gwDip[1]) && (dst >>> 16) === ((100 << 8) | 64)) {
      // reverse NAT: a reply from a gateway's DIP leaves from the VIP
      replaceAddress(l3, l4, proto, 12, src, VIP);
      count[2]++;
    } else if (proto === 47 && l4 + 8 + 34 <= next && v.getUint16(l4 + 2) === 0x6558 && (v.getUint16(l4) & 0x2000) !== 0) {
      // NVGRE (RFC 7637): VSID -> tenant, inner destination -> site, 5-tuple -> tunnel
      const vsid = v.getUint32(l4 + 4) >>> 8;
      const ie = l4 + 8;
      const il3 = ie + 14;
      const iv = buf[il3]!;
      ihl = (iv & 15) << 2;
      if (v.getUint16(ie + 12) !== 0x0800 || iv >> 4 !== 4 || ihl < 20 || il3 + ihl + 8 > next) keep = false;
      else {
        const isrc = v.getInt32(il3 + 12);
        const idst = v.getInt32(il3 + 16);
        const iproto = buf[il3 + 9]!;
        const ports = iproto === 6 || iproto === 17 ? v.getInt32(il3 + ihl) : 0;
        const net = idst >>> 16;
        let mg: Int32Array | null = null;
        let tenant = 0;
        if (vsid === 5001 && net === 0xac10) mg = mgContoso;
        else if (vsid === 5002 && (net === 0xac10 || net === 0xac11)) {
          mg = mgWoodgrove;
          tenant = 1;
        } else if (vsid === 5003 && net === 0xac12) {
          mg = mgFabrikam;
          tenant = 2;
        }
        if (mg === null || buf[il3 + 8]! <= 1 || (iproto === 17 && !vxlanOk(il3 + ihl, next, ports))) keep = false;
        else {
          const kd = iproto | (tenant << 8);
          const hash = flowHash(hashKey, isrc, idst, ports, kd);
          let t = -1;
          const b0 = hash & (FLOW_SLOTS - 8);
          for (let k = 0; k < 8; k++) {
            const q = b0 + k;
            const o = q << 2;
            if (flowTun[q] === -1) {
              t = mg[(hash >>> 0) % MAGLEV_SIZE]!;
              flowKey[o] = isrc;
              flowKey[o + 1] = idst;
              flowKey[o + 2] = ports;
              flowKey[o + 3] = kd;
              flowTun[q] = t;
              break;
            }
            if (flowKey[o] === isrc && flowKey[o + 1] === idst && flowKey[o + 2] === ports && flowKey[o + 3] === kd) {
              t = flowTun[q]!;
              break;
            }
          }
          if (t < 0) t = mg[(hash >>> 0) % MAGLEV_SIZE]!;
          // GRE with a key to the tunnel's remote (RFC 2890), in front of the inner IPv4
          // packet: Ethernet 14 + IPv4 20 + GRE 8 bytes, the frame shorter by the inner
          // Ethernet header and the NVGRE header's difference
          let innerLen = v.getUint16(il3 + 2);
          if (il3 + innerLen > next) innerLen = next - il3;
          const nb = il3 - 42;
          const sHi = v.getInt32(f); // the new source MAC: the one the frame was sent to
          const sLo = v.getUint16(f + 4);
          const g = tunGw[t]!;
          v.setInt32(nb, MAC_HI);
          v.setUint16(nb + 4, 0x11 + g);
          v.setInt32(nb + 6, sHi);
          v.setUint16(nb + 10, sLo);
          v.setUint16(nb + 12, 0x0800);
          const o = nb + 14;
          const total = 28 + innerLen;
          const w0 = (0x4500 << 16) | total;
          const w2 = (64 << 24) | (47 << 16);
          const local = tunLocal[t]!;
          const remote = tunRemote[t]!;
          v.setInt32(o, w0);
          v.setInt32(o + 4, 0);
          v.setInt32(o + 8, w2 | (~csumFold5(w0, 0, w2, local, remote) & 0xffff));
          v.setInt32(o + 12, local);
          v.setInt32(o + 16, remote);
          v.setInt32(o + 20, (0x2000 << 16) | 0x0800);
          v.setInt32(o + 24, tunKey[t]!);
          outStart = nb - 16;
          outLen = 42 + innerLen;
          count[5]++;
        }
      }
    } else if (proto === 47 && (dst === GRE_VIP_4 || dst === GRE_VIP_5)) {
      v.setInt32(f, MAC_HI);
      v.setUint16(f + 4, dst === GRE_VIP_4 ? 0x14 : 0x15);
      count[3]++;
    } else if ((vlan === 1001 || vlan === 1002) && dst === CA_IP) {
      v.setInt32(f, MAC_HI);
      v.setUint16(f + 4, 0x17);
      count[4]++;
    } else count[6]++;
  }
  if (!keep) return -1;
  outLenG = outLen;
  return outStart;
}

/** Where processChunk stopped: the first byte of the unread rest. */
const consumed = new Int32Array(1);

/**
 * Process the complete records of buf[0, end); the kept records are compacted to buf[0, w).
 * Returns w and leaves in `consumed[0]` where the unread rest starts.
 */
function processChunk(end: number): number {
  let p = 0;
  // Output: the records kept are compacted to buf[0, w); the current run of them that follow
  // each other in the buffer, [runStart, runEnd), is moved down in one memmove when a gap (a
  // dropped or shortened packet) ends it, as src/io/in-place-output.ts does.
  let w = 0;
  let runStart = 0;
  let runEnd = 0;
  while (p + 16 <= end) {
    const caplen = v.getUint32(p + 8, true);
    const next = p + 16 + caplen;
    if (next > end) break;
    const outStart = processRecord(p, caplen, next);
    const keep = outStart >= 0;
    const outLen = outLenG;
    if (!keep) count[0]++;
    else {
      if (outStart !== p) {
        // the record starts later: its header moves in front of the new frame
        v.setUint32(outStart, v.getUint32(p, true), true);
        v.setUint32(outStart + 4, v.getUint32(p + 4, true), true);
      }
      if (outLen !== caplen) {
        v.setUint32(outStart + 8, outLen, true);
        v.setUint32(outStart + 12, outLen, true);
      }
      if (outStart !== runEnd) {
        if (runStart !== w) buf.copyWithin(w, runStart, runEnd);
        w += runEnd - runStart;
        runStart = outStart;
      }
      runEnd = outStart + 16 + outLen;
    }
    p = next;
  }
  if (runStart !== w) buf.copyWithin(w, runStart, runEnd);
  w += runEnd - runStart;
  consumed[0] = p;
  return w;
}

const fd = fs.openSync(inFile, 'r');
if (fs.readSync(fd, buf, 0, 24, null) !== 24 || buf.readUInt32LE(0) !== 0xa1b2c3d4) {
  process.stderr.write(`${inFile}: not a little-endian microsecond pcap file\n`);
  process.exit(1);
}
const out = fs.openSync(outFile, 'w');
/** Stop on a record the chunk loop cannot hold: no output is left behind. */
const fail = (why: string): never => {
  fs.closeSync(out);
  fs.rmSync(outFile, { force: true });
  process.stderr.write(`${inFile}: ${why}\n`);
  process.exit(1);
};
fs.writeSync(out, buf, 0, 24);
let have = 0;
let at = 24; // file offset of buf[0]
for (;;) {
  const got = fs.readSync(fd, buf, have, CHUNK, null);
  const end = have + got;
  const w = processChunk(end);
  const p = consumed[0]!;
  let o = 0;
  while (o < w) o += fs.writeSync(out, buf, o, w - o);
  if (end - p >= 16 && v.getUint32(p + 8, true) > MAX_RECORD - 16) fail(`byte ${at + p}: record captured length ${v.getUint32(p + 8, true)} exceeds ${MAX_RECORD - 16}`);
  buf.copyWithin(0, p, end);
  at += p;
  have = end - p;
  if (got === 0) break;
}
if (have !== 0) fail(`byte ${at}: the last record is cut short (${have} bytes)`);
fs.closeSync(fd);
fs.closeSync(out);
process.stdout.write(JSON.stringify({ dropped: count[0], nat: count[1], reverse: count[2], greVip: count[3], l3: count[4], tunnel: count[5], unchanged: count[6] }) + '\n');
