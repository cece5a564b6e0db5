/**
 * `gwplane config check`: on the demo config it prints the placement documented at the top of
 * fixtures/configs/demo.yaml, the pools, and the Maglev shares per site against the weights;
 * on every broken config of fixtures/configs/bad/ it names the line and column of the file's
 * `# expect: L:C field` comment and exits 2.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli/main.cjs');
const demo = path.join(root, 'fixtures/configs/demo.yaml');
const badDir = path.join(root, 'fixtures/configs/bad');

function gw(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same, without blocking: the broken-config cases run a few at a time. */
function gwAsync(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    c.on('error', reject);
    c.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

// From the comment at the top of demo.yaml ("Expected placement").
const PLACEMENT: Array<[tenant: string, connection: string, type: string, mbps: number, pool: string, gateway: string]> = [
  ['contoso', 'contoso-s2s', 'ikev2', 300, 'pool-ike', 'gw1'],
  ['contoso', 'contoso-gre', 'gre', 100, 'pool-gre', 'gw4'],
  ['contoso', 'contoso-l3', 'l3', 100, 'pool-l3', 'gw7'],
  ['woodgrove', 'woodgrove-s2s', 'ikev2', 300, 'pool-ike', 'gw2'],
  ['woodgrove', 'woodgrove-gre', 'gre', 100, 'pool-gre', 'gw4'],
  ['woodgrove', 'woodgrove-l3', 'l3', 100, 'pool-l3', 'gw7'],
  ['fabrikam', 'fabrikam-s2s', 'ikev2', 100, 'pool-ike', 'gw1'],
];
const NAT: Array<[publicIp: string, gateway: string, dip: string]> = [
  ['192.0.2.1', 'gw1', '10.0.0.11'],
  ['192.0.2.2', 'gw1', '10.0.0.11'],
  ['198.51.100.1', 'gw2', '10.0.0.12'],
  ['198.51.100.2', 'gw2', '10.0.0.12'],
  ['192.0.2.50', 'gw1', '10.0.0.11'],
];

describe('config check on the demo config', () => {
  it('the placement documented in demo.yaml is what the file says', () => {
    const head = fs.readFileSync(demo, 'utf8');
    expect(head).toContain('contoso-s2s 300 -> gw1');
    expect(head).toContain('woodgrove-s2s 300 ->\n#                gw2');
    expect(head).toContain('fabrikam-s2s 100 -> gw1');
    expect(head).toContain('contoso-gre and woodgrove-gre -> gw4');
    expect(head).toContain('contoso-l3 (VLAN 1001) and woodgrove-l3 (VLAN 1002) -> gw7');
  });

  it('prints each connection placement, pools, gateways, Maglev shares and NAT rules', () => {
    const r = gw('config', 'check', demo);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = r.stdout;
    expect(out).toMatch(/valid \(3 pools, 8 gateways, 7 connections, 3 sites, 7 tunnels\)/);
    for (const [tenant, conn, type, mbps, pool, gateway] of PLACEMENT) {
      expect(out).toMatch(new RegExp(`^\\s+${tenant}\\s+${conn}\\s+${type}\\s+${mbps}\\s+${pool}\\s+${gateway}\\s`, 'm'));
    }
    expect(out).toMatch(/^\s+contoso\s+contoso-gre\s.*GRE VIP 198\.51\.100\.21$/m);
    expect(out).toMatch(/^\s+contoso\s+contoso-l3\s.*VLAN 1001 CA IP 10\.127\.134\.1 \(peer 10\.127\.134\.2\)$/m);
    expect(out).toMatch(/^\s+pool-ike\s+ikev2\s+gw1, gw2\s+gw3$/m);
    expect(out).toMatch(/^\s+pool-gre\s+gre\s+gw4, gw5\s+gw6$/m);
    expect(out).toMatch(/^\s+pool-l3\s+l3\s+gw7\s+gw8$/m);
    expect(out).toMatch(/^\s+gw1\s+pool-ike\s+active\s+10\.0\.0\.11\s+-\s+400\/500\s+80\.0%\s+contoso-s2s, fabrikam-s2s$/m);
    for (const [ip, g, dip] of NAT) expect(out).toMatch(new RegExp(`^\\s+203\\.0\\.113\\.10\\s+${ip.replace(/\./g, '\\.')}\\s+\\S+\\s+\\S+\\s+${g}\\s+${dip.replace(/\./g, '\\.')}$`, 'm'));
    // contoso-hq: two tunnels of weight 1, half the table each
    expect(out).toMatch(/^\s+contoso-hq \(tenant contoso; 172\.16\.0\.0\/16; 65537 slots\)$/m);
    expect(out).toMatch(/^\s+t1\s+gw4\s+198\.51\.100\.21 -> 192\.0\.2\.101\s+1001\s+1\s+50\.00%\s+3276[89]\s+50\.00%/m);
    expect(out).toMatch(/single tunnel: its local IP moves to gw5 on failure/);
  });

  it('--json: the same as one object; every site table split by weight', () => {
    const r = gw('config', 'check', demo, '--json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(true);
    expect(j.connections.map((c: Record<string, unknown>) => [c.tenant, c.name, c.type, c.bandwidth_mbps, c.pool, c.gateway])).toEqual(PLACEMENT);
    expect(j.connections.find((c: { name: string }) => c.name === 'woodgrove-l3')).toMatchObject({ vlan: 1002, ca_ip: '10.127.134.1', peer_ip: '10.127.134.2' });
    expect(j.pools).toEqual([
      { name: 'pool-ike', kind: 'ikev2', active: ['gw1', 'gw2'], standby: ['gw3'] },
      { name: 'pool-gre', kind: 'gre', active: ['gw4', 'gw5'], standby: ['gw6'] },
      { name: 'pool-l3', kind: 'l3', active: ['gw7'], standby: ['gw8'] },
    ]);
    expect(j.nat.map((n: Record<string, string>) => [n.public_ip, n.gateway, n.dip])).toEqual(NAT);
    expect(j.gateways.find((g: { name: string }) => g.name === 'gw4')).toMatchObject({ used_mbps: 200, capacity_mbps: 1000, connections: ['contoso-gre', 'woodgrove-gre'] });
    expect(j.sites.map((s: { name: string }) => s.name)).toEqual(['contoso-hq', 'woodgrove-dc', 'fabrikam-branch']);
    for (const s of j.sites as Array<{ maglev_size: number; tunnels: Array<{ weight: number; slots: number; share_pct: number; expected_pct: number }> }>) {
      expect(s.tunnels.reduce((a, t) => a + t.slots, 0)).toBe(s.maglev_size); // every slot has a tunnel
      const wsum = s.tunnels.reduce((a, t) => a + t.weight, 0);
      for (const t of s.tunnels) {
        expect(t.expected_pct).toBeCloseTo((100 * t.weight) / wsum, 2);
        expect(Math.abs(t.slots - (s.maglev_size * t.weight) / wsum)).toBeLessThanOrEqual(1); // Maglev: +-1 slot
      }
    }
    expect(j.sites[1].tunnels.map((t: { name: string; gateway: string }) => `${t.name}@${t.gateway}`)).toEqual(['t1@gw4', 't2@gw4', 't3@gw5', 't4@gw5']);
  });

  it('unequal weights: the shares follow the weights', () => {
    const text = fs.readFileSync(demo, 'utf8').replace('key: 1002, weight: 1', 'key: 1002, weight: 3');
    const tmp = path.join(fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'gwplane-cfg-')), 'weights.yaml');
    fs.writeFileSync(tmp, text);
    try {
      const j = JSON.parse(gw('config', 'check', tmp, '--json').stdout);
      const [t1, t2] = j.sites[0].tunnels;
      expect([t1.weight, t2.weight]).toEqual([1, 3]);
      expect([t1.expected_pct, t2.expected_pct]).toEqual([25, 75]);
      expect(Math.abs(t1.share_pct - 25)).toBeLessThan(0.01);
      expect(Math.abs(t2.share_pct - 75)).toBeLessThan(0.01);
    } finally {
      fs.rmSync(path.dirname(tmp), { recursive: true, force: true });
    }
  });
});

