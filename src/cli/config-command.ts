/**
 * `gwplane config check FILE [--json]`: validate a configuration, then show what the
 * controller derives from it at start: each connection's placement (best fit on bandwidth),
 * each pool's active and standby gateways, each gateway's used/capacity, each site's tunnels
 * with their share of the site's Maglev table against their weight (counted in the table the
 * Controller builds, not recomputed), the SLB NAT rules, GRE VIP and CA IP owners.
 *
 * An invalid config: every problem found, one `file:line:col: field: what` line each on
 * stderr (the first is the one `replay` would report), exit 2; with `--json` also
 * `{ ok: false, errors: [...] }` on stdout.
 */
import { ConfigError } from '../control/config-error.js';
import { loadConfig } from '../control/config-load.js';
import type { GwConfig } from '../control/config-schema.js';
import { Controller } from '../control/controller.js';
import type { NatRule, PlacedConnection } from '../control/placement.js';
import { EXIT_USAGE } from './exit-codes.js';
import { stdout } from './output.js';

export interface ConfigCheckOptions {
  json?: boolean;
}

export interface TunnelShare {
  name: string;
  gateway: string;
  local_ip: string;
  remote_ip: string;
  key: number | null;
  weight: number;
  /** weight / sum of the site's weights, in %. */
  expected_pct: number;
  /** Slots of the site's Maglev table that point at this tunnel. */
  slots: number;
  /** slots / table size, in %. */
  share_pct: number;
}

