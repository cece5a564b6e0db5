/**
 * `replay` end to end on the demo: deterministic scorecard, counters balanced, the output
 * capture re-parses with every checksum valid (by full recomputation, and by tshark where it is
 * installed), and the pcapng output carries a verdict comment per packet.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PacketBatch } from '../../src/batch/packet-batch.js';
import { loadConfig } from '../../src/control/config-load.js';
import { CaptureReader } from '../../src/io/capture-reader.js';
import { dissectBatch } from '../../src/nodes/dissect.js';
import { runReplay } from '../../src/replay/replay.js';
import { csumAdd, csumPseudo } from '../../src/wire/checksum.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const demoPcap = path.join(root, 'fixtures/demo/demo.pcap');
const demoCfg = path.join(root, 'fixtures/configs/demo.yaml');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-replay-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasTshark) console.log('replay-demo: tshark not installed; the tshark checksum check is skipped (apt-get install tshark)');

describe('replay of the demo', () => {
  const out = path.join(tmp, 'out.pcap');
  const r = runReplay({ read: demoPcap, config: loadConfig(demoCfg), write: out });

  it('keeps one series bucket per 100 ms of capture time up to the last packet\'s, each tunnel packet counted once', () => {
    // rows are made ahead for the first 6.4 s (src/replay/replay.ts); the demo lasts 8 s, so
    // rows are also made during the run; a short replay has only the buckets it reached
    const check = (x: typeof r, bucketMs: number): void => {
      const n = Math.floor((x.captureSeconds * 1000) / bucketMs) + 1;
      expect(x.series.bucketMs).toBe(bucketMs);
      expect(x.series.buckets).toHaveLength(n);
      expect(x.series.gateway_buckets).toHaveLength(n);
      x.series.tunnels.forEach((_, k) => expect(x.series.buckets.reduce((a, b) => a + b[k]!, 0), `tunnel ${k}`).toBe(x.counters.tunPackets[k]));
    };
    expect(r.captureSeconds).toBeGreaterThan(6.4);
    check(r, 100);
    const fine = runReplay({ read: demoPcap, config: loadConfig(demoCfg), seriesMs: 10 });
    expect(fine.series.buckets).toHaveLength(800);
    check(fine, 10);
    const short = runReplay({ read: demoPcap, config: loadConfig(demoCfg), count: 2000 });
    expect(short.captureSeconds).toBeLessThan(6.3);
    check(short, 100);
  });

  it('balances its counters: rx == tx + sum(drops)', () => {
    expect(r.counters.rx).toBe(r.packets);
    expect(r.counters.rx).toBe(r.counters.tx + r.counters.dropped);
  });

  it('scores the gw4 failover: detection = interval x fall, only the failed tunnels\' flows move', () => {
    const down = r.scorecard.find((s) => s.event === 'gateway_down')!;
    expect(down.target).toBe('gw4');
    expect(down.detection_ms).toBe(500 * 3);
    expect(down.takeover_by).toBe('gw6');
    expect(down.packets_lost).toBeGreaterThan(0);
    expect(down.flows_moved).toBe(down.flows_minimum);
    expect(down.flows_minimum).toBeGreaterThan(0);
    expect(down.stickiness_violations).toBe(0);
    expect(down.tunnels_down.sort()).toEqual(['contoso-hq/t1', 'woodgrove-dc/t1', 'woodgrove-dc/t2']);
    const up = r.scorecard.find((s) => s.event === 'gateway_up')!;
    expect(up.detection_ms).toBe(500 * 2);
    expect(up.flows_moved).toBe(0); // recovery moves no flow
    expect(r.stickinessViolations).toBe(0);
  });

  it('is deterministic: the same run gives the same output bytes and scorecard', () => {
    const out2 = path.join(tmp, 'out2.pcap');
    const r2 = runReplay({ read: demoPcap, config: loadConfig(demoCfg), write: out2 });
    expect(r2.scorecard).toEqual(r.scorecard);
    expect(fs.readFileSync(out2).equals(fs.readFileSync(out))).toBe(true);
  });

  it('writes only forwarded packets, each re-parsing with valid IPv4, UDP and TCP checksums', () => {
    const reader = CaptureReader.open(out);
    const b = new PacketBatch();
    let n = 0;
    let bad = 0;
    for (;;) {
      const k = reader.readBatch(b);
      if (k === 0) break;
      dissectBatch(b);
      for (let i = 0; i < k; i++) {
        n++;
        if (b.drop[i] !== 0) bad++;
        const v = b.dv;
        const l4 = b.l4[i]!;
        if (b.proto[i] === 17 && l4 >= 0 && v.getUint16(l4 + 6) !== 0) {
          const len = v.getUint16(l4 + 4);
          if (csumAdd(v, l4, len, csumPseudo(b.src[i]!, b.dst[i]!, 17, len)) !== 0xffff) bad++;
        }
      }
    }
    reader.close();
    expect(n).toBe(r.counters.tx);
    expect(bad).toBe(0);
  });

  it.skipIf(!hasTshark)('tshark finds no bad IPv4, UDP or TCP checksum in the output', () => {
    const text = execFileSync(
      'tshark',
      ['-n', '-r', out, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-T', 'fields', '-e', 'ip.checksum.status', '-e', 'udp.checksum.status', '-e', 'tcp.checksum.status'],
      { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, WIRESHARK_CONFIG_DIR: tmp } },
    );
    const rows = text.trim().split('\n');
    expect(rows.length).toBe(r.counters.tx);
    // a 0 in any column (possibly a comma list for nested headers) is a bad checksum
    const badRows = rows.filter((row) => row.split(/[\t,]/).some((x) => x === '0'));
    expect(badRows).toEqual([]);
  });

  it('pcapng output carries one verdict comment per packet', () => {
    const ng = path.join(tmp, 'out.pcapng');
    const r3 = runReplay({ read: demoPcap, config: loadConfig(demoCfg), write: ng, format: 'pcapng', count: 500 });
    expect(r3.packets).toBe(500);
    const bytes = fs.readFileSync(ng).toString('latin1');
    const comments = bytes.match(/(gateway gw\d|tunnel [a-z-]+\/t\d|reply \(source rewritten|drop [a-z_0-9]+)/g) ?? [];
    expect(comments.length).toBe(500);
  });
});
