/**
 * A fast reader for the plain subset of YAML that gateway configurations are written in.
 *
 * It builds the nodes the `yaml` library would build (YAMLMap, YAMLSeq, Pair and Scalar, with
 * the same values and the same start offsets) and fills the LineCounter the same way, so that
 * config-load.ts checks them unchanged and reports the same file:line:col. A text that uses
 * anything outside the subset gives null, and the caller parses it with `yaml`: every syntax
 * error is found there.
 *
 * Why: `yaml` runs cold at every start of the CLI. On the 8.7 KB trace config
 * (bench/configs/trace.yaml, 300 addresses in flow lists) it took ~25 ms of a 0.17 s
 * `replay -c 1` (`--cpu-prof`), its garbage cost scavenges, and TurboFan spent 74 ms of its one
 * thread on its functions (`--trace-opt`). This reader took ~4.5 ms there (`--cpu-prof`), and
 * `replay -c 1` 0.79-0.82x the time (interleaved runs, 15-21 rounds).
 *
 * The subset (test/control/yaml-subset.test.ts holds it to `yaml` on every config in the
 * repository, on every short value made of the characters that matter, and on generated
 * configs):
 * - indentation by spaces; a tab, a carriage return or a byte-order mark: null;
 * - block mappings of plain keys (`key: value`), block sequences (`- item`, also at the
 *   indentation of the key they belong to), and flow sequences and mappings (`[a, b]`,
 *   `{ k: v }`) that open and close on one line;
 * - comments: `#` at the start of a line or after a space;
 * - plain scalars made of letters, digits and `_ . / : @ -`: addresses, prefixes, MACs, names;
 *   quoted scalars on one line with nothing to unescape (`"text"` without `\`, `'text'`
 *   without `''`), which are strings.
 *   YAML 1.2's core schema (yaml's default) reads `null`, `~`, `true`, `false`, decimal
 *   integers and decimal fractions among them as such, and the rest as strings. What else the
 *   core schema resolves (`True`, `NULL`, `0x1F`, `1e3`, `.inf`, `007` ...) and escaped, block,
 *   multi-line, anchored, aliased or tagged values, empty values, a scalar with a space, a
 *   trailing comma, a key that is not a name, a lone `-`: null.
 */
