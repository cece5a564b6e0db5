/**
 * The live forwarder: the replay's pipeline (dissectBatch -> forwardBatch) and control plane
 * (Controller) on a wall clock, fed by sockets instead of a capture.
 *
 * Packets come in one at a time from a socket handler (`ingest`), are copied into the
 * current batch's arena (the socket's buffer is not ours to keep: raw-socket reuses one,
 * node:dgram allocates one per datagram) and processed once per event-loop turn: the first
 * packet of a batch schedules `flush` with setImmediate, which runs after the poll phase has
 * read everything waiting; a full batch (256) is flushed at once. `flush` swaps in the
 * controller's current tables (the only place the data path sees a new table set besides a
 * health change, both between batches), runs the data path, counts per service, and hands
 * the batch to the I/O to send.
 *
 * Sends may complete after `flush` returns (node:dgram), and they read the arena, so a batch
 * is reused only when all its sends have completed: batches form a small ring, each with a
 * count of pending sends. A ring full of pending batches drops new packets (counted as
 * `rx_overflow`) instead of growing without bound.
 *
 * Health changes (live probes) go through the same Controller calls as replay's, and each is
 * one log line. With an Ethernet I/O, the addresses that moved are announced with gratuitous
 * ARP to the gateway side.
 */
import type { Logger } from 'pino';
import { BATCH_SIZE, MAX_FRAME, PacketBatch } from '../batch/packet-batch.js';
import type { GwConfig } from '../control/config-schema.js';
import { Controller, type ControlChange } from '../control/controller.js';
import { FlowTable } from '../lb/flow-table.js';
import { IntMap } from '../lb/int-map.js';
import type { DataplaneTables } from '../nodes/dataplane-tables.js';
import { dissectBatch } from '../nodes/dissect.js';
import { forwardBatch, NEXT_GATEWAY, type ForwardContext } from '../nodes/gateway-forward.js';
import { DataplaneCounters } from '../stats/counters.js';
import { ip4FromString } from '../wire/view.js';
import type { HealthChangeEvent } from '../health/live-health.js';
import { garpFrame, movedAddresses, ownership } from './garp.js';

export const IO_RX_FRAMES = 0;
export const IO_RX_BAD_ENCAP = 1;
export const IO_RX_OTHER_VNI = 2;
export const IO_RX_IGNORED = 3;
export const IO_RX_OVERFLOW = 4;
export const IO_TX_ERRORS = 5;
export const IO_TX_NO_OUTSIDE = 6;
export const IO_GARP = 7;
export const IO_BATCHES = 8;
export const IO_COUNTER_NAMES: readonly string[] = [
  'rx_frames', // taken from the sockets
  'rx_bad_encap', // not a VXLAN frame (short, I flag clear), or an empty/oversized packet
  'rx_other_vni', // VXLAN with a VNI we do not serve
  'rx_ignored', // raw: not addressed to a service address (the kernel delivers every local packet)
  'rx_overflow', // no free batch (sends still pending): dropped before the data path
  'tx_errors', // a send failed (socket buffer full, no route, ...)
  'tx_no_outside', // a frame for the outside with no outside VTEP known yet
  'garp', // gratuitous ARP frames sent
  'batches', // batches processed
];

/** One batch of the ring and the sends still reading its arena. */
export interface TxSlot {
  readonly b: PacketBatch;
  pending: number;
  /** Send completion callback (one function per slot, not per packet). */
  readonly done: (err?: Error | null) => void;
}

export interface ForwarderIo {
  readonly kind: 'vxlan' | 'raw';
  /** Send every packet of the slot's batch that has a verdict other than drop. */
  transmit(slot: TxSlot, tables: DataplaneTables): void;
  /** Ethernet I/O only: send one frame to each of these gateways (gratuitous ARP). */
  sendFrame?(frame: Buffer, gateways: readonly number[]): void;
  close(): Promise<void>;
}

export interface ServiceRow {
  kind: 'slb' | 'gre' | 'l3';
  ip: string;
  vlan: number;
}

export interface HealthLogEntry {
  time: number;
  event: 'gateway_down' | 'gateway_up';
  gateway: string;
  dip: string;
  /** Missed (down) or answered (up) probes in a row that decided. */
  probes: number;
  /** The gateway's role after the change: 'down', 'active' or 'standby'. */
  role: string;
  takeover_by: string | null;
  changes: string[];
  garp: string[];
  generation: number;
}

const MAX_SLOTS = 32;

