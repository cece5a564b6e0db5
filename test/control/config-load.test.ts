import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/control/config-error.js";
import { loadConfig, parseConfig } from "../../src/control/config-load.js";
import { MS_TOEPLITZ_KEY } from "../../src/control/config-schema.js";

const BAD = "fixtures/configs/bad";

/** The ConfigError thrown by `f` (fails the test if none, or another error, is thrown). */
function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("expected a ConfigError, nothing was thrown");
}

/** Lines joined with "\n": the array index + 1 is the line number, so positions are obvious. */
const lines = (...l: string[]): string => l.join("\n") + "\n";

// A valid base most inline cases extend (lines 1..6).
const BASE = [
  "slb:", // 1
  "  vips: [203.0.113.10]", // 2
  "pools:", // 3
  "  - { name: pool-ike, kind: ikev2, active: 1, standby: 0 }", // 4
  "gateways:", // 5
  "  - { name: gw1, dip: 10.0.0.11, mac: 02:00:00:00:00:11, pool: pool-ike, role: active, capacity_mbps: 1000 }", // 6
];

/**
 * One broken config per validation rule: [fixture in fixtures/configs/bad/, line:col, field,
 * what]. Line 1 of each fixture is its `# expect: line:col field` comment (the CLI test of
 * `gwplane config check` loops over the same files), so the config proper starts on line 2.
 */
