/**
 * Bugs the robustness tests found, each with the input that found it (issue 6: "each bug
 * found becomes a regression test with the input that found it").
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReplay } from '../../src/replay/replay.js';
import { LINK_ETHERNET } from '../../src/batch/packet-batch.js';
import { NEXT_DROP, NEXT_TUNNEL } from '../../src/nodes/gateway-forward.js';
import { DROP_NO_ROUTE } from '../../src/stats/drop-reasons.js';
import { ip4FromString } from '../../src/wire/view.js';
import { emitFrame, type Ip } from './gen.js';
import { FuzzStats, runChecked } from './harness.js';
import { ensureCli } from './cli.js';
import { demoConfig, demoPlanes, demoText, KEY, repoRoot } from './planes.js';
import { nvgreFrame, PcapOut, writeDemoTraffic } from './traffic.js';

const ip = ip4FromString;

describe('bug 1: NVGRE whose tenant packet carries a tunnel of its own', () => {
  // Found by fuzz-packets "random chains of up to 8 layers" (seed 3): NVGRE (VSID 5001,
  // contoso) carrying IPv4 10.1.0.7 -> 198.51.100.21 / GRE / IPv4 203.0.113.10 -> 172.16.0.0.
  // The data path routed and hashed the innermost packet (the dissector's il3), and sent only
  // it: the tenant's outer IPv4 and GRE headers were stripped, and a destination with no route
  // (198.51.100.21) reached contoso-hq through the address hidden inside.
  const FOUND =
    '02000000000102000000000208004500005600010000402f46280a010007c6336415200065580013890102000000010102000000010208004500002c00010000402f46520a010007c6336415000008004500001400000000' +
    '0202d0cdcb00710aac100000';

  it('the input that found it: routed by the tenant packet (no route), not by the address inside', () => {
    const p = demoPlanes()[0]!;
    const { outcomes, violations } = runChecked(p.plane, [{ bytes: Buffer.from(FOUND, 'hex'), link: LINK_ETHERNET, nvgreInner: 56 }], new FuzzStats());
    expect(violations).toEqual([]);
    expect(outcomes[0]!.next).toBe(NEXT_DROP);
    expect(outcomes[0]!.drop).toBe(DROP_NO_ROUTE);
  });

  const leaf: Ip = { src: ip('10.9.9.9'), dst: ip('172.18.0.1'), ttl: 64, id: 3, mf: false, fragOff: 0, options: [], l4: { k: 'udp', sport: 1000, dport: 2000, zeroCsum: false, data: { k: 'bytes', len: 12 } } };
  const tenantCarrying = (l4: Ip['l4']): Ip => ({ src: ip('10.127.134.20'), dst: ip('172.16.1.1'), ttl: 64, id: 9, mf: false, fragOff: 0, options: [], l4 });
  const kinds: Array<[string, Ip['l4']]> = [
    ['GRE', { k: 'gre', csum: false, key: 7, seq: null, inner: { k: 'ip', ip: leaf } }],
    ['IP-in-IP', { k: 'ipip', inner: leaf }],
    ['VXLAN', { k: 'udp', sport: 33000, dport: 4789, zeroCsum: false, data: { k: 'vxlan', vni: 5, inner: { vlans: [{ tpid: 0x8100, id: 7 }], ip: leaf } } }],
  ];
  for (const [name, l4] of kinds) {
    it(`a tenant packet to 172.16.1.1 carrying ${name} to 172.18.0.1 goes to contoso-hq whole`, () => {
      // contoso (VSID 5001) routes 172.16/16 to contoso-hq; 172.18/16 is fabrikam's.
      const e = emitFrame({ raw: false, eth: { vlans: [], ip: { src: ip('10.1.0.7'), dst: ip('198.51.100.21'), ttl: 64, id: 1, mf: false, fragOff: 0, options: [], l4: { k: 'gre', csum: false, key: (5001 << 8) | 1, seq: null, inner: { k: 'eth', eth: { vlans: [], ip: tenantCarrying(l4) } } } } } });
      const p = demoPlanes()[0]!;
      const { outcomes, violations } = runChecked(p.plane, [{ bytes: e.bytes, link: e.link, pristine: true, nvgreInner: e.nvgreInner, tunnelDepth: e.tunnelDepth, maxTags: e.maxTags }], new FuzzStats());
      expect(violations).toEqual([]);
      expect(outcomes[0]!.next).toBe(NEXT_TUNNEL);
      expect(p.plane.ctl.tunnelNames[outcomes[0]!.target]).toMatch(/^contoso-hq\//);
      // GRE to the tunnel's remote device, then the tenant's packet byte for byte
      const out = outcomes[0]!.out!;
      const tenant = e.bytes.subarray(e.nvgreInner);
      expect(out.subarray(out.length - tenant.length).equals(tenant)).toBe(true);
    });
  }
});

describe('bug 2: failures detected in the same probe round were all blamed on the last one', () => {
  // Found by faults.test.ts "simultaneous failures in three pools": gw1, gw4 and gw7 fail at
  // t = 2.0 s and are detected together at 3.5 s. The scorecard put gw4's tunnels (and the
  // flows that had to move off them) under gw7, an L3 gateway that ends no tunnel, because
  // the replay compared the tunnels' state before and after the whole probe round and gave
  // the difference to the last detection of the round.
  it('each failure is charged with its own tunnels and moved flows', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-reg2-'));
    try {
      const cap = path.join(dir, 'demo.pcap');
      writeDemoTraffic(cap, { seconds: 5, pps: 1500, flows: 600, seed: 6 });
      const cfg = demoConfig((t) => t.replace(/scenario:[\s\S]*$/, 'scenario:\n' + ['gw1', 'gw4', 'gw7'].map((g) => `  - { at: 2.0, event: gateway_down, gateway: ${g} }`).join('\n') + '\n'));
      const r = runReplay({ read: cap, config: cfg, hashKey: KEY });
      const row = (g: string) => r.scorecard.find((x) => x.target === g)!;
      expect(row('gw4').tunnels_down).toEqual(['contoso-hq/t1', 'woodgrove-dc/t1', 'woodgrove-dc/t2']);
      expect(row('gw4').flows_moved).toBeGreaterThan(0);
      expect(row('gw4').flows_moved).toBe(row('gw4').flows_minimum);
      for (const g of ['gw1', 'gw7']) expect([row(g).tunnels_down, row(g).flows_moved, row(g).flows_minimum]).toEqual([[], 0, 0]);
      expect(r.stickinessViolations).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bug 3: a mapping with many keys took quadratic time to validate', () => {
  // Found by config.test.ts "other hostile texts": a config of 50,000 unknown top-level keys
  // (`k0: 1` ... `k49999: 1`, 400 KB) kept `gwplane replay --config` busy for minutes: for
  // each unknown key the loader rescanned the whole mapping for its "did you mean" candidates,
  // and yaml's duplicate-key check compared each key with every earlier one (O(n^2) each).
  // Now: candidates once per mapping, duplicates found with a Set (same message and position).
  it('50,000 unknown keys and 20,000 duplicate keys give their ConfigError in a child that may take 60 s', () => {
    const script = `
      import { parseConfig } from ${JSON.stringify(new URL('dist/src/control/config-load.js', `file://${repoRoot}/`).href)};
      const out = [];
      for (const text of [
        Array.from({ length: 50000 }, (_, i) => 'k' + i + ': 1').join('\\n'),
        Array.from({ length: 20000 }, () => 'slb: 1').join('\\n'),
      ]) {
        try { parseConfig(text, 'many.yaml'); out.push('parsed'); } catch (e) { out.push([e.message, e.errors.length]); }
      }
      process.stdout.write(JSON.stringify(out));
    `;
    ensureCli();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.signal, 'killed by the 60 s timeout: quadratic again').toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const [unknown, dup] = JSON.parse(r.stdout) as Array<[string, number]>;
    expect(unknown![0]).toBe("many.yaml:1:1: k0: unknown key 'k0' (expected one of: slb, delivery, pools, gateways, tenants, sites, health, flow_table, hash, maglev, scenario)");
    expect(unknown![1]).toBe(50_003); // every unknown key, and the three missing required ones
    expect(dup![0]).toBe('many.yaml:2:1: (syntax): Map keys must be unique');
    expect(dup![1]).toBe(19_999);
  });
});

describe('bugs 4 and 5: capture timestamps are untrusted too', () => {
  const flow = (): Buffer => nvgreFrame(5001, ip('10.127.134.20'), ip('172.16.0.9'), 40000, 443, true);

  // Bug 4, found by the faults/flood work on generated captures and reproduced with two packets:
  // a packet earlier than the first one (out-of-order timestamps, common in multi-queue
  // captures) made the replay throw "TypeError: Cannot read properties of undefined" (its time
  // series index went negative), so `gwplane replay` ended with an internal error.
  it('bug 4: a timestamp earlier than the first packet\'s is counted, not a crash', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-reg4-'));
    try {
      const f = path.join(dir, 'backwards.pcap');
      const out = PcapOut.toFile(f);
      out.packet(flow(), 5e9);
      out.packet(flow(), 4e9); // one second before the first
      out.packet(flow(), 6e9);
      out.close();
      const r = runReplay({ read: f, config: demoConfig(), hashKey: KEY });
      expect(r.counters.tx).toBe(3);
      expect(r.series.buckets[0]!.reduce((a, b) => a + b, 0)).toBe(2); // the first and the early one
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // Bug 5, found by captures.test.ts 'through the replay' in the long run (npm run fuzz), which
  // hung: a corruption had set a pcapng timestamp to 0xffffffff seconds. The replay advanced its
  // health probes round by round to every packet's time (8.6e9 rounds of 500 ms for 136 years:
  // a hang) and grew its time series to the packet's 100 ms bucket (4e10 arrays: out of memory).
  // Now probe rounds that cannot change anything are skipped, and the series stops at
  // MAX_SERIES_BUCKETS with a warning.
  it('bug 5: a timestamp 2^32 - 1 seconds after the first: done in a child that may take 60 s, in bounded memory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gwplane-reg5-'));
    try {
      const f = path.join(dir, 'jump.pcap');
      const out = PcapOut.toFile(f);
      out.packet(flow(), 0);
      out.packet(flow(), 0xffffffff * 1e9);
      out.close();
      const cfg = path.join(dir, 'demo.yaml');
      fs.writeFileSync(cfg, demoText);
      ensureCli();
      const r = spawnSync(process.execPath, ['-e', `
        import(${JSON.stringify(new URL('dist/src/replay/replay.js', `file://${repoRoot}/`).href)}).then(async ({ runReplay }) => {
          const { loadConfig } = await import(${JSON.stringify(new URL('dist/src/control/config-load.js', `file://${repoRoot}/`).href)});
          const r = runReplay({ read: ${JSON.stringify(f)}, config: loadConfig(${JSON.stringify(cfg)}) });
          process.stdout.write(JSON.stringify({ tx: r.counters.tx, buckets: r.series.buckets.length, warnings: r.warnings, maxRssKiB: process.resourceUsage().maxRSS }));
        });
      `], { encoding: 'utf8', timeout: 60_000 });
      expect(r.signal, 'killed by the 60 s timeout: a hang').toBeNull();
      expect(r.status, r.stderr).toBe(0);
      const got = JSON.parse(r.stdout) as { tx: number; buckets: number; warnings: string[]; maxRssKiB: number };
      expect(got.tx).toBe(2);
      expect(got.buckets).toBe(1);
      expect(got.warnings.some((w) => /time series cut/.test(w))).toBe(true);
      expect(got.maxRssKiB).toBeLessThan(512 * 1024);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