export class Forwarder {
  readonly cfg: GwConfig;
  readonly ctl: Controller;
  readonly ctx: ForwardContext;
  readonly counters: DataplaneCounters;
  readonly io = new Float64Array(IO_COUNTER_NAMES.length);
  readonly link: number;
  readonly startedAt = Date.now();
  readonly services: ServiceRow[] = [];
  /** [service * gateways + gateway] packets and bytes delivered. */
  readonly svcPackets: Float64Array;
  readonly svcBytes: Float64Array;
  readonly healthLog: HealthLogEntry[] = [];
  private readonly svcMap: IntMap;
  private readonly t0 = performance.now();
  private readonly slots: TxSlot[] = [];
  private slotAt = 0;
  private cur: TxSlot | null;
  private scheduled = false;
  private readonly flushCb = (): void => {
    this.scheduled = false;
    this.flush();
  };
  private out: ForwarderIo | null = null;
  private readonly origDst = new Int32Array(BATCH_SIZE);
  private readonly origVlan = new Int32Array(BATCH_SIZE);
  private tsSec = 0;
  private tsNsec = 0;
  private readonly log: Logger;

  constructor(
    cfg: GwConfig,
    opts: { link: number; hashKey?: Uint32Array; log: Logger },
  ) {
    this.cfg = cfg;
    this.link = opts.link;
    this.log = opts.log;
    this.ctl = new Controller(cfg, opts.hashKey ? { hashKey: opts.hashKey } : {});
    const ng = cfg.gateways.length;
    this.counters = new DataplaneCounters(ng, this.ctl.tunnelNames.length);
    this.ctx = {
      tables: this.ctl.tables,
      flows: new FlowTable(cfg.flow_table.capacity),
      counters: this.counters,
      gwAlive: new Uint8Array(ng).fill(1), // no ground truth on a live forwarder
      nowMs: 0,
    };
    const entries: Array<[number, number, number]> = [];
    const addSvc = (r: ServiceRow): void => {
      entries.push([ip4FromString(r.ip), r.vlan, this.services.length]);
      this.services.push(r);
    };
    for (const v of cfg.slb.vips) addSvc({ kind: 'slb', ip: v, vlan: 0 });
    for (const g of cfg.gateways) if (g.gre_vip) addSvc({ kind: 'gre', ip: g.gre_vip, vlan: 0 });
    for (const o of Object.values(this.ctl.placement.l3)) addSvc({ kind: 'l3', ip: o.ca_ip, vlan: o.vlan });
    this.svcMap = new IntMap(entries);
    this.svcPackets = new Float64Array(this.services.length * ng);
    this.svcBytes = new Float64Array(this.services.length * ng);
    this.cur = this.freeSlot();
  }

  /** Connect the I/O that sends what `flush` produced. */
  attach(io: ForwarderIo): void {
    this.out = io;
  }

  /** Milliseconds since start (the controller's clock, as capture time is in replay). */
  nowMs(): number {
    return performance.now() - this.t0;
  }

