/**
 * igbinary (php-igbinary 3.x) read for display: what php-memcached (item
 * type 5) and phpredis (serializer igbinary) store when PHP is told to use
 * it. Objects become `{__class, ...properties}`; nothing is instantiated.
 *
 * Format (igbinary.c): a 4-byte big-endian header, version 1 or 2, then one
 * value. A value starts with a type byte:
 *   00 null · 04/05 false/true · 06/07 long 8-bit +/- · 08/09 16-bit ·
 *   0a/0b 32-bit · 20/21 64-bit (magnitude, big-endian) · 0c double (64-bit
 *   IEEE, big-endian) · 0d '' · 11/12/13 string with an 8/16/32-bit length
 *   (each such string is numbered, in order, for later reuse) · 0e/0f/10
 *   string by number · 14/15/16 array of an 8/16/32-bit count of key/value
 *   pairs (keys: longs or strings; a 00 key is an empty slot) · 17/18/19
 *   object: class name as a string, then its properties as an array ·
 *   1a/1b/1c object whose class name is a numbered string · 1d/1e/1f object
 *   with its own serialized form (Serializable) · 25 a PHP reference to the
 *   value that follows · 01/02/03 a reference back to an earlier array,
 *   object or reference by number · 22/23/24 the same for an object.
 * Arrays, objects and references are numbered as they start, in order.
 *
 * Every length is checked against the bytes left, and nesting is bounded:
 * truncated or lying input is an IgbinaryError, never a hang or a huge
 * allocation.
 */

/** Bytes that are not igbinary, or not whole. */
export class IgbinaryError extends Error {}

/** A decoded PHP value (objects as {__class, ...properties}). */
export type IgbinaryValue = null | boolean | number | string | IgbinaryValue[] | { [key: string]: IgbinaryValue };

const MAX_DEPTH = 128;

class Reader {
  pos = 4;
  readonly strings: string[] = [];
  readonly refs: IgbinaryValue[] = [];

  constructor(readonly buf: Buffer) {}

  need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) throw new IgbinaryError(`truncated igbinary data at byte ${this.pos}`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  uint(bytes: 1 | 2 | 4 | 8): number {
    this.need(bytes);
    const at = this.pos;
    this.pos += bytes;
    if (bytes === 1) return this.buf[at]!;
    if (bytes === 2) return this.buf.readUInt16BE(at);
    if (bytes === 4) return this.buf.readUInt32BE(at);
    return Number(this.buf.readBigUInt64BE(at)); // past 2^53 a JS number rounds, as for every 64-bit PHP int
  }
  text(length: number): string {
    this.need(length);
    const value = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return value;
  }
}

const WIDTH: Record<number, 1 | 2 | 4 | 8> = {
  0x06: 1, 0x07: 1, 0x08: 2, 0x09: 2, 0x0a: 4, 0x0b: 4, 0x20: 8, 0x21: 8,
  0x0e: 1, 0x0f: 2, 0x10: 4, 0x11: 1, 0x12: 2, 0x13: 4, 0x14: 1, 0x15: 2, 0x16: 4,
  0x17: 1, 0x18: 2, 0x19: 4, 0x1a: 1, 0x1b: 2, 0x1c: 4, 0x1d: 1, 0x1e: 2, 0x1f: 4,
  0x01: 1, 0x02: 2, 0x03: 4, 0x22: 1, 0x23: 2, 0x24: 4,
};

function readLong(r: Reader, type: number): number {
  const magnitude = r.uint(WIDTH[type]!);
  return type % 2 === 1 ? -magnitude : magnitude; // the odd types (07, 09, 0b, 21) are negative
}

/** A new string (its number is its order of appearance) or a numbered one. */
function readString(r: Reader, type: number): string {
  if (type === 0x0d) return '';
  const n = r.uint(WIDTH[type]!);
  if (type <= 0x10) {
    const known = r.strings[n];
    if (known === undefined) throw new IgbinaryError(`igbinary string #${n} was never defined`);
    return known;
  }
  const value = r.text(n);
  r.strings.push(value);
  return value;
}

