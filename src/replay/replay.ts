/**
 * `gwplane replay`: a capture through the gateway data plane on the capture's own clock.
 *
 * Deterministic: the clock is the capture's timestamps; scenario events fire at their
 * times (seconds from the first packet); health checking (`HealthSim`) detects a failure
 * interval x fall later; packets sent to a failed gateway before detection count as lost.
 * Batches are split at every control point (event, probe result) so that each packet meets
 * the tables that were in force at its timestamp.
 *
 * Besides the data plane, the runner keeps an observer (a second flow table, slow path)
 * that remembers each flow's tunnel, to score stickiness independently of the data plane.
 */
import { LINK_ETHERNET, MAX_FRAME, PacketBatch } from '../batch/packet-batch.js';
import { Controller, type ControlChange } from '../control/controller.js';
import { HealthSim } from '../control/health-sim.js';
import type { GwConfig } from '../control/config-schema.js';
import { CaptureReader } from '../io/capture-reader.js';
import { CaptureWriter } from '../io/capture-writer.js';
import { InPlaceOutput } from '../io/in-place-output.js';
import { FlowTable } from '../lb/flow-table.js';
import { dissectBatch } from '../nodes/dissect.js';
import { FlowKeyColumns, forwardBatch, NEXT_DROP, NEXT_GATEWAY, NEXT_REPLY, NEXT_TUNNEL, type ForwardContext } from '../nodes/gateway-forward.js';
import { DataplaneCounters } from '../stats/counters.js';
import { DROP_GATEWAY_FAILED, dropName } from '../stats/drop-reasons.js';

export interface ReplayOptions {
  read: string;
  config: GwConfig;
  write?: string;
  format?: 'pcap' | 'pcapng';
  count?: number;
  hashKey?: Uint32Array;
  /** Bucket width of the per-tunnel time series (ms). */
  seriesMs?: number;
  /** Called after each batch (progress bars); must not throw. */
  onBatch?: (r: CaptureReader, counters: DataplaneCounters) => void;
  /** Set to true (e.g. by a SIGINT handler) to stop after the current batch. */
  stop?: { requested: boolean };
  /**
   * false: copy every frame into the batch arena and every kept packet into the writer's buffer
   * even where the in-place path applies (the reference the in-place output is checked against).
   */
  inPlace?: boolean;
}

export interface ScoreRow {
  index: number;
  event: string;
  target: string;
  at_s: number;
  detected_at_s: number | null;
  detection_ms: number | null;
  takeover_by: string | null;
  tunnels_down: string[];
  packets_lost: number;
  flows_moved: number;
  flows_minimum: number;
  stickiness_violations: number;
  converge_ms: number | null;
}

export interface ReplayResult {
  file: string;
  packets: number;
  bytes: number;
  captureSeconds: number;
  wallSeconds: number;
  counters: DataplaneCounters;
  controller: Controller;
  changes: ControlChange[];
  scorecard: ScoreRow[];
  stickinessViolations: number;
  /**
   * Per series bucket (`bucketMs` of capture time): packets sent over each tunnel
   * (`buckets[b][tunnel]`), and packets each gateway handled (`gateway_buckets[b][gateway]`:
   * delivered to it, plus sent over a tunnel it ended at that time). For reports.
   */
  series: { bucketMs: number; tunnels: string[]; buckets: number[][]; gateways: string[]; gateway_buckets: number[][] };
  warnings: string[];
  truncatedRecords: number;
  interrupted: boolean;
  output: string | null;
  /** The data plane's flow table at the end: bounded (size <= capacity), with its counters (new flows, evictions, ...). */
  flows: FlowTable;
}

interface EventTrack {
  row: ScoreRow;
  gateway: number;
  downTunnels: Set<number>;
  lastLostMs: number;
  detected: boolean;
}

/** Buckets of the per-tunnel / per-gateway time series kept at most (2^18: 7.3 hours at 100 ms). */
export const MAX_SERIES_BUCKETS = 1 << 18;

/** Series rows made before the first packet (6.4 s of capture time at 100 ms); more are made as needed. */
const ROWS_AHEAD = 64;

