/**
 * A small schema kit for the configuration: each shape checks a value,
 * fills its default, and carries the TypeScript type of what it accepts, so
 * one declaration (src/config/schema.ts) is the config's types, defaults and
 * validation. Checking collects every problem instead of stopping at the
 * first: errors (each naming its key, what was expected and what was found)
 * and warnings (an unknown key, with the nearest valid one).
 *
 * Values from the environment arrive as strings: numbers and booleans accept
 * their text forms (`"6380"`, `"true"`, `"off"`). `null` is a setting left
 * unset, as PHP configs write it (`'password' => env('REDIS_PASSWORD_1', null)`).
 */

/** What a check found. */
export interface Issues {
  errors: string[];
  /** Settings ignored because nothing knows them (misspelt?): `--strict-config` makes them errors. */
  warnings: string[];
  /** Settings accepted that do not apply to this tool, each with the reason. */
  notices: string[];
}

/** A shape of value: its check, its documentation, its types (phantom). */
export interface Shape<Out, In = Out> {
  readonly doc?: string;
  /** Returns the checked value (default filled), or undefined when absent or invalid (then an error is recorded). */
  check(value: unknown, path: string, issues: Issues): Out | undefined;
  /** What it expects, for messages: "an integer from 1 to 65535". */
  readonly expected: string;
  readonly __in?: In;
}

/** The type a shape produces after checking. */
export type Output<S> = S extends Shape<infer O, unknown> ? O : never;
/** The type a config file may write for a shape. */
export type Input<S> = S extends Shape<unknown, infer I> ? I : never;

interface Options<T> {
  doc?: string;
  default?: T;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'an object';
  return String(value);
}

function fail(issues: Issues, path: string, expected: string, value: unknown): undefined {
  issues.errors.push(`${path || '(top level)'}: expected ${expected}, got ${show(value)}`);
  return undefined;
}

function scalar<T>(expected: string, parse: (value: unknown) => T | undefined, options: Options<T> = {}): Shape<T> {
  return {
    doc: options.doc,
    expected,
    check(value, path, issues) {
      if (value === undefined || value === null) return options.default;
      const parsed = parse(value);
      return parsed === undefined ? fail(issues, path, expected, value) : parsed;
    },
  };
}

const numeric = (value: unknown): unknown => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value);

/** An integer in [min, max]. */
export function int(min: number, max: number, options?: Options<number>): Shape<number> {
  return scalar(`an integer from ${min} to ${max}`, (v) => {
    const n = numeric(v);
    return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : undefined;
  }, options);
}

/** A finite number in [min, max]. */
export function num(min: number, max: number, options?: Options<number>): Shape<number> {
  return scalar(`a number from ${min} to ${max}`, (v) => {
    const n = numeric(v);
    return typeof n === 'number' && Number.isFinite(n) && n >= min && n <= max ? n : undefined;
  }, options);
}

