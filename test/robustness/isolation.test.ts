/**
 * Issue 6, item 4: tenant isolation, as fast-check properties.
 *
 * Each run draws a configuration of 2 to 5 tenants whose customer address spaces overlap
 * completely (every tenant has the same CA IP 10.127.134.1 on its own VLAN, and a site for the
 * same prefixes 172.16.0.0/16 and 10.200.0.0/16 behind its own tunnels), a sequence of control
 * changes (gateways failing and returning, takeovers, tunnels down, weights, gateways dead but
 * not yet detected), and random traffic with spoofed VSIDs, VLANs and source addresses. For
 * every packet the verdict is checked against what the tenant that the packet *claims* to be
 * (by source IP, VSID or VLAN) is entitled to:
 *
 *   - to an SLB VIP: only from a tenant's public IP, and then only to the gateway that hosts
 *     that tenant's ikev2 connection, rewritten to that gateway's DIP; from any other source
 *     `no_nat_rule`;
 *   - NVGRE: only on a tunnel of a site of the VSID's tenant whose prefix holds the inner
 *     destination; an unknown VSID `unknown_vsid`;
 *   - 802.1Q: only to the gateway that owns (VLAN, CA IP) of the VLAN's tenant; another
 *     tenant's CA on this VLAN, or a VLAN of nobody, reaches no gateway by the L3 path.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/control/config-load.js';
import type { GwConfig } from '../../src/control/config-schema.js';
import { makeHashKey } from '../../src/lb/hash.js';
import { NEXT_DROP, NEXT_GATEWAY, NEXT_REPLY, NEXT_TUNNEL } from '../../src/nodes/gateway-forward.js';
import { DROP_NO_NAT_RULE, DROP_UNKNOWN_VSID } from '../../src/stats/drop-reasons.js';
import { IKE_SA_INIT } from '../../src/wire/ike.js';
import { ip4FromString } from '../../src/wire/view.js';
import { fuzzRuns, fuzzSeed, recordFigures } from './figures.js';
import { emitFrame, type FrameSpec, type Ip, type L4 } from './gen.js';
import { FuzzStats, Plane, runChecked } from './harness.js';

const RUNS = fuzzRuns(60);
const SEED = fuzzSeed(0x150);
const ip = ip4FromString;
const VIP = '203.0.113.10';
const CA = '10.127.134.1';
const PREFIXES = ['172.16.0.0/16', '10.200.0.0/16'];

const pub = (t: number, j: number): string => (j === 0 ? `192.0.2.${10 + t}` : `198.51.100.${40 + t}`);

/** A configuration of `n` tenants with the same CA IP and the same site prefixes. */
function isolationConfig(n: number, weights: number[], delivery: 'mac' | 'ipip', symmetric: boolean): GwConfig {
  const gws = [
    ...[1, 2, 3].map((k) => ({ name: `gw${k}`, dip: `10.0.0.${10 + k}`, mac: `02:00:00:00:00:1${k}`, pool: 'pool-ike', role: k === 3 ? 'standby' : 'active', capacity_mbps: 1000 })),
    ...[4, 5, 6].map((k) => ({ name: `gw${k}`, dip: `10.0.0.${10 + k}`, mac: `02:00:00:00:00:1${k}`, pool: 'pool-gre', role: k === 6 ? 'standby' : 'active', capacity_mbps: 1000, ...(k < 6 ? { gre_vip: `198.51.100.${17 + k}` } : {}) })),
    ...[7, 8, 9].map((k) => ({ name: `gw${k}`, dip: `10.0.0.${10 + k}`, mac: `02:00:00:00:00:1${k}`, pool: 'pool-l3', role: k === 9 ? 'standby' : 'active', capacity_mbps: 1000 })),
  ];
  const tenants = Array.from({ length: n }, (_, t) => ({
    name: `t${t}`,
    vsid: 5001 + t,
    public_ips: [pub(t, 0), pub(t, 1)],
    connections: [
      { name: `t${t}-s2s`, type: 'ikev2', bandwidth_mbps: 10 + t },
      { name: `t${t}-gre`, type: 'gre', bandwidth_mbps: 10 },
      { name: `t${t}-l3`, type: 'l3', bandwidth_mbps: 10 + t, vlan: 1001 + t, ca_ip: CA, peer_ip: '10.127.134.2' },
    ],
  }));
  const sites = Array.from({ length: n }, (_, t) => ({
    name: `t${t}-hq`,
    tenant: `t${t}`,
    prefixes: PREFIXES,
    tunnels: [
      { name: 'a', gateway: 'gw4', local_ip: '198.51.100.21', remote_ip: `192.0.2.${100 + 2 * t}`, key: 1000 + 10 * t, weight: weights[2 * t]! },
      { name: 'b', gateway: 'gw5', local_ip: '198.51.100.22', remote_ip: `192.0.2.${101 + 2 * t}`, key: 1001 + 10 * t, weight: weights[2 * t + 1]! },
    ],
  }));
  const cfg = {
    slb: { vips: [VIP] },
    delivery,
    pools: [
      { name: 'pool-ike', kind: 'ikev2', active: 2, standby: 1 },
      { name: 'pool-gre', kind: 'gre', active: 2, standby: 1 },
      { name: 'pool-l3', kind: 'l3', active: 2, standby: 1 },
    ],
    gateways: gws,
    tenants,
    sites,
    health: { interval_ms: 500, fall: 3, rise: 2, preempt: true },
    flow_table: { capacity: 4096 },
    hash: { kind: 'keyed', key: 'isolation', symmetric },
    maglev: { size: 4099 },
  };
  return parseConfig(JSON.stringify(cfg, null, 1), 'isolation.json');
}