function readKey(r: Reader): string | null {
  const type = r.u8();
  if (type === 0x00) return null;
  if ((type >= 0x06 && type <= 0x0b) || type === 0x20 || type === 0x21) return String(readLong(r, type));
  if (type === 0x0d || (type >= 0x0e && type <= 0x13)) return readString(r, type);
  throw new IgbinaryError(`igbinary: a key of type 0x${type.toString(16)} at byte ${r.pos - 1}`);
}

/** Array entries into `target` (a list while its keys are 0, 1, 2...). */
function readEntries(r: Reader, count: number, depth: number): IgbinaryValue {
  r.need(count); // every pair takes at least one byte: a lying count fails here
  const entries: Array<[string, IgbinaryValue]> = [];
  for (let i = 0; i < count; i++) {
    const key = readKey(r);
    if (key !== null) entries.push([key, readValue(r, depth + 1)]);
  }
  const isList = entries.every(([key], index) => key === String(index));
  return isList ? entries.map(([, v]) => v) : Object.fromEntries(entries);
}

function readValue(r: Reader, depth: number): IgbinaryValue {
  if (depth > MAX_DEPTH) throw new IgbinaryError('igbinary data nested too deep');
  const type = r.u8();
  switch (type) {
    case 0x00:
      return null;
    case 0x04:
    case 0x05:
      return type === 0x05;
    case 0x0c: {
      r.need(8);
      const value = r.buf.readDoubleBE(r.pos);
      r.pos += 8;
      return value;
    }
    case 0x25: {
      // A PHP reference: numbered before what it holds, which may be an array that numbers itself too.
      const slot = r.refs.push(null) - 1;
      const value = readValue(r, depth + 1);
      r.refs[slot] = value;
      return value;
    }
    default:
  }
  if ((type >= 0x06 && type <= 0x0b) || type === 0x20 || type === 0x21) return readLong(r, type);
  if (type === 0x0d || (type >= 0x0e && type <= 0x13)) return readString(r, type);
  if (type >= 0x14 && type <= 0x16) {
    const slot = r.refs.push(null) - 1;
    const value = readEntries(r, r.uint(WIDTH[type]!), depth);
    r.refs[slot] = value;
    return value;
  }
  if (type >= 0x17 && type <= 0x1c) return readObject(r, type, depth);
  if ((type >= 0x01 && type <= 0x03) || (type >= 0x22 && type <= 0x24)) {
    const n = r.uint(WIDTH[type]!);
    if (n >= r.refs.length) throw new IgbinaryError(`igbinary reference #${n} to nothing`);
    return r.refs[n]!;
  }
  throw new IgbinaryError(`igbinary: unknown type 0x${type.toString(16)} at byte ${r.pos - 1}`);
}

function readObject(r: Reader, type: number, depth: number): IgbinaryValue {
  const className = readString(r, type <= 0x19 ? type - 0x17 + 0x11 : type - 0x1a + 0x0e);
  const slot = r.refs.push(null) - 1;
  const inner = r.u8();
  let value: { [key: string]: IgbinaryValue };
  if (inner >= 0x14 && inner <= 0x16) {
    const props = readEntries(r, r.uint(WIDTH[inner]!), depth) as IgbinaryValue[] | { [key: string]: IgbinaryValue };
    value = { __class: className, ...(Array.isArray(props) ? Object.fromEntries(props.map((v, i) => [String(i), v])) : props) };
  } else if (inner >= 0x1d && inner <= 0x1f) {
    value = { __class: className, __serialized: r.text(r.uint(WIDTH[inner]!)) };
  } else {
    throw new IgbinaryError(`igbinary: object ${className} without properties (type 0x${inner.toString(16)})`);
  }
  r.refs[slot] = value;
  return value;
}

/** Decodes igbinary bytes (header included). Throws IgbinaryError. */
export function igbinaryDecode(bytes: Buffer): IgbinaryValue {
  if (bytes.length < 5 || bytes.readUInt32BE(0) < 1 || bytes.readUInt32BE(0) > 2) {
    throw new IgbinaryError('not igbinary data (no 00 00 00 01/02 header)');
  }
  const r = new Reader(bytes);
  const value = readValue(r, 0);
  if (r.pos !== bytes.length) throw new IgbinaryError(`igbinary: ${bytes.length - r.pos} bytes after the value`);
  return value;
}
