/**
 * What the nodes of the data path share: the verdicts they give (`batch.next`, VPP's next
 * node), the per-run context besides the immutable tables, the flow-key columns an observer
 * may keep.
 */
import type { FlowTable } from '../lb/flow-table.js';
import type { DataplaneCounters } from '../stats/counters.js';
import type { DataplaneTables } from './dataplane-tables.js';

/** Verdicts (`batch.next`). */
export const NEXT_DROP = 0;
/** Delivered to gateway `target[i]`. */
export const NEXT_GATEWAY = 1;
/** Sent on tunnel `target[i]` (GRE to the tunnel's remote device). */
export const NEXT_TUNNEL = 2;
/** A reply from a gateway, rewritten to come from the SLB VIP, out to the tenant. */
export const NEXT_REPLY = 3;
export const NEXT_NAMES: readonly string[] = ['drop', 'gateway', 'tunnel', 'reply'];

/** Per-run state of the data path besides the immutable tables. */
export interface ForwardContext {
  tables: DataplaneTables;
  flows: FlowTable;
  counters: DataplaneCounters;
  /** Ground truth of gateway liveness (replay); all 1 on a live forwarder. */
  gwAlive: Uint8Array;
  /** Current time in ms (capture-relative in replay), int32. */
  nowMs: number;
}

/** Flow key words kept per packet for observers (replay's stickiness check). */
export class FlowKeyColumns {
  readonly c: Int32Array;
  readonly d: Int32Array;
  constructor(n: number) {
    this.c = new Int32Array(n);
    this.d = new Int32Array(n);
  }
}