// ------------------------------------------------------------------ traffic with spoofing

type Packet =
  | { k: 'slb'; src: number; l4: L4 }
  | { k: 'nvgre'; vsid: number; isrc: number; idst: number; l4: L4 }
  | { k: 'l3'; vlan: number; dst: number; l4: L4 }
  | { k: 'reply'; gw: number; dst: number; l4: L4 };

const leaf: fc.Arbitrary<L4> = fc.oneof(
  fc.record({ sport: fc.integer({ min: 1024, max: 65535 }), dport: fc.integer({ min: 1024, max: 4000 }) }).map(({ sport, dport }): L4 => ({ k: 'tcp', sport, dport, flags: 0x18, options: [], data: 8 })),
  fc.record({ sport: fc.integer({ min: 1024, max: 65535 }), dport: fc.integer({ min: 5000, max: 65535 }) }).map(({ sport, dport }): L4 => ({ k: 'udp', sport, dport, zeroCsum: false, data: { k: 'bytes', len: 16 } })),
  fc.integer({ min: 1, max: 0x7fffffff }).map((spi): L4 => ({ k: 'esp', spi, seq: 1, data: 16 })),
);
const toVip: fc.Arbitrary<L4> = fc.oneof(
  fc.constant<L4>({ k: 'udp', sport: 500, dport: 500, zeroCsum: false, data: { k: 'ike', exch: IKE_SA_INIT, extra: 8 } }),
  fc.integer({ min: 1, max: 0x7fffffff }).map((spi): L4 => ({ k: 'udp', sport: 4500, dport: 4500, zeroCsum: false, data: { k: 'natt-esp', spi, seq: 1, len: 24 } })),
  fc.constant<L4>({ k: 'udp', sport: 4500, dport: 4500, zeroCsum: false, data: { k: 'natt-ike', exch: IKE_SA_INIT } }),
  fc.integer({ min: 1, max: 0x7fffffff }).map((spi): L4 => ({ k: 'esp', spi, seq: 7, data: 24 })),
);
const anyAddr = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const caSpace = fc.oneof(fc.constant(ip(CA)), fc.integer({ min: 0, max: 255 }).map((h) => (ip('10.127.134.0') | h) | 0));
const innerDst = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((h) => (ip('172.16.0.0') | h) | 0),
  fc.integer({ min: 0, max: 0xffff }).map((h) => (ip('10.200.0.0') | h) | 0),
  caSpace,
  anyAddr,
);