export interface ConfigCheckResult {
  file: string;
  ok: true;
  slb_vips: string[];
  connections: Array<PlacedConnection & { address: string }>;
  pools: Array<{ name: string; kind: string; active: string[]; standby: string[] }>;
  gateways: Array<{ name: string; pool: string; role: string; dip: string; gre_vip: string | null; used_mbps: number; capacity_mbps: number; used_pct: number; connections: string[] }>;
  sites: Array<{ name: string; tenant: string; prefixes: string[]; maglev_size: number; fallback: string | null; tunnels: TunnelShare[] }>;
  nat: NatRule[];
  gre_vips: Array<{ vip: string; gateway: string }>;
  l3: Array<{ vlan: number; ca_ip: string; peer_ip: string; tenant: string; connection: string; gateway: string }>;
  scenario: Array<{ at: number; event: string; target: string }>;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** What the controller derives from a valid config. */
export function deriveConfig(cfg: GwConfig, file: string): ConfigCheckResult {
  const ctl = new Controller(cfg);
  const p = ctl.placement;
  const natByTenant = new Map<string, string[]>();
  for (const r of p.nat) natByTenant.set(r.tenant, [...(natByTenant.get(r.tenant) ?? []), r.public_ip]);
  const connections = p.connections.map((c) => {
    let address: string;
    if (c.type === 'ikev2') address = `SLB VIP ${cfg.slb.vips.join(', ')} <- ${[...new Set(natByTenant.get(c.tenant) ?? [])].join(', ') || '(no public IP)'}`;
    else if (c.type === 'gre') address = `GRE VIP ${c.gre_vip ?? '?'}`;
    else address = `VLAN ${c.vlan} CA IP ${c.ca_ip} (peer ${c.peer_ip})`;
    return { ...c, address };
  });
  const gwCfg = new Map(cfg.gateways.map((g) => [g.name, g]));
  const gateways = p.gateways.map((g) => ({
    name: g.name,
    pool: g.pool,
    role: g.role,
    dip: gwCfg.get(g.name)!.dip,
    gre_vip: gwCfg.get(g.name)!.gre_vip,
    used_mbps: g.used_mbps,
    capacity_mbps: g.capacity_mbps,
    used_pct: round2((100 * g.used_mbps) / g.capacity_mbps),
    connections: g.connections,
  }));
  const size = cfg.maglev.size;
  const sites = cfg.sites.map((s, si) => {
    const table = ctl.tables.siteMaglev[si]!;
    const counts = new Map<number, number>();
    for (let k = 0; k < table.length; k++) counts.set(table[k]!, (counts.get(table[k]!) ?? 0) + 1);
    const wsum = s.tunnels.reduce((a, t) => a + t.weight, 0);
    const tunnels = s.tunnels.map((t) => {
      const idx = ctl.tunnelIndex.get(`${s.name}/${t.name}`)!;
      const slots = counts.get(idx) ?? 0;
      return {
        name: t.name,
        gateway: t.gateway,
        local_ip: t.local_ip,
        remote_ip: t.remote_ip,
        key: t.key,
        weight: t.weight,
        expected_pct: round2(wsum > 0 ? (100 * t.weight) / wsum : 0),
        slots,
        share_pct: round2((100 * slots) / table.length),
      };
    });
    return {
      name: s.name,
      tenant: s.tenant,
      prefixes: s.prefixes,
      maglev_size: size,
      fallback: s.tunnels.length === 1 ? (p.tunnel_fallback[s.name] ?? null) : null,
      tunnels,
    };
  });
  return {
    file,
    ok: true,
    slb_vips: cfg.slb.vips,
    connections,
    pools: p.pools.map((x) => ({ name: x.name, kind: x.kind, active: x.active, standby: x.standby })),
    gateways,
    sites,
    nat: p.nat,
    gre_vips: Object.entries(p.gre_vips).map(([vip, gateway]) => ({ vip, gateway })),
    l3: Object.values(p.l3).map((o) => ({ vlan: o.vlan, ca_ip: o.ca_ip, peer_ip: o.peer_ip, tenant: o.tenant, connection: o.connection, gateway: o.gateway })),
    scenario: cfg.scenario.map((e) => ({ at: e.at, event: e.event, target: 'gateway' in e ? e.gateway : `${e.site}/${e.tunnel}` })),
  };
}

function table(rows: string[][], indent = '  '): string {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const numeric = (s: string): boolean => /^[-+]?\d+(\.\d+)?%?$/.test(s) || /^\d+\/\d+$/.test(s);
  // A column whose every value is a number is right-aligned, its heading too.
  const right = rows[0]!.map((_, c) => rows.length > 1 && rows.slice(1).every((r) => numeric(r[c] ?? '')));
  return rows.map((r) => indent + r.map((cell, c) => (right[c] ? cell.padStart(w[c]!) : cell.padEnd(w[c]!))).join('  ').trimEnd()).join('\n');
}

/** The text form of a check result. */
export function configCheckText(r: ConfigCheckResult): string {
  const out: string[] = [];
  const nt = r.sites.reduce((a, s) => a + s.tunnels.length, 0);
  out.push(
    `${r.file}: valid (${r.pools.length} pools, ${r.gateways.length} gateways, ${r.connections.length} connections, ${r.sites.length} sites, ${nt} tunnels)`,
  );
  out.push('');
  out.push('Connections (best fit on bandwidth, in file order):');
  if (r.connections.length === 0) out.push('  (none)');
  else
    out.push(
      table([
        ['tenant', 'connection', 'type', 'Mbps', 'pool', 'gateway', 'reached at'],
        ...r.connections.map((c) => [c.tenant, c.name, c.type, String(c.bandwidth_mbps), c.pool, c.gateway, c.address]),
      ]),
    );
  out.push('');
  out.push('Pools (standby in takeover order):');
  out.push(table([['pool', 'kind', 'active', 'standby'], ...r.pools.map((p) => [p.name, p.kind, p.active.join(', ') || '-', p.standby.join(', ') || '-'])]));
  out.push('');
  out.push('Gateways:');
  out.push(
    table([
      ['gateway', 'pool', 'role', 'DIP', 'GRE VIP', 'used/capacity Mbps', 'used', 'connections'],
      ...r.gateways.map((g) => [g.name, g.pool, g.role, g.dip, g.gre_vip ?? '-', `${g.used_mbps}/${g.capacity_mbps}`, `${g.used_pct.toFixed(1)}%`, g.connections.join(', ') || '-']),
    ]),
  );
  out.push('');
  out.push("Sites (each tunnel's share of the site's Maglev table against its weight):");
  if (r.sites.length === 0) out.push('  (none)');
  for (const s of r.sites) {
    const fb = s.tunnels.length === 1 ? (s.fallback ? `; single tunnel: its local IP moves to ${s.fallback} on failure` : '; single tunnel, no other active gateway to move to') : '';
    out.push(`  ${s.name} (tenant ${s.tenant}; ${s.prefixes.join(', ')}; ${s.maglev_size} slots${fb})`);
    out.push(
      table(
        [
          ['tunnel', 'gateway', 'local -> remote', 'key', 'weight', 'expected', 'slots', 'share', 'diff (points)'],
          ...s.tunnels.map((t) => [
            t.name,
            t.gateway,
            `${t.local_ip} -> ${t.remote_ip}`,
            t.key === null ? '-' : String(t.key),
            String(t.weight),
            `${t.expected_pct.toFixed(2)}%`,
            String(t.slots),
            `${t.share_pct.toFixed(2)}%`,
            `${(t.share_pct - t.expected_pct >= 0 ? '+' : '') + (t.share_pct - t.expected_pct).toFixed(2)}`,
          ]),
        ],
        '    ',
      ),
    );
  }
  out.push('');
  out.push('SLB NAT rules (VIP, source IP -> gateway DIP):');
  if (r.nat.length === 0) out.push('  (none)');
  else out.push(table([['VIP', 'source IP', 'tenant', 'connection', 'gateway', 'DIP'], ...r.nat.map((n) => [n.vip, n.public_ip, n.tenant, n.connection, n.gateway, n.dip])]));
  out.push('');
  out.push('GRE VIPs and CA IPs (owners at start):');
  const own = [...r.gre_vips.map((g) => ['GRE VIP', g.vip, '-', g.gateway]), ...r.l3.map((l) => ['CA IP', l.ca_ip, `${l.vlan} (${l.tenant})`, l.gateway])];
  if (own.length === 0) out.push('  (none)');
  else out.push(table([['kind', 'address', 'VLAN', 'gateway'], ...own]));
  if (r.scenario.length > 0) {
    out.push('');
    out.push('Scenario:');
    out.push(table([['at s', 'event', 'target'], ...r.scenario.map((e) => [e.at.toFixed(3), e.event, e.target])]));
  }
  return out.join('\n') + '\n';
}

export function runConfigCheck(file: string, o: ConfigCheckOptions): void {
  let cfg: GwConfig;
  let result: ConfigCheckResult;
  try {
    cfg = loadConfig(file);
    result = deriveConfig(cfg, file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const list = e.errors.length > 0 ? e.errors : [e];
    process.stderr.write(list.map((x) => `gwplane: error: ${x.message}\n`).join(''));
    if (o.json) {
      const errors = list.map((x) => ({ file: x.file, line: x.line, col: x.col, field: x.field, what: x.what, message: x.message }));
      stdout().write(JSON.stringify({ file, ok: false, errors }, null, 2) + '\n');
    }
    process.exitCode = EXIT_USAGE;
    return;
  }
  stdout().write(o.json ? JSON.stringify(result, null, 2) + '\n' : configCheckText(result));
}
