/**
 * The control plane: the only writer. It holds the gateways' roles and health as detected,
 * the owners of every address (SLB NAT targets, GRE VIPs, (VLAN, CA IP)s), the tunnels'
 * state, gateway and weight, and builds a new immutable `DataplaneTables` after every change
 * (Katran/VPP: build to one side, swap one reference between batches).
 *
 * Takeover (RAS gateway M+N pools, Azure active-active/active-standby):
 * - a gateway detected down: the first standby of its pool (priority, then name) that is
 *   healthy becomes active and takes its GRE VIP, its CA IPs and its SLB NAT rules. Tunnels
 *   that end on it go down (their flows move to the surviving tunnels of the site), except a
 *   single-tunnel site's tunnel, whose public IP moves to the other instance of the pool.
 *   No standby left: the pool is degraded (counted, logged); its traffic is dropped with
 *   `pool_degraded` until a gateway comes back.
 * - a gateway detected up again: it rejoins as standby. Its multi-site tunnels come back up
 *   (existing flows do not move: they are pinned in the flow table). With `preempt`, a
 *   single-tunnel site's tunnel moves back to it. A degraded pool's addresses go to it.
 */
import { IntMap } from '../lb/int-map.js';
import { makeHashKey, toeplitzPrepare } from '../lb/hash.js';
import { maglevBuild, maglevOffsetSkip, type MaglevBackend } from '../lb/maglev.js';
import { ADDR_GRE_VIP, ADDR_GW_DIP, ADDR_SLB_VIP, DELIVERY_IPIP, DELIVERY_MAC, HASH_KEYED, HASH_TOEPLITZ, type DataplaneTables } from '../nodes/dataplane-tables.js';
import { macParse } from '../wire/ethernet.js';
import { ip4FromString } from '../wire/view.js';
import { parsePrefix4 } from './config-addr.js';
import type { GwConfig } from './config-schema.js';
import { placeConnections, type Placement } from './placement.js';

export interface ControlChange {
  /** Time of the change in ms (capture-relative in replay). */
  atMs: number;
  kind: 'gateway_failed' | 'gateway_recovered' | 'takeover' | 'pool_degraded' | 'tunnel_down' | 'tunnel_up' | 'tunnel_moved' | 'weight';
  gateway?: string;
  standby?: string;
  pool?: string;
  site?: string;
  tunnel?: string;
  detail?: string;
}

export class Controller {
  readonly cfg: GwConfig;
  readonly placement: Placement;
  readonly gwIndex = new Map<string, number>();
  readonly tunnelIndex = new Map<string, number>(); // "site/tunnel" -> global tunnel index
  readonly tunnelNames: string[] = [];
  readonly tunnelSite: number[] = [];
  readonly hashKey: Uint32Array;
  /** Detected health (what the tables use). */
  readonly gwUp: Uint8Array;
  /** 1 active, 0 standby. */
  readonly gwActive: Uint8Array;
  readonly tunAdminUp: Uint8Array;
  readonly tunGw: Int32Array;
  readonly tunWeight: Int32Array;
  /** tenant -> designated gateway index (SLB NAT target) */
  readonly natOwner = new Map<string, number>();
  readonly greVipOwner = new Map<string, number>();
  readonly l3Owner = new Map<string, number>();
  readonly degradedPools = new Set<string>();
  readonly changes: ControlChange[] = [];
  generation = 0;
  tables: DataplaneTables;
  private readonly offsetSkip: Array<{ offset: number; skip: number }> = [];
  private readonly toeplitz: Int32Array | null;

  constructor(cfg: GwConfig, opts: { hashKey?: Uint32Array } = {}) {
    this.cfg = cfg;
    this.placement = placeConnections(cfg);
    cfg.gateways.forEach((g, k) => this.gwIndex.set(g.name, k));
    const n = cfg.gateways.length;
    this.gwUp = new Uint8Array(n).fill(1);
    this.gwActive = new Uint8Array(n);
    cfg.gateways.forEach((g, k) => (this.gwActive[k] = g.role === 'active' ? 1 : 0));
    let t = 0;
    cfg.sites.forEach((s, si) => {
      for (const tu of s.tunnels) {
        this.tunnelIndex.set(`${s.name}/${tu.name}`, t++);
        this.tunnelNames.push(`${s.name}/${tu.name}`);
        this.tunnelSite.push(si);
      }
    });
    this.tunAdminUp = new Uint8Array(t).fill(1);
    this.tunGw = new Int32Array(t);
    this.tunWeight = new Int32Array(t);
    let k = 0;
    for (const s of cfg.sites) {
      for (const tu of s.tunnels) {
        this.tunGw[k] = this.gw(tu.gateway);
        this.tunWeight[k] = tu.weight;
        this.offsetSkip.push(maglevOffsetSkip(`${s.name}/${tu.name}`, cfg.maglev.size));
        k++;
      }
    }
    for (const [tenant, gw] of Object.entries(this.placement.ikev2)) this.natOwner.set(tenant, this.gw(gw));
    for (const [vip, gw] of Object.entries(this.placement.gre_vips)) this.greVipOwner.set(vip, this.gw(gw));
    for (const [key, o] of Object.entries(this.placement.l3)) this.l3Owner.set(key, this.gw(o.gateway));
    const h = cfg.hash;
    this.hashKey = opts.hashKey ?? makeHashKey(h.kind === 'keyed' && h.key !== null ? h.key : undefined);
    this.toeplitz = h.kind === 'toeplitz' ? toeplitzPrepare(hexBytes(h.toeplitz_key)) : null;
    this.tables = this.build();
  }