function packetArb(n: number): fc.Arbitrary<Packet> {
  const tenant = fc.integer({ min: 0, max: n - 1 });
  return fc.oneof(
    // to the VIP: a tenant's public IP, another address of the tenants' ranges, or anything
    fc.record({ src: fc.oneof(tenant.chain((t) => fc.constantFrom(ip(pub(t, 0)), ip(pub(t, 1)))), fc.integer({ min: 0, max: 255 }).map((h) => (ip('192.0.2.0') | h) | 0), anyAddr), l4: toVip })
      .map((x): Packet => ({ k: 'slb', ...x })),
    // NVGRE: a tenant's VSID or a spoofed one
    fc.record({ vsid: fc.oneof(tenant.map((t) => 5001 + t), fc.integer({ min: 0, max: 0xffffff })), isrc: caSpace, idst: innerDst, l4: leaf })
      .map((x): Packet => ({ k: 'nvgre', ...x })),
    // 802.1Q: a tenant's VLAN or a spoofed one, to the shared CA IP or elsewhere in the space
    fc.record({ vlan: fc.oneof(tenant.map((t) => 1001 + t), fc.integer({ min: 1, max: 4094 })), dst: caSpace, l4: leaf })
      .map((x): Packet => ({ k: 'l3', ...x })),
    // replies from a gateway's DIP to a public IP
    fc.record({ gw: fc.integer({ min: 1, max: 9 }), dst: fc.oneof(tenant.map((t) => ip(pub(t, 0))), anyAddr), l4: toVip })
      .map((x): Packet => ({ k: 'reply', ...x })),
  );
}

function frameOf(p: Packet): FrameSpec {
  const mk = (src: number, dst: number, l4: L4): Ip => ({ src, dst, ttl: 64, id: 1, mf: false, fragOff: 0, options: [], l4 });
  switch (p.k) {
    case 'slb': return { raw: false, eth: { vlans: [], ip: mk(p.src, ip(VIP), p.l4) } };
    case 'reply': return { raw: false, eth: { vlans: [], ip: mk(ip(`10.0.0.${10 + p.gw}`), p.dst, p.l4) } };
    case 'l3': return { raw: false, eth: { vlans: [{ tpid: 0x8100, id: p.vlan }], ip: mk(ip('10.127.134.2'), p.dst, p.l4) } };
    case 'nvgre': return {
      raw: false,
      eth: { vlans: [], ip: mk(ip('10.1.0.7'), ip('198.51.100.21'), { k: 'gre', csum: false, key: ((p.vsid << 8) | 1) | 0, seq: null, inner: { k: 'eth', eth: { vlans: [], ip: mk(p.isrc, p.idst, p.l4) } } }) },
    };
  }
}

// ------------------------------------------------------------------ control changes

type Change =
  | { k: 'down' | 'up' | 'dead' | 'alive'; gw: number }
  | { k: 'tunnel'; site: number; tunnel: 'a' | 'b'; up: boolean }
  | { k: 'weight'; site: number; tunnel: 'a' | 'b'; w: number };

function changeArb(n: number): fc.Arbitrary<Change> {
  const gw = fc.integer({ min: 1, max: 9 });
  return fc.oneof(
    fc.record({ k: fc.constantFrom('down' as const, 'up' as const, 'dead' as const, 'alive' as const), gw }),
    fc.record({ k: fc.constant('tunnel' as const), site: fc.integer({ min: 0, max: n - 1 }), tunnel: fc.constantFrom('a' as const, 'b' as const), up: fc.boolean() }),
    fc.record({ k: fc.constant('weight' as const), site: fc.integer({ min: 0, max: n - 1 }), tunnel: fc.constantFrom('a' as const, 'b' as const), w: fc.integer({ min: 0, max: 4 }) }),
  );
}

function apply(plane: Plane, c: Change, t: number): void {
  const ctl = plane.ctl;
  if (c.k === 'down') ctl.gatewayDown(`gw${c.gw}`, t);
  else if (c.k === 'up') ctl.gatewayUp(`gw${c.gw}`, t);
  else if (c.k === 'dead') plane.ctx.gwAlive[c.gw - 1] = 0;
  else if (c.k === 'alive') plane.ctx.gwAlive[c.gw - 1] = 1;
  else if (c.k === 'tunnel') ctl.setTunnel(`t${c.site}-hq`, c.tunnel, c.up, t);
  else if (c.k === 'weight') ctl.setWeight(`t${c.site}-hq`, c.tunnel, c.w, t);
}

