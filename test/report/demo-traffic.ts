/**
 * The capture the report and progress tests replay through fixtures/configs/demo.yaml:
 * fixtures/demo/demo.pcap when it exists, else an equivalent one written here with the wire
 * emit functions (a few thousand packets over 7.5 s): NVGRE flows from compute hosts to the
 * three sites (contoso-hq, woodgrove-dc, fabrikam-branch), IKE to the SLB VIP from two
 * tenants, GRE to gw4's GRE VIP, and a trickle of unknown-VSID packets (a drop reason).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureWriter } from '../../src/io/capture-writer.js';
import { ethEmit } from '../../src/wire/ethernet.js';
import { greEmit } from '../../src/wire/gre.js';
import { ip4Emit } from '../../src/wire/ipv4.js';
import { udpEmit } from '../../src/wire/udp.js';
import { viewOf } from '../../src/wire/view.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const demoConfig = path.join(repoRoot, 'fixtures/configs/demo.yaml');
export const demoPcap = path.join(repoRoot, 'fixtures/demo/demo.pcap');
export const cli = path.join(repoRoot, 'dist/src/cli/main.cjs');

const ETH = 14;
const IP = 20;
const UDP = 8;

/** An NVGRE frame: outer Ethernet/IPv4/GRE(key VSID<<8|flow) around Ethernet/IPv4/UDP. */
function nvgre(vsid: number, isrc: string, idst: string, sport: number, dport: number, payload: number): Buffer {
  const innerLen = IP + UDP + payload;
  const total = ETH + IP + 8 + ETH + innerLen;
  const b = Buffer.alloc(total);
  const v = viewOf(b);
  let o = ethEmit(v, 0, { dst: '02:00:00:00:00:14', src: '02:00:00:00:99:01', type: 0x0800 });
  o += ip4Emit(v, o, { totalLen: total - ETH, proto: 47, src: '10.1.0.1', dst: '10.0.0.14' });
  o += greEmit(v, o, { proto: 0x6558, key: ((vsid << 8) | (sport & 0xff)) | 0 });
  o += ethEmit(v, o, { dst: '02:00:00:00:99:02', src: '02:00:00:00:99:03', type: 0x0800 });
  o += ip4Emit(v, o, { totalLen: innerLen, proto: 17, src: isrc, dst: idst });
  udpEmit(v, o, { sport, dport, len: UDP + payload });
  return b;
}

/** A plain UDP frame (IKE to the SLB VIP). */
function udp(src: string, dst: string, sport: number, dport: number, payload: number): Buffer {
  const total = ETH + IP + UDP + payload;
  const b = Buffer.alloc(total);
  const v = viewOf(b);
  let o = ethEmit(v, 0, { dst: '02:00:00:00:00:aa', src: '02:00:00:00:99:04', type: 0x0800 });
  o += ip4Emit(v, o, { totalLen: total - ETH, proto: 17, src, dst });
  udpEmit(v, o, { sport, dport, len: UDP + payload });
  return b;
}

/** GRE (IPv4 inside, no key) to a GRE VIP. */
function greToVip(src: string, vip: string, payload: number): Buffer {
  const inner = IP + UDP + payload;
  const total = ETH + IP + 4 + inner;
  const b = Buffer.alloc(total);
  const v = viewOf(b);
  let o = ethEmit(v, 0, { dst: '02:00:00:00:00:bb', src: '02:00:00:00:99:05', type: 0x0800 });
  o += ip4Emit(v, o, { totalLen: total - ETH, proto: 47, src, dst: vip });
  o += greEmit(v, o, { proto: 0x0800 });
  o += ip4Emit(v, o, { totalLen: inner, proto: 17, src: '10.127.134.10', dst: '10.200.0.1' });
  udpEmit(v, o, { sport: 4000, dport: 5000, len: UDP + payload });
  return b;
}

export interface DemoLike {
  file: string;
  packets: number;
  seconds: number;
}

/** Write the demo-like capture (pcap, nanosecond timestamps) to `file`. */
export function writeDemoLikeCapture(file: string, o: { seconds?: number; stepMs?: number } = {}): DemoLike {
  const seconds = o.seconds ?? 7.5;
  const stepMs = o.stepMs ?? 20;
  const w = CaptureWriter.open(file, 'pcap', { linkType: 1, nanos: true });
  const t0 = 1_700_000_000;
  let n = 0;
  const flows: Array<{ vsid: number; src: string; dst: string; sport: number }> = [];
  for (let k = 0; k < 24; k++) flows.push({ vsid: 5001, src: `10.127.134.${10 + (k % 50)}`, dst: `172.16.${k}.${1 + k}`, sport: 40000 + k });
  for (let k = 0; k < 32; k++) flows.push({ vsid: 5002, src: `10.127.134.${20 + (k % 50)}`, dst: `172.17.${k}.${2 + k}`, sport: 41000 + k });
  for (let k = 0; k < 8; k++) flows.push({ vsid: 5003, src: `10.127.134.${30 + k}`, dst: `172.18.${k}.${3 + k}`, sport: 42000 + k });
  const steps = Math.round((seconds * 1000) / stepMs);
  for (let s = 0; s < steps; s++) {
    const ms = s * stepMs;
    const frames: Buffer[] = [];
    for (const f of flows) frames.push(nvgre(f.vsid, f.src, f.dst, f.sport, 443, 60 + (f.sport % 40)));
    if (s % 5 === 0) {
      frames.push(udp('192.0.2.1', '203.0.113.10', 4500, 4500, 80));
      frames.push(udp('198.51.100.1', '203.0.113.10', 4500, 4500, 80));
      frames.push(greToVip('192.0.2.101', '198.51.100.21', 60));
    }
    if (s % 25 === 0) frames.push(nvgre(0x9999, '10.9.9.9', '172.16.9.9', 1234, 80, 20)); // unknown VSID: dropped
    frames.forEach((fr, k) => {
      const nsTotal = ms * 1e6 + k * 1000;
      w.writePacket(fr, 0, fr.length, fr.length, t0 + Math.floor(nsTotal / 1e9), nsTotal % 1e9);
      n++;
    });
  }
  w.commit();
  return { file, packets: n, seconds };
}

/** fixtures/demo/demo.pcap if present, else a demo-like capture in a temp directory. */
export function demoCapture(tmpDir?: string): { file: string; generated: boolean } {
  if (fs.existsSync(demoPcap)) return { file: demoPcap, generated: false };
  const dir = tmpDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-demo-like-'));
  const file = path.join(dir, 'demo-like.pcap');
  writeDemoLikeCapture(file);
  return { file, generated: true };
}