const RULES: [rule: string, pos: string, field: string, what: string][] = [
  ["bad-connection-type", "13:36", "tenants[0].connections[0].type", "expected one of ikev2 | gre | l3, got the string \"ipsec\""],
  ["bad-delivery", "4:11", "delivery", "expected one of mac | ipip, got the string \"vxlan\""],
  ["bad-enum", "6:11", "pools[0].kind", "expected one of ikev2 | gre | l3 | all, got the string \"ipsec\""],
  ["bad-ip", "9:10", "gateways[1].dip", "invalid IPv4 address \"10.0.0.256\" (expected a dotted quad such as 192.0.2.1)"],
  ["bad-mac", "9:10", "gateways[0].mac", "invalid MAC address \"02:00:00:00:11\" (expected xx:xx:xx:xx:xx:xx)"],
  ["bad-name", "7:11", "gateways[0].name", "invalid name \"gw 1\" (letters, digits, '_', '.', '-', starting with a letter or digit, at most 64 characters)"],
  ["bad-prefix", "15:16", "sites[0].prefixes[0]", "invalid prefix \"172.16.0.0\" (expected CIDR such as 172.16.0.0/16)"],
  ["bandwidth-zero", "13:59", "tenants[0].connections[0].bandwidth_mbps", "0 is out of range: must be >= 1"],
  ["capacity-zero", "12:20", "gateways[0].capacity_mbps", "0 is out of range: must be >= 1"],
  ["dip-equals-vip", "8:10", "gateways[0].dip", "203.0.113.10 is already used by slb.vips[0] (3:10): SLB VIPs, DIPs and GRE VIPs must all differ"],
  ["duplicate-ca-ip", "13:80", "tenants[0].connections[1].ca_ip", "CA IP 10.127.134.1 on VLAN 1001 is already used by tenants[0].connections[0].ca_ip (12:79)"],
  ["duplicate-connection-name", "18:17", "tenants[1].connections[0].name", "duplicate connection name 's2s' (first at tenants[0].connections[0].name (13:17))"],
  ["duplicate-dip", "9:10", "gateways[1].dip", "10.0.0.11 is already used by gateways[0].dip (7:23): SLB VIPs, DIPs and GRE VIPs must all differ"],
  ["duplicate-gateway-name", "8:11", "gateways[1].name", "duplicate gateway name 'gw1' (first at gateways[0].name (7:13))"],
  ["duplicate-key", "10:5", "(syntax)", "Map keys must be unique"],
  ["duplicate-mac", "10:10", "gateways[1].mac", "duplicate MAC 02:00:00:00:00:11 (first at gateways[0].mac (7:39))"],
  ["duplicate-pool-name", "6:13", "pools[1].name", "duplicate pool name 'pool-ike' (first at pools[0].name (5:13))"],
  ["duplicate-site-name", "17:11", "sites[1].name", "duplicate site name 'contoso-hq' (first at sites[0].name (13:11))"],
  ["duplicate-tenant-name", "10:13", "tenants[1].name", "duplicate tenant name 'contoso' (first at tenants[0].name (9:13))"],
  ["duplicate-tunnel-name", "18:17", "sites[0].tunnels[1].name", "duplicate tunnel name 't1' (first at sites[0].tunnels[0].name (17:17))"],
  ["duplicate-tunnel", "18:71", "sites[0].tunnels[1].remote_ip", "same local_ip, remote_ip and key (1001) as sites[0].tunnels[0] (17:9): GRE could not tell the tunnels apart (give them different keys)"],
  ["duplicate-vip", "3:38", "slb.vips[2]", "203.0.113.10 is already used by slb.vips[0] (3:10): SLB VIPs, DIPs and GRE VIPs must all differ"],
  ["duplicate-vsid", "11:11", "tenants[1].vsid", "duplicate VSID 5001 (first at tenants[0].vsid (9:28))"],
  ["empty-document", "1:1", "(root)", "empty document: expected a mapping with slb, pools and gateways"],
  ["empty-vips", "3:9", "slb.vips", "at least one SLB VIP is needed"],
  ["flow-capacity-too-large", "9:13", "flow_table.capacity", "20000000 rounds up to 33554432 entries (capacity is rounded up to a power of two), above the maximum 16777216"],
  ["flow-idle-zero", "10:16", "flow_table.udp_idle_ms", "0 is out of range: must be >= 1"],
  ["gre-key-range", "17:89", "sites[0].tunnels[0].key", "4294967296 is out of range: must be between 0 and 4294967295 (32-bit GRE key)"],
  ["gre-vip-equals-dip", "14:14", "gateways[1].gre_vip", "10.0.0.14 is already used by gateways[0].dip (7:23): SLB VIPs, DIPs and GRE VIPs must all differ"],
  ["gre-vip-missing", "7:5", "gateways[0].gre_vip", "an active gateway of gre pool 'pool-gre' needs a gre_vip (the address its GRE connections target)"],
  ["gre-vip-non-gre-pool", "13:14", "gateways[0].gre_vip", "only gateways of gre or all pools have a GRE VIP (pool 'pool-ike' is ikev2)"],
  ["gre-vip-on-standby", "14:14", "gateways[1].gre_vip", "a standby has no GRE VIP of its own: it takes over the VIP of the active gateway it replaces"],
  ["hash-key-wrong-kind", "10:3", "hash.key", "'key' is only for kind keyed"],
  ["hash-toeplitz-key-bad", "10:17", "hash.toeplitz_key", "key is 8 bytes, must be 16..64 (the IPv4 4-tuple needs 12 + 4)"],
  ["health-fall-zero", "10:9", "health.fall", "0 is out of range: must be >= 1"],
  ["health-interval-zero", "9:16", "health.interval_ms", "0 is out of range: must be >= 1"],
  ["health-rise-zero", "8:44", "health.rise", "0 is out of range: must be >= 1"],
  ["ikev2-without-public-ip", "12:36", "tenants[0].connections[0].type", "an ikev2 connection needs the tenant's public_ips (the SLB NAT key); tenant 'contoso' has none"],
  ["l3-field-on-ikev2", "13:64", "tenants[0].connections[0].vlan", "'vlan' is only for l3 connections (this one is ikev2)"],
  ["l3-missing-ca-ip", "12:9", "tenants[0].connections[0].ca_ip", "missing required field 'ca_ip'"],
  ["maglev-not-prime", "9:9", "maglev.size", "65536 is not prime (Maglev needs a prime table size; next prime: 65537)"],
  ["missing-field-flow", "7:5", "gateways[0].dip", "missing required field 'dip'"],
  ["missing-field", "7:5", "gateways[0].dip", "missing required field 'dip'"],
  ["missing-top-level", "2:1", "gateways", "missing required field 'gateways'"],
  ["missing-value", "8:5", "gateways[0].dip", "missing value for required field 'dip'"],
  ["multicast-mac", "9:10", "gateways[0].mac", "01:00:5e:00:00:01 is not a unicast MAC address"],
  ["multiple-ikev2", "14:38", "tenants[0].connections[1].type", "tenant 'contoso' already has an ikev2 connection (tenants[0].connections[0] (13:9)): its public IPs NAT to one gateway"],
  ["non-unicast-ip", "3:10", "slb.vips[0]", "224.0.0.10 is not a unicast host address (0/8, 127/8, 224/4 and 240/4 are not)"],
  ["peer-equals-ca", "12:102", "tenants[0].connections[0].peer_ip", "peer_ip equals ca_ip 10.127.134.1: the tenant router needs its own address"],
  ["placement-all-pool-rule", "16:9", "tenants[0].connections[1]", "cannot place l3 connection 'contoso-l3': needs 100 Mbps but the most left on a candidate gateway is 0 Mbps, on gw1; tenant 'contoso' already uses all pool 'pool-all' and may use no other pool"],
  ["placement-no-pool", "12:9", "tenants[0].connections[0]", "cannot place l3 connection 'contoso-l3': no active gateway in a pool of kind l3 or all"],
  ["placement-overflow", "19:9", "tenants[1].connections[0]", "cannot place ikev2 connection 'woodgrove-s2s': needs 400 Mbps but the most left on a candidate gateway is 300 Mbps, on gw2"],
  ["pool-active-count", "7:13", "pools[0].active", "M = 2 but 3 gateways have role active in this pool (gw1, gw3, gw4)"],
  ["pool-standby-count", "8:14", "pools[0].standby", "N = 1 but 0 gateways have role standby in this pool"],
  ["prefix-host-bits", "15:16", "sites[0].prefixes[0]", "host bits set in 172.16.0.1/16 (did you mean 172.16.0.0/16?)"],
  ["prefix-overlap-same-site", "15:31", "sites[0].prefixes[1]", "172.17.0.0/16 overlaps 172.16.0.0/12 of site 'contoso-hq' (sites[0].prefixes[0] (15:16)) of the same tenant: a destination must name one site"],
  ["prefix-overlap", "20:29", "sites[1].prefixes[1]", "172.16.128.0/17 overlaps 172.16.0.0/16 of site 'contoso-hq' (sites[0].prefixes[0] (15:16)) of the same tenant: a destination must name one site"],
  ["priority-range", "12:15", "gateways[0].priority", "256 is out of range: must be between 1 and 255 (keepalived priority)"],
  ["public-ip-is-own-address", "11:29", "tenants[0].public_ips[1]", "10.0.0.11 is this deployment's own address (gateways[0].dip (7:23)), not a tenant device"],
  ["public-ip-shared", "12:32", "tenants[1].public_ips[1]", "public IP 192.0.2.2 is already used by tenants[0].public_ips[1] (9:58): the SLB NAT key must name one tenant"],
  ["remote-ip-is-own-address", "18:71", "sites[0].tunnels[1].remote_ip", "203.0.113.10 is this deployment's own address (slb.vips[0] (3:10)), not a remote device"],
  ["root-not-mapping", "2:1", "(root)", "expected a mapping, got a list"],
  ["scenario-bad-event", "20:23", "scenario[0].event", "expected one of gateway_down | gateway_up | tunnel_down | tunnel_up | weight, got the string \"gateway_fail\""],
  ["scenario-missing-weight", "20:5", "scenario[0].weight", "missing required field 'weight'"],
  ["scenario-negative-time", "21:11", "scenario[1].at", "-1 is negative: times are seconds from the capture's first packet (>= 0)"],
  ["scenario-unknown-gateway", "21:44", "scenario[1].gateway", "unknown gateway 'gw44'"],
  ["scenario-unknown-site", "20:42", "scenario[0].site", "unknown site 'contoso'"],
  ["scenario-unknown-tunnel", "20:62", "scenario[0].tunnel", "site 'contoso-hq' has no tunnel 't3' (tunnels: t1, t2)"],
  ["scenario-weight-negative", "20:69", "scenario[0].weight", "-1 is out of range: must be between 0 and 65535 (0 drains the tunnel)"],
  ["scenario-wrong-field", "20:66", "scenario[0].weight", "'weight' does not belong to a tunnel_down event"],
  ["single-tunnel-gre-vip", "17:45", "sites[0].tunnels[0].local_ip", "198.51.100.21 is the GRE VIP of 'gw4': a single-tunnel site's local_ip moves to another active gateway on failover while a GRE VIP moves to a standby; give the tunnel its own address"],
  ["single-tunnel-shared-local-ip", "24:45", "sites[1].tunnels[0].local_ip", "198.51.100.23 is also used by sites[0].tunnels[0].local_ip (18:45): a single-tunnel site's local_ip moves on failover, so it must be its alone"],
  ["site-no-prefixes", "15:15", "sites[0].prefixes", "a site needs at least one prefix"],
  ["site-no-tunnels", "16:14", "sites[0].tunnels", "a site needs at least one tunnel"],
  ["site-unknown-tenant", "14:13", "sites[0].tenant", "unknown tenant 'contso'"],
  ["standby-exceeds-active", "8:14", "pools[0].standby", "N = 2 standby gateways exceeds M = 1 active (an M+N pool has N <= M)"],
  ["syntax-yaml", "7:1", "(syntax)", "Sequence item without - indicator"],
  ["tunnel-gateway-not-gre", "18:30", "sites[0].tunnels[1].gateway", "gateway 'gw1' is in ikev2 pool 'pool-ike': tunnels end on gateways of gre or all pools"],
  ["tunnel-gateway-standby", "18:30", "sites[0].tunnels[1].gateway", "gateway 'gw6' is a standby: tunnels end on active gateways (a standby inherits addresses, not tunnels)"],
  ["tunnel-local-ip-is-dip", "17:45", "sites[0].tunnels[0].local_ip", "10.0.0.14 is already used by gateways[0].dip (7:23): a tunnel's local_ip is its own gateway's GRE VIP or an address no one else uses"],
  ["tunnel-local-ip-other-gre-vip", "18:45", "sites[0].tunnels[1].local_ip", "198.51.100.21 is already used by gateways[0].gre_vip (7:118): a tunnel's local_ip is its own gateway's GRE VIP or an address no one else uses"],
  ["tunnel-local-ip-two-gateways", "18:45", "sites[0].tunnels[1].local_ip", "198.51.100.31 is already the local_ip of gateway 'gw4' (sites[0].tunnels[0].local_ip (17:45)): an address has one owner"],
  ["tunnel-unknown-gateway", "18:30", "sites[0].tunnels[1].gateway", "unknown gateway 'gw9'"],
  ["tunnel-weight-fraction", "17:103", "sites[0].tunnels[0].weight", "expected an integer, got the number 1.5"],
  ["tunnel-weight-zero", "18:103", "sites[0].tunnels[1].weight", "0 is out of range: must be between 1 and 65535 (a configured tunnel carries traffic; drain with a scenario weight event)"],
  ["unknown-key", "12:5", "gateways[0].capacity_mpbs", "unknown key 'capacity_mpbs' (did you mean 'capacity_mbps'?)"],
  ["unknown-pool", "10:11", "gateways[0].pool", "unknown pool 'pool-ik' (pools: pool-ike)"],
  ["unknown-top-level-key", "8:1", "helth", "unknown key 'helth' (did you mean 'health'?)"],
  ["vlan-range", "12:66", "tenants[0].connections[0].vlan", "4095 is out of range: must be between 1 and 4094 (802.1Q VLAN id)"],
  ["vlan-shared", "16:68", "tenants[1].connections[0].vlan", "VLAN 1001 already belongs to tenant 'contoso' (tenants[0].connections[0].vlan (12:66)): a VLAN is one tenant's network"],
  ["vsid-range", "10:11", "tenants[0].vsid", "16777216 is out of range: must be between 4096 and 16777214 (24-bit NVGRE VSID; RFC 7637 reserves 0..0xfff and 0xffffff)"],
  ["vsid-reserved", "10:11", "tenants[0].vsid", "100 is out of range: must be between 4096 and 16777214 (24-bit NVGRE VSID; RFC 7637 reserves 0..0xfff and 0xffffff)"],
  ["wrong-type-bool", "10:12", "health.preempt", "expected true or false, got the string \"yes\" (YAML 1.2 has no yes/no/on/off booleans)"],
  ["wrong-type-integer", "12:20", "gateways[0].capacity_mbps", "expected an integer, got the string \"lots\""],
  ["wrong-type-list", "3:9", "slb.vips", "expected a list, got the string \"203.0.113.10\""],
  ["wrong-type-mapping", "8:9", "health", "expected a mapping, got the number 500"],
  ["wrong-type-string", "10:11", "gateways[0].pool", "expected a string, got a list"],
];