// ------------------------------------------------------------------ the model

const figures = { runs: 0, packets: 0, delivered: 0, tunnelled: 0, refused_spoofed: 0, tenants_max: 0 };

/** Is the verdict of packet p one its claimed tenant is entitled to? Returns a complaint or null. */
function entitled(plane: Plane, cfg: GwConfig, p: Packet, next: number, drop: number, target: number, out: Buffer | null): string | null {
  const ctl = plane.ctl;
  const tenantOfPublic = (a: number): number => cfg.tenants.findIndex((t) => t.public_ips.some((x) => ip(x) === a));
  if (p.k === 'slb') {
    const t = tenantOfPublic(p.src);
    if (t < 0) return next === NEXT_DROP && drop === DROP_NO_NAT_RULE ? null : `VIP traffic from ${p.src >>> 0}, no tenant's address: ${next}/${drop}, expected no_nat_rule`;
    if (next === NEXT_DROP) return null;
    if (next !== NEXT_GATEWAY) return `VIP traffic: verdict ${next}`;
    const owner = ctl.natOwner.get(`t${t}`);
    if (target !== owner) return `tenant t${t}'s VIP traffic went to gw${target + 1}, its ikev2 connection is on gw${(owner ?? -2) + 1}`;
    if (plane.ctx.gwAlive[target] === 0) return 'delivered to a dead gateway';
    if (cfg.gateways[target]!.pool !== 'pool-ike') return 'delivered outside the ikev2 pool';
    // the NAT'd destination is that gateway's DIP (IP-in-IP: the inner header's)
    const at = cfg.delivery === 'ipip' ? 14 + 20 : 14;
    if (out && out.readInt32BE(at + 16) !== ip(cfg.gateways[target]!.dip)) return 'NAT rewrote the destination to another DIP';
    return null;
  }
  if (p.k === 'nvgre') {
    const t = cfg.tenants.findIndex((x) => x.vsid === p.vsid);
    if (t < 0) return next === NEXT_DROP && drop === DROP_UNKNOWN_VSID ? null : `spoofed VSID ${p.vsid}: ${next}/${drop}, expected unknown_vsid`;
    if (next === NEXT_DROP) return null;
    if (next !== NEXT_TUNNEL) return `NVGRE verdict ${next}`;
    const site = cfg.sites[ctl.tunnelSite[target]!]!;
    if (site.tenant !== `t${t}`) return `VSID ${p.vsid} (t${t}) sent on ${ctl.tunnelNames[target]} of ${site.tenant}`;
    const inPrefix = site.prefixes.some((x) => {
      const [a, l] = x.split('/');
      const m = Number(l) === 0 ? 0 : (~0 << (32 - Number(l))) | 0;
      return (p.idst & m) === (ip(a!) & m);
    });
    if (!inPrefix) return `inner destination ${p.idst >>> 0} is in no prefix of ${site.name}`;
    if (!ctl.tunnelUp(target)) return `sent on ${ctl.tunnelNames[target]}, which is down`;
    return null;
  }
  if (p.k === 'l3') {
    if (next === NEXT_DROP) return null;
    const t = cfg.tenants.findIndex((x) => x.connections.some((c) => c.type === 'l3' && 'vlan' in c && c.vlan === p.vlan));
    if (t < 0) return `VLAN ${p.vlan} of no tenant reached ${next === NEXT_GATEWAY ? `gw${target + 1}` : `verdict ${next}`}`;
    if (next !== NEXT_GATEWAY) return `L3 verdict ${next}`;
    if (p.dst !== ip(CA)) return `t${t}'s VLAN to ${p.dst >>> 0}, not its CA IP, was delivered`;
    const key = Object.entries(ctl.placement.l3).find(([, o]) => o.tenant === `t${t}`)![0];
    if (target !== ctl.l3Owner.get(key)) return `t${t}'s L3 traffic went to gw${target + 1}, its CA IP is on gw${(ctl.l3Owner.get(key) ?? -2) + 1}`;
    return null;
  }
  // replies: only from a DIP to a tenant's public IP, source rewritten to the VIP
  if (next === NEXT_DROP) return null;
  if (next !== NEXT_REPLY) return `reply verdict ${next}`;
  if (tenantOfPublic(p.dst) < 0) return 'a reply to no tenant was rewritten to come from the VIP';
  return null;
}

