/**
 * The one error type of the configuration loader and of the placement derived from it.
 *
 * `message` is always `${file}:${line}:${col}: ${field}: ${what}` (the shape compilers use,
 * so editors and CI annotate the right spot): `line`/`col` are 1-based and point at the
 * offending value, or at the enclosing mapping when a required field is missing; `field` is
 * the path of the value (`gateways[1].dip`, `tenants[0].connections[2]`) or one of the
 * pseudo fields `(syntax)` (YAML/JSON syntax), `(root)` (the document itself) and `(file)`
 * (the file could not be read).
 *
 * The loader collects every problem it finds in one pass (see `config-load.ts`) and throws
 * the first one found; `errors` holds all of them, the thrown one first, so a CLI can print
 * the whole list while `message` keeps the exact single-error shape.
 */
export interface ConfigErrorPos {
  line: number;
  col: number;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly field: string;
  /** The problem without the `file:line:col: field: ` prefix. */
  readonly what: string;
  /** Every problem found, this one first (length >= 1). */
  errors: ConfigError[];

  constructor(file: string, line: number, col: number, field: string, what: string) {
    super(`${file}:${line}:${col}: ${field}: ${what}`);
    this.file = file;
    this.line = line;
    this.col = col;
    this.field = field;
    this.what = what;
    this.errors = [this];
  }

  /** The first error of `list`, carrying the whole list in `errors`. */
  static of(list: ConfigError[]): ConfigError {
    if (list.length === 0) throw new RangeError("ConfigError.of: empty list");
    const first = list[0]!;
    first.errors = list.slice();
    return first;
  }
}
