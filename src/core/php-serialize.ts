/**
 * A reader for PHP's serialize() format, for display only: it builds plain
 * data and never instantiates or executes anything. Objects become
 * `{ "__class": "Name", ...properties }`; private and protected property
 * names lose PHP's NUL-delimited class markers.
 *
 * Lengths in `s:` are byte counts, so parsing works on a Buffer.
 */

/** Thrown when the input is not PHP serialized data. */
export class PhpParseError extends Error {}

type PhpValue = null | boolean | number | string | PhpValue[] | { [key: string]: PhpValue };

const MAX_DEPTH = 256;

class Reader {
  pos = 0;
  readonly refs: PhpValue[] = [];
  constructor(readonly buf: Buffer) {}

  fail(what: string): never {
    throw new PhpParseError(`${what} at byte ${this.pos}`);
  }

  expect(char: string): void {
    if (this.buf[this.pos] !== char.charCodeAt(0)) this.fail(`expected '${char}'`);
    this.pos++;
  }

  /** Reads up to (not including) `stop`, then skips it. */
  until(stop: string): string {
    const end = this.buf.indexOf(stop, this.pos, 'latin1');
    if (end < 0) this.fail(`missing '${stop}'`);
    const text = this.buf.toString('latin1', this.pos, end);
    this.pos = end + 1;
    return text;
  }

  int(stop: string): number {
    const text = this.until(stop);
    if (!/^[+-]?\d+$/.test(text)) this.fail(`bad integer '${text}'`);
    return Number(text);
  }

  quoted(length: number): string {
    this.expect('"');
    if (this.pos + length > this.buf.length) this.fail('string runs past the end');
    const text = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    this.expect('"');
    return text;
  }
}

function cleanPropertyName(name: string): string {
  // "\0Class\0prop" (private) and "\0*\0prop" (protected) -> "prop"
  return name.startsWith('\0') ? name.slice(name.indexOf('\0', 1) + 1) : name;
}

function readEntries(r: Reader, count: number, depth: number, isObject: boolean): PhpValue {
  r.expect('{');
  const keys: Array<string | number> = [];
  const values: PhpValue[] = [];
  for (let i = 0; i < count; i++) {
    const key = readValue(r, depth + 1, false);
    if (typeof key !== 'string' && typeof key !== 'number') r.fail('array key must be int or string');
    keys.push(isObject && typeof key === 'string' ? cleanPropertyName(key) : key);
    values.push(readValue(r, depth + 1, true));
  }
  r.expect('}');
  const isList = !isObject && keys.every((k, i) => k === i);
  if (isList) return values;
  const out: { [key: string]: PhpValue } = {};
  keys.forEach((k, i) => (out[String(k)] = values[i]!));
  return out;
}

function readValue(r: Reader, depth: number, track: boolean): PhpValue {
  if (depth > MAX_DEPTH) r.fail('nesting too deep');
  const type = String.fromCharCode(r.buf[r.pos] ?? 0);
  r.pos++;
  // PHP numbers values in the order they start (a container before its items).
  const slot = track && type !== 'r' && type !== 'R' ? r.refs.push(null) - 1 : -1;
  let value: PhpValue;
  switch (type) {
    case 'N':
      r.expect(';');
      value = null;
      break;
    case 'b': {
      r.expect(':');
      const bit = r.until(';');
      if (bit !== '0' && bit !== '1') r.fail('bad boolean');
      value = bit === '1';
      break;
    }
    case 'i':
      r.expect(':');
      value = r.int(';');
      break;
    case 'd': {
      r.expect(':');
      const text = r.until(';');
      value = text === 'INF' ? Infinity : text === '-INF' ? -Infinity : Number(text);
      if (Number.isNaN(value) && text !== 'NAN') r.fail(`bad float '${text}'`);
      break;
    }
    case 's': {
      r.expect(':');
      value = r.quoted(r.int(':'));
      r.expect(';');
      break;
    }
    case 'a': {
      r.expect(':');
      value = readEntries(r, r.int(':'), depth, false);
      break;
    }
    case 'O': {
      r.expect(':');
      const className = r.quoted(r.int(':'));
      r.expect(':');
      const props = readEntries(r, r.int(':'), depth, true) as { [key: string]: PhpValue };
      value = { __class: className, ...props };
      break;
    }
    case 'C': {
      // Custom-serialized object: the payload is opaque to anyone but the class.
      r.expect(':');
      const className = r.quoted(r.int(':'));
      r.expect(':');
      const length = r.int(':');
      r.expect('{');
      const payload = r.buf.toString('utf8', r.pos, r.pos + length);
      r.pos += length;
      r.expect('}');
      value = { __class: className, __serialized: payload };
      break;
    }
    case 'E': {
      r.expect(':');
      value = { __enum: r.quoted(r.int(':')) };
      r.expect(';');
      break;
    }
    case 'r':
    case 'R': {
      r.expect(':');
      const index = r.int(';');
      // References point at earlier values (1-based); shown as a copy.
      value = r.refs[index - 1] ?? null;
      return value;
    }
    default:
      r.fail(`unknown type '${type}'`);
  }
  if (slot >= 0) r.refs[slot] = value;
  return value;
}

/** Parses PHP serialized data into plain data. Throws PhpParseError. */
export function phpUnserialize(input: Buffer | string): PhpValue {
  const r = new Reader(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
  r.refs.push(null); // slot 1 is the top-level value itself
  const value = readValue(r, 0, false);
  r.refs[0] = value;
  if (r.pos !== r.buf.length) r.fail('trailing data');
  return value;
}
