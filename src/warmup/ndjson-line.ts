/**
 * A fast reader for one warmup NDJSON line:
 *
 *   {"key": "item:1", "value": <any JSON>, "ttl": 3600, "tags": ["a", "b"]}
 *
 * members in any order, `ttl` and `tags` optional, other members ignored,
 * the last of a repeated member winning (as JSON.parse). The line is
 * checked as strict JSON (RFC 8259: strings, escapes, numbers, literals,
 * nesting) while it is read, but the value is kept as its JSON text, so it
 * is never built as objects and serialised again: the warmup of a million
 * lines spends its time writing, not in JSON.parse, JSON.stringify and the
 * garbage collector. Anything else — a malformed line, a key that is not a
 * non-empty string, a ttl that is not a positive whole number, nesting
 * deeper than 256 — returns null, and the caller reads the line with
 * JSON.parse to report the precise problem.
 */

/** What a line holds. */
export interface LineEntry {
  key: string;
  /** The value's JSON text, exactly as in the line. */
  valueText: string;
  ttl?: number;
  tags?: string[];
}

const MAX_DEPTH = 256;
/** The members a line's reader keeps; others are checked and skipped. */
const MEMBERS = ['key', 'value', 'ttl', 'tags'] as const;
type Member = (typeof MEMBERS)[number] | '';
/** Character codes. */
const enum C {
  Tab = 9, Cr = 13, Space = 32, Quote = 34, Plus = 43, Comma = 44, Minus = 45, Dot = 46, Slash = 47,
  Zero = 48, Nine = 57, Colon = 58, BigE = 69, Open = 91, Backslash = 92, Close = 93,
  SmallB = 98, SmallE = 101, SmallF = 102, SmallN = 110, SmallR = 114, SmallT = 116, SmallU = 117, Brace = 123, EndBrace = 125,
}
/** The characters a backslash may escape besides `u`. */
const ESCAPES = new Set<number>([C.Quote, C.Backslash, C.Slash, C.SmallB, C.SmallF, C.SmallN, C.SmallR, C.SmallT]);

/** Thrown inside the reader; never escapes it. */
class Malformed extends Error {}
const FAIL = new Malformed();

class Reader {
  i = 0;
  s = '';

  /** Starts on a new line (one reader serves every line: no allocation per line). */
  reset(s: string, start: number): this {
    this.s = s;
    this.i = start;
    return this;
  }

  ws(): void {
    const s = this.s;
    let c = s.charCodeAt(this.i);
    // Not \n: a line ends there, so nothing is ever read past its line.
    while (c === C.Space || c === C.Tab || c === C.Cr) c = s.charCodeAt(++this.i);
  }

  expect(code: number): void {
    this.ws();
    if (this.s.charCodeAt(this.i) !== code) throw FAIL;
    this.i++;
  }

