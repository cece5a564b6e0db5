import { describe, expect, it } from "vitest";
import {
  formatIp4,
  formatPrefix4,
  ip4,
  isUnicast4,
  mac,
  parseIp4,
  parseMac,
  parsePrefix4,
  prefix4,
  prefixMask,
  prefixesOverlap,
} from "../../src/control/config-addr.js";

describe("config-addr", () => {
  it("parses strict dotted quads to host-order u32", () => {
    expect(parseIp4("192.0.2.1")).toBe(0xc0000201);
    expect(parseIp4("255.255.255.255")).toBe(0xffffffff);
    expect(parseIp4("0.0.0.0")).toBe(0);
    for (const bad of ["10.0.0", "10.0.0.256", "10.0.0.01", "10.0.0.1.", " 10.0.0.1", "10.0.0.-1", "1e1.0.0.1", "a.b.c.d", ""]) {
      expect(parseIp4(bad), bad).toBeNull();
    }
    expect(formatIp4(0xc0000201)).toBe("192.0.2.1");
    expect(ip4("10.0.0.11")).toBe(0x0a00000b);
    expect(() => ip4("nope")).toThrow(TypeError);
  });

  it("knows unicast host addresses", () => {
    expect(isUnicast4(ip4("192.0.2.1"))).toBe(true);
    expect(isUnicast4(ip4("223.255.255.255"))).toBe(true);
    for (const a of ["0.1.2.3", "127.0.0.1", "224.0.0.1", "239.1.1.1", "240.0.0.1", "255.255.255.255"]) {
      expect(isUnicast4(ip4(a)), a).toBe(false);
    }
  });

  it("parses prefixes and tests overlap", () => {
    expect(parsePrefix4("172.16.0.0/16")).toEqual({ addr: 0xac100000, len: 16 });
    expect(parsePrefix4("0.0.0.0/0")).toEqual({ addr: 0, len: 0 });
    for (const bad of ["172.16.0.0", "172.16.0.0/33", "172.16.0.0/016", "172.16.0.0/", "/16"]) {
      expect(parsePrefix4(bad), bad).toBeNull();
    }
    expect(prefixMask(0)).toBe(0);
    expect(prefixMask(16)).toBe(0xffff0000);
    expect(prefixMask(32)).toBe(0xffffffff);
    expect(formatPrefix4(prefix4("10.1.0.0/16"))).toBe("10.1.0.0/16");
    expect(prefixesOverlap(prefix4("172.16.0.0/12"), prefix4("172.17.0.0/16"))).toBe(true);
    expect(prefixesOverlap(prefix4("172.16.0.0/16"), prefix4("172.17.0.0/16"))).toBe(false);
    expect(prefixesOverlap(prefix4("0.0.0.0/0"), prefix4("10.0.0.0/8"))).toBe(true);
  });

  it("parses MACs", () => {
    expect(Array.from(mac("02:00:00:00:00:1f"))).toEqual([2, 0, 0, 0, 0, 0x1f]);
    expect(parseMac("02-00-00-00-00-11")).toBeNull();
    expect(parseMac("02:00:00:00:11")).toBeNull();
  });
});