/** A string; `nonEmpty` refuses ''. */
export function str(options: Options<string> & { nonEmpty?: boolean } = {}): Shape<string> {
  return scalar(options.nonEmpty ? 'a non-empty string' : 'a string', (v) => (typeof v === 'string' && (!options.nonEmpty || v !== '') ? v : undefined), options);
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off', '']);

/** A boolean; env-style strings (true/false/1/0/yes/no/on/off) too. */
export function bool(options?: Options<boolean>): Shape<boolean> {
  return scalar('true or false', (v) => {
    if (typeof v === 'boolean') return v;
    if (typeof v !== 'string') return undefined;
    const text = v.trim().toLowerCase();
    return TRUE.has(text) ? true : FALSE.has(text) ? false : undefined;
  }, options);
}

/** One of some strings. */
export function oneOf<const T extends string>(values: readonly T[], options?: Options<T>): Shape<T> {
  return scalar(values.map((v) => JSON.stringify(v)).join(' or '), (v) => (values.includes(v as T) ? (v as T) : undefined), options);
}

/** A list of one shape. */
export function list<S extends Shape<unknown, unknown>>(
  item: S,
  options: { doc?: string; nonEmpty?: boolean; expected?: string } = {},
): Shape<Array<Output<S>>, Array<Input<S>>> {
  return {
    doc: options.doc,
    expected: options.expected ?? (options.nonEmpty ? `a non-empty list of ${item.expected}` : `a list of ${item.expected}`),
    check(value, path, issues) {
      if (value === undefined || value === null) return undefined;
      if (!Array.isArray(value) || (options.nonEmpty && value.length === 0)) return fail(issues, path, this.expected, value);
      const out = value.map((v, i) => item.check(v, `${path}[${i}]`, issues));
      return out.some((v) => v === undefined) ? undefined : (out as Array<Output<S>>);
    },
    item,
  } as Shape<Array<Output<S>>, Array<Input<S>>>;
}

/** Either shape: the first that accepts the value without errors. */
export function either<A extends Shape<unknown, unknown>, B extends Shape<unknown, unknown>>(a: A, b: B): Shape<Output<A> | Output<B>, Input<A> | Input<B>> {
  return {
    expected: `${a.expected} or ${b.expected}`,
    check(value, path, issues) {
      if (value === undefined || value === null) return undefined;
      for (const shape of [a, b]) {
        const trial: Issues = { errors: [], warnings: [], notices: [] };
        const out = shape.check(value, path, trial);
        if (trial.errors.length === 0) {
          issues.warnings.push(...trial.warnings);
          issues.notices.push(...trial.notices);
          return out as Output<A> | Output<B>;
        }
      }
      return fail(issues, path, this.expected, value);
    },
  };
}

/**
 * A setting other configurations have (the seed's, Glueful's) that does not
 * apply to a command-line tool: accepted, with a notice saying why.
 */
export function inapplicable(reason: string): Shape<undefined, unknown> {
  return {
    expected: 'anything',
    check(value, path, issues) {
      if (value !== undefined) issues.notices.push(`${path} does not apply here: ${reason}`);
      return undefined;
    },
  };
}

/** Anything (checked later, by its user: warmup strategies). */
export function any(options: { doc?: string } = {}): Shape<unknown> {
  return { doc: options.doc, expected: 'anything', check: (value) => value };
}

type Fields = Record<string, Shape<unknown, unknown>>;
type ObjectOut<F extends Fields> = { [K in keyof F]: Output<F[K]> };
type ObjectIn<F extends Fields> = { [K in keyof F]?: Input<F[K]> };

/**
 * An object of known keys, each optional. A key it does not know is a
 * warning naming the nearest known one (a misspelt setting must not pass in
 * silence), unless `open`: then unknown keys pass through (store options
 * handed on to a driver).
 */
export function obj<F extends Fields>(fields: F, options: { doc?: string; open?: boolean } = {}): Shape<ObjectOut<F>, ObjectIn<F>> & { fields: F } {
  return {
    fields,
    doc: options.doc,
    expected: 'an object',
    check(value, path, issues) {
      if (value === undefined || value === null) value = {};
      if (typeof value !== 'object' || Array.isArray(value)) return fail(issues, path, 'an object', value);
      const raw = value as Record<string, unknown>;
      const out: Record<string, unknown> = options.open ? { ...raw } : {};
      const at = (key: string) => (path ? `${path}.${key}` : key);
      for (const [key, shape] of Object.entries(fields)) out[key] = shape.check(raw[key], at(key), issues);
      if (!options.open) {
        for (const key of Object.keys(raw)) if (!(key in fields)) issues.warnings.push(unknownKey(at(key), key, Object.keys(fields)));
      }
      return out as ObjectOut<F>;
    },
  };
}

/** An object whose keys are names (stores, categories), each of one shape. */
export function record<S extends Shape<unknown, unknown>>(item: S, options: { doc?: string } = {}): Shape<Record<string, Output<S>>, Record<string, Input<S>>> {
  return {
    doc: options.doc,
    expected: `an object of ${item.expected}`,
    check(value, path, issues) {
      if (value === undefined || value === null) return {};
      if (typeof value !== 'object' || Array.isArray(value)) return fail(issues, path, 'an object', value);
      const out: Record<string, Output<S>> = {};
      for (const [key, v] of Object.entries(value)) out[key] = item.check(v, `${path}.${key}`, issues) as Output<S>;
      return out;
    },
  };
}

/** "unknown key `a.virtual_node` (did you mean `virtual_nodes`?)" */
function unknownKey(path: string, key: string, known: string[]): string {
  const near = known.map((k) => [k, distance(k, key)] as const).sort((a, b) => a[1] - b[1])[0];
  const hint = near && near[1] <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean '${near[0]}'?)` : '';
  return `unknown setting '${path}' is ignored${hint}`;
}

/** Levenshtein distance, for the nearest valid key. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}