describe("validation rules (fixtures/configs/bad)", () => {
  it.each(RULES)("%s -> %s %s", (rule, pos, field, what) => {
    const path = `${BAD}/${rule}.yaml`;
    const e = configError(() => loadConfig(path));
    expect(e.message).toBe(`${path}:${pos}: ${field}: ${what}`);
    expect(`${e.line}:${e.col}`).toBe(pos);
    expect(e.field).toBe(field);
    expect(e.what).toBe(what);
    // Each fixture breaks exactly one rule.
    expect(e.errors.map((x) => x.message)).toEqual([e.message]);
    // The first-line comment the CLI test reads says the same.
    expect(readFileSync(path, "utf8").split("\n")[0]).toBe(`# expect: ${pos} ${field}`);
  });

  it("every fixture has a rule above and every rule a fixture", () => {
    const files = readdirSync(BAD)
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => f.slice(0, -".yaml".length))
      .sort();
    expect(RULES.map((r) => r[0]).sort()).toEqual(files);
  });

  it("parseConfig gives the same error for the same text under another file name", () => {
    const text = readFileSync(`${BAD}/bad-ip.yaml`, "utf8");
    expect(configError(() => parseConfig(text, "x.yaml")).message).toBe(
      'x.yaml:9:10: gateways[1].dip: invalid IPv4 address "10.0.0.256" (expected a dotted quad such as 192.0.2.1)',
    );
  });
});

