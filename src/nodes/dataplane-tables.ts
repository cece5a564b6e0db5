/**
 * The immutable tables the data plane reads (Katran's maps, VPP lb's new-flow table).
 * Built by the control plane (`src/control/build-tables.ts`) and swapped as one reference
 * between batches; the data path only reads them. Gateways, tunnels and routes are
 * struct-of-arrays indexed by small integers; lookups by address go through `IntMap`s.
 */
import type { IntMap } from '../lb/int-map.js';

/** Delivery to a gateway: rewrite the destination MAC (default), or IP-in-IP to its DIP. */
export const DELIVERY_MAC = 0;
export const DELIVERY_IPIP = 1;

/** Kinds of our own addresses (`addrClass` values). */
export const ADDR_SLB_VIP = 1;
export const ADDR_GRE_VIP = 2;
export const ADDR_GW_DIP = 3;

/** Hash kinds (`hashKind`). */
export const HASH_KEYED = 0;
export const HASH_TOEPLITZ = 1;

export interface DataplaneTables {
  /** Bumped on every rebuild; shown by `explain` and kept in flow verdicts. */
  readonly generation: number;
  readonly delivery: number;

  // ---- gateways (index = position in the config) ----
  readonly gwCount: number;
  readonly gwDip: Int32Array;
  readonly gwMacHi: Int32Array;
  readonly gwMacLo: Int32Array;
  /** 1 while the control plane believes the gateway is healthy (detected state). */
  readonly gwUp: Uint8Array;

  // ---- SLB NAT ----
  /** (SLB VIP, tenant public IP) -> designated gateway index. */
  readonly nat: IntMap;
  /** (gateway DIP, tenant public IP) -> index in `slbVipAddr`, for the reverse rewrite of replies. */
  readonly natReverse: IntMap;
  /** SLB VIP addresses by index. */
  readonly slbVipAddr: Int32Array;
  /** (SLB VIP, 0) -> 1. */
  readonly slbVips: IntMap;
  /** (address, 0) -> ADDR_SLB_VIP, ADDR_GRE_VIP or ADDR_GW_DIP: one lookup classifies a packet. */
  readonly addrClass: IntMap;

  // ---- GRE VIPs and L3 CA IPs ----
  /** (GRE VIP, 0) -> owning gateway index (-1 in the value: no live owner). */
  readonly greVip: IntMap;
  /** (VLAN id, CA IP) -> owning gateway index (-1: no live owner). */
  readonly l3: IntMap;
  /** (VLAN id, 0) -> tenant index: VLANs that belong to a tenant. */
  readonly vlanTenant: IntMap;

  // ---- NVGRE -> site -> tunnel ----
  /** (VSID, 0) -> tenant index. */
  readonly vsidTenant: IntMap;
  /** Routes grouped by tenant, longest prefix first: [routeStart[t], routeStart[t + 1]). */
  readonly routeStart: Int32Array;
  readonly routeNet: Int32Array;
  readonly routeMask: Int32Array;
  readonly routeSite: Int32Array;
  /** One Maglev lookup table per site: slot -> tunnel index, -1 when no tunnel is up. */
  readonly siteMaglev: readonly Int32Array[];
  readonly maglevSize: number;
  readonly tunSite: Int32Array;
  readonly tunGw: Int32Array;
  readonly tunLocal: Int32Array;
  readonly tunRemote: Int32Array;
  readonly tunKey: Int32Array;
  readonly tunHasKey: Uint8Array;
  /** 1 while the tunnel is up (its gateway healthy or it moved, and not taken down). */
  readonly tunUp: Uint8Array;
  readonly tunCount: number;

  // ---- flows ----
  readonly hashKind: number;
  readonly hashKey: Uint32Array;
  readonly toeplitz: Int32Array | null;
  readonly symmetric: boolean;
  readonly tcpIdleMs: number;
  readonly udpIdleMs: number;
  readonly otherIdleMs: number;
}
