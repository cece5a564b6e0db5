/**
 * The subset reader (src/control/yaml-subset.ts) against `yaml` itself: wherever it reads a
 * text, it must give the nodes `yaml` gives (kind, value, start offset, keys) and the same
 * LineCounter; a text `yaml` finds an error in must be left to `yaml`. Checked on every YAML
 * file of the repository (the configs and the 97 broken ones), on every value of up to three
 * characters from an alphabet of the characters that matter (in four contexts), and on generated
 * configs made of the pieces where the two could part: numbers the core schema reads, names it
 * reads as null or booleans, comments, flow collections, sequences at their key's column.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { loadConfig } from '../../src/control/config-load.js';
import { parseSubset } from '../../src/control/yaml-subset.js';

const root = path.resolve(__dirname, '../..');

/** A node as a plain value: kind, start offset, value or items (what config-load.ts reads). */
function shape(n: Node | null | undefined): unknown {
  if (n === null || n === undefined) return null;
  if (isMap(n)) return { map: n.range?.[0], flow: n.flow === true, items: n.items.map((p) => [shape(p.key as Node), shape(p.value as Node)]) };
  if (isSeq(n)) return { seq: n.range?.[0], flow: n.flow === true, items: n.items.map((x) => shape(x as Node)) };
  if (isScalar(n)) return { at: n.range?.[0], value: n.value };
  return { other: n.constructor.name };
}

/** Both readers on `text`: whether the subset read it, and that it then agrees with `yaml`. */
function compare(text: string): boolean {
  const lcYaml = new LineCounter();
  const full = parseDocument(text, { keepSourceTokens: true, lineCounter: lcYaml, prettyErrors: false, uniqueKeys: false });
  const lc = new LineCounter();
  const sub = parseSubset(text, lc);
  if (sub === null) {
    expect(lc.lineStarts).toEqual([]);
    return false;
  }
  expect(full.errors.map((e) => e.message), text).toEqual([]);
  expect(shape(sub.contents as Node), text).toEqual(shape(full.contents as Node));
  expect(lc.lineStarts).toEqual(lcYaml.lineStarts);
  return true;
}

function yamlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(e.name) ? [p] : [];
  });
}

