/**
 * What the Network Controller derives from the configuration: where each tenant connection
 * lives, and who owns which address at start.
 *
 * Placement is online best fit, as the RAS gateway documents describe it: connections are
 * placed one by one in file order (tenants in order, each tenant's connections in order), as
 * if requested in that order, each on the active gateway that has the LEAST remaining
 * capacity that still fits its bandwidth, among the active gateways of pools whose kind
 * supports its type (`all` supports every type). Equal remaining capacity: the gateway whose
 * name sorts first (code-unit order, locale independent). Standby gateways host nothing.
 *
 * The RAS rule for `all` pools is kept: a tenant with a connection in an `all` pool uses no
 * other pool, and a tenant with a connection in an individual pool uses no `all` pool. The
 * tenant's first connection decides (greedy; no backtracking).
 *
 * A connection that fits nowhere is a `ConfigError` at the connection's mapping; every
 * unplaceable connection is reported (`errors`), earliest in the file first.
 *
 * The result is plain data (arrays and records keyed by names, JSON-able), plus lookups.
 */
import { ConfigError } from "./config-error.js";
import {
  poolSupports,
  type ConnectionType,
  type GatewayConfig,
  type GwConfig,
  type PoolKind,
  type Role,
} from "./config-schema.js";

export interface PoolPlacement {
  name: string;
  kind: PoolKind;
  /** Initially active gateways: priority descending, then name. */
  active: string[];
  /** Standby gateways in takeover order: priority descending (keepalived), then name. */
  standby: string[];
}

export interface GatewayLoad {
  name: string;
  pool: string;
  role: Role;
  capacity_mbps: number;
  used_mbps: number;
  /** Names of the connections placed on it, in placement order. */
  connections: string[];
}

export interface PlacedConnection {
  tenant: string;
  name: string;
  type: ConnectionType;
  bandwidth_mbps: number;
  pool: string;
  gateway: string;
  /** gre: the hosting gateway's GRE VIP, which the tenant's device targets; else null. */
  gre_vip: string | null;
  /** l3 only, else null. */
  vlan: number | null;
  ca_ip: string | null;
  peer_ip: string | null;
}

/** An SLB NAT rule: (vip, public_ip) -> the designated gateway's DIP. */
export interface NatRule {
  vip: string;
  public_ip: string;
  tenant: string;
  connection: string;
  gateway: string;
  dip: string;
}

export interface GreOwnerInfo {
  tenant: string;
  connection: string;
  gateway: string;
  gre_vip: string;
}

export interface L3OwnerInfo {
  tenant: string;
  connection: string;
  gateway: string;
  vlan: number;
  ca_ip: string;
  peer_ip: string;
}

export interface Placement {
  /** Config order. */
  pools: PoolPlacement[];
  /** Config order, standbys included (used_mbps 0). */
  gateways: GatewayLoad[];
  /** Placement (= file) order. */
  connections: PlacedConnection[];
  /** Tenant name -> the gateway hosting its ikev2 connection (the SLB NAT target). */
  ikev2: Record<string, string>;
  /** One rule per SLB VIP x public IP of each tenant with an ikev2 connection. */
  nat: NatRule[];
  /** gre connection name -> where it landed and the GRE VIP the tenant's device targets. */
  gre: Record<string, GreOwnerInfo>;
  /** GRE VIP -> gateway owning it at start (each active gateway of a gre/all pool owns its own). */
  gre_vips: Record<string, string>;
  /** `l3Key(vlan, ca_ip)` -> the gateway owning that CA IP on that VLAN. */
  l3: Record<string, L3OwnerInfo>;
  /**
   * Single-tunnel site name -> the gateway its tunnel's local IP moves to when the tunnel's
   * gateway fails: another active gateway of the same pool (priority descending, then name),
   * or null when the pool has no other active gateway. Sites with 2+ tunnels are absent:
   * their tunnels just go down (Azure active-active).
   */
  tunnel_fallback: Record<string, string | null>;
}

/** Key of `Placement.l3`. */
export function l3Key(vlan: number, caIp: string): string {
  return `${vlan}/${caIp}`;
}

/** The gateway the SLB NATs the tenant's IKE/NAT-T/ESP to, if it has an ikev2 connection. */
export function designatedGateway(p: Placement, tenant: string): string | undefined {
  return Object.hasOwn(p.ikev2, tenant) ? p.ikev2[tenant] : undefined;
}

/** The gateway hosting a gre connection (whose GRE VIP the tenant's device targets). */
export function greOwner(p: Placement, connection: string): string | undefined {
  return Object.hasOwn(p.gre, connection) ? p.gre[connection]!.gateway : undefined;
}

/** The gateway owning CA IP `caIp` on VLAN `vlan`. */
export function l3Owner(p: Placement, vlan: number, caIp: string): string | undefined {
  const k = l3Key(vlan, caIp);
  return Object.hasOwn(p.l3, k) ? p.l3[k]!.gateway : undefined;
}