  gw(name: string): number {
    const g = this.gwIndex.get(name);
    if (g === undefined) throw new Error(`controller: unknown gateway ${name}`);
    return g;
  }

  gatewayName(g: number): string {
    return this.cfg.gateways[g]!.name;
  }

  /** Is tunnel t carrying traffic (admin up and its current gateway healthy)? */
  tunnelUp(t: number): boolean {
    return this.tunAdminUp[t] === 1 && this.gwUp[this.tunGw[t]!] === 1;
  }

  private siteTunnels(site: number): number[] {
    const out: number[] = [];
    for (let t = 0; t < this.tunnelSite.length; t++) if (this.tunnelSite[t] === site) out.push(t);
    return out;
  }

  /** Health checking declared gateway `name` down at `atMs`. */
  gatewayDown(name: string, atMs: number): void {
    const g = this.gw(name);
    if (this.gwUp[g] === 0) return;
    this.gwUp[g] = 0;
    const cfgGw = this.cfg.gateways[g]!;
    this.changes.push({ atMs, kind: 'gateway_failed', gateway: name, pool: cfgGw.pool });
    const wasActive = this.gwActive[g] === 1;
    this.gwActive[g] = 0;
    if (wasActive) {
      const pool = this.placement.pools.find((p) => p.name === cfgGw.pool)!;
      // Standby candidates: every healthy, inactive gateway of the pool (initial standbys and
      // recovered gateways that rejoined as standby), keepalived order: priority, then name.
      const s = this.cfg.gateways
        .map((x, k) => ({ x, k }))
        .filter(({ x, k }) => x.pool === pool.name && k !== g && this.gwUp[k] === 1 && this.gwActive[k] === 0)
        .sort((a, b) => b.x.priority - a.x.priority || (a.x.name < b.x.name ? -1 : a.x.name > b.x.name ? 1 : 0))[0]?.k;
      if (s !== undefined) {
        this.gwActive[s] = 1;
        this.reassign(g, s);
        this.changes.push({ atMs, kind: 'takeover', gateway: name, standby: this.gatewayName(s), pool: pool.name });
      } else {
        this.degradedPools.add(pool.name);
        this.changes.push({ atMs, kind: 'pool_degraded', gateway: name, pool: pool.name });
      }
    }
    // Tunnels on the failed gateway: a single-tunnel site moves its tunnel to the other
    // instance; other sites' tunnels go down (their flows move to the survivors).
    for (let t = 0; t < this.tunGw.length; t++) {
      if (this.tunGw[t] !== g) continue;
      const site = this.cfg.sites[this.tunnelSite[t]!]!;
      const fb = site.tunnels.length === 1 ? this.placement.tunnel_fallback[site.name] : null;
      const to = fb ? this.gw(fb) : -1;
      if (to >= 0 && this.gwUp[to] === 1) {
        this.tunGw[t] = to;
        this.changes.push({ atMs, kind: 'tunnel_moved', site: site.name, tunnel: this.tunnelNames[t], gateway: name, standby: fb! });
      } else this.changes.push({ atMs, kind: 'tunnel_down', site: site.name, tunnel: this.tunnelNames[t], gateway: name });
    }
    this.swap();
  }