describe("error reporting", () => {
  it("collects every error of a phase, earliest first, and throws the first", () => {
    const text = lines(
      "slb:", // 1
      "  vips: [203.0.113.300]", // 2
      "pools:", // 3
      "  - { name: pool-ike, kind: ikev2, active: 1, standby: 0 }", // 4
      "gateways:", // 5
      "  - name: gw1", // 6
      "    role: master", // 7
      "    dip: 10.0.0.11", // 8
      "    mac: 02:00:00:00:00:1", // 9
      "    pool: pool-ike", // 10
      "    capacity_mbps: 1000", // 11
    );
    const e = configError(() => parseConfig(text, "multi.yaml"));
    expect(e.errors.map((x) => x.message)).toEqual([
      'multi.yaml:2:10: slb.vips[0]: invalid IPv4 address "203.0.113.300" (expected a dotted quad such as 192.0.2.1)',
      'multi.yaml:7:11: gateways[0].role: expected one of active | standby, got the string "master"',
      'multi.yaml:9:10: gateways[0].mac: invalid MAC address "02:00:00:00:00:1" (expected xx:xx:xx:xx:xx:xx)',
    ]);
    expect(e.message).toBe(e.errors[0]!.message);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("ConfigError");
    expect([e.file, e.line, e.col, e.field]).toEqual(["multi.yaml", 2, 10, "slb.vips[0]"]);
  });

  it("reports meaning errors only once the shape is right (no cascades)", () => {
    // gw2's pool is wrong (shape ok) and its dip repeats gw1's: both are meaning errors.
    const text = lines(
      ...BASE.slice(0, 3),
      "  - { name: pool-ike, kind: ikev2, active: 2, standby: 0 }", // 4
      ...BASE.slice(4),
      "  - { name: gw2, dip: 10.0.0.11, mac: 02:00:00:00:00:12, pool: pool-ik, role: active, capacity_mbps: 1000 }", // 7
    );
    const e = configError(() => parseConfig(text, "c.yaml"));
    expect(e.errors.map((x) => x.message)).toEqual([
      "c.yaml:7:23: gateways[1].dip: 10.0.0.11 is already used by gateways[0].dip (6:23): SLB VIPs, DIPs and GRE VIPs must all differ",
      "c.yaml:7:64: gateways[1].pool: unknown pool 'pool-ik' (pools: pool-ike)",
    ]);
  });

  it("an unknown key far from every known one lists the expected keys", () => {
    const text = lines(...BASE, "maglev: { size: 65537, buckets: 3 }"); // 7
    expect(configError(() => parseConfig(text, "k.yaml")).message).toBe(
      "k.yaml:7:24: maglev.buckets: unknown key 'buckets' (expected one of: size)",
    );
  });

  it("a missing file is a ConfigError too", () => {
    const e = configError(() => loadConfig("fixtures/configs/does-not-exist.yaml"));
    expect(e.message).toMatch(/^fixtures\/configs\/does-not-exist\.yaml:1:1: \(file\): cannot read: ENOENT/);
  });

  it("YAML syntax errors carry the parser's line:col", () => {
    const text = lines(...BASE, "health: { interval_ms: 500", "maglev: { size: 65537 }"); // 7, 8
    const e = configError(() => parseConfig(text, "s.yaml"));
    expect(e.field).toBe("(syntax)");
    expect(`${e.line}:${e.col}`).toBe("8:1");
  });
});

