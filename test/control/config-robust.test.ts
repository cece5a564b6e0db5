import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/control/config-error.js";
import { parseConfig } from "../../src/control/config-load.js";

const DEMO = readFileSync("fixtures/configs/demo.yaml", "utf8");
const EXAMPLE = readFileSync("fixtures/configs/example.yaml", "utf8");

// Replacement tokens that hit many rules: wrong types, names, addresses, nulls, lists.
const TOKENS = ["0", "-1", "1.5", "null", "[]", "{}", "gw1", "gw4", "pool-ike", "10.0.0.11", "198.51.100.21",
  "203.0.113.10", "172.16.0.0/8", "yes", '""', "ikev2", "all", "standby", "weight", "t1", "65536", "~", "&a x", "*a"];

/** Mutate one line: drop it, duplicate it, or replace the value after its first ": ". */
const mutation = fc.record({
  op: fc.constantFrom("drop", "dup", "value", "value-in-flow"),
  line: fc.nat(),
  token: fc.constantFrom(...TOKENS),
  nth: fc.nat(12),
});

function mutate(text: string, m: { op: string; line: number; token: string; nth: number }): string {
  const ls = text.split("\n");
  const i = m.line % ls.length;
  const l = ls[i]!;
  if (m.op === "drop") ls.splice(i, 1);
  else if (m.op === "dup") ls.splice(i, 0, l);
  else {
    // Replace the value of the nth "key: value" on the line (flow or block).
    const re = /(\w+): ([^,{}\[\]\s#][^,{}\]#]*?)(?=\s*[,}\]]|\s*#|\s*$)/g;
    const hits = [...l.matchAll(re)];
    if (hits.length > 0) {
      const h = hits[(m.op === "value" ? 0 : m.nth) % hits.length]!;
      ls[i] = l.slice(0, h.index! + h[1]!.length + 2) + m.token + l.slice(h.index! + h[0].length);
    }
  }
  return ls.join("\n");
}

describe("robustness", () => {
  for (const [name, base] of [["demo", DEMO], ["example", EXAMPLE]] as const) {
    it(`mutated ${name}.yaml gives a config or a ConfigError, never another exception`, () => {
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
          const text = ms.reduce(mutate, base);
          try {
            parseConfig(text, "m.yaml");
          } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            expect(e.message).toMatch(/^m\.yaml:\d+:\d+: \S+: ./);
            expect(e.line).toBeGreaterThanOrEqual(1);
            expect(e.col).toBeGreaterThanOrEqual(1);
          }
        }),
        { numRuns: 300, seed: 20240601 },
      );
    });
  }
});