afterAll(() => recordFigures('isolation', { runs_per_property: RUNS, seed: SEED, ...figures }));

describe('tenant isolation on overlapping CA spaces', () => {
  it('no packet reaches a gateway, VLAN owner or tunnel its claimed tenant is not entitled to, whatever the control changes', () => {
    const scenario = fc.integer({ min: 2, max: 5 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        weights: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2 * n, maxLength: 2 * n }),
        delivery: fc.constantFrom('mac' as const, 'ipip' as const),
        symmetric: fc.boolean(),
        steps: fc.array(fc.record({ changes: fc.array(changeArb(n), { maxLength: 3 }), packets: fc.array(packetArb(n), { minLength: 1, maxLength: 48 }) }), { minLength: 1, maxLength: 4 }),
      }),
    );
    fc.assert(
      fc.property(scenario, ({ n, weights, delivery, symmetric, steps }) => {
        const cfg = isolationConfig(n, weights, delivery, symmetric);
        const plane = new Plane(cfg, makeHashKey('isolation'));
        figures.runs++;
        figures.tenants_max = Math.max(figures.tenants_max, n);
        const stats = new FuzzStats();
        steps.forEach((s, k) => {
          for (const c of s.changes) apply(plane, c, k);
          const frames = s.packets.map((p) => {
            const e = emitFrame(frameOf(p));
            return { bytes: e.bytes, link: e.link, pristine: true, nvgreInner: e.nvgreInner, tunnelDepth: e.tunnelDepth, maxTags: e.maxTags };
          });
          const { outcomes, violations } = runChecked(plane, frames, stats);
          expect(violations).toEqual([]);
          outcomes.forEach((o, i) => {
            const p = s.packets[i]!;
            figures.packets++;
            if (o.next === NEXT_GATEWAY) figures.delivered++;
            if (o.next === NEXT_TUNNEL) figures.tunnelled++;
            if (o.drop === DROP_NO_NAT_RULE || o.drop === DROP_UNKNOWN_VSID) figures.refused_spoofed++;
            const why = entitled(plane, cfg, p, o.next, o.drop, o.target, o.out);
            if (why !== null) throw new Error(`${why}\npacket ${JSON.stringify(p)}\nafter changes ${JSON.stringify(steps.slice(0, k + 1).map((x) => x.changes))}`);
          });
        });
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(figures.delivered).toBeGreaterThan(0);
    expect(figures.tunnelled).toBeGreaterThan(0);
  });

  it('the same inner packet from every tenant lands on each tenant\'s own tunnels and gateways', () => {
    // Identical bytes but for the VSID / VLAN / public IP: each goes its own tenant's way.
    const n = 5;
    const cfg = isolationConfig(n, Array(2 * n).fill(1), 'mac', false);
    const plane = new Plane(cfg, makeHashKey('isolation'));
    for (let t = 0; t < n; t++) {
      const pk: Packet[] = [
        { k: 'nvgre', vsid: 5001 + t, isrc: ip('10.127.134.20'), idst: ip('172.16.5.5'), l4: { k: 'tcp', sport: 40000, dport: 443, flags: 0x02, options: [], data: 0 } },
        { k: 'l3', vlan: 1001 + t, dst: ip(CA), l4: { k: 'tcp', sport: 40000, dport: 443, flags: 0x02, options: [], data: 0 } },
        { k: 'slb', src: ip(pub(t, 1)), l4: { k: 'udp', sport: 4500, dport: 4500, zeroCsum: false, data: { k: 'natt-esp', spi: 0x100, seq: 1, len: 16 } } },
      ];
      const { outcomes, violations } = runChecked(plane, pk.map((p) => ({ bytes: emitFrame(frameOf(p)).bytes, link: 1 })), new FuzzStats());
      expect(violations).toEqual([]);
      expect(cfg.sites[plane.ctl.tunnelSite[outcomes[0]!.target]!]!.tenant).toBe(`t${t}`);
      outcomes.forEach((o, i) => expect(entitled(plane, cfg, pk[i]!, o.next, o.drop, o.target, o.out)).toBeNull());
    }
  });
});
