/**
 * The validated configuration (`GwConfig`), as returned by `loadConfig` / `parseConfig`.
 *
 * Field names are the ones written in the file (snake_case, keepalived's words where they
 * fit), so a path in an error message (`gateways[1].capacity_mbps`) is also the TypeScript
 * property path. Every optional field of the file has its default filled in here: consumers
 * never see `undefined`. Addresses stay strings as written (IPv4 dotted quads, MACs in lower
 * case); `config-addr.ts` turns them into numbers and bytes for the data plane's tables.
 *
 * `fixtures/configs/example.yaml` is the annotated reference of the file format; the rules
 * the loader enforces are listed in `config-load.ts`.
 */

/** What the gateways of a pool terminate; `all` terminates every connection type. */
export type PoolKind = "ikev2" | "gre" | "l3" | "all";
/** A tenant connection's type. */
export type ConnectionType = "ikev2" | "gre" | "l3";
/** Initial role of a gateway; at run time the controller changes roles on failover. */
export type Role = "active" | "standby";
/**
 * How the SLB hands a NATed packet to the owning gateway: `mac` rewrites the destination MAC
 * to the owner's (DSR-style, same L2 segment), `ipip` encapsulates in IP-in-IP to its DIP.
 */
export type Delivery = "mac" | "ipip";

export const POOL_KINDS: readonly PoolKind[] = ["ikev2", "gre", "l3", "all"];
export const CONNECTION_TYPES: readonly ConnectionType[] = ["ikev2", "gre", "l3"];
export const ROLES: readonly Role[] = ["active", "standby"];
export const DELIVERIES: readonly Delivery[] = ["mac", "ipip"];

/** Does a pool of this kind terminate connections of this type? */
export function poolSupports(kind: PoolKind, type: ConnectionType): boolean {
  return kind === "all" || kind === type;
}

/** Can gateways of this pool kind own a GRE VIP (and end site tunnels)? */
export function poolIsGreCapable(kind: PoolKind): boolean {
  return kind === "gre" || kind === "all";
}

export interface SlbConfig {
  /** SLB VIPs (at least one, unique): IKE (UDP 500), NAT-T (UDP 4500) and ESP land here. */
  vips: string[];
}

export interface PoolConfig {
  name: string;
  kind: PoolKind;
  /** M: number of gateways with initial role `active` (>= 1, checked against `gateways`). */
  active: number;
  /** N: number of gateways with initial role `standby` (0 <= N <= M, checked). */
  standby: number;
}

export interface GatewayConfig {
  name: string;
  /** Dynamic IP: the SLB's NAT target and the IP-in-IP destination. */
  dip: string;
  /** Lower-case `xx:xx:xx:xx:xx:xx`, unicast, unique. */
  mac: string;
  /** Name of its pool. */
  pool: string;
  /** Initial role. */
  role: Role;
  /** keepalived: 1..255, higher wins when a standby is chosen (default 100). */
  priority: number;
  /** Integer Mbps >= 1, what best-fit placement fills. */
  capacity_mbps: number;
  /**
   * The gateway's GRE VIP: required on active gateways of gre/all pools, rejected elsewhere
   * (a standby owns none until it takes over the failed gateway's). `null` when absent.
   */
  gre_vip: string | null;
}

interface ConnectionBase {
  /** Unique across all tenants' connections. */
  name: string;
  /** Integer Mbps >= 1, what best-fit placement packs. */
  bandwidth_mbps: number;
}
/** IKEv2 S2S through the SLB: the tenant's `public_ips` NAT to the gateway hosting it. */
export interface Ikev2ConnectionConfig extends ConnectionBase {
  type: "ikev2";
}
/** GRE to the hosting gateway's GRE VIP (bypasses the SLB). */
export interface GreConnectionConfig extends ConnectionBase {
  type: "gre";
}
/** L3 forwarding: the highly available CA IP on the tenant's VLAN (bypasses the SLB). */
export interface L3ConnectionConfig extends ConnectionBase {
  type: "l3";
  /** 802.1Q VLAN id 1..4094; one VLAN belongs to one tenant. */
  vlan: number;
  /** The gateway's CA IP on that VLAN; (vlan, ca_ip) unique, same CA IP on other VLANs ok. */
  ca_ip: string;
  /** The tenant router's address on that VLAN (!= ca_ip). */
  peer_ip: string;
}
export type ConnectionConfig = Ikev2ConnectionConfig | GreConnectionConfig | L3ConnectionConfig;

export interface TenantConfig {
  name: string;
  /** NVGRE VSID (RFC 7637): 24 bits, 0x1000..0xfffffe (0..0xfff and 0xffffff are reserved). */
  vsid: number;
  /** Source IPs of its VPN devices: the SLB NAT key, unique across tenants (default []). */
  public_ips: string[];
  /** Its connections, placed by `placeConnections` in this order (default []). */
  connections: ConnectionConfig[];
}

export interface TunnelConfig {
  /** Unique within its site. */
  name: string;
  /** The (initially active, GRE-capable) gateway that ends the tunnel. */
  gateway: string;
  /**
   * Outer source address of the GRE re-encapsulation: the gateway's own GRE VIP, or an
   * instance public IP of that gateway that no other gateway uses.
   */
  local_ip: string;
  /** The on-premises device (outer destination). */
  remote_ip: string;
  /** GRE key (0..2^32-1) or `null` for no key field; (local_ip, remote_ip, key) is unique. */
  key: number | null;
  /** Maglev weight, integer >= 1 (default 1); a scenario `weight` event may set 0 (drain). */
  weight: number;
}