describe("JSON input", () => {
  const json = lines(
    "{", // 1
    '  "slb": { "vips": ["203.0.113.10"] },', // 2
    '  "pools": [{ "name": "pool-ike", "kind": "ikev2", "active": 1, "standby": 0 }],', // 3
    '  "gateways": [', // 4
    "    {", // 5
    '      "name": "gw1",', // 6
    '      "dip": "10.0.0.11",', // 7
    '      "mac": "02:00:00:00:00:11",', // 8
    '      "pool": "pool-ike",', // 9
    '      "role": "active",', // 10
    '      "capacity_mbps": 1000', // 11
    "    }", // 12
    "  ],", // 13
    '  "health": { "interval_ms": 250, "preempt": false }', // 14
    "}", // 15
  );

  it("loads, with source positions", () => {
    const cfg = parseConfig(json, "c.json");
    expect(cfg.gateways[0]!.dip).toBe("10.0.0.11");
    expect(cfg.health).toEqual({ interval_ms: 250, fall: 3, rise: 2, preempt: false });
    expect(cfg.source!.at["gateways[0].dip"]).toEqual({ line: 7, col: 14 });
    expect(cfg.source!.at["gateways[0]"]).toEqual({ line: 5, col: 5 });
  });

  it("reports type errors at the JSON value", () => {
    const bad = json.replace('"capacity_mbps": 1000', '"capacity_mbps": "1000"');
    expect(configError(() => parseConfig(bad, "c.json")).message).toBe(
      'c.json:11:24: gateways[0].capacity_mbps: expected an integer, got the string "1000"',
    );
  });

  it("reports a missing field at the enclosing JSON object", () => {
    const bad = json.replace('      "dip": "10.0.0.11",\n', "");
    expect(configError(() => parseConfig(bad, "c.json")).message).toBe(
      "c.json:5:5: gateways[0].dip: missing required field 'dip'",
    );
  });

  it("reports JSON syntax errors with line:col", () => {
    const bad = json.replace('"slb": { "vips": ["203.0.113.10"] },', '"slb": { "vips": ["203.0.113.10"] }');
    expect(configError(() => parseConfig(bad, "c.json")).message).toBe(
      "c.json:3:3: (syntax): Missing , between flow map items",
    );
  });

  it("accepts tab-indented JSON", () => {
    const tabbed = json.replace(/^ +/gm, (s) => "\t".repeat(s.length / 2));
    expect(parseConfig(tabbed, "t.json").gateways[0]!.name).toBe("gw1");
  });
});