import { Document, type LineCounter, type Node, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';

/** A key: a name (not one the core schema reads as null or a boolean). */
const KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** The characters of a plain scalar of the subset. */
const PLAIN = /^[A-Za-z0-9_./:@-]+$/;
/** Decimal integers and fractions, read here (YAML 1.2 core schema 10.3.2). */
const DEC_INT = /^-?(?:0|[1-9][0-9]*)$/;
const DEC_FRACTION = /^-?(?:0|[1-9][0-9]*)\.[0-9]+$/;
/** Everything else the core schema reads as a number (10.3.2): left to `yaml`. */
const CORE_NUMBER = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/** Thrown inside the reader when the text leaves the subset; parseSubset returns null. */
class OutsideSubset {}
const OUTSIDE = new OutsideSubset();

/** The value of a plain scalar, or OUTSIDE. */
function plainValue(s: string): unknown {
  if (s === '~' || s === 'null') return null;
  if (s === 'true') return true;
  if (s === 'false') return false;
  // a lone `-` is a sequence entry, not a scalar; `:` and `@` may not start one (YAML 7.3.3)
  if (!PLAIN.test(s) || s === '-' || s.endsWith(':') || s.startsWith(':') || s.startsWith('@')) return OUTSIDE;
  const lower = s.toLowerCase();
  if (lower === 'null' || lower === 'true' || lower === 'false') return OUTSIDE;
  if (DEC_INT.test(s)) {
    const v = Number(s);
    return Number.isSafeInteger(v) && !Object.is(v, -0) ? v : OUTSIDE;
  }
  if (DEC_FRACTION.test(s)) return Number(s);
  if (CORE_NUMBER.test(s)) return OUTSIDE;
  return s;
}

function scalar(value: unknown, start: number, end: number): Scalar {
  const s = new Scalar(value);
  s.type = Scalar.PLAIN;
  s.range = [start, end, end];
  return s;
}

const SPACE = 0x20;
const HASH = 0x23;
const DASH = 0x2d;
const COLON = 0x3a;

class SubsetReader {
  /** Offset of each line's first character, and of its end (its '\n' or the text's end). */
  private readonly lineStart: number[] = [];
  private readonly lineEnd: number[] = [];
  /** The line being read. */
  private li = 0;

  constructor(private readonly t: string) {
    let s = 0;
    for (;;) {
      const nl = t.indexOf('\n', s);
      this.lineStart.push(s);
      this.lineEnd.push(nl < 0 ? t.length : nl);
      if (nl < 0) break;
      s = nl + 1;
    }
  }

  /** Line starts as `yaml` gives them to its LineCounter: 0, then the offset after each '\n'. */
  lineStarts(): number[] {
    return this.lineStart;
  }

  /** The root: a block mapping, then nothing but blank and comment lines. */
  document(): Node {
    if (!this.nextContent()) throw OUTSIDE;
    const ind = this.indent(this.li);
    if (ind !== 0 || this.isSeqItem(this.li, 0)) throw OUTSIDE;
    const root = this.blockMap(0, this.lineStart[this.li]!);
    if (this.nextContent()) throw OUTSIDE;
    return root;
  }

  /** Move to the next line with content (not blank, not only a comment); false at the end. */
  private nextContent(): boolean {
    for (; this.li < this.lineStart.length; this.li++) {
      const p = this.lineStart[this.li]! + this.indent(this.li);
      if (p < this.lineEnd[this.li]! && this.t.charCodeAt(p) !== HASH) return true;
    }
    return false;
  }

  private indent(line: number): number {
    const s = this.lineStart[line]!;
    const e = this.lineEnd[line]!;
    let p = s;
    while (p < e && this.t.charCodeAt(p) === SPACE) p++;
    return p - s;
  }

  /** Line `line` holds `- ` (or a lone `-`) at column `col`. */
  private isSeqItem(line: number, col: number): boolean {
    const p = this.lineStart[line]! + col;
    if (this.t.charCodeAt(p) !== DASH) return false;
    return p + 1 === this.lineEnd[line]! || this.t.charCodeAt(p + 1) === SPACE;
  }

  /**
   * A block mapping whose keys are at column `col`; its first key at `first` (on line li, where
   * a sequence item's `- ` may precede it).
   */
  private blockMap(col: number, first: number): YAMLMap {
    const map = new YAMLMap();
    map.range = [first, first, first];
    let keyAt = first;
    for (;;) {
      const lineEnd = this.lineEnd[this.li]!;
      const colon = this.t.indexOf(':', keyAt);
      if (colon < 0 || colon >= lineEnd) throw OUTSIDE;
      const name = this.t.slice(keyAt, colon);
      if (!KEY.test(name) || plainValue(name) !== name) throw OUTSIDE;
      const key = scalar(name, keyAt, colon);
      let p = colon + 1;
      if (p < lineEnd && this.t.charCodeAt(p) !== SPACE) throw OUTSIDE;
      while (p < lineEnd && this.t.charCodeAt(p) === SPACE) p++;
      let value: Node;
      if (p === lineEnd || this.t.charCodeAt(p) === HASH) {
        // the value is the block below: deeper, or a sequence at the key's own column
        this.li++;
        if (!this.nextContent()) throw OUTSIDE;
        const ind = this.indent(this.li);
        if (ind > col) value = this.block(ind);
        else if (ind === col && this.isSeqItem(this.li, col)) value = this.blockSeq(col);
        else throw OUTSIDE; // an empty value
      } else {
        value = this.inline(p, lineEnd);
        this.li++;
      }
      map.items.push(new Pair(key, value));
      if (!this.nextContent()) return map;
      const ind = this.indent(this.li);
      if (ind < col) return map;
      if (ind > col || this.isSeqItem(this.li, col)) throw OUTSIDE;
      keyAt = this.lineStart[this.li]! + col;
    }
  }

  /** A block sequence whose `-` are at column `col`, from line li. */
  private blockSeq(col: number): YAMLSeq {
    const seq = new YAMLSeq();
    const first = this.lineStart[this.li]! + col;
    seq.range = [first, first, first];
    for (;;) {
      const lineEnd = this.lineEnd[this.li]!;
      let p = this.lineStart[this.li]! + col + 1;
      while (p < lineEnd && this.t.charCodeAt(p) === SPACE) p++;
      if (p === lineEnd || this.t.charCodeAt(p) === HASH) {
        this.li++;
        if (!this.nextContent()) throw OUTSIDE;
        const ind = this.indent(this.li);
        if (ind <= col) throw OUTSIDE; // an empty item
        seq.items.push(this.block(ind));
      } else if (this.startsKey(p, lineEnd)) {
        // `- key: value`: a mapping whose keys are at the column of this first one
        seq.items.push(this.blockMap(p - this.lineStart[this.li]!, p));
      } else {
        seq.items.push(this.inline(p, lineEnd));
        this.li++;
      }
      if (!this.nextContent()) return seq;
      const ind = this.indent(this.li);
      // a line at a smaller column, or a key at this one (a sequence at its key's column): done
      if (ind < col || (ind === col && !this.isSeqItem(this.li, col))) return seq;
      if (ind > col) throw OUTSIDE;
    }
  }

  /** A block node starting on line li at column `col`. */
  private block(col: number): Node {
    if (this.isSeqItem(this.li, col)) return this.blockSeq(col);
    return this.blockMap(col, this.lineStart[this.li]! + col);
  }

  /** `name:` followed by a space or the line's end, at p. */
  private startsKey(p: number, lineEnd: number): boolean {
    const colon = this.t.indexOf(':', p);
    if (colon < 0 || colon >= lineEnd) return false;
    if (colon + 1 < lineEnd && this.t.charCodeAt(colon + 1) !== SPACE) return false;
    return KEY.test(this.t.slice(p, colon));
  }

  /** A value on the rest of a line from p: a flow collection or a plain scalar, then an optional comment. */
  private inline(p: number, lineEnd: number): Node {
    const c = this.t.charCodeAt(p);
    if (c === 0x5b /* [ */ || c === 0x7b /* { */ || c === 0x22 /* " */ || c === 0x27 /* ' */) {
      const [node, after] = c === 0x22 || c === 0x27 ? this.quoted(p, lineEnd) : this.flow(p, lineEnd);
      this.restOfLine(after, lineEnd);
      return node;
    }
    let end = this.t.indexOf(' #', p);
    if (end < 0 || end > lineEnd) end = lineEnd;
    while (end > p && this.t.charCodeAt(end - 1) === SPACE) end--;
    const text = this.t.slice(p, end);
    const v = plainValue(text);
    if (v === OUTSIDE) throw OUTSIDE;
    return scalar(v, p, end);
  }

  /** Only spaces and a comment (after a space) may follow. */
  private restOfLine(p: number, lineEnd: number): void {
    const q = p;
    while (p < lineEnd && this.t.charCodeAt(p) === SPACE) p++;
    if (p === lineEnd) return;
    if (this.t.charCodeAt(p) !== HASH || p === q) throw OUTSIDE;
  }

  /** A flow sequence or mapping at p, closed on this line: the node and the offset after it. */
  private flow(p: number, lineEnd: number): [Node, number] {
    const open = this.t.charCodeAt(p);
    const isSeq = open === 0x5b;
    const close = isSeq ? 0x5d : 0x7d;
    const node = isSeq ? new YAMLSeq() : new YAMLMap();
    node.flow = true;
    node.range = [p, p, p];
    p = this.skipSpaces(p + 1, lineEnd);
    if (p < lineEnd && this.t.charCodeAt(p) === close) return [node, p + 1];
    for (;;) {
      if (isSeq) {
        const [item, after] = this.flowItem(p, lineEnd);
        (node as YAMLSeq).items.push(item);
        p = after;
      } else {
        const colon = this.t.indexOf(':', p);
        if (colon < 0 || colon >= lineEnd) throw OUTSIDE;
        const name = this.t.slice(p, colon);
        if (!KEY.test(name) || plainValue(name) !== name || this.t.charCodeAt(colon + 1) !== SPACE) throw OUTSIDE;
        const key = scalar(name, p, colon);
        const [value, after] = this.flowItem(this.skipSpaces(colon + 1, lineEnd), lineEnd);
        (node as YAMLMap).items.push(new Pair(key, value));
        p = after;
      }
      p = this.skipSpaces(p, lineEnd);
      if (p >= lineEnd) throw OUTSIDE; // continues on the next line
      const c = this.t.charCodeAt(p);
      if (c === close) return [node, p + 1];
      if (c !== 0x2c /* , */) throw OUTSIDE;
      p = this.skipSpaces(p + 1, lineEnd);
      if (p >= lineEnd || this.t.charCodeAt(p) === close) throw OUTSIDE; // a trailing comma
    }
  }

  /**
   * A quoted scalar at p closed on this line, with nothing to unescape: `"text"` without a
   * backslash, `'text'` without a doubled quote. The node and the offset after it.
   */
  private quoted(p: number, lineEnd: number): [Node, number] {
    const q = this.t[p]!;
    const close = this.t.indexOf(q, p + 1);
    if (close < 0 || close >= lineEnd) throw OUTSIDE;
    const text = this.t.slice(p + 1, close);
    if (q === '"' ? text.includes('\\') : this.t[close + 1] === "'") throw OUTSIDE;
    const s = new Scalar(text);
    s.type = q === '"' ? Scalar.QUOTE_DOUBLE : Scalar.QUOTE_SINGLE;
    s.range = [p, close + 1, close + 1];
    return [s, close + 1];
  }

  /** One item of a flow collection at p: a nested flow collection, a quoted or a plain scalar. */
  private flowItem(p: number, lineEnd: number): [Node, number] {
    const c = this.t.charCodeAt(p);
    if (c === 0x5b || c === 0x7b) return this.flow(p, lineEnd);
    // what follows an item (only spaces, then `,` or the closing bracket) is checked by flow()
    if (c === 0x22 || c === 0x27) return this.quoted(p, lineEnd);
    let end = p;
    while (end < lineEnd) {
      const d = this.t.charCodeAt(end);
      if (d === 0x2c || d === 0x5d || d === 0x7d || d === SPACE) break;
      end++;
    }
    if (end === p) throw OUTSIDE;
    const v = plainValue(this.t.slice(p, end));
    if (v === OUTSIDE) throw OUTSIDE;
    return [scalar(v, p, end), end];
  }

  private skipSpaces(p: number, lineEnd: number): number {
    while (p < lineEnd && this.t.charCodeAt(p) === SPACE) p++;
    return p;
  }
}

/**
 * Read `text` if it is in the subset: a Document with yaml's nodes, and `lc` filled as `yaml`
 * fills it. Null (and `lc` untouched) if it is not: parse it with `yaml`.
 */
export function parseSubset(text: string, lc: LineCounter): Document | null {
  if (/[\t\r\ufeff]/.test(text)) return null;
  const r = new SubsetReader(text);
  let root: Node;
  try {
    root = r.document();
  } catch (e) {
    if (e === OUTSIDE) return null;
    throw e;
  }
  for (const s of r.lineStarts()) lc.addNewLine(s);
  const doc = new Document();
  doc.contents = root;
  return doc;
}