export interface SiteConfig {
  name: string;
  /** Owning tenant. */
  tenant: string;
  /** Inner destination prefixes routed to this site (>= 1; no overlap within one tenant). */
  prefixes: string[];
  /** 1 (single), 2 (active-active) or 4 (dual redundancy) tunnels; any count >= 1 accepted. */
  tunnels: TunnelConfig[];
}

export interface HealthConfig {
  /** Probe interval in ms (integer >= 1); detection takes interval_ms x fall. */
  interval_ms: number;
  /** keepalived fall: consecutive missed probes before a gateway is declared down (>= 1). */
  fall: number;
  /** keepalived rise: consecutive good probes before a gateway is declared up (>= 1). */
  rise: number;
  /**
   * keepalived preempt: a recovered gateway first rejoins as standby; with `preempt` it takes
   * its role (and addresses) back from a lower-priority gateway that replaced it.
   */
  preempt: boolean;
}

export interface FlowTableConfig {
  /**
   * Entries, rounded UP to the next power of two by the loader (1000 -> 1024) so the table
   * can mask instead of divide; the rounded value is what is stored here (max 2^24).
   */
  capacity: number;
  /** Idle timeout of TCP flows, ms (integer >= 1). */
  tcp_idle_ms: number;
  /** Idle timeout of UDP flows, ms (integer >= 1). */
  udp_idle_ms: number;
  /** Idle timeout of other flows (ESP keyed by SPI, ICMP, ...), ms (integer >= 1). */
  other_idle_ms: number;
}

/** Microsoft's RSS verification key (40 bytes), the default Toeplitz key. */
export const MS_TOEPLITZ_KEY =
  "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa";

export interface KeyedHashConfig {
  kind: "keyed";
  /** Seed of the keyed hash; `null` (absent) = random per run, a string = reproducible runs. */
  key: string | null;
  /** Hash both directions of a flow to the same value (endpoints ordered before hashing). */
  symmetric: boolean;
}
export interface ToeplitzHashConfig {
  kind: "toeplitz";
  /** Lower-case hex, 16..64 bytes (the IPv4 4-tuple needs 12 + 4); default MS_TOEPLITZ_KEY. */
  toeplitz_key: string;
  symmetric: boolean;
}
export type HashConfig = KeyedHashConfig | ToeplitzHashConfig;

export interface MaglevConfig {
  /** Lookup table size per site: a prime, 3..16777213 (default 65537). */
  size: number;
}

interface ScenarioBase {
  /** Seconds from the capture's first packet (finite, >= 0). */
  at: number;
  /** Position of the event in the file's `scenario` list (events are sorted by `at`). */
  index: number;
}
export interface GatewayEvent extends ScenarioBase {
  event: "gateway_down" | "gateway_up";
  gateway: string;
}
export interface TunnelEvent extends ScenarioBase {
  event: "tunnel_down" | "tunnel_up";
  site: string;
  tunnel: string;
}
export interface WeightEvent extends ScenarioBase {
  event: "weight";
  site: string;
  tunnel: string;
  /** New Maglev weight, integer >= 0; 0 drains (no new flows, sticky flows stay). */
  weight: number;
}
export type ScenarioEvent = GatewayEvent | TunnelEvent | WeightEvent;
export type ScenarioEventKind = ScenarioEvent["event"];
export const SCENARIO_EVENTS: readonly ScenarioEventKind[] = [
  "gateway_down",
  "gateway_up",
  "tunnel_down",
  "tunnel_up",
  "weight",
];

/** 1-based position of a node in the source file. */
export interface SourcePos {
  line: number;
  col: number;
}

/**
 * Where every value came from: `at["gateways[1].dip"]` is the position of that value,
 * `at["tenants[0].connections[1]"]` the position of that mapping. Lets later stages
 * (placement, the controller) report `ConfigError`s at the right spot.
 */
export interface SourceMap {
  file: string;
  at: Record<string, SourcePos>;
}

export interface GwConfig {
  slb: SlbConfig;
  /** Default `mac`. */
  delivery: Delivery;
  pools: PoolConfig[];
  gateways: GatewayConfig[];
  /** Default []. */
  tenants: TenantConfig[];
  /** Default []. */
  sites: SiteConfig[];
  /** Default { interval_ms: 1000, fall: 3, rise: 2, preempt: true }. */
  health: HealthConfig;
  /** Default { capacity: 1048576, tcp_idle_ms: 300000, udp_idle_ms: 30000, other_idle_ms: 30000 }. */
  flow_table: FlowTableConfig;
  /** Default { kind: keyed, key: null, symmetric: false }. */
  hash: HashConfig;
  /** Default { size: 65537 }. */
  maglev: MaglevConfig;
  /** Sorted by `at` (stable: equal times keep file order). Default []. */
  scenario: ScenarioEvent[];
  /** Present on configs that came from a file; absent on configs built in code. */
  source?: SourceMap;
}

export const DEFAULT_HEALTH: Readonly<HealthConfig> = {
  interval_ms: 1000,
  fall: 3,
  rise: 2,
  preempt: true,
};
export const DEFAULT_FLOW_TABLE: Readonly<FlowTableConfig> = {
  capacity: 1 << 20,
  tcp_idle_ms: 300_000,
  udp_idle_ms: 30_000,
  other_idle_ms: 30_000,
};
export const DEFAULT_MAGLEV_SIZE = 65537;
export const DEFAULT_PRIORITY = 100;
export const MAX_FLOW_TABLE_CAPACITY = 1 << 24;
export const MAX_MAGLEV_SIZE = 16777213; // largest prime below 2^24