describe("defaults and normalisation", () => {
  it("fills every default", () => {
    const cfg = parseConfig(lines(...BASE), "d.yaml");
    expect(cfg.delivery).toBe("mac");
    expect(cfg.tenants).toEqual([]);
    expect(cfg.sites).toEqual([]);
    expect(cfg.scenario).toEqual([]);
    expect(cfg.health).toEqual({ interval_ms: 1000, fall: 3, rise: 2, preempt: true });
    expect(cfg.flow_table).toEqual({ capacity: 1048576, tcp_idle_ms: 300000, udp_idle_ms: 30000, other_idle_ms: 30000 });
    expect(cfg.hash).toEqual({ kind: "keyed", key: null, symmetric: false });
    expect(cfg.maglev).toEqual({ size: 65537 });
    expect(cfg.gateways[0]).toEqual({
      name: "gw1",
      dip: "10.0.0.11",
      mac: "02:00:00:00:00:11",
      pool: "pool-ike",
      role: "active",
      priority: 100,
      capacity_mbps: 1000,
      gre_vip: null,
    });
  });

  it("rounds the flow table capacity up to a power of two", () => {
    const cap = (n: number) =>
      parseConfig(lines(...BASE, `flow_table: { capacity: ${n} }`), "f.yaml").flow_table.capacity;
    expect(cap(1)).toBe(1);
    expect(cap(1000)).toBe(1024);
    expect(cap(1024)).toBe(1024);
    expect(cap(1025)).toBe(2048);
    expect(cap(16777216)).toBe(16777216);
  });

  it("normalises MACs to lower case", () => {
    const text = lines(...BASE).replace("02:00:00:00:00:11", "02:AB:00:00:00:11");
    expect(parseConfig(text, "m.yaml").gateways[0]!.mac).toBe("02:ab:00:00:00:11");
  });

  it("null or empty optional values mean the default", () => {
    const cfg = parseConfig(lines(...BASE, "tenants:", "health: null"), "n.yaml");
    expect(cfg.tenants).toEqual([]);
    expect(cfg.health.interval_ms).toBe(1000);
  });

  it("hash: toeplitz defaults to Microsoft's key; colon-separated keys and numeric seeds", () => {
    const t = parseConfig(lines(...BASE, "hash: { kind: toeplitz }"), "h.yaml").hash;
    expect(t).toEqual({ kind: "toeplitz", toeplitz_key: MS_TOEPLITZ_KEY, symmetric: false });
    const key16 = "6D:5A:56:DA:25:5B:0E:C2:41:67:25:3D:43:A3:8F:B0";
    const c = parseConfig(lines(...BASE, `hash: { kind: toeplitz, toeplitz_key: "${key16}", symmetric: true }`), "h.yaml").hash;
    expect(c).toEqual({ kind: "toeplitz", toeplitz_key: "6d5a56da255b0ec24167253d43a38fb0", symmetric: true });
    const k = parseConfig(lines(...BASE, "hash: { key: 42 }"), "h.yaml").hash;
    expect(k).toEqual({ kind: "keyed", key: "42", symmetric: false });
  });

  it("anchors and aliases work", () => {
    const text = lines(
      "slb:", // 1
      "  vips: [203.0.113.10]", // 2
      "pools:", // 3
      "  - { name: pool-ike, kind: ikev2, active: 2, standby: 0 }", // 4
      "gateways:", // 5
      "  - { name: gw1, dip: 10.0.0.11, mac: 02:00:00:00:00:11, pool: &p pool-ike, role: active, capacity_mbps: &c 1000 }",
      "  - { name: gw2, dip: 10.0.0.12, mac: 02:00:00:00:00:12, pool: *p, role: active, capacity_mbps: *c }",
    );
    const cfg = parseConfig(text, "a.yaml");
    expect(cfg.gateways[1]!.pool).toBe("pool-ike");
    expect(cfg.gateways[1]!.capacity_mbps).toBe(1000);
  });

  it("sorts the scenario by time (stable) and keeps each event's file index; weight 0 drains", () => {
    const text = lines(
      "slb:",
      "  vips: [203.0.113.10]",
      "pools:",
      "  - { name: pool-gre, kind: gre, active: 2, standby: 0 }",
      "gateways:",
      "  - { name: gw4, dip: 10.0.0.14, mac: 02:00:00:00:00:14, pool: pool-gre, role: active, capacity_mbps: 1000, gre_vip: 198.51.100.21 }",
      "  - { name: gw5, dip: 10.0.0.15, mac: 02:00:00:00:00:15, pool: pool-gre, role: active, capacity_mbps: 1000, gre_vip: 198.51.100.22 }",
      "tenants: [{ name: contoso, vsid: 5001 }]",
      "sites:",
      "  - name: hq",
      "    tenant: contoso",
      "    prefixes: [172.16.0.0/16]",
      "    tunnels:",
      "      - { name: t1, gateway: gw4, local_ip: 198.51.100.21, remote_ip: 192.0.2.101 }",
      "      - { name: t2, gateway: gw5, local_ip: 198.51.100.22, remote_ip: 192.0.2.102 }",
      "scenario:",
      "  - { at: 5, event: gateway_up, gateway: gw4 }",
      "  - { at: 2, event: gateway_down, gateway: gw4 }",
      "  - { at: 3, event: weight, site: hq, tunnel: t2, weight: 0 }",
      "  - { at: 2, event: tunnel_down, site: hq, tunnel: t1 }",
    );
    const cfg = parseConfig(text, "s.yaml");
    expect(cfg.scenario).toEqual([
      { at: 2, index: 1, event: "gateway_down", gateway: "gw4" },
      { at: 2, index: 3, event: "tunnel_down", site: "hq", tunnel: "t1" },
      { at: 3, index: 2, event: "weight", site: "hq", tunnel: "t2", weight: 0 },
      { at: 5, index: 0, event: "gateway_up", gateway: "gw4" },
    ]);
  });
});