const badFiles = fs.readdirSync(badDir).filter((f) => f.endsWith('.yaml')).sort();

describe('config check on broken configs', () => {
  it('there are broken fixtures, each with an expect line', () => {
    expect(badFiles.length).toBeGreaterThan(50);
    for (const f of badFiles) expect(fs.readFileSync(path.join(badDir, f), 'utf8').split('\n')[0], f).toMatch(/^# expect: \d+:\d+ \S+/);
  });

  it.concurrent.each(badFiles)('%s: error at the expected line:col, exit 2', async (f) => {
    const file = path.join(badDir, f);
    const m = /^# expect: (\d+):(\d+) (\S+)/.exec(fs.readFileSync(file, 'utf8').split('\n')[0]!)!;
    const [, line, col, field] = m;
    const r = await gwAsync('config', 'check', file);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    const first = r.stderr.split('\n')[0]!;
    expect(first).toBe(first.trimEnd());
    expect(first.startsWith(`gwplane: error: ${file}:${line}:${col}: ${field}: `), first).toBe(true);
    expect(first.length).toBeGreaterThan(`gwplane: error: ${file}:${line}:${col}: ${field}: `.length); // says what is wrong
  });

  it('--json on a broken config: ok false with the positions, exit 2', () => {
    const file = path.join(badDir, 'bad-ip.yaml');
    const r = gw('config', 'check', file, '--json');
    expect(r.status).toBe(2);
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(false);
    expect(j.errors[0]).toMatchObject({ file, line: 9, col: 10, field: 'gateways[1].dip' });
    expect(r.stderr).toMatch(new RegExp(`^gwplane: error: ${file.replace(/[.]/g, '\\.')}:9:10: gateways\\[1\\]\\.dip: `));
  });

  it('a missing file is an error naming it, exit 2', () => {
    const r = gw('config', 'check', path.join(badDir, 'no-such-file.yaml'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no-such-file\.yaml:1:1: \(file\): cannot read/);
  });
});