  /** Health checking declared gateway `name` up again at `atMs`: it rejoins as standby. */
  gatewayUp(name: string, atMs: number): void {
    const g = this.gw(name);
    if (this.gwUp[g] === 1) return;
    this.gwUp[g] = 1;
    const cfgGw = this.cfg.gateways[g]!;
    this.changes.push({ atMs, kind: 'gateway_recovered', gateway: name, pool: cfgGw.pool });
    if (this.degradedPools.has(cfgGw.pool)) {
      // A degraded pool's addresses still point at failed gateways: the first to return takes them.
      this.gwActive[g] = 1;
      for (let f = 0; f < this.gwUp.length; f++) {
        if (f !== g && this.gwUp[f] === 0 && this.cfg.gateways[f]!.pool === cfgGw.pool) this.reassign(f, g);
      }
      this.degradedPools.delete(cfgGw.pool);
      this.changes.push({ atMs, kind: 'takeover', gateway: '(degraded pool)', standby: name, pool: cfgGw.pool });
    } else this.gwActive[g] = 0; // rejoins as standby
    for (let t = 0; t < this.tunGw.length; t++) {
      const site = this.cfg.sites[this.tunnelSite[t]!]!;
      const home = this.gw(site.tunnels[this.siteTunnels(this.tunnelSite[t]!).indexOf(t)]!.gateway);
      if (home !== g) continue;
      if (this.tunGw[t] === g) {
        this.changes.push({ atMs, kind: 'tunnel_up', site: site.name, tunnel: this.tunnelNames[t], gateway: name });
      } else if (this.cfg.health.preempt || this.gwUp[this.tunGw[t]!] === 0) {
        // preempt: the single-tunnel site's public IP moves back to its first instance
        this.changes.push({ atMs, kind: 'tunnel_moved', site: site.name, tunnel: this.tunnelNames[t], gateway: this.gatewayName(this.tunGw[t]!), standby: name });
        this.tunGw[t] = g;
      }
    }
    this.swap();
  }

  /** Scenario: take a tunnel down or up administratively. */
  setTunnel(site: string, tunnel: string, up: boolean, atMs: number): void {
    const t = this.tunnelIndex.get(`${site}/${tunnel}`);
    if (t === undefined) throw new Error(`controller: unknown tunnel ${site}/${tunnel}`);
    this.tunAdminUp[t] = up ? 1 : 0;
    this.changes.push({ atMs, kind: up ? 'tunnel_up' : 'tunnel_down', site, tunnel: `${site}/${tunnel}` });
    this.swap();
  }

  /** Scenario: change a tunnel's weight (0 drains: no new flows, pinned flows stay). */
  setWeight(site: string, tunnel: string, weight: number, atMs: number): void {
    const t = this.tunnelIndex.get(`${site}/${tunnel}`);
    if (t === undefined) throw new Error(`controller: unknown tunnel ${site}/${tunnel}`);
    this.tunWeight[t] = weight;
    this.changes.push({ atMs, kind: 'weight', site, tunnel: `${site}/${tunnel}`, detail: String(weight) });
    this.swap();
  }

  private reassign(from: number, to: number): void {
    for (const [k, g] of this.natOwner) if (g === from) this.natOwner.set(k, to);
    for (const [k, g] of this.greVipOwner) if (g === from) this.greVipOwner.set(k, to);
    for (const [k, g] of this.l3Owner) if (g === from) this.l3Owner.set(k, to);
  }

  private swap(): void {
    this.tables = this.build();
  }

