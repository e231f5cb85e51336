/**
 * Values as phpredis 5.3 stores them when a PHP app sets its serializer and
 * compression (`Redis::OPT_SERIALIZER`, `Redis::OPT_COMPRESSION`; the
 * seed's `options.serializer` / `options.compression`), both ways.
 *
 * Format (phpredis library.c, redis_pack / redis_unpack): the PHP value is
 * serialized (php: serialize(); json: json_encode(); igbinary:
 * igbinary_serialize(); none: strings as they are), then compressed:
 * - lzf: the bare lzf_compress() output;
 * - lz4: a CRC-8 (polynomial 0x31, initial 0xFF) of the next four bytes,
 *   the original length as a little-endian 32-bit integer, then an LZ4 block;
 * - zstd: one zstd frame recording its content size.
 * Reading undoes both; like phpredis, data that does not decompress is
 * taken as it is, and data that does not unserialize is a plain string.
 * Glueful hands phpredis its `json:` strings, so the PHP value is usually a
 * string holding Glueful's format; other PHP code may store any value.
 */
import { igbinaryDecode, IgbinaryError, type IgbinaryValue } from './igbinary.js';
import { lz4BlockDecompress, lz4BlockStore, Lz4Error } from './lz4-block.js';
import { lzfCompress, lzfDecompress, LzfError } from './lzf.js';
import { zstdDecompress, zstdStore, ZstdError } from './zstd.js';
import { PhpParseError, phpUnserialize } from '../php-serialize.js';

export const PHPREDIS_SERIALIZERS = ['none', 'php', 'json', 'igbinary'] as const;
export const PHPREDIS_COMPRESSIONS = ['none', 'lzf', 'lz4', 'zstd'] as const;

/** How the PHP side's phpredis is configured. */
export interface PhpRedisOptions {
  serializer: (typeof PHPREDIS_SERIALIZERS)[number];
  compression: (typeof PHPREDIS_COMPRESSIONS)[number];
}

/** A value read back: a PHP string (usually Glueful's format) or another PHP value. */
export type Unpacked = { string: Buffer; compressed: boolean; serialized: boolean } | { value: unknown; compressed: boolean };

/** CRC-8 as phpredis checks its LZ4 header. */
export function crc8(bytes: Buffer): number {
  let crc = 0xff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** Undoes the compression; null when the data is not compressed that way (phpredis then keeps it). */
async function uncompress(bytes: Buffer, compression: PhpRedisOptions['compression'], limit: number): Promise<Buffer | null> {
  try {
    if (compression === 'lzf') return bytes.length ? lzfDecompress(bytes, limit) : null;
    if (compression === 'zstd') return await zstdDecompress(bytes, limit);
    if (compression === 'lz4') {
      if (bytes.length < 5 || crc8(bytes.subarray(1, 5)) !== bytes[0]) return null;
      const length = bytes.readInt32LE(1);
      if (length < 0 || length > limit) return null;
      return lz4BlockDecompress(bytes.subarray(5), length);
    }
  } catch (error) {
    if (error instanceof LzfError || error instanceof ZstdError || error instanceof Lz4Error) return null;
    throw error;
  }
  return null;
}

function unserialize(bytes: Buffer, serializer: PhpRedisOptions['serializer']): { value: unknown } | null {
  try {
    if (serializer === 'php') return { value: phpUnserialize(bytes) };
    if (serializer === 'json') return { value: JSON.parse(bytes.toString('utf8')) as unknown };
    if (serializer === 'igbinary') return { value: igbinaryDecode(bytes) as IgbinaryValue };
  } catch (error) {
    if (error instanceof PhpParseError || error instanceof SyntaxError || error instanceof IgbinaryError) return null;
    throw error;
  }
  return null;
}

/** Reads stored bytes back into the PHP value phpredis would return (at most `limit` bytes decompressed). */
export async function phpredisUnpack(stored: Buffer, options: PhpRedisOptions, limit: number): Promise<Unpacked> {
  const inflated = options.compression === 'none' ? null : await uncompress(stored, options.compression, limit);
  const bytes = inflated ?? stored;
  const compressed = inflated !== null;
  const parsed = options.serializer === 'none' ? null : unserialize(bytes, options.serializer);
  if (parsed === null || typeof parsed.value === 'string') {
    return { string: parsed === null ? bytes : Buffer.from(parsed.value as string, 'utf8'), compressed, serialized: parsed !== null };
  }
  return { value: parsed.value, compressed };
}

/** PHP's json_encode() of a string with default flags: `/` and non-ASCII escaped. */
function phpJsonString(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === '\\' || char === '/') out += `\\${char}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (char === '\b') out += '\\b';
    else if (char === '\f') out += '\\f';
    else if (code < 0x20 || code > 0x7e) {
      for (const unit of code > 0xffff ? [0xd800 + ((code - 0x10000) >> 10), 0xdc00 + ((code - 0x10000) & 0x3ff)] : [code]) {
        out += `\\u${unit.toString(16).padStart(4, '0')}`;
      }
    } else out += char;
  }
  return `${out}"`;
}

/** igbinary_serialize() of a string. */
function igbinaryString(bytes: Buffer): Buffer {
  const header = Buffer.from([0, 0, 0, 2]);
  if (bytes.length === 0) return Buffer.concat([header, Buffer.from([0x0d])]);
  const width = bytes.length < 0x100 ? 1 : bytes.length < 0x10000 ? 2 : 4;
  const head = Buffer.alloc(1 + width);
  head[0] = width === 1 ? 0x11 : width === 2 ? 0x12 : 0x13;
  head.writeUIntBE(bytes.length, 1, width);
  return Buffer.concat([header, head, bytes]);
}

/** Stores a PHP string (Glueful's encoded value) as phpredis would, so the PHP app reads it back. */
export function phpredisPack(bytes: Buffer, options: PhpRedisOptions): Buffer {
  let serialized = bytes;
  if (options.serializer === 'php') serialized = Buffer.concat([Buffer.from(`s:${bytes.length}:"`), bytes, Buffer.from('";')]);
  else if (options.serializer === 'json') serialized = Buffer.from(phpJsonString(bytes.toString('utf8')), 'utf8');
  else if (options.serializer === 'igbinary') serialized = igbinaryString(bytes);
  if (options.compression === 'lzf') return serialized.length ? lzfCompress(serialized) : serialized;
  if (options.compression === 'zstd') return zstdStore(serialized);
  if (options.compression === 'lz4') {
    if (serialized.length === 0) return serialized; // phpredis does not compress empty data
    // One buffer: CRC-8 of the length, the length, then the block (no intermediate copies per value).
    const out = lz4BlockStore(serialized, 5);
    out.writeInt32LE(serialized.length, 1);
    out[0] = crc8(out.subarray(1, 5));
    return out;
  }
  return serialized;
}
