/**
 * Loading and validating the configuration file (YAML 1.2 or JSON).
 *
 * The text is parsed once with `yaml`'s `parseDocument` (a `LineCounter` plus
 * `keepSourceTokens`, so every node has a source range), then checked in three phases:
 *
 *   1. syntax: YAML/JSON errors from the parser (its line:col, field `(syntax)`);
 *   2. shape: types, formats, ranges, required and unknown keys, defaults, per node;
 *   3. meaning: names, cross references, address conflicts, pool sizes, tunnels, scenario;
 *   4. placement: every connection must fit (`placeConnections`), so a config that loads
 *      can be placed.
 *
 * Every problem of a phase is collected (a file with three typos reports three errors); a
 * phase only runs when the previous ones found nothing, so errors never cascade from
 * half-read values. The thrown `ConfigError` is the phase's problem earliest in the file
 * (line, then column) and carries the phase's whole list, in that order, in `errors`.
 *
 * Positions are 1-based line:col of the offending value; for a missing required field, of
 * the enclosing mapping (`{` of a flow mapping, the first key of a block mapping).
 *
 * Rules (each has a broken example in `fixtures/configs/bad/`):
 *  - unknown keys are rejected everywhere, with a "did you mean" when a key is close;
 *  - names: letters, digits, `_ . -`, at most 64 characters; unique per kind (connection
 *    names across all tenants, tunnel names within their site);
 *  - addresses: strict IPv4 dotted quads, unicast; MACs `xx:xx:xx:xx:xx:xx`, unicast, unique;
 *    prefixes CIDR with host bits zero;
 *  - SLB VIPs, DIPs, GRE VIPs and tunnel local IPs are this deployment's own addresses: no
 *    two are equal (a tunnel local IP may be shared by tunnels of one gateway, and may be
 *    that gateway's own GRE VIP); tenant public IPs and tunnel remote IPs must not be one;
 *  - pools: M >= 1, 0 <= N <= M, and exactly M gateways with role active and N with role
 *    standby name the pool (counts are checked, not derived: a typo in a role is caught);
 *  - gateways: pool exists; gre_vip only on gre/all pools, required on their active
 *    gateways, rejected on standbys (a standby takes over the failed gateway's VIP);
 *  - tenants: VSID 24-bit and not reserved (RFC 7637: 0..0xfff, 0xffffff), unique; public
 *    IPs unique across all tenants (the SLB NAT key); at most one ikev2 connection per tenant
 *    and only with public_ips (all its public IPs NAT to the gateway hosting it);
 *  - l3 connections: VLAN 1..4094 belongs to one tenant; (vlan, ca_ip) unique (the same CA
 *    IP on different VLANs is fine); peer_ip != ca_ip;
 *  - sites: tenant exists; >= 1 prefix, >= 1 tunnel; prefixes of one tenant's sites do not
 *    overlap (across tenants they may);
 *  - tunnels: gateway exists, is initially active and in a gre/all pool; weight integer
 *    >= 1; key 0..2^32-1; (local_ip, remote_ip, key) unique; a single-tunnel site's local IP
 *    is neither a GRE VIP nor used by any other tunnel (on failover it moves to another
 *    active gateway of the pool, while a GRE VIP moves to a standby);
 *  - health: interval_ms, fall, rise integers >= 1;
 *  - flow_table: capacity rounded up to a power of two, at most 2^24; idle timeouts >= 1 ms;
 *  - hash: keyed (optional key) | toeplitz (hex key, 16..64 bytes, default Microsoft's);
 *  - maglev: size prime, 3..16777213;
 *  - scenario: at >= 0 (seconds); names exist (a tunnel in the named site); a weight event
 *    may set 0 (drain, VPP lb semantics) while the config's weights are >= 1.
 */
import { readFileSync } from "node:fs";
import {
  LineCounter,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from "yaml";
import { ConfigError } from "./config-error.js";
import { parseSubset } from "./yaml-subset.js";
import {
  formatPrefix4,
  isUnicast4,
  parseIp4,
  parseMac,
  parsePrefix4,
  prefixMask,
  prefixesOverlap,
  type Prefix4,
} from "./config-addr.js";
import {
  CONNECTION_TYPES,
  DEFAULT_FLOW_TABLE,
  DEFAULT_HEALTH,
  DEFAULT_MAGLEV_SIZE,
  DEFAULT_PRIORITY,
  DELIVERIES,
  MAX_FLOW_TABLE_CAPACITY,
  MAX_MAGLEV_SIZE,
  MS_TOEPLITZ_KEY,
  POOL_KINDS,
  ROLES,
  SCENARIO_EVENTS,
  poolIsGreCapable,
  type ConnectionConfig,
  type FlowTableConfig,
  type GatewayConfig,
  type GwConfig,
  type HashConfig,
  type HealthConfig,
  type MaglevConfig,
  type PoolConfig,
  type ScenarioEvent,
  type SiteConfig,
  type SlbConfig,
  type SourcePos,
  type TenantConfig,
  type TunnelConfig,
} from "./config-schema.js";
import { placeConnections } from "./placement.js";

/** Read and validate a config file (YAML or JSON). Throws `ConfigError`. */
export function loadConfig(path: string): GwConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(path, 1, 1, "(file)", `cannot read: ${(e as Error).message}`);
  }
  return parseConfig(text, path);
}