function byPriorityThenName(a: GatewayConfig, b: GatewayConfig): number {
  return b.priority - a.priority || cmp(a.name, b.name);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Place every connection (see the file comment). Throws `ConfigError` if one does not fit. */
export function placeConnections(cfg: GwConfig): Placement {
  const file = cfg.source?.file ?? "<config>";
  const errors: ConfigError[] = [];
  const fail = (path: string, what: string): void => {
    const pos = cfg.source?.at[path] ?? { line: 1, col: 1 };
    errors.push(new ConfigError(file, pos.line, pos.col, path, what));
  };

  const poolKind = new Map<string, PoolKind>(cfg.pools.map((p) => [p.name, p.kind]));
  const pools: PoolPlacement[] = cfg.pools.map((p) => {
    const members = cfg.gateways.filter((g) => g.pool === p.name).sort(byPriorityThenName);
    return {
      name: p.name,
      kind: p.kind,
      active: members.filter((g) => g.role === "active").map((g) => g.name),
      standby: members.filter((g) => g.role === "standby").map((g) => g.name),
    };
  });
  const gateways: GatewayLoad[] = cfg.gateways.map((g) => ({
    name: g.name,
    pool: g.pool,
    role: g.role,
    capacity_mbps: g.capacity_mbps,
    used_mbps: 0,
    connections: [],
  }));
  const load = new Map(gateways.map((l) => [l.name, l]));
  const gwByName = new Map(cfg.gateways.map((g) => [g.name, g]));
  // Candidates in name order, so the first minimum found wins ties.
  const actives = cfg.gateways
    .filter((g) => g.role === "active" && poolKind.has(g.pool))
    .sort((a, b) => cmp(a.name, b.name));

  const placement: Placement = {
    pools,
    gateways,
    connections: [],
    ikev2: {},
    nat: [],
    gre: {},
    gre_vips: {},
    l3: {},
    tunnel_fallback: {},
  };

  cfg.tenants.forEach((t, ti) => {
    let allPool: string | null = null; // the `all` pool this tenant is bound to
    let individual = false; // the tenant uses an individual-kind pool
    t.connections.forEach((c, ci) => {
      const path = `tenants[${ti}].connections[${ci}]`;
      const supporting = actives.filter((g) => poolSupports(poolKind.get(g.pool)!, c.type));
      let cands = supporting;
      let rule = "";
      if (allPool !== null) {
        cands = supporting.filter((g) => g.pool === allPool);
        rule = `; tenant '${t.name}' already uses all pool '${allPool}' and may use no other pool`;
      } else if (individual) {
        cands = supporting.filter((g) => poolKind.get(g.pool) !== "all");
        rule = `; tenant '${t.name}' already uses individual pools and may not use an all pool`;
      }
      if (cands.length === supporting.length) rule = ""; // the rule excluded nothing
      if (cands.length === 0) {
        fail(path, `cannot place ${c.type} connection '${c.name}': no active gateway in a pool of kind ${c.type} or all${rule}`);
        return;
      }
      let best: GatewayConfig | undefined;
      let bestLeft = Infinity;
      for (const g of cands) {
        const l = load.get(g.name)!;
        const left = l.capacity_mbps - l.used_mbps;
        if (left >= c.bandwidth_mbps && left < bestLeft) {
          best = g;
          bestLeft = left;
        }
      }
      if (best === undefined) {
        const most = cands
          .map((g) => ({ g: g.name, left: load.get(g.name)!.capacity_mbps - load.get(g.name)!.used_mbps }))
          .sort((a, b) => b.left - a.left || cmp(a.g, b.g))[0]!;
        fail(
          path,
          `cannot place ${c.type} connection '${c.name}': needs ${c.bandwidth_mbps} Mbps but the most left on a ` +
            `candidate gateway is ${most.left} Mbps, on ${most.g}${rule}`,
        );
        return;
      }
      const l = load.get(best.name)!;
      l.used_mbps += c.bandwidth_mbps;
      l.connections.push(c.name);
      if (poolKind.get(best.pool) === "all") allPool = best.pool;
      else individual = true;
      placement.connections.push({
        tenant: t.name,
        name: c.name,
        type: c.type,
        bandwidth_mbps: c.bandwidth_mbps,
        pool: best.pool,
        gateway: best.name,
        gre_vip: c.type === "gre" ? best.gre_vip : null,
        vlan: c.type === "l3" ? c.vlan : null,
        ca_ip: c.type === "l3" ? c.ca_ip : null,
        peer_ip: c.type === "l3" ? c.peer_ip : null,
      });
      if (c.type === "ikev2") {
        placement.ikev2[t.name] = best.name;
        for (const vip of cfg.slb.vips) {
          for (const ip of t.public_ips) {
            placement.nat.push({ vip, public_ip: ip, tenant: t.name, connection: c.name, gateway: best.name, dip: best.dip });
          }
        }
      } else if (c.type === "gre") {
        // The loader guarantees active gateways of gre/all pools have a GRE VIP.
        placement.gre[c.name] = { tenant: t.name, connection: c.name, gateway: best.name, gre_vip: best.gre_vip! };
      } else {
        placement.l3[l3Key(c.vlan, c.ca_ip)] = {
          tenant: t.name,
          connection: c.name,
          gateway: best.name,
          vlan: c.vlan,
          ca_ip: c.ca_ip,
          peer_ip: c.peer_ip,
        };
      }
    });
  });

  for (const g of cfg.gateways) {
    if (g.role === "active" && g.gre_vip !== null) placement.gre_vips[g.gre_vip] = g.name;
  }

  for (const s of cfg.sites) {
    if (s.tunnels.length !== 1) continue;
    const home = gwByName.get(s.tunnels[0]!.gateway);
    const pool = home && pools.find((p) => p.name === home.pool);
    placement.tunnel_fallback[s.name] = pool?.active.find((n) => n !== home!.name) ?? null;
  }

  if (errors.length > 0) {
    errors.sort((a, b) => a.line - b.line || a.col - b.col);
    throw ConfigError.of(errors);
  }
  return placement;
}
