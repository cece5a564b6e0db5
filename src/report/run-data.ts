/**
 * The part of a run's JSON (`gwplane replay --json`, `replaySummaryJson`) that the report
 * reads, checked field by field so that `gwplane report` on the wrong file says which field
 * is missing instead of drawing an empty page.
 */

export interface RunScoreRow {
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

export interface RunChange {
  atMs: number;
  kind: string;
  gateway?: string;
  standby?: string;
  pool?: string;
  site?: string;
  tunnel?: string;
  detail?: string;
}

export interface RunGateway {
  name: string;
  dip: string;
  pool: string;
  role: string;
  state: string;
  packets: number;
  bytes: number;
}

export interface RunTunnel {
  name: string;
  gateway: string;
  weight: number;
  state: string;
  packets: number;
  bytes: number;
  flows: number;
}

export interface RunSeries {
  bucketMs: number;
  tunnels: string[];
  /** buckets[b][tunnel]: packets sent over the tunnel in bucket b. */
  buckets: number[][];
  /** Absent in runs from before gateway series existed. */
  gateways?: string[];
  gateway_buckets?: number[][];
}

export interface RunJson {
  file: string;
  output: string | null;
  interrupted: boolean;
  packets: number;
  bytes: number;
  capture_seconds: number;
  wall_seconds: number;
  counters: Record<string, number>;
  drops: Record<string, number>;
  invariant_rx_eq_tx_plus_drops: boolean;
  gateways: RunGateway[];
  tunnels: RunTunnel[];
  scorecard: RunScoreRow[];
  stickiness_violations: number;
  changes: RunChange[];
  series: RunSeries;
  warnings: string[];
}

/** A RUN.json that is not what the report needs; the message names the field. */
export class RunDataError extends Error {}

type Kind = 'number' | 'string' | 'boolean' | 'object' | 'array' | 'number|null' | 'string|null';

function check(v: unknown, kind: Kind, path: string): void {
  const ok =
    kind === 'array'
      ? Array.isArray(v)
      : kind === 'object'
        ? typeof v === 'object' && v !== null && !Array.isArray(v)
        : kind === 'number|null'
          ? v === null || (typeof v === 'number' && Number.isFinite(v))
          : kind === 'string|null'
            ? v === null || typeof v === 'string'
            : kind === 'number'
              ? typeof v === 'number' && Number.isFinite(v)
              : typeof v === kind;
  if (!ok) throw new RunDataError(`${path}: expected ${kind}, got ${v === undefined ? 'nothing' : JSON.stringify(v)?.slice(0, 40)}`);
}

function fields(o: Record<string, unknown>, spec: Record<string, Kind>, path: string): void {
  for (const [k, kind] of Object.entries(spec)) check(o[k], kind, path ? `${path}.${k}` : k);
}

/** Check that `j` (parsed JSON) has what the report reads; returns it typed. */
export function parseRunJson(j: unknown): RunJson {
  check(j, 'object', '(root)');
  const o = j as Record<string, unknown>;
  fields(
    o,
    {
      file: 'string',
      interrupted: 'boolean',
      packets: 'number',
      bytes: 'number',
      capture_seconds: 'number',
      wall_seconds: 'number',
      counters: 'object',
      drops: 'object',
      gateways: 'array',
      tunnels: 'array',
      scorecard: 'array',
      stickiness_violations: 'number',
      changes: 'array',
      series: 'object',
    },
    '',
  );
  for (const [k, v] of Object.entries(o.drops as object)) check(v, 'number', `drops.${k}`);
  (o.gateways as unknown[]).forEach((g, i) => {
    check(g, 'object', `gateways[${i}]`);
    fields(g as Record<string, unknown>, { name: 'string', pool: 'string', role: 'string', state: 'string', packets: 'number' }, `gateways[${i}]`);
  });
  (o.tunnels as unknown[]).forEach((t, i) => {
    check(t, 'object', `tunnels[${i}]`);
    fields(t as Record<string, unknown>, { name: 'string', gateway: 'string', weight: 'number', packets: 'number' }, `tunnels[${i}]`);
  });
  (o.scorecard as unknown[]).forEach((r, i) => {
    check(r, 'object', `scorecard[${i}]`);
    fields(
      r as Record<string, unknown>,
      {
        index: 'number',
        event: 'string',
        target: 'string',
        at_s: 'number',
        detected_at_s: 'number|null',
        takeover_by: 'string|null',
        tunnels_down: 'array',
        packets_lost: 'number',
        flows_moved: 'number',
        flows_minimum: 'number',
        stickiness_violations: 'number',
        converge_ms: 'number|null',
      },
      `scorecard[${i}]`,
    );
  });
  (o.changes as unknown[]).forEach((c, i) => {
    check(c, 'object', `changes[${i}]`);
    fields(c as Record<string, unknown>, { atMs: 'number', kind: 'string' }, `changes[${i}]`);
  });
  const s = o.series as Record<string, unknown>;
  fields(s, { bucketMs: 'number', tunnels: 'array', buckets: 'array' }, 'series');
  if (!((s.bucketMs as number) > 0)) throw new RunDataError(`series.bucketMs: expected a number > 0, got ${String(s.bucketMs)}`);
  const nt = (s.tunnels as unknown[]).length;
  (s.buckets as unknown[]).forEach((b, i) => {
    check(b, 'array', `series.buckets[${i}]`);
    if ((b as unknown[]).length !== nt) throw new RunDataError(`series.buckets[${i}]: expected ${nt} values (one per tunnel), got ${(b as unknown[]).length}`);
  });
  if (s.gateways !== undefined || s.gateway_buckets !== undefined) {
    fields(s, { gateways: 'array', gateway_buckets: 'array' }, 'series');
    const ng = (s.gateways as unknown[]).length;
    (s.gateway_buckets as unknown[]).forEach((b, i) => {
      check(b, 'array', `series.gateway_buckets[${i}]`);
      if ((b as unknown[]).length !== ng) throw new RunDataError(`series.gateway_buckets[${i}]: expected ${ng} values (one per gateway), got ${(b as unknown[]).length}`);
    });
  }
  const run = o as unknown as RunJson;
  if (!Array.isArray(run.warnings)) run.warnings = [];
  if (run.output === undefined) run.output = null;
  return run;
}