  /** Copy one packet (`len` bytes of `src` from `off`) into the current batch. */
  ingest(src: Buffer, off: number, len: number): void {
    this.io[IO_RX_FRAMES]++;
    if (len <= 0 || len > MAX_FRAME) {
      this.io[IO_RX_BAD_ENCAP]++;
      return;
    }
    let s = this.cur ?? (this.cur = this.freeSlot());
    if (s === null) {
      this.io[IO_RX_OVERFLOW]++;
      return;
    }
    let base = s.b.reserve(len);
    if (base < 0) {
      this.flush();
      s = this.cur;
      if (s === null) {
        this.io[IO_RX_OVERFLOW]++;
        return;
      }
      base = s.b.reserve(len);
    }
    const b = s.b;
    src.copy(b.arena, base, off, off + len);
    if (b.count === 0) {
      const t = Date.now();
      this.tsSec = Math.floor(t / 1000);
      this.tsNsec = (t % 1000) * 1e6;
    }
    b.commit(base, len, len, this.tsSec, this.tsNsec, this.link);
    if (b.count >= b.capacity) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushCb);
    }
  }

  /** Process and send the current batch (no-op when empty). */
  flush(): void {
    const s = this.cur;
    if (s === null || s.b.count === 0) return;
    const b = s.b;
    const n = b.count;
    dissectBatch(b);
    const od = this.origDst;
    const ov = this.origVlan;
    for (let i = 0; i < n; i++) {
      od[i] = b.dst[i]!;
      ov[i] = b.vlanCount[i]! > 0 ? b.vlan0[i]! : 0;
    }
    const ctx = this.ctx;
    ctx.tables = this.ctl.tables;
    ctx.nowMs = (performance.now() - this.t0) | 0;
    forwardBatch(b, 0, n, ctx, null);
    // per service and gateway (the ipvsadm table): packets delivered to a gateway
    const ng = ctx.tables.gwCount;
    for (let i = 0; i < n; i++) {
      if (b.next[i] !== NEXT_GATEWAY) continue;
      let sv = this.svcMap.get(od[i]!, ov[i]!);
      if (sv < 0 && ov[i] !== 0) sv = this.svcMap.get(od[i]!, 0);
      if (sv >= 0) {
        const k = sv * ng + b.target[i]!;
        this.svcPackets[k]++;
        this.svcBytes[k] += b.len[i]!;
      }
    }
    this.io[IO_BATCHES]++;
    this.out?.transmit(s, ctx.tables);
    this.cur = this.freeSlot();
  }

  private freeSlot(): TxSlot | null {
    const k = this.slots.length;
    for (let j = 0; j < k; j++) {
      const s = this.slots[(this.slotAt + j) % k]!;
      if (s.pending <= 0 && s !== this.cur) {
        this.slotAt = (this.slotAt + j + 1) % k;
        s.pending = 0;
        s.b.reset();
        return s;
      }
    }
    if (k >= MAX_SLOTS) return null;
    const b = new PacketBatch();
    const slot: TxSlot = {
      b,
      pending: 0,
      done: (err) => {
        slot.pending--;
        if (err) this.io[IO_TX_ERRORS]++;
      },
    };
    this.slots.push(slot);
    return slot;
  }

  /** Apply a health declaration: controller, tables, gratuitous ARP, one log line. */
  onHealthChange(e: HealthChangeEvent): HealthLogEntry {
    const ctl = this.ctl;
    const g = e.gateway;
    const name = ctl.gatewayName(g);
    const before = ownership(ctl);
    const n0 = ctl.changes.length;
    const atMs = Math.round(e.atMs - this.startedAt);
    if (e.up) ctl.gatewayUp(name, atMs);
    else ctl.gatewayDown(name, atMs);
    this.ctx.tables = ctl.tables;
    const time = Date.now();
    const changes = ctl.changes.slice(n0);
    const moved = movedAddresses(before, ownership(ctl));
    const garp: string[] = [];
    const up: number[] = [];
    for (let k = 0; k < ctl.gwUp.length; k++) if (ctl.gwUp[k] === 1) up.push(k);
    for (const m of moved) {
      const mac = this.cfg.gateways[m.owner]!.mac;
      const what = `${m.ip}${m.vlan > 0 ? ` vlan ${m.vlan}` : ''} is-at ${mac} (${ctl.gatewayName(m.owner)})`;
      if (this.out?.sendFrame) {
        // to the other gateways that are up: the new owner would drop a frame from its own MAC
        // (as Linux's VXLAN driver does), and a failed gateway gets nothing
        const to = up.filter((k) => k !== m.owner);
        this.out.sendFrame(garpFrame(m.ip, m.vlan, mac), to);
        this.io[IO_GARP] += to.length;
        garp.push(what);
      }
    }
    const takeover = changes.find((c) => c.kind === 'takeover');
    const degraded = changes.find((c) => c.kind === 'pool_degraded');
    const role = e.up ? (ctl.gwActive[g] === 1 ? 'active' : 'standby') : 'down';
    const entry: HealthLogEntry = {
      time,
      event: e.up ? 'gateway_up' : 'gateway_down',
      gateway: name,
      dip: this.cfg.gateways[g]!.dip,
      probes: e.count,
      role,
      takeover_by: takeover?.standby ?? null,
      changes: changes.filter((c) => c.kind !== 'gateway_failed' && c.kind !== 'gateway_recovered').map(describeChange),
      garp,
      generation: ctl.tables.generation,
    };
    this.healthLog.push(entry);
    let msg: string;
    if (e.up) msg = `${name} up (${e.count} probes answered): rejoins as ${role}`;
    else if (takeover) msg = `${name} down (${e.count} probes missed): ${takeover.standby} takes over`;
    else if (degraded) msg = `${name} down (${e.count} probes missed): pool ${degraded.pool} degraded, no standby left`;
    else msg = `${name} down (${e.count} probes missed)`;
    const fields = { event: entry.event, gateway: name, dip: entry.dip, role, takeover_by: entry.takeover_by, changes: entry.changes, garp, generation: entry.generation, detected_at: time };
    if (e.up) this.log.info(fields, msg);
    else this.log.warn(fields, msg);
    return entry;
  }

  /** Flush what is left and close the I/O. */
  async close(): Promise<void> {
    this.flush();
    await this.out?.close();
  }
}

export function describeChange(c: ControlChange): string {
  switch (c.kind) {
    case 'takeover':
      return `takeover ${c.gateway} -> ${c.standby} (${c.pool})`;
    case 'pool_degraded':
      return `pool ${c.pool} degraded`;
    case 'tunnel_down':
      return `tunnel ${c.tunnel} down`;
    case 'tunnel_up':
      return `tunnel ${c.tunnel} up`;
    case 'tunnel_moved':
      return `tunnel ${c.tunnel} moved ${c.gateway} -> ${c.standby}`;
    default:
      return `${c.kind} ${c.gateway ?? c.tunnel ?? ''}`.trim();
  }
}