/** Validate config text; `file` is only used in error messages and `source.file`. */
export function parseConfig(text: string, file: string): GwConfig {
  const lc = new LineCounter();
  // uniqueKeys: false: yaml's own duplicate-key check compares every key with each earlier key
  // of its mapping, O(n^2) (a mapping of 50,000 keys took minutes); duplicateKeys() below makes
  // the same check, with the same message and position, in linear time.
  // The plain subset configs are written in is read by yaml-subset.ts, which builds the same
  // nodes (and fills lc the same way) without the cost of `yaml` starting cold; anything else,
  // every syntax error included, is parsed by `yaml`.
  const doc = parseSubset(text, lc) ?? parseDocument(text, { keepSourceTokens: true, lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  const ctx = new Ctx(file, lc, doc);

  // Phase 1: syntax.
  for (const e of doc.errors) {
    const p = lc.linePos(e.pos[0]);
    ctx.error("(syntax)", { line: p.line, col: p.col }, syntaxMessage(e.message));
  }
  duplicateKeys(doc, (offset) => {
    const p = lc.linePos(offset);
    ctx.error("(syntax)", { line: p.line, col: p.col }, "Map keys must be unique");
  });
  ctx.throwIfAny();

  // Phase 2: shape.
  const cfg = readRoot(ctx, doc.contents as Node | null);
  ctx.throwIfAny();
  const full = cfg as GwConfig;
  full.source = { file, at: ctx.at };

  // Phase 3: meaning.
  checkSemantics(ctx, full);
  ctx.throwIfAny();

  // Phase 4: placement (throws its own ConfigError pointing at the connection).
  placeConnections(full);
  return full;
}

/** Report each scalar key equal to an earlier key of its mapping (yaml's DUPLICATE_KEY), in linear time. */
function duplicateKeys(doc: Document, report: (offset: number) => void): void {
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const p of map.items) {
        if (!isScalar(p.key)) continue;
        if (seen.has(p.key.value)) report(p.key.range?.[0] ?? 0);
        else seen.add(p.key.value);
      }
    },
  });
}

function syntaxMessage(m: string): string {
  // yaml appends " at line L, column C" (and a code frame with prettyErrors): drop it, the
  // position is already in front of the message.
  return m.replace(/ at line \d+, column \d+[\s\S]*$/, "").trim();
}

// ---------------------------------------------------------------------------------------
// Reading context

type Conv<T> = (ctx: Ctx, node: Node, path: string) => T | undefined;

class Ctx {
  readonly errors: ConfigError[] = [];
  readonly at: Record<string, SourcePos> = {};

  constructor(
    readonly file: string,
    readonly lc: LineCounter,
    readonly doc: Document,
  ) {}

  pos(node: Node | null | undefined): SourcePos {
    const off = node?.range?.[0];
    if (off === undefined) return { line: 1, col: 1 };
    const p = this.lc.linePos(off);
    return { line: p.line, col: p.col };
  }

  posOf(path: string): SourcePos {
    return this.at[path] ?? { line: 1, col: 1 };
  }

  /** "gateways[0].dip (7:10)" for cross references in messages. */
  where(path: string): string {
    const p = this.posOf(path);
    return `${path} (${p.line}:${p.col})`;
  }

  error(field: string, pos: SourcePos, what: string): undefined {
    this.errors.push(new ConfigError(this.file, pos.line, pos.col, field, what));
    return undefined;
  }

  errorAt(path: string, what: string): undefined {
    return this.error(path, this.posOf(path), what);
  }

  /** Throw the errors found so far, earliest position first (stable for equal positions). */
  throwIfAny(): void {
    if (this.errors.length === 0) return;
    this.errors.sort((a, b) => a.line - b.line || a.col - b.col);
    throw ConfigError.of(this.errors);
  }

  deref(node: Node): Node {
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      return (target as Node | undefined) ?? node;
    }
    return node;
  }

  /** Convert `node` at `path`, recording its position. */
  conv<T>(node: Node, path: string, f: Conv<T>): T | undefined {
    const n = this.deref(node);
    this.at[path] = this.pos(n);
    return f(this, n, path);
  }

  map(node: Node, path: string, keys: readonly string[]): MapView | undefined {
    const n = this.deref(node);
    this.at[path] ??= this.pos(n);
    if (!isMap(n)) return this.error(path || "(root)", this.pos(n), `expected a mapping, got ${kindOf(n)}`);
    return new MapView(this, n, path, keys);
  }
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function kindOf(n: Node | null | undefined): string {
  if (n === null || n === undefined) return "nothing";
  if (isMap(n)) return "a mapping";
  if (isSeq(n)) return "a list";
  if (isScalar(n)) {
    const v = n.value;
    if (v === null) return "null (empty value)";
    if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
    if (typeof v === "number") return `the number ${String(v)}`;
    if (typeof v === "boolean") return `${String(v)}`;
    return typeof v;
  }
  return "an alias";
}

function isNullNode(n: Node | null | undefined): boolean {
  return n === null || n === undefined || (isScalar(n) && n.value === null);
}

