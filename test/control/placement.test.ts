import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/control/config-error.js";
import { loadConfig, parseConfig } from "../../src/control/config-load.js";
import type { GwConfig } from "../../src/control/config-schema.js";
import {
  designatedGateway,
  greOwner,
  l3Key,
  l3Owner,
  placeConnections,
  type Placement,
} from "../../src/control/placement.js";

const lines = (...l: string[]): string => l.join("\n") + "\n";

/** A gateway line; `extra` is appended inside the flow mapping. */
const gw = (name: string, n: number, pool: string, role: string, cap: number, extra = ""): string =>
  `  - { name: ${name}, dip: 10.0.0.${n}, mac: 02:00:00:00:00:${n.toString(16).padStart(2, "0")}, pool: ${pool}, role: ${role}, capacity_mbps: ${cap}${extra} }`;

/** A tenant with the given connections (flow mappings), on one line. */
const tenant = (name: string, vsid: number, ips: string[], ...conns: string[]): string =>
  `  - { name: ${name}, vsid: ${vsid}, public_ips: [${ips.join(", ")}], connections: [${conns.join(", ")}] }`;

const conn = (name: string, type: string, bw: number, extra = ""): string =>
  `{ name: ${name}, type: ${type}, bandwidth_mbps: ${bw}${extra} }`;

function place(text: string): Placement {
  return placeConnections(parseConfig(text, "p.yaml"));
}