describe("shipped configs", () => {
  it("example.yaml loads", () => {
    const cfg = loadConfig("fixtures/configs/example.yaml");
    expect(cfg.pools.map((p) => p.kind)).toEqual(["ikev2", "gre", "l3"]);
    expect(cfg.scenario.map((e) => e.event)).toEqual(["gateway_down", "tunnel_down", "tunnel_up", "gateway_up", "weight"]);
  });

  it("demo.yaml loads with the addresses the demo capture generator uses", () => {
    const cfg = loadConfig("fixtures/configs/demo.yaml");
    expect(cfg.slb.vips).toEqual(["203.0.113.10"]);
    expect(cfg.gateways.map((g) => [g.name, g.dip, g.mac, g.role, g.gre_vip])).toEqual([
      ["gw1", "10.0.0.11", "02:00:00:00:00:11", "active", null],
      ["gw2", "10.0.0.12", "02:00:00:00:00:12", "active", null],
      ["gw3", "10.0.0.13", "02:00:00:00:00:13", "standby", null],
      ["gw4", "10.0.0.14", "02:00:00:00:00:14", "active", "198.51.100.21"],
      ["gw5", "10.0.0.15", "02:00:00:00:00:15", "active", "198.51.100.22"],
      ["gw6", "10.0.0.16", "02:00:00:00:00:16", "standby", null],
      ["gw7", "10.0.0.17", "02:00:00:00:00:17", "active", null],
      ["gw8", "10.0.0.18", "02:00:00:00:00:18", "standby", null],
    ]);
    expect(cfg.tenants.map((t) => [t.name, t.vsid, t.public_ips])).toEqual([
      ["contoso", 5001, ["192.0.2.1", "192.0.2.2"]],
      ["woodgrove", 5002, ["198.51.100.1", "198.51.100.2"]],
      ["fabrikam", 5003, ["192.0.2.50"]],
    ]);
    // Same CA IP on two VLANs is allowed.
    const l3 = cfg.tenants.flatMap((t) => t.connections).filter((c) => c.type === "l3");
    expect(l3.map((c) => [c.vlan, c.ca_ip, c.peer_ip])).toEqual([
      [1001, "10.127.134.1", "10.127.134.2"],
      [1002, "10.127.134.1", "10.127.134.2"],
    ]);
    // Overlapping prefixes across tenants are allowed.
    expect(cfg.sites.map((s) => [s.name, s.tenant, s.prefixes, s.tunnels.length])).toEqual([
      ["contoso-hq", "contoso", ["172.16.0.0/16"], 2],
      ["woodgrove-dc", "woodgrove", ["172.16.0.0/16", "172.17.0.0/16"], 4],
      ["fabrikam-branch", "fabrikam", ["172.18.0.0/16"], 1],
    ]);
    const tunnels = cfg.sites.flatMap((s) => s.tunnels.map((t) => `${s.name}/${t.name} ${t.gateway} ${t.local_ip}>${t.remote_ip} ${t.key}`));
    expect(tunnels).toEqual([
      "contoso-hq/t1 gw4 198.51.100.21>192.0.2.101 1001",
      "contoso-hq/t2 gw5 198.51.100.22>192.0.2.102 1002",
      "woodgrove-dc/t1 gw4 198.51.100.21>198.51.100.101 2001",
      "woodgrove-dc/t2 gw4 198.51.100.21>198.51.100.102 2002",
      "woodgrove-dc/t3 gw5 198.51.100.22>198.51.100.101 2003",
      "woodgrove-dc/t4 gw5 198.51.100.22>198.51.100.102 2004",
      "fabrikam-branch/t1 gw4 198.51.100.23>192.0.2.150 3001",
    ]);
    expect(cfg.health).toEqual({ interval_ms: 500, fall: 3, rise: 2, preempt: true });
    expect(cfg.hash).toEqual({ kind: "keyed", key: "demo", symmetric: false });
    expect(cfg.scenario).toEqual([
      { at: 2, index: 0, event: "gateway_down", gateway: "gw4" },
      { at: 5, index: 1, event: "gateway_up", gateway: "gw4" },
    ]);
  });

  it("the demo's single tunnel would be rejected on gw4's GRE VIP (why it has its own address)", () => {
    const text = readFileSync("fixtures/configs/demo.yaml", "utf8").replace("local_ip: 198.51.100.23", "local_ip: 198.51.100.21");
    expect(configError(() => parseConfig(text, "demo.yaml")).field).toBe("sites[2].tunnels[0].local_ip");
  });
});