/** Run a replay to the end, synchronously. */
export function runReplay(o: ReplayOptions): ReplayResult {
  const steps = replaySteps(o);
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}

/**
 * The same run, giving the event loop a turn at least every `yieldMs` of wall time (between
 * batches), so that a SIGINT handler can set `stop.requested` during a long replay: a
 * synchronous loop would only see the signal after the last packet.
 */
export async function runReplayAsync(o: ReplayOptions, yieldMs = 50): Promise<ReplayResult> {
  const steps = replaySteps(o);
  // Date.now(), not performance.now(): the first use of `performance` loads node's perf_hooks
  // module (~3 ms of every replay's start here), and a wall clock that steps only makes one
  // turn come early or late.
  let last = Date.now();
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
    const now = Date.now();
    if (now - last >= yieldMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      last = Date.now();
    }
  }
}

/** The replay as a generator that yields after each batch (see runReplay, runReplayAsync). */
function* replaySteps(o: ReplayOptions): Generator<void, ReplayResult, void> {
  const cfg = o.config;
  const started = process.hrtime.bigint();
  const ctl = new Controller(cfg, o.hashKey ? { hashKey: o.hashKey } : {});
  const batch = new PacketBatch();
  const ng = cfg.gateways.length;
  const nt = ctl.tunnelNames.length;
  const counters = new DataplaneCounters(ng, nt);
  const gwAlive = new Uint8Array(ng).fill(1);
  const ctx: ForwardContext = { tables: ctl.tables, flows: new FlowTable(cfg.flow_table.capacity), counters, gwAlive, nowMs: 0 };
  const keys = new FlowKeyColumns(256);
  // The stickiness observer: a second flow table that remembers each flow's tunnel, so that
  // moves are scored independently of the data plane. Without scenario events the tables
  // never change (every gateway stays healthy, Maglev is fixed), so no flow can move and the
  // observer is not kept (its lookups cost about as much as the data path's own).
  const observe = cfg.scenario.length > 0;
  const observer = new FlowTable(observe ? cfg.flow_table.capacity : 8);
  const health = new HealthSim(ng, cfg.health.interval_ms, cfg.health.fall, cfg.health.rise);
  const seriesMs = o.seriesMs ?? 100;
  let seriesCut = -1;
  /**
   * The series bucket of capture time tk. Timestamps come from the file: one before the first
   * packet's (out of order) counts in bucket 0, and one past MAX_SERIES_BUCKETS is left out of
   * the series (-1), so a timestamp that jumps by years costs no memory.
   */
  const bucketOf = (tk: number): number => {
    const bk = Math.floor(tk / seriesMs);
    if (bk < 0) return 0;
    if (bk >= MAX_SERIES_BUCKETS) {
      if (seriesCut < 0) seriesCut = tk;
      return -1;
    }
    return bk;
  };
  // One Int32Array per bucket (converted to number[][] in the result), the first ROWS_AHEAD made
  // here: a row first made in the middle of the run ran code V8 had no type feedback for (the
  // first call, which made bucket 0, came before the function's feedback was allocated), and
  // the second bucket (at 100 ms of capture time) deoptimised the series code (--trace-deopt:
  // "Insufficient type feedback for generic named access", the `push`). This moves that
  // deoptimisation to bucket 64 (6.4 s of capture time at 100 ms): the 1M trace (1 s) never
  // meets it, a longer capture meets it once.
  const buckets: Int32Array[] = [];
  const gwBuckets: Int32Array[] = [];
  for (let k = 0; k < ROWS_AHEAD; k++) {
    buckets.push(new Int32Array(nt));
    gwBuckets.push(new Int32Array(ng));
  }
  /** Buckets up to the highest any packet reached (rows past it were made ahead and are not in the result). */
  let bucketsUsed = 0;
  /** Capture time (ms from the first packet) of each packet of the batch, computed once. */
  const tms = new Float64Array(batch.capacity);

  // Scenario: ground truth for health, administrative tunnel changes, weights.
  const events = [...cfg.scenario].sort((a, b) => a.at - b.at);
  for (const e of events) {
    if (e.event === 'gateway_down' || e.event === 'gateway_up') health.setAlive(ctl.gw(e.gateway), e.event === 'gateway_up', e.at * 1000);
  }
  const tracks: EventTrack[] = events.map((e) => ({
    row: {
      index: e.index,
      event: e.event,
      target: 'gateway' in e ? e.gateway : `${e.site}/${e.tunnel}`,
      at_s: e.at,
      detected_at_s: null,
      detection_ms: null,
      takeover_by: null,
      tunnels_down: [],
      packets_lost: 0,
      flows_moved: 0,
      flows_minimum: 0,
      stickiness_violations: 0,
      converge_ms: null,
    },
    gateway: 'gateway' in e ? ctl.gw(e.gateway) : -1,
    downTunnels: new Set<number>(),
    lastLostMs: -1,
    detected: false,
  }));
  let nextEvent = 0;
  const latest: { track: EventTrack | null } = { track: null }; // the latest event (for unattributed moves)
  let violations = 0;

  const reader = CaptureReader.open(o.read);
  const pcapng = o.format === 'pcapng';
  // pcap in, pcap out, nothing prepended to a frame (IP-in-IP delivery needs 20 bytes of
  // headroom): frames are processed where the reader read them and the output is compacted in
  // the same buffer (io/in-place-output.ts); the output file header is the input's.
  const inPlaceOk = o.inPlace !== false && o.write !== undefined && !pcapng && reader.inPlaceCapable && cfg.delivery !== 'ipip';
  let writer: CaptureWriter | null = null;
  let inPlace: InPlaceOutput | null = null;
  try {
    if (inPlaceOk) {
      const h = reader.pcapHeader;
      writer = CaptureWriter.open(o.write!, 'pcap', { linkType: h.linkType, nanos: h.nanos, snaplen: h.snaplen >= 1 ? h.snaplen : MAX_FRAME });
      const out = new InPlaceOutput(writer, h.nanos);
      reader.beforeMove = () => out.flush();
      inPlace = out;
    } else if (o.write) {
      writer = CaptureWriter.open(o.write, o.format ?? 'pcap', { linkType: reader.linkTypes()[0] ?? LINK_ETHERNET, nanos: true });
    }
  } catch (e) {
    reader.close();
    throw e;
  }
  const limit = o.count ?? Infinity;
  let t0s = -1;
  let t0n = 0;
  let lastMs = 0;
  let packets = 0;
  let bytes = 0;
  let interrupted = false;

  const tunUpBefore = new Uint8Array(nt);
  /** Capture time (ms) at which each tunnel last went down; -Infinity if never. */
  const tunLastDownMs = new Float64Array(nt).fill(-Infinity);
  const applyControl = (uptoMs: number): void => {
    for (;;) {
      const te = nextEvent < events.length ? events[nextEvent]!.at * 1000 : Infinity;
      const th = health.nextMs;
      const t = Math.min(te, th);
      if (t > uptoMs) return;
      tunUpBefore.set(ctx.tables.tunUp);
      let track: EventTrack | null = null;
      if (te <= th) {
        const e = events[nextEvent]!;
        track = tracks[nextEvent]!;
        nextEvent++;
        latest.track = track;
        if (e.event === 'gateway_down') gwAlive[ctl.gw(e.gateway)] = 0;
        else if (e.event === 'gateway_up') gwAlive[ctl.gw(e.gateway)] = 1;
        else if (e.event === 'tunnel_down' || e.event === 'tunnel_up') {
          ctl.setTunnel(e.site, e.tunnel, e.event === 'tunnel_up', t);
          markDetected(track, t);
        } else if (e.event === 'weight') {
          ctl.setWeight(e.site, e.tunnel, e.weight, t);
          markDetected(track, t);
        }
      } else {
        // Several gateways may be detected in one probe round: each change's tunnels are
        // attributed to its own event, so the "before" state is taken per change.
        // every probe result up to uptoMs that comes before the next event, in one call, so
        // that rounds which change nothing are skipped (HealthSim.fastForward)
        for (const c of health.advance(uptoMs, te)) {
          tunUpBefore.set(ctl.tables.tunUp);
          const name = ctl.gatewayName(c.gateway);
          const before = ctl.changes.length;
          if (c.up) ctl.gatewayUp(name, c.atMs);
          else ctl.gatewayDown(name, c.atMs);
          // the scenario event this detection answers: the latest of this gateway not yet detected
          const tr = [...tracks].reverse().find((x) => x.gateway === c.gateway && !x.detected && x.row.at_s * 1000 <= c.atMs && (x.row.event === 'gateway_up') === c.up);
          if (tr) {
            markDetected(tr, c.atMs);
            for (const ch of ctl.changes.slice(before)) if (ch.kind === 'takeover') tr.row.takeover_by = ch.standby ?? null;
            attributeDown(tr, c.atMs);
          }
        }
      }
      // Only a new object is stored: V8 tracks the field as constant while it is never written,
      // and a store, even of the same object, made it mutable and deoptimised forwardBatch,
      // nvgreTunnelNode and processBatch at the first health probe (--trace-deopt: "code
      // dependencies"), to be optimised again some 80 batches later (whole 1M replays: no
      // change in time measurable on this VM).
      if (ctx.tables !== ctl.tables) ctx.tables = ctl.tables;
      if (track) attributeDown(track, t);
    }
  };
  /** Tunnels the last change took down (up in `tunUpBefore`, down now): their live flows are the minimum that must move. */
  function attributeDown(track: EventTrack, t: number): void {
    const down = new Set<number>();
    for (let k = 0; k < nt; k++) if (tunUpBefore[k] === 1 && ctl.tables.tunUp[k] === 0) down.add(k);
    if (down.size > 0) {
      for (const k of down) {
        tunLastDownMs[k] = t;
        track.downTunnels.add(k);
        track.row.tunnels_down.push(ctl.tunnelNames[k]!);
      }
      observer.scan(Math.round(t), (_slot, value) => {
        if (down.has(value)) track.row.flows_minimum++;
      });
    }
  }
  function markDetected(tr: EventTrack, atMs: number): void {
    tr.detected = true;
    tr.row.detected_at_s = atMs / 1000;
    tr.row.detection_ms = Math.round(atMs - tr.row.at_s * 1000);
  }

  /** The end of the slice that starts at packet i: the batch's end, or its first packet at or after the next control point. */
  const sliceEnd = (i: number, m: number): number => {
    const nextCtl = Math.min(nextEvent < events.length ? events[nextEvent]!.at * 1000 : Infinity, health.nextMs);
    // Every packet compared, with no early return for the common "whole batch" case: a loop
    // first entered after optimisation has no type feedback, and deoptimised processBatch at the
    // first health probe in the middle of a batch (--trace-deopt; no change in time measured).
    let j = i + 1;
    while (j < m && tms[j]! < nextCtl) j++;
    return j;
  };
  // The series rows of the bucket [rowLo, rowHi) of capture time, set by `seriesRows`.
  const seriesEndMs = MAX_SERIES_BUCKETS * seriesMs;
  let rowLo = 0;
  let rowHi = -1;
  let gwRow: Int32Array | null = null;
  let tunRow: Int32Array | null = null;
  /** Point gwRow / tunRow at the series bucket of capture time tk (rows made as needed). */
  const seriesRows = (tk: number): void => {
    const bk = bucketOf(tk);
    // bucket 0 also holds times before the first packet; -1 is past the last bucket. (The
    // bounds are computed before choosing, so that the first call already gives V8 the types
    // of every operation here: one first met at the 100 ms bucket cost a deoptimisation.)
    const lo = bk * seriesMs;
    const hi = lo + seriesMs;
    rowLo = bk > 0 ? lo : bk === 0 ? -Infinity : seriesEndMs;
    rowHi = bk >= 0 ? hi : Infinity;
    // every call runs this (Math.max, not a branch that only a new bucket would take)
    bucketsUsed = Math.max(bucketsUsed, bk + 1);
    if (bk >= 0) {
      while (gwBuckets.length <= bk) gwBuckets.push(new Int32Array(ng));
      while (buckets.length <= bk) buckets.push(new Int32Array(nt));
      gwRow = gwBuckets[bk]!;
      tunRow = buckets[bk]!;
    } else {
      gwRow = null;
      tunRow = null;
    }
  };
  /**
   * Point the series rows at the bucket of packet k and return the end of the run of packets
   * from k (up to j) in that bucket: the per-packet loop then compares no times.
   */
  const bucketRunEnd = (k: number, j: number): number => {
    seriesRows(tms[k]!);
    let e = k + 1;
    while (e < j && tms[e]! >= rowLo && tms[e]! < rowHi) e++;
    return e;
  };
  /** A packet lost on gateway g at capture time tk: charged to that gateway's failure. */
  const chargeLost = (g: number, tk: number): void => {
    // the latest failure of g at or before tk; a loop, not findLast with a closure, since
    // this runs for every lost packet
    for (let i = tracks.length - 1; i >= 0; i--) {
      const tr = tracks[i]!;
      if (tr.gateway === g && tr.row.event === 'gateway_down' && tr.row.at_s * 1000 <= tk) {
        tr.row.packets_lost++;
        tr.lastLostMs = tk;
        return;
      }
    }
  };

  /**
   * Forward the first m packets of the dissected batch, splitting it at control points, and
   * score and write them. A plain function, not part of the generator: V8 optimises a hot
   * loop inside a generator poorly. What happens rarely (a slice ending at a control point, a
   * new series bucket, a lost packet) and every comparison of times is in the small functions
   * above, so that this loop is optimised once: a branch first taken after optimisation costs
   * a deoptimisation and a recompile (10-30 ms here), and unoptimised code boxes every number
   * that is not a small integer.
   */
  const processBatch = (m: number): void => {
    const cSec = batch.tsSec;
    const cNsec = batch.tsNsec;
    for (let k = 0; k < m; k++) tms[k] = (cSec[k]! - t0s) * 1000 + (cNsec[k]! - t0n) / 1e6;
    const cNext = batch.next;
    const cTarget = batch.target;
    const cDrop = batch.drop;
    const cWire = batch.wireLen;
    let i = 0;
    while (i < m) {
      const ti = tms[i]!;
      applyControl(ti);
      // packets up to the next control point share these tables (the whole rest of the
      // batch when its last packet comes before that point)
      const j = sliceEnd(i, m);
      ctx.nowMs = Math.floor(ti) | 0;
      forwardBatch(batch, i, j, ctx, keys);
      const tunGw = ctx.tables.tunGw;
      for (let k = i; k < j; ) {
        // the packets from k that fall in k's series bucket (the whole slice, nearly always)
        const e = bucketRunEnd(k, j);
        const gr = gwRow;
        const tr = tunRow;
        for (; k < e; k++) {
          const nx = cNext[k]!;
          if (nx === NEXT_GATEWAY) {
            if (gr !== null) gr[cTarget[k]!]++;
          } else if (nx === NEXT_TUNNEL) {
            const t = cTarget[k]!;
            if (gr !== null) gr[tunGw[t]!]++;
            if (tr !== null) tr[t]++;
            if (observe) observeTunnel(k, t, tms[k]!);
          } else if (nx === NEXT_DROP && cDrop[k] === DROP_GATEWAY_FAILED) chargeLost(cTarget[k]!, tms[k]!);
          if (inPlace !== null) {
            if (nx !== NEXT_DROP) inPlace.keep(batch, k);
          } else if (writer !== null) {
            if (pcapng) writer.writePacket(batch.arena, batch.base[k]!, batch.len[k]!, batch.wireLen[k]!, batch.tsSec[k]!, batch.tsNsec[k]!, verdictComment(batch, k, ctl));
            else if (nx !== NEXT_DROP) writer.writePacket(batch.arena, batch.base[k]!, batch.len[k]!, batch.wireLen[k]!, batch.tsSec[k]!, batch.tsNsec[k]!);
          }
          bytes += cWire[k]!;
        }
      }
      if (j > i) lastMs = tms[j - 1]!;
      i = j;
    }
  };
  /** The stickiness observer's view of packet k, sent on tunnel t at capture time tk. */
  const observeTunnel = (k: number, t: number, tk: number): void => {
    const h = batch.hash[k]!;
    const a = batch.isrc[k]!;
    const bb = batch.idst[k]!;
    // when the flow was last seen on its tunnel (read before the lookup refreshes it)
    const slot = observer.probe(h, a, bb, keys.c[k]!, keys.d[k]!);
    const lastSeen = slot >= 0 ? observer.slotLastUsed(slot) : 0;
    const prev = observer.lookup(h, a, bb, keys.c[k]!, keys.d[k]!, ctx.nowMs);
    if (prev >= 0 && prev !== t) {
      const owner = tracks.find((x) => x.downTunnels.has(prev) && x.row.at_s * 1000 <= tk);
      // A move is forced when its tunnel went down after the flow was last seen on it, even
      // if the tunnel is back by now: while it was down the flow moved to a tunnel whose
      // packets were all lost (so the observer never saw it there), and a recovered tunnel
      // takes back no flow.
      const forced = tunLastDownMs[prev]! >= lastSeen;
      if (!forced || !owner) {
        violations++;
        if (latest.track) latest.track.row.stickiness_violations++;
      }
      if (owner) owner.row.flows_moved++;
      else if (latest.track) latest.track.row.flows_moved++;
    }
    if (prev !== t) observer.insert(h, a, bb, keys.c[k]!, keys.d[k]!, t, ctx.nowMs, 3_600_000);
  };

  try {
    while (packets < limit) {
      if (o.stop?.requested) {
        interrupted = true;
        break;
      }
      const n = inPlace !== null ? reader.readBatchInPlace(batch) : reader.readBatch(batch);
      if (n === 0) break;
      const m = Math.min(n, limit - packets);
      dissectBatch(batch);
      if (t0s < 0) {
        t0s = batch.tsSec[0]!;
        t0n = batch.tsNsec[0]!;
      }
      processBatch(m);
      packets += m;
      o.onBatch?.(reader, counters);
      yield;
    }
    if (!interrupted) applyControl(lastMs);
    if (writer) {
      if (interrupted) writer.abort();
      else {
        inPlace?.flush();
        writer.commit();
      }
    }
  } catch (e) {
    writer?.abort();
    throw e;
  } finally {
    reader.close();
  }
  for (const tr of tracks) {
    if (tr.row.detection_ms !== null) {
      const endMs = Math.max(tr.lastLostMs, tr.row.detected_at_s! * 1000);
      tr.row.converge_ms = Math.round(endMs - tr.row.at_s * 1000);
    }
  }
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    file: o.read,
    packets,
    bytes,
    captureSeconds: lastMs / 1000,
    wallSeconds: wall,
    counters,
    controller: ctl,
    changes: ctl.changes,
    scorecard: tracks.map((t) => t.row),
    stickinessViolations: violations,
    series: { bucketMs: seriesMs, tunnels: ctl.tunnelNames, buckets: buckets.slice(0, bucketsUsed).map((r) => Array.from(r)), gateways: cfg.gateways.map((g) => g.name), gateway_buckets: gwBuckets.slice(0, bucketsUsed).map((r) => Array.from(r)) },
    warnings: seriesCut < 0 ? reader.warnings : [...reader.warnings, `time series cut after ${MAX_SERIES_BUCKETS} buckets of ${seriesMs} ms: a packet at ${(seriesCut / 1000).toFixed(3)} s of capture time and later ones are counted but not charted`],
    truncatedRecords: reader.truncatedRecords,
    interrupted,
    output: writer && !interrupted ? o.write! : null,
    flows: ctx.flows,
  };
}

/** The pcapng comment of one packet: where it went, or why it was dropped. */
export function verdictComment(b: PacketBatch, k: number, ctl: Controller): string {
  const nx = b.next[k]!;
  if (nx === NEXT_GATEWAY) return `gateway ${ctl.gatewayName(b.target[k]!)}`;
  if (nx === NEXT_TUNNEL) return `tunnel ${ctl.tunnelNames[b.target[k]!]}`;
  if (nx === NEXT_REPLY) return 'reply (source rewritten to the SLB VIP)';
  return `drop ${dropName(b.drop[k]!)}`;
}