function placementError(text: string): ConfigError {
  try {
    parseConfig(text, "p.yaml");
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

const gatewayOf = (p: Placement, connection: string): string | undefined =>
  p.connections.find((c) => c.name === connection)?.gateway;

describe("best fit on bandwidth", () => {
  const text = lines(
    "slb: { vips: [203.0.113.10] }",
    "pools: [{ name: pool-ike, kind: ikev2, active: 3, standby: 0 }, { name: pool-l3, kind: l3, active: 1, standby: 0 }]",
    "gateways:",
    gw("big", 11, "pool-ike", "active", 1000),
    gw("mid", 12, "pool-ike", "active", 400),
    gw("small", 13, "pool-ike", "active", 250),
    gw("l3gw", 17, "pool-l3", "active", 10000),
    "tenants:",
    tenant("a", 5001, ["192.0.2.1"], conn("a-s2s", "ikev2", 200)),
    tenant("b", 5002, ["192.0.2.2"], conn("b-s2s", "ikev2", 100)),
    tenant("c", 5003, ["192.0.2.3"], conn("c-s2s", "ikev2", 300)),
    tenant("d", 5004, ["192.0.2.4"], conn("d-s2s", "ikev2", 700)),
  );

  it("picks the gateway with the least remaining capacity that still fits", () => {
    const p = place(text);
    // a: 200 fits small (250 left), the tightest. b: 100 no longer fits small (50 left), mid
    // (400) is tighter than big (1000). c: 300 fits mid exactly (300 left). d: only big fits.
    expect(p.connections.map((c) => [c.name, c.gateway])).toEqual([
      ["a-s2s", "small"],
      ["b-s2s", "mid"],
      ["c-s2s", "mid"],
      ["d-s2s", "big"],
    ]);
    expect(p.gateways.map((g) => [g.name, g.used_mbps, g.connections])).toEqual([
      ["big", 700, ["d-s2s"]],
      ["mid", 400, ["b-s2s", "c-s2s"]],
      ["small", 200, ["a-s2s"]],
      ["l3gw", 0, []],
    ]);
  });

  it("breaks ties by gateway name (code-unit order), not by file order", () => {
    const p = place(
      lines(
        "slb: { vips: [203.0.113.10] }",
        "pools: [{ name: pool-ike, kind: ikev2, active: 3, standby: 0 }]",
        "gateways:",
        gw("gw9", 11, "pool-ike", "active", 500),
        gw("gw2", 12, "pool-ike", "active", 500),
        gw("gw10", 13, "pool-ike", "active", 500),
        "tenants:",
        tenant("a", 5001, ["192.0.2.1"], conn("a-s2s", "ikev2", 100)),
        tenant("b", 5002, ["192.0.2.2"], conn("b-s2s", "ikev2", 400)),
      ),
    );
    // a: three-way tie at 500 -> "gw10" < "gw2" < "gw9". b: 400 fits gw10 (400 left) exactly.
    expect(gatewayOf(p, "a-s2s")).toBe("gw10");
    expect(gatewayOf(p, "b-s2s")).toBe("gw10");
  });

  it("is deterministic, leaves the config alone and returns plain data", () => {
    const cfg = parseConfig(text, "p.yaml");
    const before = JSON.stringify(cfg);
    const p1 = placeConnections(cfg);
    const p2 = placeConnections(cfg);
    expect(p2).toEqual(p1);
    expect(JSON.stringify(cfg)).toBe(before);
    expect(JSON.parse(JSON.stringify(p1))).toEqual(p1);
  });
});

describe("pool kinds", () => {
  const text = lines(
    "slb: { vips: [203.0.113.10] }",
    "pools:",
    "  - { name: pool-ike, kind: ikev2, active: 1, standby: 0 }",
    "  - { name: pool-gre, kind: gre, active: 1, standby: 0 }",
    "  - { name: pool-all, kind: all, active: 1, standby: 0 }",
    "gateways:",
    gw("ike1", 11, "pool-ike", "active", 100),
    gw("gre1", 14, "pool-gre", "active", 1000, ", gre_vip: 198.51.100.21"),
    gw("all1", 19, "pool-all", "active", 80, ", gre_vip: 198.51.100.29"),
    "tenants:",
    tenant("a", 5001, [], conn("a-gre", "gre", 90)),
    tenant("b", 5002, [], conn("b-gre", "gre", 60)),
    tenant("c", 5003, [], conn("c-l3", "l3", 10, ", vlan: 1001, ca_ip: 10.127.134.1, peer_ip: 10.127.134.2")),
  );

  it("only pools whose kind supports the type are candidates; all supports every type", () => {
    const p = place(text);
    // a-gre 90: ike1 (100) would be tightest but is ikev2-only; all1 (80) is too small.
    expect(gatewayOf(p, "a-gre")).toBe("gre1");
    // b-gre 60: all1 (80 left) is tighter than gre1 (910 left).
    expect(gatewayOf(p, "b-gre")).toBe("all1");
    // c-l3: only the all pool terminates l3.
    expect(gatewayOf(p, "c-l3")).toBe("all1");
    expect(p.connections.map((c) => c.pool)).toEqual(["pool-gre", "pool-all", "pool-all"]);
  });

  it("gre connections record the GRE VIP the tenant's device targets", () => {
    const p = place(text);
    expect(greOwner(p, "a-gre")).toBe("gre1");
    expect(p.gre["a-gre"]).toEqual({ tenant: "a", connection: "a-gre", gateway: "gre1", gre_vip: "198.51.100.21" });
    expect(p.gre["b-gre"]!.gre_vip).toBe("198.51.100.29");
    expect(p.gre_vips).toEqual({ "198.51.100.21": "gre1", "198.51.100.29": "all1" });
    expect(greOwner(p, "no-such")).toBeUndefined();
  });

  it("a tenant in an all pool uses no other pool", () => {
    const e = placementError(
      lines(
        "slb: { vips: [203.0.113.10] }",
        "pools:",
        "  - { name: pool-all, kind: all, active: 1, standby: 0 }",
        "  - { name: pool-gre, kind: gre, active: 1, standby: 0 }",
        "gateways:",
        gw("all1", 19, "pool-all", "active", 100, ", gre_vip: 198.51.100.29"),
        gw("gre1", 14, "pool-gre", "active", 1000, ", gre_vip: 198.51.100.21"),
        "tenants:",
        "  - name: a", // 9
        "    vsid: 5001", // 10
        "    connections:", // 11
        `      - ${conn("a-gre", "gre", 60)}`, // 12: all1 is the tightest -> a binds to pool-all
        `      - ${conn("a-gre2", "gre", 60)}`, // 13: would fit gre1, but a may use pool-all only
      ),
    );
    expect(e.message).toBe(
      "p.yaml:13:9: tenants[0].connections[1]: cannot place gre connection 'a-gre2': needs 60 Mbps but the most " +
        "left on a candidate gateway is 40 Mbps, on all1; tenant 'a' already uses all pool 'pool-all' and may use no other pool",
    );
  });

  it("a tenant in an individual pool uses no all pool", () => {
    const e = placementError(
      lines(
        "slb: { vips: [203.0.113.10] }",
        "pools:",
        "  - { name: pool-all, kind: all, active: 1, standby: 0 }",
        "  - { name: pool-gre, kind: gre, active: 1, standby: 0 }",
        "gateways:",
        gw("all1", 19, "pool-all", "active", 1000, ", gre_vip: 198.51.100.29"),
        gw("gre1", 14, "pool-gre", "active", 100, ", gre_vip: 198.51.100.21"),
        "tenants:",
        "  - name: a", // 9
        "    vsid: 5001", // 10
        "    connections:", // 11
        `      - ${conn("a-gre", "gre", 60)}`, // 12: gre1 is the tightest -> individual pools only
        `      - ${conn("a-l3", "l3", 10, ", vlan: 1001, ca_ip: 10.127.134.1, peer_ip: 10.127.134.2")}`, // 13
      ),
    );
    expect(e.message).toBe(
      "p.yaml:13:9: tenants[0].connections[1]: cannot place l3 connection 'a-l3': no active gateway in a pool of " +
        "kind l3 or all; tenant 'a' already uses individual pools and may not use an all pool",
    );
  });
});

describe("overflow", () => {
  it("reports every connection that fits nowhere, at the connection, earliest first", () => {
    const e = placementError(
      lines(
        "slb: { vips: [203.0.113.10] }", // 1
        "pools: [{ name: pool-ike, kind: ikev2, active: 2, standby: 1 }]", // 2
        "gateways:", // 3
        gw("gw1", 11, "pool-ike", "active", 300), // 4
        gw("gw2", 12, "pool-ike", "active", 200), // 5
        gw("gw3", 13, "pool-ike", "standby", 100000), // 6: standbys host nothing
        "tenants:", // 7
        tenant("a", 5001, ["192.0.2.1"], conn("a-s2s", "ikev2", 250)), // 8 -> gw1 (50 left)
        // 9 -> nowhere; the connection's mapping starts at column 67:
        "  - { name: b, vsid: 5002, public_ips: [192.0.2.2], connections: [{ name: b-s2s, type: ikev2, bandwidth_mbps: 201 }] }",
        "  - name: c", // 10
        "    vsid: 5003", // 11
        "    public_ips: [192.0.2.3]", // 12
        "    connections:", // 13
        "      - name: c-s2s", // 14 -> nowhere
        "        type: ikev2", // 15
        "        bandwidth_mbps: 1000", // 16
      ),
    );
    expect(e.errors.map((x) => x.message)).toEqual([
      "p.yaml:9:67: tenants[1].connections[0]: cannot place ikev2 connection 'b-s2s': needs 201 Mbps but the most left on a candidate gateway is 200 Mbps, on gw2",
      "p.yaml:14:9: tenants[2].connections[0]: cannot place ikev2 connection 'c-s2s': needs 1000 Mbps but the most left on a candidate gateway is 200 Mbps, on gw2",
    ]);
  });

  it("reports at <config>:1:1 for configs built in code (no source map)", () => {
    const cfg = parseConfig(lines(
      "slb: { vips: [203.0.113.10] }",
      "pools: [{ name: pool-ike, kind: ikev2, active: 1, standby: 0 }]",
      "gateways:",
      gw("gw1", 11, "pool-ike", "active", 100),
    ), "p.yaml");
    const built: GwConfig = {
      ...cfg,
      source: undefined,
      tenants: [{ name: "a", vsid: 5001, public_ips: ["192.0.2.1"], connections: [{ name: "a-s2s", type: "ikev2", bandwidth_mbps: 101 }] }],
    };
    expect(() => placeConnections(built)).toThrow(
      "<config>:1:1: tenants[0].connections[0]: cannot place ikev2 connection 'a-s2s': needs 101 Mbps but the most left on a candidate gateway is 100 Mbps, on gw1",
    );
  });
});

describe("pools, NAT and ownership", () => {
  it("lists active and standby gateways by priority (keepalived), then name", () => {
    const p = place(
      lines(
        "slb: { vips: [203.0.113.10] }",
        "pools: [{ name: pool-ike, kind: ikev2, active: 2, standby: 2 }]",
        "gateways:",
        gw("gw1", 11, "pool-ike", "active", 100),
        gw("gw2", 12, "pool-ike", "active", 100, ", priority: 150"),
        gw("gw4", 14, "pool-ike", "standby", 100, ", priority: 50"),
        gw("gw3", 13, "pool-ike", "standby", 100, ", priority: 50"),
      ),
    );
    expect(p.pools).toEqual([{ name: "pool-ike", kind: "ikev2", active: ["gw2", "gw1"], standby: ["gw3", "gw4"] }]);
  });

  it("NATs every SLB VIP x public IP of a tenant to its ikev2 gateway's DIP", () => {
    const p = place(
      lines(
        "slb: { vips: [203.0.113.10, 203.0.113.11] }",
        "pools: [{ name: pool-ike, kind: ikev2, active: 1, standby: 0 }]",
        "gateways:",
        gw("gw1", 11, "pool-ike", "active", 1000),
        "tenants:",
        tenant("contoso", 5001, ["192.0.2.1", "192.0.2.2"], conn("contoso-s2s", "ikev2", 100)),
        tenant("idle", 5002, ["192.0.2.9"]), // public IPs but no ikev2 connection: no NAT rule
      ),
    );
    expect(designatedGateway(p, "contoso")).toBe("gw1");
    expect(designatedGateway(p, "idle")).toBeUndefined();
    expect(designatedGateway(p, "constructor")).toBeUndefined();
    const rule = { tenant: "contoso", connection: "contoso-s2s", gateway: "gw1", dip: "10.0.0.11" };
    expect(p.nat).toEqual([
      { vip: "203.0.113.10", public_ip: "192.0.2.1", ...rule },
      { vip: "203.0.113.10", public_ip: "192.0.2.2", ...rule },
      { vip: "203.0.113.11", public_ip: "192.0.2.1", ...rule },
      { vip: "203.0.113.11", public_ip: "192.0.2.2", ...rule },
    ]);
  });
});

describe("the demo config", () => {
  const p = placeConnections(loadConfig("fixtures/configs/demo.yaml"));

  it("places connections as documented in demo.yaml", () => {
    expect(p.connections.map((c) => [c.name, c.gateway])).toEqual([
      ["contoso-s2s", "gw1"],
      ["contoso-gre", "gw4"],
      ["contoso-l3", "gw7"],
      ["woodgrove-s2s", "gw2"],
      ["woodgrove-gre", "gw4"],
      ["woodgrove-l3", "gw7"],
      ["fabrikam-s2s", "gw1"],
    ]);
    expect(p.pools).toEqual([
      { name: "pool-ike", kind: "ikev2", active: ["gw1", "gw2"], standby: ["gw3"] },
      { name: "pool-gre", kind: "gre", active: ["gw4", "gw5"], standby: ["gw6"] },
      { name: "pool-l3", kind: "l3", active: ["gw7"], standby: ["gw8"] },
    ]);
  });

  it("derives the SLB NAT rules by source IP", () => {
    expect(p.nat.map((r) => `${r.vip} ${r.public_ip} -> ${r.gateway} ${r.dip}`)).toEqual([
      "203.0.113.10 192.0.2.1 -> gw1 10.0.0.11",
      "203.0.113.10 192.0.2.2 -> gw1 10.0.0.11",
      "203.0.113.10 198.51.100.1 -> gw2 10.0.0.12",
      "203.0.113.10 198.51.100.2 -> gw2 10.0.0.12",
      "203.0.113.10 192.0.2.50 -> gw1 10.0.0.11",
    ]);
    expect(["contoso", "woodgrove", "fabrikam"].map((t) => designatedGateway(p, t))).toEqual(["gw1", "gw2", "gw1"]);
  });

  it("owns the same CA IP on two VLANs separately, and the GRE VIPs", () => {
    expect(l3Key(1001, "10.127.134.1")).toBe("1001/10.127.134.1");
    expect(l3Owner(p, 1001, "10.127.134.1")).toBe("gw7");
    expect(l3Owner(p, 1002, "10.127.134.1")).toBe("gw7");
    expect(p.l3[l3Key(1002, "10.127.134.1")]!.tenant).toBe("woodgrove");
    expect(l3Owner(p, 1003, "10.127.134.1")).toBeUndefined();
    expect(greOwner(p, "contoso-gre")).toBe("gw4");
    expect(p.gre_vips).toEqual({ "198.51.100.21": "gw4", "198.51.100.22": "gw5" });
  });

  it("moves fabrikam's single tunnel to the other active instance gw5", () => {
    expect(p.tunnel_fallback).toEqual({ "fabrikam-branch": "gw5" });
  });
});