describe('yaml subset reader', () => {
  const files = [...yamlFiles(path.join(root, 'fixtures/configs')), ...yamlFiles(path.join(root, 'bench/configs'))];

  it('reads the configs users run (the fast path is taken) and agrees with yaml on them', () => {
    for (const f of ['fixtures/configs/demo.yaml', 'fixtures/configs/lab.yaml', 'bench/configs/trace.yaml', 'bench/configs/nat1.yaml']) {
      expect(compare(fs.readFileSync(path.join(root, f), 'utf8')), f).toBe(true);
    }
  });

  it(`agrees with yaml on every YAML file of the repository it reads (${files.length} files)`, () => {
    let read = 0;
    for (const f of files) if (compare(fs.readFileSync(f, 'utf8'))) read++;
    expect(files.length).toBeGreaterThan(90);
    expect(read).toBeGreaterThan(files.length / 2); // most broken configs break a rule, not the syntax
  });

  it('leaves to yaml what it does not read exactly', () => {
    const outside = [
      'a: True', 'a: NULL', 'a: 0x1F', 'a: 0o17', 'a: 1e3', 'a: .inf', 'a: .NaN', 'a: 007', 'a: -0', 'a: +1', 'a: 1.',
      'a: "q\\n"', "a: 'it''s'", 'a: "open', 'a: &x 1', 'a: *x', 'a: !!str 1', 'a: |\n  x', 'a: >\n  x', 'a:', 'a: b c', 'a: x:',
      'a: [1, 2,]', 'a: [1,\n  2]', 'a: {b:c}', '\ta: 1', 'a: 1\r\n', '---\na: 1', 'a: 1\n b: 2', '- 1', '  a: 1',
      'a: [x y]', 'a: [b: 1]', 'a: @x', 'a: :x', '1: a', 'true: a', 'a: 99999999999999999999', 'a: 1 b: 2',
      'a: -', 'a: [-]', 'a: ["x" y]', "a: ['x' , y z]", 'a: { k: x y }', 'a: [x }', 'a: { k: x ]',
    ];
    for (const t of outside) expect(parseSubset(t, new LineCounter()), t).toBeNull();
  });

  it('agrees with yaml on every value of up to three characters from the ones that matter', () => {
    // digits, signs, dots, colons, `@`, `/`, `_`, `e` and `x` (exponents, hex), a letter
    const alphabet = ['0', '1', '-', '+', '.', ':', '@', '/', '_', 'e', 'x', 'a'];
    const values: string[] = [];
    const grow = (prefix: string): void => {
      if (prefix.length > 0) values.push(prefix);
      if (prefix.length < 3) for (const c of alphabet) grow(prefix + c);
    };
    grow('');
    let read = 0;
    for (const v of values) {
      for (const text of [`a: ${v}\n`, `a: [${v}, b]\n`, `a: { k: ${v} }\n`, `a:\n  - ${v}\n`]) if (compare(text)) read++;
    }
    expect(read).toBeGreaterThan(values.length); // most of them are read, in some context
  });

  it('agrees with yaml on generated configs', () => {
    const names = fc.constantFrom('name', 'dip', 'mac', 'pool', 'vips', 'weight', 'y', 'on', 'No', 'key_1', 'a-b');
    const scalars = fc.constantFrom(
      '0', '1', '-3', '10', '1.5', '-0.25', '10.0', '007', '-0', '1e3', '0x1F', '.5', '1.', 'true', 'false', 'True', 'null', 'Null', '~',
      'yes', 'off', 'gw1', '10.0.0.11', '172.16.0.0/16', '02:00:00:00:00:11', 'a:b', 'a:', '@x', 'x_y', '.inf', 'a.b', '-x',
      '"q"', "'s'", '"a b, c"', '"x\\\\y"', "'it''s'", '""', '"1"', "'true'", '-', '--', '-.5', '0.', '1.2.3',
    );
    const comment = fc.constantFrom('', ' # c', '  #c', ' #');
    type Tree = { kind: 'map'; items: [string, Tree][] } | { kind: 'seq'; items: Tree[] } | { kind: 'flowseq'; items: string[] } | { kind: 'flowmap'; items: [string, string][] } | { kind: 'scalar'; v: string };
    const tree: fc.Arbitrary<Tree> = fc.letrec<{ t: Tree }>((tie) => ({
      t: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.record({ kind: fc.constant('scalar' as const), v: scalars }),
        fc.record({ kind: fc.constant('flowseq' as const), items: fc.array(scalars, { maxLength: 4 }) }),
        fc.record({ kind: fc.constant('flowmap' as const), items: fc.array(fc.tuple(names, scalars), { maxLength: 3 }) }),
        fc.record({ kind: fc.constant('map' as const), items: fc.array(fc.tuple(names, tie('t')), { minLength: 1, maxLength: 3 }) }),
        fc.record({ kind: fc.constant('seq' as const), items: fc.array(tie('t'), { minLength: 1, maxLength: 3 }) }),
      ),
    })).t;
    const inline = (t: Tree): string | null =>
      t.kind === 'scalar' ? t.v : t.kind === 'flowseq' ? `[${t.items.join(', ')}]` : t.kind === 'flowmap' ? `{ ${t.items.map(([k, v]) => `${k}: ${v}`).join(', ')} }` : null;
    /** Block text of t at indentation `ind`; `c` picks comments and whether a sequence sits at its key's column. */
    const render = (t: Tree, ind: number, c: string[], k: { i: number }): string => {
      const pick = (): string => c[k.i++ % c.length]!;
      const pad = ' '.repeat(ind);
      if (t.kind === 'map') {
        return t.items
          .map(([key, v]) => {
            const one = inline(v);
            if (one !== null) return `${pad}${key}: ${one}${pick()}\n`;
            const deeper = v.kind === 'seq' && pick() === '' ? ind : ind + 2;
            return `${pad}${key}:${pick()}\n${render(v, deeper, c, k)}`;
          })
          .join('');
      }
      if (t.kind === 'seq') {
        return t.items
          .map((v) => {
            const one = inline(v);
            if (one !== null) return `${pad}- ${one}${pick()}\n`;
            return `${pad}-${pick()}\n${render(v, ind + 2, c, k)}`;
          })
          .join('');
      }
      return `${pad}${inline(t)}\n`;
    };
    const doc = fc.record({ top: fc.array(fc.tuple(names, tree), { minLength: 1, maxLength: 4 }), c: fc.array(comment, { minLength: 1, maxLength: 5 }) });
    let read = 0;
    fc.assert(
      fc.property(doc, ({ top, c }) => {
        const text = `# generated\n${render({ kind: 'map', items: top }, 0, c, { i: 0 })}`;
        if (compare(text)) read++;
      }),
      { numRuns: 400, seed: 4 },
    );
    expect(read).toBeGreaterThan(20); // the property saw the fast path, not only its refusals
  });

  it('a config read by the subset loads to the same result as one read by yaml', () => {
    // the same config, once in the subset and once with a tab in a comment (yaml reads it)
    const file = path.join(root, 'fixtures/configs/demo.yaml');
    const text = fs.readFileSync(file, 'utf8');
    expect(parseSubset(text, new LineCounter())).not.toBeNull();
    const quoted = `${text}# a tab:\t\n`;
    expect(parseSubset(quoted, new LineCounter())).toBeNull();
    const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'gwplane-subset-'));
    try {
      const a = path.join(dir, 'a.yaml');
      const b = path.join(dir, 'b.yaml');
      fs.writeFileSync(a, text);
      fs.writeFileSync(b, quoted);
      const ca = loadConfig(a);
      const cb = loadConfig(b);
      expect({ ...cb, source: { ...cb.source, file: a } }).toEqual(ca);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
