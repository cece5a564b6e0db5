/**
 * `gwplane explain`: one synthetic packet through the real data path with the tables as they
 * are at time T of the demo's scenario (gw4 fails at 2 s, detected at 3.5 s, back at 5 s).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/control/config-load.js';
import { explainFlow, type ExplainResult } from '../../src/replay/explain.js';
import { makeHashKey } from '../../src/lb/hash.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cfg = loadConfig(path.join(root, 'fixtures/configs/demo.yaml'));
const key = makeHashKey('explain-test');
const explain = (flow: string, opts: { atS?: number; vsid?: number; vlan?: number } = {}): ExplainResult => {
  const r = explainFlow(cfg, flow, { ...opts, hashKey: key });
  if (typeof r === 'string') throw new Error(r);
  return r;
};

describe('gwplane explain', () => {
  it('SLB NAT: IKE and NAT-T of one tenant name the same gateway and the rule; an unknown source names no_nat_rule', () => {
    const ike = explain('udp 192.0.2.1:500 > 203.0.113.10:500');
    const natt = explain('udp 192.0.2.2:4500 > 203.0.113.10:4500');
    expect(ike.verdict).toBe('gateway');
    expect(natt.gateway).toBe(ike.gateway);
    expect(ike.why.join('\n')).toMatch(/NAT rule: \(203\.0\.113\.10, 192\.0\.2\.1\) of tenant contoso/);
    const none = explain('udp 192.0.2.99:4500 > 203.0.113.10:4500');
    expect(none.verdict).toBe('drop');
    expect(none.drop).toBe('no_nat_rule');
  });

  it('GRE VIP: owned by gw4 before the failure, by the standby that took it over after detection', () => {
    expect(explain('gre 192.0.2.1 > 198.51.100.21', { atS: 0 }).gateway).toBe('gw4');
    const after = explain('gre 192.0.2.1 > 198.51.100.21', { atS: 4 });
    expect(after.gateway).not.toBe('gw4');
    expect(after.generation).toBeGreaterThan(1);
  });

  it('NVGRE: names the site, the Maglev slot and the tunnel; after gw4 fails the flow is on a tunnel of another gateway of the same site', () => {
    const before = explain('tcp 10.127.134.20:40000 > 172.16.0.9:443', { vsid: 5001, atS: 0 });
    expect(before.verdict).toBe('tunnel');
    expect(before.tunnel).toMatch(/^contoso-hq\//);
    expect(before.why.join('\n')).toMatch(/Maglev slot \d+ of 65537/);
    for (let p = 40000; p < 40040; p++) {
      const r = explain(`tcp 10.127.134.20:${p} > 172.16.0.9:443`, { vsid: 5001, atS: 4 });
      expect(r.tunnel).toMatch(/^contoso-hq\//);
      expect(r.gateway).not.toBe('gw4');
    }
    // the same flow under another tenant's VSID is that tenant's, or nobody's
    const other = explain('tcp 10.127.134.20:40000 > 172.16.0.9:443', { vsid: 5002, atS: 0 });
    expect(other.tunnel ?? '').not.toMatch(/^contoso-hq\//);
  });

  it('the CLI: text and --json, and a flow it cannot parse is a usage error (exit 2)', () => {
    const cli = path.join(root, 'dist/src/cli/main.cjs');
    const cfgFile = path.join(root, 'fixtures/configs/demo.yaml');
    const ok = spawnSync(process.execPath, [cli, 'explain', '--config', cfgFile, '--json', '--hash-seed', 's', 'udp 192.0.2.1:4500 > 203.0.113.10:4500'], { encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as ExplainResult).path).toMatch(/SLB NAT/);
    const bad = spawnSync(process.execPath, [cli, 'explain', '--config', cfgFile, 'udp 192.0.2.1:4500 >'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/cannot parse flow/);
  });
});
