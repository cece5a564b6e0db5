/**
 * The flat sketch (bench/e2e/flat-sketch.ts), bench:e2e's data point beside the read-walk-write
 * limit, does gwplane's job on the generated trace: its output is gwplane's, byte for byte,
 * and it counts the same verdicts. If either changes (a rewrite in the data path, or in the
 * sketch), its time no longer means anything, and this fails. Runs the built programs
 * (`npm test` builds first). No timings are asserted.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTrace } from '../../fixtures/gen-trace.js';
import { csumRef } from '../../src/wire/checksum-ref.js';

const root = path.resolve(__dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-sketch-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Ethernet + IPv4 + UDP (ports sp > dp, checksum 0) + payload, from a tenant to the VIP. */
function udpFrame(sp: number, dp: number, payload: Buffer): Buffer {
  const f = Buffer.alloc(14 + 20 + 8 + payload.length);
  f.writeUInt32BE(0x02000000, 0); // destination MAC 02:00:00:00:00:01
  f.writeUInt16BE(0x0001, 4);
  f.writeUInt32BE(0x02000000, 6); // source MAC 02:00:00:00:01:01
  f.writeUInt16BE(0x0101, 10);
  f.writeUInt16BE(0x0800, 12);
  f.writeUInt16BE(0x4500, 14);
  f.writeUInt16BE(20 + 8 + payload.length, 16);
  f.writeUInt16BE(0x4011, 22); // TTL 64, UDP
  f.writeUInt32BE(0x64400101, 26); // 100.64.1.1
  f.writeUInt32BE(0xcb00710a, 30); // 203.0.113.10
  f.writeUInt16BE(csumRef(f.subarray(14, 34)), 24); // over the header, its checksum field 0
  f.writeUInt16BE(sp, 34);
  f.writeUInt16BE(dp, 36);
  f.writeUInt16BE(8 + payload.length, 38);
  payload.copy(f, 42);
  return f;
}

/**
 * Frames both must drop, appended to the trace (which has none: every checksum valid): a bad
 * IPv4 header checksum, VXLAN without its I flag (RFC 7348), and a frame cut after 20 bytes.
 */
function appendMalformed(file: string): number {
  const badSum = udpFrame(4500, 4500, Buffer.alloc(8, 0x11));
  badSum.writeUInt16BE(badSum.readUInt16BE(24) ^ 0x0100, 24);
  const vxlanNoI = udpFrame(40000, 4789, Buffer.alloc(8 + 14, 0)); // flags byte 0
  const short = udpFrame(4500, 4500, Buffer.alloc(8)).subarray(0, 20);
  const frames = [badSum, vxlanNoI, short];
  const parts: Buffer[] = [];
  frames.forEach((f, k) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1_800_000_000 + k, 0); // after the trace's last packet
    h.writeUInt32LE(f.length, 8);
    h.writeUInt32LE(f.length, 12);
    parts.push(h, f);
  });
  fs.appendFileSync(file, Buffer.concat(parts));
  return frames.length;
}

function sketch(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'dist/bench/e2e/flat-sketch.cjs'), ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bench/e2e/flat-sketch.ts', () => {
  it('writes the bytes gwplane replay writes on the generated trace, with the same verdicts', () => {
    const trace = path.join(dir, 'trace.pcap');
    writeTrace(trace, { packets: 20_000, flows: 2_000 });
    const malformed = appendMalformed(trace);
    const gw = spawnSync(path.join(root, 'dist/src/cli/main.cjs'), ['replay', '-r', trace, '--config', 'bench/configs/trace.yaml', '-w', path.join(dir, 'gw.pcap'), '--json'], { cwd: root, encoding: 'utf8' });
    expect(gw.status, gw.stderr).toBe(0);
    const s = sketch(trace, path.join(dir, 'sketch.pcap'));
    expect(s.status, s.stderr).toBe(0);

    const c = (JSON.parse(gw.stdout) as { counters: Record<string, number> }).counters;
    const k = JSON.parse(s.stdout) as Record<string, number>;
    // every path of the trace is taken, so a broken one shows
    for (const v of ['nat', 'reverse', 'greVip', 'l3', 'tunnel']) expect(k[v], v).toBeGreaterThan(1000);
    // and the drop paths: gwplane drops the appended frames, so must the sketch
    expect(c.drops).toBe(malformed);
    expect(k).toEqual({ dropped: c.drops, nat: c.nat_forward, reverse: c.nat_reverse, greVip: c.gre_vip, l3: c.l3, tunnel: c.tunnel, unchanged: 0 });
    const a = fs.readFileSync(path.join(dir, 'gw.pcap'));
    const b = fs.readFileSync(path.join(dir, 'sketch.pcap'));
    expect(b.length).toBe(a.length);
    expect(b.equals(a)).toBe(true);
  });

  it('refuses a missing argument, a file that is not a pcap, and a capture cut short', () => {
    const u = sketch();
    expect(u.status).toBe(2);
    expect(u.stderr).toMatch(/usage: flat-sketch.cjs IN OUT/);
    const bad = path.join(dir, 'bad.pcap');
    fs.writeFileSync(bad, 'not a capture file at all');
    const r = sketch(bad, path.join(dir, 'x.pcap'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not a little-endian microsecond pcap file/);
    expect(fs.existsSync(path.join(dir, 'x.pcap'))).toBe(false);
    // the last record cut short: exit 1 naming its byte offset, and no output left behind
    const cut = path.join(dir, 'cut.pcap');
    writeTrace(cut, { packets: 10, flows: 5 });
    fs.truncateSync(cut, fs.statSync(cut).size - 5);
    const t = sketch(cut, path.join(dir, 'cut-out.pcap'));
    expect(t.status).toBe(1);
    expect(t.stderr).toMatch(/byte \d+: the last record is cut short/);
    expect(fs.existsSync(path.join(dir, 'cut-out.pcap'))).toBe(false);
  });
});
