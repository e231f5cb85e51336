/**
 * Glueful's value format (glueful/framework SecureSerializer), both ways,
 * under the layer a PHP client may add around it (php-memcached's item
 * flags and compression, see codecs/php-memcached.ts):
 * - `json:` + JSON for scalars, arrays and plain objects (what we write);
 * - `php:` + PHP serialize() output (decoded for display, never executed);
 * - bare integers, as INCR leaves them;
 * - anything else: JSON if it parses, else PHP serialized data, else raw.
 */
import { igbinaryDecode, IgbinaryError } from './codecs/igbinary.js';
import { msgpackDecode, MsgpackError } from './codecs/msgpack.js';
import { phpredisPack, phpredisUnpack, type PhpRedisOptions } from './codecs/phpredis.js';
import { decodeMemcachedItem, ItemDecodeError } from './codecs/php-memcached.js';
import { PhpParseError, phpUnserialize } from './php-serialize.js';

/** Glueful's PHP app refuses to read encoded values larger than this. */
export const GLUEFUL_MAX_VALUE_BYTES = 1024 * 1024;

/** How a stored value was written. */
export type ValueFormat = 'json' | 'php' | 'igbinary' | 'msgpack' | 'integer' | 'double' | 'bool' | 'raw';

/** A stored value made readable. */
export interface Decoded {
  format: ValueFormat;
  value: unknown;
  /** The PHP client's serializer, when one made the bytes (`php`, `igbinary`, `json`, `msgpack`). */
  serializer?: string | null;
  /** The compression the bytes were stored under (`fastlz`, `zlib`), or null. */
  compression?: string | null;
  /** The item's client flags (memcached). */
  flags?: number;
  /** Why the value is shown raw, when it could not be decoded. */
  problem?: string;
}

/** A value as a store holds it: its bytes, and the item flags where the store keeps them. */
export interface StoredValue {
  bytes: Buffer;
  flags?: number;
}

const INTEGER = /^-?\d+$/;

/** Encodes a value the way Glueful's PHP app does for JSON-able data. */
export function encodeValue(value: unknown): Buffer {
  return Buffer.from(encodeValueText(value), 'utf8');
}

/**
 * A value that is already JSON text, checked (the warmup's NDJSON reader
 * keeps each value's text instead of parsing and re-serialising it):
 * stored as `json:` + the text, and read back like any JSON value.
 */
export class JsonText {
  constructor(readonly text: string) {}
  /** As the value it stands for, wherever it is serialised again. */
  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/** encodeValue() as text: the bulk path writes it straight into its requests. */
export function encodeValueText(value: unknown): string {
  if (value instanceof JsonText) return 'json:' + value.text;
  if (value === undefined) throw new TypeError('cannot store undefined');
  return 'json:' + JSON.stringify(value);
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

/** A binary serializer's value, or the bytes raw with the decoder's reason. */
function binaryFormat(format: 'msgpack' | 'igbinary', bytes: Buffer, decode: (b: Buffer) => unknown, Refusal: new (...args: never[]) => Error): Decoded {
  try {
    return { format, value: decode(bytes), serializer: format };
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    return { format: 'raw', value: bytes.toString('latin1'), serializer: format, problem: error.message };
  }
}

/**
 * Decodes a stored value, its client flags first (php-memcached's type and
 * compression), then Glueful's format. Never throws: what cannot be decoded
 * comes back raw, with the reason in `problem`. At most `limit` bytes are
 * decompressed.
 */
export function decodeStored(stored: StoredValue, limit = GLUEFUL_MAX_VALUE_BYTES): Decoded {
  if (stored.flags === undefined) return decodeValue(stored.bytes);
  const flags = stored.flags;
  if (flags === 0) return { ...decodeValue(stored.bytes), flags, compression: null, serializer: null };
  let payload;
  try {
    payload = decodeMemcachedItem(stored.bytes, flags, limit);
  } catch (error) {
    if (!(error instanceof ItemDecodeError)) throw error;
    return { format: 'raw', value: stored.bytes.toString('latin1'), flags, problem: error.message };
  }
  const meta = { flags, compression: payload.compression };
  const text = payload.bytes.toString('utf8');
  switch (payload.type) {
    case 'string':
      return { ...decodeValue(payload.bytes), ...meta, serializer: null };
    case 'long':
      return { format: 'integer', value: Number.isSafeInteger(Number(text)) ? Number(text) : text, ...meta, serializer: null };
    case 'double':
      return { format: 'double', value: Number(text), ...meta, serializer: null };
    case 'bool':
      return { format: 'bool', value: text === '1', ...meta, serializer: null };
    case 'php':
      return { ...(tryPhp(payload.bytes) ?? { format: 'raw', value: text, problem: 'PHP serialized data that does not parse' }), ...meta, serializer: 'php' };
    case 'json':
      return { ...(tryJson(text) ?? { format: 'raw', value: text, problem: 'JSON that does not parse' }), ...meta, serializer: 'json' };
    case 'msgpack':
      return { ...binaryFormat('msgpack', payload.bytes, msgpackDecode, MsgpackError), ...meta };
    case 'igbinary':
      return { ...binaryFormat('igbinary', payload.bytes, igbinaryDecode, IgbinaryError), ...meta };
    default:
      return { format: 'raw', value: text, ...meta, serializer: payload.type, problem: `${payload.type} values are not decoded yet` };
  }
}

/** Reads a stored counter: bare integers and `json:` integers both count. */
export function decodeCounter(bytes: Buffer | null): number | null {
  if (bytes === null) return 0;
  const { value } = decodeValue(bytes);
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}

/**
 * How a PHP client wraps values around Glueful's format in a store (the
 * phpredis serializer and compression): read and written by the store.
 */
export interface ValueLayer {
  decode(stored: Buffer): Promise<Decoded>;
  /** Wraps an encoded value (Glueful's bytes) as the PHP client would store it. */
  encode(bytes: Buffer): Buffer;
}

/** The layer phpredis adds when the app sets a serializer or compression. */
export function phpredisLayer(options: PhpRedisOptions, limit = GLUEFUL_MAX_VALUE_BYTES): ValueLayer {
  return {
    async decode(stored) {
      const unpacked = await phpredisUnpack(stored, options, limit);
      const compression = unpacked.compressed ? options.compression : null;
      if ('string' in unpacked) {
        return { ...decodeValue(unpacked.string), serializer: unpacked.serialized ? options.serializer : null, compression };
      }
      const format: ValueFormat = options.serializer === 'igbinary' ? 'igbinary' : options.serializer === 'php' ? 'php' : 'json';
      return { format, value: unpacked.value, serializer: options.serializer, compression };
    },
    encode: (bytes) => phpredisPack(bytes, options),
  };
}