  /** Build a fresh immutable table set from the current state. */
  build(): DataplaneTables {
    const cfg = this.cfg;
    const n = cfg.gateways.length;
    const gwDip = new Int32Array(n);
    const gwMacHi = new Int32Array(n);
    const gwMacLo = new Int32Array(n);
    cfg.gateways.forEach((g, k) => {
      gwDip[k] = ip4FromString(g.dip);
      const m = macParse(g.mac)!;
      gwMacHi[k] = m[0];
      gwMacLo[k] = m[1];
    });
    const tenantIdx = new Map(cfg.tenants.map((t, k) => [t.name, k] as const));
    const nat: Array<[number, number, number]> = [];
    const natRev: Array<[number, number, number]> = [];
    for (const r of this.placement.nat) {
      const g = this.natOwner.get(r.tenant)!;
      nat.push([ip4FromString(r.vip), ip4FromString(r.public_ip), g]);
    }
    // Reverse NAT: replies may come from any gateway that hosts (or took over) the tenant.
    // The value is the VIP's index in `slbVipAddr` (an address may be a negative int32).
    for (const r of this.placement.nat) {
      const vi = cfg.slb.vips.indexOf(r.vip);
      for (let g = 0; g < n; g++) natRev.push([gwDip[g]!, ip4FromString(r.public_ip), vi]);
    }
    const greVip = [...this.greVipOwner].map(([vip, g]) => [ip4FromString(vip), 0, g] as [number, number, number]);
    const l3 = [...this.l3Owner].map(([key, g]) => {
      const o = this.placement.l3[key]!;
      return [o.vlan, ip4FromString(o.ca_ip), g] as [number, number, number];
    });
    const vlanTenant: Array<[number, number, number]> = [];
    for (const o of Object.values(this.placement.l3)) vlanTenant.push([o.vlan, 0, tenantIdx.get(o.tenant)!]);
    const vsidTenant = cfg.tenants.map((t, k) => [t.vsid, 0, k] as [number, number, number]);

    // Routes per tenant, longest prefix first.
    const routes: Array<{ tenant: number; net: number; mask: number; len: number; site: number }> = [];
    cfg.sites.forEach((s, si) => {
      for (const p of s.prefixes) {
        const pf = parsePrefix4(p)!;
        routes.push({ tenant: tenantIdx.get(s.tenant)!, net: pf.addr | 0, mask: pf.len === 0 ? 0 : (~0 << (32 - pf.len)) | 0, len: pf.len, site: si });
      }
    });
    routes.sort((a, b) => a.tenant - b.tenant || b.len - a.len);
    const routeStart = new Int32Array(cfg.tenants.length + 1);
    for (const r of routes) routeStart[r.tenant + 1]++;
    for (let k = 0; k < cfg.tenants.length; k++) routeStart[k + 1] += routeStart[k]!;

    const nt = this.tunGw.length;
    const tunSite = Int32Array.from(this.tunnelSite);
    const tunLocal = new Int32Array(nt);
    const tunRemote = new Int32Array(nt);
    const tunKey = new Int32Array(nt);
    const tunHasKey = new Uint8Array(nt);
    const tunUp = new Uint8Array(nt);
    let k = 0;
    for (const s of cfg.sites) {
      for (const tu of s.tunnels) {
        tunLocal[k] = ip4FromString(tu.local_ip);
        tunRemote[k] = ip4FromString(tu.remote_ip);
        tunKey[k] = tu.key === null ? 0 : tu.key | 0;
        tunHasKey[k] = tu.key === null ? 0 : 1;
        tunUp[k] = this.tunnelUp(k) ? 1 : 0;
        k++;
      }
    }
    const siteMaglev = cfg.sites.map((_, si) => {
      const backends: MaglevBackend[] = [];
      for (const t of this.siteTunnels(si)) {
        if (tunUp[t] === 1 && this.tunWeight[t]! > 0) backends.push({ id: t, ...this.offsetSkip[t]!, weight: this.tunWeight[t]! });
      }
      return maglevBuild(backends, cfg.maglev.size);
    });
    const h = cfg.hash;
    const fromGen = this.generation++;
    return {
      generation: fromGen + 1,
      delivery: cfg.delivery === 'ipip' ? DELIVERY_IPIP : DELIVERY_MAC,
      gwCount: n,
      gwDip,
      gwMacHi,
      gwMacLo,
      gwUp: Uint8Array.from(this.gwUp),
      nat: new IntMap(nat),
      natReverse: new IntMap(natRev),
      slbVips: new IntMap(cfg.slb.vips.map((x) => [ip4FromString(x), 0, 1] as [number, number, number])),
      slbVipAddr: Int32Array.from(cfg.slb.vips.map((x) => ip4FromString(x))),
      addrClass: new IntMap([
        ...cfg.gateways.map((g) => [ip4FromString(g.dip), 0, ADDR_GW_DIP] as [number, number, number]),
        ...[...this.greVipOwner.keys()].map((vip) => [ip4FromString(vip), 0, ADDR_GRE_VIP] as [number, number, number]),
        ...cfg.slb.vips.map((x) => [ip4FromString(x), 0, ADDR_SLB_VIP] as [number, number, number]),
      ]),
      greVip: new IntMap(greVip),
      l3: new IntMap(l3),
      vlanTenant: new IntMap(vlanTenant),
      vsidTenant: new IntMap(vsidTenant),
      routeStart,
      routeNet: Int32Array.from(routes.map((r) => r.net)),
      routeMask: Int32Array.from(routes.map((r) => r.mask)),
      routeSite: Int32Array.from(routes.map((r) => r.site)),
      siteMaglev,
      maglevSize: cfg.maglev.size,
      tunSite,
      tunGw: Int32Array.from(this.tunGw),
      tunLocal,
      tunRemote,
      tunKey,
      tunHasKey,
      tunUp,
      tunCount: nt,
      hashKind: h.kind === 'keyed' ? HASH_KEYED : HASH_TOEPLITZ,
      hashKey: this.hashKey,
      toeplitz: this.toeplitz,
      symmetric: h.symmetric,
      tcpIdleMs: cfg.flow_table.tcp_idle_ms,
      udpIdleMs: cfg.flow_table.udp_idle_ms,
      otherIdleMs: cfg.flow_table.other_idle_ms,
    };
  }
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let k = 0; k < out.length; k++) out[k] = parseInt(hex.slice(2 * k, 2 * k + 2), 16);
  return out;
}


