/**
 * Data-plane counters: typed arrays (exact to 2^53, no BigInt), accumulated per batch by
 * the nodes and read by the control plane, `--stats`, metrics and the summary. Nothing here
 * allocates per packet.
 */
import { DROP_COUNT } from './drop-reasons.js';

export const C_RX = 0;
export const C_TX = 1;
export const C_RX_BYTES = 2;
export const C_TX_BYTES = 3;
export const C_NAT_FORWARD = 4;
export const C_NAT_REVERSE = 5;
export const C_GRE_VIP = 6;
export const C_L3 = 7;
export const C_TUNNEL = 8;
export const C_FLOWS_NEW = 9;
export const C_FLOWS_MOVED = 10;
export const C_DROPS = 11;
export const COUNTER_NAMES: readonly string[] = [
  'rx', 'tx', 'rx_bytes', 'tx_bytes', 'nat_forward', 'nat_reverse', 'gre_vip', 'l3', 'tunnel', 'flows_new', 'flows_moved', 'drops',
];

export class DataplaneCounters {
  readonly c = new Float64Array(COUNTER_NAMES.length);
  readonly drops = new Float64Array(DROP_COUNT);
  readonly gwPackets: Float64Array;
  readonly gwBytes: Float64Array;
  readonly tunPackets: Float64Array;
  readonly tunBytes: Float64Array;
  /** New flows pinned to each tunnel. */
  readonly tunFlows: Float64Array;

  constructor(gateways: number, tunnels: number) {
    this.gwPackets = new Float64Array(gateways);
    this.gwBytes = new Float64Array(gateways);
    this.tunPackets = new Float64Array(tunnels);
    this.tunBytes = new Float64Array(tunnels);
    this.tunFlows = new Float64Array(tunnels);
  }

  get rx(): number {
    return this.c[C_RX]!;
  }
  get tx(): number {
    return this.c[C_TX]!;
  }
  get dropped(): number {
    let s = 0;
    for (let k = 1; k < this.drops.length; k++) s += this.drops[k]!;
    return s;
  }

  /** Add another set of counters (workers, shards). */
  add(o: DataplaneCounters): void {
    for (let k = 0; k < this.c.length; k++) this.c[k]! += o.c[k]!;
    for (let k = 0; k < this.drops.length; k++) this.drops[k]! += o.drops[k]!;
    for (let k = 0; k < this.gwPackets.length; k++) {
      this.gwPackets[k]! += o.gwPackets[k]!;
      this.gwBytes[k]! += o.gwBytes[k]!;
    }
    for (let k = 0; k < this.tunPackets.length; k++) {
      this.tunPackets[k]! += o.tunPackets[k]!;
      this.tunBytes[k]! += o.tunBytes[k]!;
      this.tunFlows[k]! += o.tunFlows[k]!;
    }
  }
}