/** Levenshtein distance, for "did you mean". */
function editDistance(a: string, b: string): number {
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dist = editDistance(key.toLowerCase(), c);
    if (dist < bestD) {
      bestD = dist;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/**
 * A mapping being read: unknown keys are reported at construction (in document order, with
 * a suggestion), and a required key that an unknown key was suggested for is not reported
 * again as missing (`capacity_mpbs: 1000` is one error, not two).
 */
class MapView {
  private readonly pairs = new Map<string, Pair<Node, Node | null>>();
  private readonly suggested = new Set<string>();
  readonly pos: SourcePos;

  constructor(
    private readonly ctx: Ctx,
    node: YAMLMap,
    readonly path: string,
    private readonly keys: readonly string[],
  ) {
    this.pos = ctx.pos(node);
    // Keys written in this mapping, once: a suggestion is never a key already present. (Scanning
    // the items for each unknown key made a mapping of n unknown keys cost O(n^2).)
    const written = new Set<unknown>();
    for (const p of node.items) if (isScalar(p.key)) written.add(p.key.value);
    const candidates = keys.filter((x) => !written.has(x));
    for (const pair of node.items as Pair<Node, Node | null>[]) {
      const k = pair.key as Node | null;
      const kn = k === null ? null : ctx.deref(k);
      const keyText = kn !== null && isScalar(kn) && kn.value !== null ? String(kn.value) : undefined;
      if (keyText === undefined || typeof (kn as { value: unknown }).value !== "string") {
        ctx.error(join(path, keyText ?? "?"), ctx.pos(kn), `keys must be plain strings, got ${kindOf(kn)}`);
        continue;
      }
      if (!keys.includes(keyText)) {
        const hint = closest(keyText, candidates);
        if (hint !== undefined) this.suggested.add(hint);
        ctx.error(
          join(path, keyText),
          ctx.pos(kn),
          hint !== undefined
            ? `unknown key '${keyText}' (did you mean '${hint}'?)`
            : `unknown key '${keyText}' (expected one of: ${keys.join(", ")})`,
        );
        continue;
      }
      this.pairs.set(keyText, pair);
    }
  }

  has(key: string): boolean {
    return this.pairs.has(key);
  }

  /** Reject keys present here that are not in `allowed` (a sub-shape chosen by a `type`). */
  only(allowed: readonly string[], why: (key: string) => string): void {
    for (const [key, pair] of this.pairs) {
      if (!allowed.includes(key)) {
        this.ctx.error(join(this.path, key), this.ctx.pos(pair.key as Node), why(key));
        this.pairs.delete(key);
      }
    }
  }

  req<T>(key: string, f: Conv<T>): T | undefined {
    const pair = this.pairs.get(key);
    const path = join(this.path, key);
    if (pair === undefined) {
      if (this.suggested.has(key)) return undefined;
      return this.ctx.error(path, this.pos, `missing required field '${key}'`);
    }
    const v = pair.value;
    if (isNullNode(v)) {
      return this.ctx.error(path, this.ctx.pos(pair.key as Node), `missing value for required field '${key}'`);
    }
    return this.ctx.conv(v as Node, path, f);
  }

  /** Absent or null (`key:` / `key: null`) means the default. */
  opt<T, D>(key: string, f: Conv<T>, dflt: D): T | D | undefined {
    const pair = this.pairs.get(key);
    if (pair === undefined || isNullNode(pair.value)) return dflt;
    return this.ctx.conv(pair.value as Node, join(this.path, key), f);
  }
}

// ---------------------------------------------------------------------------------------
// Scalar converters

const str: Conv<string> = (ctx, n, path) => {
  if (isScalar(n) && typeof n.value === "string") return n.value;
  return ctx.error(path, ctx.pos(n), `expected a string, got ${kindOf(n)}`);
};

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const name: Conv<string> = (ctx, n, path) => {
  const s = str(ctx, n, path);
  if (s === undefined) return undefined;
  if (!NAME_RE.test(s)) {
    return ctx.error(
      path,
      ctx.pos(n),
      `invalid name ${JSON.stringify(s)} (letters, digits, '_', '.', '-', starting with a letter or digit, at most 64 characters)`,
    );
  }
  return s;
};

function int(min: number, max: number = Number.MAX_SAFE_INTEGER, hint = ""): Conv<number> {
  return (ctx, n, path) => {
    if (!isScalar(n) || typeof n.value !== "number" || !Number.isSafeInteger(n.value)) {
      return ctx.error(path, ctx.pos(n), `expected an integer, got ${kindOf(n)}`);
    }
    const v = n.value;
    if (v < min || v > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
      return ctx.error(path, ctx.pos(n), `${v} is out of range: must be ${range}${hint}`);
    }
    return v;
  };
}

const bool: Conv<boolean> = (ctx, n, path) => {
  if (isScalar(n) && typeof n.value === "boolean") return n.value;
  const yaml11 = isScalar(n) && typeof n.value === "string" && /^(y|n|yes|no|on|off)$/i.test(n.value);
  return ctx.error(
    path,
    ctx.pos(n),
    `expected true or false, got ${kindOf(n)}${yaml11 ? " (YAML 1.2 has no yes/no/on/off booleans)" : ""}`,
  );
};

function oneOf<T extends string>(values: readonly T[]): Conv<T> {
  return (ctx, n, path) => {
    if (isScalar(n) && typeof n.value === "string" && (values as readonly string[]).includes(n.value)) {
      return n.value as T;
    }
    return ctx.error(path, ctx.pos(n), `expected one of ${values.join(" | ")}, got ${kindOf(n)}`);
  };
}

const ipAddr: Conv<string> = (ctx, n, path) => {
  const s = str(ctx, n, path);
  if (s === undefined) return undefined;
  const a = parseIp4(s);
  if (a === null) {
    return ctx.error(path, ctx.pos(n), `invalid IPv4 address ${JSON.stringify(s)} (expected a dotted quad such as 192.0.2.1)`);
  }
  if (!isUnicast4(a)) {
    return ctx.error(path, ctx.pos(n), `${s} is not a unicast host address (0/8, 127/8, 224/4 and 240/4 are not)`);
  }
  return s;
};

const macAddr: Conv<string> = (ctx, n, path) => {
  const s = str(ctx, n, path);
  if (s === undefined) return undefined;
  const m = parseMac(s);
  if (m === null) {
    return ctx.error(path, ctx.pos(n), `invalid MAC address ${JSON.stringify(s)} (expected xx:xx:xx:xx:xx:xx)`);
  }
  if ((m[0]! & 1) !== 0 || m.every((b) => b === 0)) {
    return ctx.error(path, ctx.pos(n), `${s} is not a unicast MAC address`);
  }
  return s.toLowerCase();
};

const prefix: Conv<string> = (ctx, n, path) => {
  const s = str(ctx, n, path);
  if (s === undefined) return undefined;
  const p = parsePrefix4(s);
  if (p === null) {
    return ctx.error(path, ctx.pos(n), `invalid prefix ${JSON.stringify(s)} (expected CIDR such as 172.16.0.0/16)`);
  }
  const net = (p.addr & prefixMask(p.len)) >>> 0;
  if (net !== p.addr) {
    return ctx.error(
      path,
      ctx.pos(n),
      `host bits set in ${s} (did you mean ${formatPrefix4({ addr: net, len: p.len })}?)`,
    );
  }
  return s;
};

function list<T>(item: Conv<T>, minLen = 0, emptyWhat = "must not be empty"): Conv<T[]> {
  return (ctx, n, path) => {
    if (!isSeq(n)) return ctx.error(path, ctx.pos(n), `expected a list, got ${kindOf(n)}`);
    if (n.items.length < minLen) return ctx.error(path, ctx.pos(n), emptyWhat);
    const out: T[] = [];
    let ok = true;
    n.items.forEach((it, i) => {
      const p = `${path}[${i}]`;
      if (isNullNode(it as Node | null)) {
        ok = false;
        ctx.error(p, ctx.pos(it as Node | null), "empty list item");
        return;
      }
      const v = ctx.conv(it as Node, p, item);
      if (v === undefined) ok = false;
      else out.push(v);
    });
    return ok ? out : undefined;
  };
}

function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

// ---------------------------------------------------------------------------------------
// Phase 2: shape

const ROOT_KEYS = [
  "slb",
  "delivery",
  "pools",
  "gateways",
  "tenants",
  "sites",
  "health",
  "flow_table",
  "hash",
  "maglev",
  "scenario",
] as const;

function readRoot(ctx: Ctx, root: Node | null): Partial<GwConfig> {
  if (root === null || isNullNode(root)) {
    ctx.error("(root)", { line: 1, col: 1 }, "empty document: expected a mapping with slb, pools and gateways");
    return {};
  }
  const m = ctx.map(root, "", ROOT_KEYS);
  if (m === undefined) return {};
  const cfg: Partial<GwConfig> = {};
  cfg.slb = m.req("slb", readSlb);
  cfg.delivery = m.opt("delivery", oneOf(DELIVERIES), "mac" as const);
  cfg.pools = m.req("pools", list(readPool, 1, "at least one pool is needed"));
  cfg.gateways = m.req("gateways", list(readGateway, 1, "at least one gateway is needed"));
  cfg.tenants = m.opt("tenants", list(readTenant), []);
  cfg.sites = m.opt("sites", list(readSite), []);
  cfg.health = m.opt("health", readHealth, { ...DEFAULT_HEALTH });
  cfg.flow_table = m.opt("flow_table", readFlowTable, { ...DEFAULT_FLOW_TABLE });
  cfg.hash = m.opt("hash", readHash, { kind: "keyed", key: null, symmetric: false } as HashConfig);
  cfg.maglev = m.opt("maglev", readMaglev, { size: DEFAULT_MAGLEV_SIZE });
  const scenario = m.opt("scenario", list(readEvent), []);
  // Stable sort: equal times keep file order.
  cfg.scenario = scenario?.slice().sort((a, b) => a.at - b.at);
  return cfg;
}

const readSlb: Conv<SlbConfig> = (ctx, n, path) => {
  const m = ctx.map(n, path, ["vips"]);
  if (!m) return undefined;
  const vips = m.req("vips", list(ipAddr, 1, "at least one SLB VIP is needed"));
  return vips && { vips };
};

const readPool: Conv<PoolConfig> = (ctx, n, path) => {
  const m = ctx.map(n, path, ["name", "kind", "active", "standby"]);
  if (!m) return undefined;
  const p = {
    name: m.req("name", name),
    kind: m.req("kind", oneOf(POOL_KINDS)),
    active: m.req("active", int(1, 1024, " (M, active gateways)")),
    standby: m.req("standby", int(0, 1024, " (N, standby gateways)")),
  };
  return complete(p);
};

const readGateway: Conv<GatewayConfig> = (ctx, n, path) => {
  const m = ctx.map(n, path, ["name", "dip", "mac", "pool", "role", "priority", "capacity_mbps", "gre_vip"]);
  if (!m) return undefined;
  const g = {
    name: m.req("name", name),
    dip: m.req("dip", ipAddr),
    mac: m.req("mac", macAddr),
    pool: m.req("pool", name),
    role: m.req("role", oneOf(ROLES)),
    priority: m.opt("priority", int(1, 255, " (keepalived priority)"), DEFAULT_PRIORITY),
    capacity_mbps: m.req("capacity_mbps", int(1)),
    gre_vip: m.opt("gre_vip", ipAddr, null),
  };
  return complete(g);
};

const VSID_MIN = 0x1000;
const VSID_MAX = 0xfffffe;

const readTenant: Conv<TenantConfig> = (ctx, n, path) => {
  const m = ctx.map(n, path, ["name", "vsid", "public_ips", "connections"]);
  if (!m) return undefined;
  const t = {
    name: m.req("name", name),
    vsid: m.req(
      "vsid",
      int(VSID_MIN, VSID_MAX, " (24-bit NVGRE VSID; RFC 7637 reserves 0..0xfff and 0xffffff)"),
    ),
    public_ips: m.opt("public_ips", list(ipAddr), []),
    connections: m.opt("connections", list(readConnection), []),
  };
  return complete(t);
};

const CONN_BASE_KEYS = ["name", "type", "bandwidth_mbps"] as const;
const CONN_L3_KEYS = [...CONN_BASE_KEYS, "vlan", "ca_ip", "peer_ip"] as const;

const readConnection: Conv<ConnectionConfig> = (ctx, n, path) => {
  const m = ctx.map(n, path, CONN_L3_KEYS);
  if (!m) return undefined;
  const nm = m.req("name", name);
  const type = m.req("type", oneOf(CONNECTION_TYPES));
  const bw = m.req("bandwidth_mbps", int(1));
  if (type === undefined) return undefined;
  if (type === "l3") {
    const c = {
      name: nm,
      type,
      bandwidth_mbps: bw,
      vlan: m.req("vlan", int(1, 4094, " (802.1Q VLAN id)")),
      ca_ip: m.req("ca_ip", ipAddr),
      peer_ip: m.req("peer_ip", ipAddr),
    };
    return complete(c);
  }
  m.only(CONN_BASE_KEYS, (k) => `'${k}' is only for l3 connections (this one is ${type})`);
  return complete({ name: nm, type, bandwidth_mbps: bw });
};

const readSite: Conv<SiteConfig> = (ctx, n, path) => {
  const m = ctx.map(n, path, ["name", "tenant", "prefixes", "tunnels"]);
  if (!m) return undefined;
  const s = {
    name: m.req("name", name),
    tenant: m.req("tenant", name),
    prefixes: m.req("prefixes", list(prefix, 1, "a site needs at least one prefix")),
    tunnels: m.req("tunnels", list(readTunnel, 1, "a site needs at least one tunnel")),
  };
  return complete(s);
};

const readTunnel: Conv<TunnelConfig> = (ctx, n, path) => {
  const m = ctx.map(n, path, ["name", "gateway", "local_ip", "remote_ip", "key", "weight"]);
  if (!m) return undefined;
  const t = {
    name: m.req("name", name),
    gateway: m.req("gateway", name),
    local_ip: m.req("local_ip", ipAddr),
    remote_ip: m.req("remote_ip", ipAddr),
    key: m.opt("key", int(0, 0xffffffff, " (32-bit GRE key)"), null),
    weight: m.opt(
      "weight",
      int(1, 0xffff, " (a configured tunnel carries traffic; drain with a scenario weight event)"),
      1,
    ),
  };
  return complete(t);
};

const readHealth: Conv<HealthConfig> = (ctx, n, path) => {
  const m = ctx.map(n, path, ["interval_ms", "fall", "rise", "preempt"]);
  if (!m) return undefined;
  return complete({
    interval_ms: m.opt("interval_ms", int(1), DEFAULT_HEALTH.interval_ms),
    fall: m.opt("fall", int(1), DEFAULT_HEALTH.fall),
    rise: m.opt("rise", int(1), DEFAULT_HEALTH.rise),
    preempt: m.opt("preempt", bool, DEFAULT_HEALTH.preempt),
  });
};

const flowCapacity: Conv<number> = (ctx, n, path) => {
  const v = int(1)(ctx, n, path);
  if (v === undefined) return undefined;
  let c = 1;
  while (c < v) c *= 2;
  if (c > MAX_FLOW_TABLE_CAPACITY) {
    return ctx.error(
      path,
      ctx.pos(n),
      `${v} rounds up to ${c} entries (capacity is rounded up to a power of two), above the maximum ${MAX_FLOW_TABLE_CAPACITY}`,
    );
  }
  return c;
};

const readFlowTable: Conv<FlowTableConfig> = (ctx, n, path) => {
  const m = ctx.map(n, path, ["capacity", "tcp_idle_ms", "udp_idle_ms", "other_idle_ms"]);
  if (!m) return undefined;
  return complete({
    capacity: m.opt("capacity", flowCapacity, DEFAULT_FLOW_TABLE.capacity),
    tcp_idle_ms: m.opt("tcp_idle_ms", int(1), DEFAULT_FLOW_TABLE.tcp_idle_ms),
    udp_idle_ms: m.opt("udp_idle_ms", int(1), DEFAULT_FLOW_TABLE.udp_idle_ms),
    other_idle_ms: m.opt("other_idle_ms", int(1), DEFAULT_FLOW_TABLE.other_idle_ms),
  });
};

const hashSeed: Conv<string> = (ctx, n, path) => {
  // A number is taken as its decimal text (`key: 42` is the seed "42").
  if (isScalar(n) && typeof n.value === "number" && Number.isSafeInteger(n.value)) return String(n.value);
  const s = str(ctx, n, path);
  if (s === "") return ctx.error(path, ctx.pos(n), "must not be empty (omit it for a random key per run)");
  return s;
};

const toeplitzKey: Conv<string> = (ctx, n, path) => {
  if (!isScalar(n) || typeof n.value !== "string") {
    return ctx.error(path, ctx.pos(n), `expected a hex string (quote it), got ${kindOf(n)}`);
  }
  const s = n.value;
  if (!/^[0-9a-fA-F]{2}(:?[0-9a-fA-F]{2})*$/.test(s)) {
    return ctx.error(path, ctx.pos(n), `invalid hex key (expected hex bytes such as 6d5a56da..., optionally colon separated)`);
  }
  const hex = s.replace(/:/g, "").toLowerCase();
  const bytes = hex.length / 2;
  if (bytes < 16 || bytes > 64) {
    return ctx.error(path, ctx.pos(n), `key is ${bytes} bytes, must be 16..64 (the IPv4 4-tuple needs 12 + 4)`);
  }
  return hex;
};

const readHash: Conv<HashConfig> = (ctx, n, path) => {
  const m = ctx.map(n, path, ["kind", "key", "toeplitz_key", "symmetric"]);
  if (!m) return undefined;
  const kind = m.opt("kind", oneOf(["keyed", "toeplitz"] as const), "keyed" as const);
  const symmetric = m.opt("symmetric", bool, false);
  if (kind === "toeplitz") {
    m.only(["kind", "toeplitz_key", "symmetric"], (k) => `'${k}' is only for kind keyed`);
    return complete({ kind, toeplitz_key: m.opt("toeplitz_key", toeplitzKey, MS_TOEPLITZ_KEY), symmetric });
  }
  if (kind === "keyed") {
    m.only(["kind", "key", "symmetric"], (k) => `'${k}' is only for kind toeplitz`);
    return complete({ kind, key: m.opt("key", hashSeed, null), symmetric });
  }
  return undefined;
};

const maglevSize: Conv<number> = (ctx, n, path) => {
  const v = int(3, MAX_MAGLEV_SIZE)(ctx, n, path);
  if (v === undefined) return undefined;
  if (!isPrime(v)) {
    let next = v + 1;
    while (!isPrime(next)) next++;
    return ctx.error(path, ctx.pos(n), `${v} is not prime (Maglev needs a prime table size; next prime: ${next})`);
  }
  return v;
};

const readMaglev: Conv<MaglevConfig> = (ctx, n, path) => {
  const m = ctx.map(n, path, ["size"]);
  if (!m) return undefined;
  return complete({ size: m.opt("size", maglevSize, DEFAULT_MAGLEV_SIZE) });
};

const seconds: Conv<number> = (ctx, n, path) => {
  if (!isScalar(n) || typeof n.value !== "number" || !Number.isFinite(n.value)) {
    return ctx.error(path, ctx.pos(n), `expected a number of seconds, got ${kindOf(n)}`);
  }
  if (n.value < 0) {
    return ctx.error(path, ctx.pos(n), `${n.value} is negative: times are seconds from the capture's first packet (>= 0)`);
  }
  return n.value;
};

const EVENT_KEYS = ["at", "event", "gateway", "site", "tunnel", "weight"] as const;

const readEvent: Conv<ScenarioEvent> = (ctx, n, path) => {
  const m = ctx.map(n, path, EVENT_KEYS);
  if (!m) return undefined;
  const at = m.req("at", seconds);
  const event = m.req("event", oneOf(SCENARIO_EVENTS));
  const index = Number(/\[(\d+)\]$/.exec(path)?.[1] ?? 0);
  if (event === undefined) return undefined;
  const why = (k: string) => `'${k}' does not belong to a ${event} event`;
  switch (event) {
    case "gateway_down":
    case "gateway_up":
      m.only(["at", "event", "gateway"], why);
      return complete({ at, index, event, gateway: m.req("gateway", name) });
    case "tunnel_down":
    case "tunnel_up":
      m.only(["at", "event", "site", "tunnel"], why);
      return complete({ at, index, event, site: m.req("site", name), tunnel: m.req("tunnel", name) });
    case "weight":
      m.only(["at", "event", "site", "tunnel", "weight"], why);
      return complete({
        at,
        index,
        event,
        site: m.req("site", name),
        tunnel: m.req("tunnel", name),
        weight: m.req("weight", int(0, 0xffff, " (0 drains the tunnel)")),
      });
  }
};

/** The object when no field is `undefined` (an error was reported for each that is). */
function complete<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } | undefined {
  for (const v of Object.values(o)) if (v === undefined) return undefined;
  return o as { [K in keyof T]: Exclude<T[K], undefined> };
}

// ---------------------------------------------------------------------------------------
// Phase 3: meaning

interface Seen {
  path: string;
}

/** First-occurrence registry: `add` returns the earlier holder when `key` is taken. */
class Registry<K> {
  private readonly m = new Map<K, Seen>();
  add(key: K, path: string): Seen | undefined {
    const prev = this.m.get(key);
    if (prev !== undefined) return prev;
    this.m.set(key, { path });
    return undefined;
  }
  get(key: K): Seen | undefined {
    return this.m.get(key);
  }
}

function checkUnique(ctx: Ctx, what: string, items: { name: string }[], base: string): void {
  const reg = new Registry<string>();
  items.forEach((it, i) => {
    const p = `${base}[${i}].name`;
    const prev = reg.add(it.name, p);
    if (prev) ctx.errorAt(p, `duplicate ${what} name '${it.name}' (first at ${ctx.where(prev.path)})`);
  });
}

function checkSemantics(ctx: Ctx, cfg: GwConfig): void {
  // Names.
  checkUnique(ctx, "pool", cfg.pools, "pools");
  checkUnique(ctx, "gateway", cfg.gateways, "gateways");
  checkUnique(ctx, "tenant", cfg.tenants, "tenants");
  checkUnique(ctx, "site", cfg.sites, "sites");
  const connNames = new Registry<string>();
  cfg.tenants.forEach((t, ti) =>
    t.connections.forEach((c, ci) => {
      const p = `tenants[${ti}].connections[${ci}].name`;
      const prev = connNames.add(c.name, p);
      if (prev) ctx.errorAt(p, `duplicate connection name '${c.name}' (first at ${ctx.where(prev.path)})`);
    }),
  );
  cfg.sites.forEach((s, si) => checkUnique(ctx, "tunnel", s.tunnels, `sites[${si}].tunnels`));

  // Pools: N <= M.
  const pools = new Map<string, PoolConfig>();
  cfg.pools.forEach((p, i) => {
    if (!pools.has(p.name)) pools.set(p.name, p);
    if (p.standby > p.active) {
      ctx.errorAt(
        `pools[${i}].standby`,
        `N = ${p.standby} standby gateways exceeds M = ${p.active} active (an M+N pool has N <= M)`,
      );
    }
  });

  // Gateways: pool, GRE VIP, MAC.
  const gateways = new Map<string, GatewayConfig>();
  const macs = new Registry<string>();
  let unknownPool = false;
  cfg.gateways.forEach((g, i) => {
    const base = `gateways[${i}]`;
    if (!gateways.has(g.name)) gateways.set(g.name, g);
    const pool = pools.get(g.pool);
    if (pool === undefined) {
      unknownPool = true;
      ctx.errorAt(`${base}.pool`, `unknown pool '${g.pool}' (pools: ${cfg.pools.map((p) => p.name).join(", ")})`);
    } else if (!poolIsGreCapable(pool.kind)) {
      if (g.gre_vip !== null) {
        ctx.errorAt(
          `${base}.gre_vip`,
          `only gateways of gre or all pools have a GRE VIP (pool '${pool.name}' is ${pool.kind})`,
        );
      }
    } else if (g.role === "active" && g.gre_vip === null) {
      ctx.error(
        `${base}.gre_vip`,
        ctx.posOf(base),
        `an active gateway of ${pool.kind} pool '${pool.name}' needs a gre_vip (the address its GRE connections target)`,
      );
    } else if (g.role === "standby" && g.gre_vip !== null) {
      ctx.errorAt(
        `${base}.gre_vip`,
        `a standby has no GRE VIP of its own: it takes over the VIP of the active gateway it replaces`,
      );
    }
    const prev = macs.add(g.mac, `${base}.mac`);
    if (prev) ctx.errorAt(`${base}.mac`, `duplicate MAC ${g.mac} (first at ${ctx.where(prev.path)})`);
  });

  // Pools: gateway counts match M and N (skipped when a gateway names an unknown pool, to
  // report the typo rather than its echo).
  if (!unknownPool) {
    cfg.pools.forEach((p, i) => {
      for (const role of ["active", "standby"] as const) {
        const members = cfg.gateways.filter((g) => g.pool === p.name && g.role === role).map((g) => g.name);
        const want = p[role];
        if (members.length !== want) {
          const letter = role === "active" ? "M" : "N";
          ctx.errorAt(
            `pools[${i}].${role}`,
            `${letter} = ${want} but ${members.length} gateway${members.length === 1 ? " has" : "s have"} role ${role} in this pool` +
              (members.length > 0 ? ` (${members.join(", ")})` : ""),
          );
        }
      }
    });
  }

  // Own addresses: SLB VIPs, DIPs, GRE VIPs.
  const own = new Registry<number>();
  const claim = (addr: string, path: string): void => {
    const prev = own.add(parseIp4(addr)!, path);
    if (prev) {
      ctx.errorAt(
        path,
        `${addr} is already used by ${ctx.where(prev.path)}: SLB VIPs, DIPs and GRE VIPs must all differ`,
      );
    }
  };
  cfg.slb.vips.forEach((v, i) => claim(v, `slb.vips[${i}]`));
  cfg.gateways.forEach((g, i) => claim(g.dip, `gateways[${i}].dip`));
  const greVips = new Map<number, string>(); // addr -> gateway name
  cfg.gateways.forEach((g, i) => {
    if (g.gre_vip !== null) {
      claim(g.gre_vip, `gateways[${i}].gre_vip`);
      greVips.set(parseIp4(g.gre_vip)!, g.name);
    }
  });

  // Tenants.
  const tenants = new Map<string, TenantConfig>();
  const vsids = new Registry<number>();
  const publicIps = new Registry<number>();
  const caIps = new Registry<string>();
  const vlanOwner = new Map<number, { tenant: string; path: string }>();
  cfg.tenants.forEach((t, ti) => {
    const base = `tenants[${ti}]`;
    if (!tenants.has(t.name)) tenants.set(t.name, t);
    const pv = vsids.add(t.vsid, `${base}.vsid`);
    if (pv) ctx.errorAt(`${base}.vsid`, `duplicate VSID ${t.vsid} (first at ${ctx.where(pv.path)})`);
    t.public_ips.forEach((ip, k) => {
      const p = `${base}.public_ips[${k}]`;
      const prev = publicIps.add(parseIp4(ip)!, p);
      if (prev) {
        ctx.errorAt(p, `public IP ${ip} is already used by ${ctx.where(prev.path)}: the SLB NAT key must name one tenant`);
      }
    });
    let ikev2: string | undefined;
    t.connections.forEach((c, ci) => {
      const cb = `${base}.connections[${ci}]`;
      if (c.type === "ikev2") {
        if (ikev2 !== undefined) {
          ctx.errorAt(
            `${cb}.type`,
            `tenant '${t.name}' already has an ikev2 connection (${ctx.where(ikev2)}): its public IPs NAT to one gateway`,
          );
        } else if (t.public_ips.length === 0) {
          ctx.errorAt(
            `${cb}.type`,
            `an ikev2 connection needs the tenant's public_ips (the SLB NAT key); tenant '${t.name}' has none`,
          );
        }
        ikev2 ??= cb;
      } else if (c.type === "l3") {
        const owner = vlanOwner.get(c.vlan);
        if (owner !== undefined && owner.tenant !== t.name) {
          ctx.errorAt(
            `${cb}.vlan`,
            `VLAN ${c.vlan} already belongs to tenant '${owner.tenant}' (${ctx.where(owner.path)}): a VLAN is one tenant's network`,
          );
        } else if (owner === undefined) {
          vlanOwner.set(c.vlan, { tenant: t.name, path: `${cb}.vlan` });
        }
        const prev = caIps.add(`${c.vlan}/${c.ca_ip}`, `${cb}.ca_ip`);
        if (prev) {
          ctx.errorAt(`${cb}.ca_ip`, `CA IP ${c.ca_ip} on VLAN ${c.vlan} is already used by ${ctx.where(prev.path)}`);
        }
        if (c.peer_ip === c.ca_ip) {
          ctx.errorAt(`${cb}.peer_ip`, `peer_ip equals ca_ip ${c.ca_ip}: the tenant router needs its own address`);
        }
      }
    });
  });

  // Sites and tunnels.
  const sites = new Map<string, SiteConfig>();
  const tenantPrefixes = new Map<string, { p: Prefix4; text: string; site: string; path: string }[]>();
  const tunnelIds = new Registry<string>();
  // Tunnel local IP -> gateway and users.
  const tunnelLocal = new Map<number, { gateway: string; paths: string[] }>();
  cfg.sites.forEach((s, si) => {
    const base = `sites[${si}]`;
    if (!sites.has(s.name)) sites.set(s.name, s);
    if (!tenants.has(s.tenant)) {
      ctx.errorAt(`${base}.tenant`, `unknown tenant '${s.tenant}'`);
    }
    const mine = tenantPrefixes.get(s.tenant) ?? [];
    tenantPrefixes.set(s.tenant, mine);
    s.prefixes.forEach((text, k) => {
      const path = `${base}.prefixes[${k}]`;
      const p = parsePrefix4(text)!;
      const hit = mine.find((o) => prefixesOverlap(o.p, p));
      if (hit) {
        ctx.errorAt(
          path,
          `${text} overlaps ${hit.text} of site '${hit.site}' (${ctx.where(hit.path)}) of the same tenant: ` +
            `a destination must name one site`,
        );
      }
      mine.push({ p, text, site: s.name, path });
    });
    s.tunnels.forEach((t, k) => {
      const tb = `${base}.tunnels[${k}]`;
      const g = gateways.get(t.gateway);
      if (g === undefined) {
        ctx.errorAt(`${tb}.gateway`, `unknown gateway '${t.gateway}'`);
      } else {
        const pool = pools.get(g.pool);
        if (pool !== undefined && !poolIsGreCapable(pool.kind)) {
          ctx.errorAt(
            `${tb}.gateway`,
            `gateway '${g.name}' is in ${pool.kind} pool '${pool.name}': tunnels end on gateways of gre or all pools`,
          );
        } else if (g.role !== "active") {
          ctx.errorAt(
            `${tb}.gateway`,
            `gateway '${g.name}' is a standby: tunnels end on active gateways (a standby inherits addresses, not tunnels)`,
          );
        }
      }
      const local = parseIp4(t.local_ip)!;
      const ownHolder = own.get(local);
      if (ownHolder !== undefined && greVips.get(local) !== t.gateway) {
        ctx.errorAt(
          `${tb}.local_ip`,
          `${t.local_ip} is already used by ${ctx.where(ownHolder.path)}: a tunnel's local_ip is its own gateway's GRE VIP or an address no one else uses`,
        );
      } else {
        const use = tunnelLocal.get(local);
        if (use !== undefined && use.gateway !== t.gateway) {
          ctx.errorAt(
            `${tb}.local_ip`,
            `${t.local_ip} is already the local_ip of gateway '${use.gateway}' (${ctx.where(use.paths[0]!)}): an address has one owner`,
          );
        } else if (use !== undefined) {
          use.paths.push(`${tb}.local_ip`);
        } else {
          tunnelLocal.set(local, { gateway: t.gateway, paths: [`${tb}.local_ip`] });
        }
      }
      const id = `${t.local_ip}>${t.remote_ip}#${t.key ?? "none"}`;
      const prev = tunnelIds.add(id, tb);
      if (prev) {
        ctx.errorAt(
          `${tb}.remote_ip`,
          `same local_ip, remote_ip and key (${t.key ?? "none"}) as ${ctx.where(prev.path)}: ` +
            `GRE could not tell the tunnels apart (give them different keys)`,
        );
      }
    });
  });
  // Single-tunnel sites: their local IP moves to another active instance on failover (the
  // Azure active-active "single tunnel" case), so it must be theirs alone and not a GRE VIP
  // (a GRE VIP moves to a standby instead).
  cfg.sites.forEach((s, si) => {
    if (s.tunnels.length !== 1) return;
    const t = s.tunnels[0]!;
    const path = `sites[${si}].tunnels[0].local_ip`;
    const local = parseIp4(t.local_ip)!;
    if (greVips.has(local)) {
      ctx.errorAt(
        path,
        `${t.local_ip} is the GRE VIP of '${greVips.get(local)}': a single-tunnel site's local_ip moves to another ` +
          `active gateway on failover while a GRE VIP moves to a standby; give the tunnel its own address`,
      );
      return;
    }
    const use = tunnelLocal.get(local);
    const other = use?.paths.find((p) => p !== path);
    if (other !== undefined) {
      ctx.errorAt(
        path,
        `${t.local_ip} is also used by ${ctx.where(other)}: a single-tunnel site's local_ip moves on failover, so it must be its alone`,
      );
    }
  });

  // Remote addresses (tenant devices, tunnel far ends) must not be ours.
  const ownDesc = (addr: string): string | undefined => {
    const a = parseIp4(addr)!;
    const h = own.get(a);
    if (h) return ctx.where(h.path);
    const tl = tunnelLocal.get(a);
    return tl ? ctx.where(tl.paths[0]!) : undefined;
  };
  cfg.tenants.forEach((t, ti) =>
    t.public_ips.forEach((ip, k) => {
      const d = ownDesc(ip);
      if (d) ctx.errorAt(`tenants[${ti}].public_ips[${k}]`, `${ip} is this deployment's own address (${d}), not a tenant device`);
    }),
  );
  cfg.sites.forEach((s, si) =>
    s.tunnels.forEach((t, k) => {
      const d = ownDesc(t.remote_ip);
      if (d) ctx.errorAt(`sites[${si}].tunnels[${k}].remote_ip`, `${t.remote_ip} is this deployment's own address (${d}), not a remote device`);
    }),
  );

  // Scenario references (events are sorted; `index` is their place in the file).
  for (const e of cfg.scenario) {
    const base = `scenario[${e.index}]`;
    if (e.event === "gateway_down" || e.event === "gateway_up") {
      if (!gateways.has(e.gateway)) ctx.errorAt(`${base}.gateway`, `unknown gateway '${e.gateway}'`);
    } else if (e.event === "tunnel_down" || e.event === "tunnel_up" || e.event === "weight") {
      const s = sites.get(e.site);
      if (s === undefined) ctx.errorAt(`${base}.site`, `unknown site '${e.site}'`);
      else if (!s.tunnels.some((t) => t.name === e.tunnel)) {
        ctx.errorAt(
          `${base}.tunnel`,
          `site '${s.name}' has no tunnel '${e.tunnel}' (tunnels: ${s.tunnels.map((t) => t.name).join(", ")})`,
        );
      }
    }
  }
}