  /** A string, checked and skipped; returns whether it had escapes. */
  skipString(): boolean {
    const s = this.s;
    let i = this.i;
    if (s.charCodeAt(i) !== C.Quote) throw FAIL;
    let escaped = false;
    for (;;) {
      const c = s.charCodeAt(++i);
      if (c === C.Quote) break;
      if (c < 0x20 || Number.isNaN(c)) throw FAIL;
      if (c === C.Backslash) {
        escaped = true;
        const e = s.charCodeAt(++i);
        if (e === C.SmallU) {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 1, i + 5))) throw FAIL;
          i += 4;
        } else if (!ESCAPES.has(e)) {
          throw FAIL;
        }
      }
    }
    this.i = i + 1;
    return escaped;
  }

  /** A string; returns its text (decoded only when it has escapes). */
  string(): string {
    const start = this.i;
    const escaped = this.skipString();
    const text = this.s.slice(start + 1, this.i - 1);
    return escaped ? (JSON.parse(`"${text}"`) as string) : text;
  }

  /**
   * A member's name, one of those a line may hold or '' for any other: read
   * in place (no string made per member); one with escapes is decoded, as
   * JSON.parse would (`"k\u0065y"` is `key`).
   */
  name(): Member {
    const start = this.i;
    if (this.skipString()) {
      const decoded = JSON.parse(this.s.slice(start, this.i)) as string;
      return (MEMBERS as readonly string[]).includes(decoded) ? (decoded as Member) : '';
    }
    const s = this.s;
    const length = this.i - start - 2;
    for (const member of MEMBERS) if (member.length === length && s.startsWith(member, start + 1)) return member;
    return '';
  }

  number(): void {
    const s = this.s;
    let i = this.i;
    let c = s.charCodeAt(i);
    if (c === C.Minus) c = s.charCodeAt(++i);
    if (c === C.Zero) c = s.charCodeAt(++i);
    else if (c > C.Zero && c <= C.Nine) do c = s.charCodeAt(++i); while (c >= C.Zero && c <= C.Nine);
    else throw FAIL;
    if (c === C.Dot) {
      c = s.charCodeAt(++i);
      if (!(c >= C.Zero && c <= C.Nine)) throw FAIL;
      do c = s.charCodeAt(++i); while (c >= C.Zero && c <= C.Nine);
    }
    if (c === C.SmallE || c === C.BigE) {
      c = s.charCodeAt(++i);
      if (c === C.Plus || c === C.Minus) c = s.charCodeAt(++i);
      if (!(c >= C.Zero && c <= C.Nine)) throw FAIL;
      do c = s.charCodeAt(++i); while (c >= C.Zero && c <= C.Nine);
    }
    this.i = i;
  }

  literal(word: string): void {
    if (!this.s.startsWith(word, this.i)) throw FAIL;
    this.i += word.length;
  }

  /** Any JSON value, checked and skipped. */
  value(depth: number): void {
    this.ws();
    const c = this.s.charCodeAt(this.i);
    if (c === C.Quote) this.skipString();
    else if (c === C.Brace) this.container(depth, C.EndBrace, true);
    else if (c === C.Open) this.container(depth, C.Close, false);
    else if (c === C.SmallT) this.literal('true');
    else if (c === C.SmallF) this.literal('false');
    else if (c === C.SmallN) this.literal('null');
    else this.number();
  }

  container(depth: number, end: number, members: boolean): void {
    if (depth >= MAX_DEPTH) throw FAIL;
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === end) return void this.i++;
    for (;;) {
      if (members) {
        this.ws();
        this.skipString();
        this.expect(C.Colon);
      }
      this.value(depth + 1);
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === end) return;
      if (c !== C.Comma) throw FAIL;
    }
  }
}

const reader = new Reader();

/**
 * Reads the line `text[start, end)` (a chunk of many lines need not be
 * split into strings first) in the shape above; null when it is not (the
 * caller then reports why).
 */
export function readLine(text: string, start = 0, end = text.length): LineEntry | null {
  const r = reader.reset(text, start);
  const entry: { key?: string; valueText?: string; ttl?: number; tags?: string[] } = { key: undefined, valueText: undefined, ttl: undefined, tags: undefined };
  try {
    r.expect(C.Brace);
    r.ws();
    if (text.charCodeAt(r.i) === C.EndBrace) return null;
    for (;;) {
      r.ws();
      const name = r.name();
      r.expect(C.Colon);
      r.ws();
      const at = r.i;
      if (name === 'key') {
        // Not a string: refused below.
        entry.key = text.charCodeAt(at) === C.Quote ? r.string() : (r.value(1), undefined);
      } else {
        r.value(1);
        if (name === 'value') entry.valueText = text.slice(at, r.i);
        else if (name === 'ttl') entry.ttl = wholeNumber(text, at, r.i);
        else if (name === 'tags') entry.tags = JSON.parse(text.slice(at, r.i)) as string[];
      }
      r.ws();
      const c = text.charCodeAt(r.i++);
      if (c === C.EndBrace) break;
      if (c !== C.Comma) return null;
    }
    r.ws();
    if (r.i !== end) return null;
  } catch (error) {
    if (error === FAIL) return null;
    throw error;
  }
  const { key, valueText, ttl, tags } = entry;
  if (typeof key !== 'string' || key === '' || valueText === undefined) return null;
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0)) return null;
  if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === 'string'))) return null;
  return entry as LineEntry;
}

/** The number `text[start, end)` (already checked as JSON): plain digits counted in place, anything else by Number(). */
function wholeNumber(text: string, start: number, end: number): number {
  if (end - start > 15) return Number(text.slice(start, end));
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < C.Zero || c > C.Nine) return Number(text.slice(start, end));
    n = n * 10 + c - C.Zero;
  }
  return n;
}
