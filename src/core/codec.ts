/**
 * Glueful's value format (glueful/framework SecureSerializer), both ways:
 * - `json:` + JSON for scalars, arrays and plain objects (what we write);
 * - `php:` + PHP serialize() output (decoded for display, never executed);
 * - bare integers, as INCR leaves them;
 * - anything else: JSON if it parses, else PHP serialized data, else raw.
 */
import { PhpParseError, phpUnserialize } from './php-serialize.js';

/** Glueful's PHP app refuses to read encoded values larger than this. */
export const GLUEFUL_MAX_VALUE_BYTES = 1024 * 1024;

/** How a stored value was written. */
export type ValueFormat = 'json' | 'php' | 'integer' | 'raw';

/** A stored value made readable. */
export interface Decoded {
  format: ValueFormat;
  value: unknown;
}

const INTEGER = /^-?\d+$/;

/** Encodes a value the way Glueful's PHP app does for JSON-able data. */
export function encodeValue(value: unknown): Buffer {
  if (value === undefined) throw new TypeError('cannot store undefined');
  return Buffer.from('json:' + JSON.stringify(value), 'utf8');
}

/** Encodes a counter value the way INCR stores it: a bare integer. */
export function encodeCounter(n: number): Buffer {
  return Buffer.from(String(Math.trunc(n)), 'utf8');
}

function tryJson(text: string): Decoded | null {
  try {
    return { format: 'json', value: JSON.parse(text) };
  } catch {
    return null;
  }
}

function tryPhp(bytes: Buffer): Decoded | null {
  try {
    return { format: 'php', value: phpUnserialize(bytes) };
  } catch (error) {
    if (error instanceof PhpParseError) return null;
    throw error;
  }
}

/** Decodes stored bytes; never throws: undecodable data comes back as a raw string. */
export function decodeValue(bytes: Buffer): Decoded {
  const text = bytes.toString('utf8');
  if (text.startsWith('json:')) return tryJson(text.slice(5)) ?? { format: 'raw', value: text };
  if (text.startsWith('php:')) return tryPhp(bytes.subarray(4)) ?? { format: 'raw', value: text };
  if (INTEGER.test(text)) {
    // Past 2^53 a JS number would round: keep the digits as text.
    const n = Number(text);
    return { format: 'integer', value: Number.isSafeInteger(n) ? n : text };
  }
  return tryJson(text) ?? tryPhp(bytes) ?? { format: 'raw', value: text };
}

/** Reads a stored counter: bare integers and `json:` integers both count. */
export function decodeCounter(bytes: Buffer | null): number | null {
  if (bytes === null) return 0;
  const { value } = decodeValue(bytes);
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}
