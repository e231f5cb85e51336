/**
 * Items as php-memcached stores them (php-memcached 3.x, which Glueful's
 * Memcached driver uses with its defaults), read back into a value.
 *
 * Format: the item's 32-bit client flags say how its bytes were made.
 * - bits 0-3, the PHP type: 0 string, 1 long (decimal text), 2 double
 *   (text), 3 bool ("1" or ""), 4 PHP serialize(), 5 igbinary, 6 JSON,
 *   7 msgpack;
 * - bit 4 (0x10) compressed, bit 5 (0x20) zlib, bit 6 (0x40) fastlz; a
 *   compressed payload is the original length as a 4-byte little-endian
 *   integer, then the compressed block (zlib's compress(), or FastLZ);
 * - bits 16-31: flags of the application's own (ignored here).
 * Values over 2000 bytes are compressed by default (FastLZ), and stay so
 * only when that saves enough.
 */
/** node:zlib, loaded when an item is really (de)compressed: most commands never need it. */
const zlib = () => process.getBuiltinModule('node:zlib');
import { fastlzDecompress } from './fastlz.js';

export const FLAG_COMPRESSED = 0x10;
export const FLAG_ZLIB = 0x20;
export const FLAG_FASTLZ = 0x40;

/** php-memcached's type numbers (the low four flag bits). */
export const PHP_TYPES = ['string', 'long', 'double', 'bool', 'php', 'igbinary', 'json', 'msgpack'] as const;
export type PhpMemcachedType = (typeof PHP_TYPES)[number];

/** An item that cannot be decoded, and why. */
export class ItemDecodeError extends Error {}

/** An item's bytes after decompression, with what the flags said. */
export interface MemcachedPayload {
  bytes: Buffer;
  type: PhpMemcachedType | `type ${number}`;
  compression: 'fastlz' | 'zlib' | null;
}

/** Decompresses and types an item; at most `limit` bytes come out (a bomb is an error). */
export function decodeMemcachedItem(stored: Buffer, flags: number, limit: number): MemcachedPayload {
  const typeBits = flags & 0x0f;
  const type = PHP_TYPES[typeBits] ?? (`type ${typeBits}` as const);
  if (!(flags & FLAG_COMPRESSED)) return { bytes: stored, type, compression: null };
  const compression = flags & FLAG_ZLIB ? 'zlib' : 'fastlz';
  if (stored.length < 4) throw new ItemDecodeError(`compressed item of ${stored.length} bytes: no length header`);
  const length = stored.readUInt32LE(0);
  if (length > limit) throw new ItemDecodeError(`compressed item claims ${length} bytes, over the ${limit}-byte limit`);
  const block = stored.subarray(4);
  let bytes: Buffer;
  try {
    bytes = compression === 'zlib' ? zlib().inflateSync(block, { maxOutputLength: Math.max(length, 1) }) : fastlzDecompress(block, length);
  } catch (error) {
    throw new ItemDecodeError(`${compression} data does not decompress: ${(error as Error).message}`);
  }
  if (bytes.length !== length) throw new ItemDecodeError(`${compression} data gave ${bytes.length} bytes, the header says ${length}`);
  return { bytes, type, compression };
}

/** php-memcached compresses values longer than this (OPT_COMPRESSION on, its default). */
export const COMPRESSION_THRESHOLD = 2000;
/** ...and keeps them compressed only when that makes them this many times smaller. */
const COMPRESSION_FACTOR = 1.3;

/**
 * A string item as php-memcached with compression on would store it: over
 * the threshold, zlib (compress()) behind the 4-byte length, flags 0x30,
 * when that saves enough; else as it is, flags 0. (zlib rather than its
 * default FastLZ: php-memcached reads either, whatever it is set to write.)
 */
export function encodeMemcachedItem(bytes: Buffer): { bytes: Buffer; flags: number } {
  if (bytes.length <= COMPRESSION_THRESHOLD) return { bytes, flags: 0 };
  const compressed = zlib().deflateSync(bytes);
  if (bytes.length < compressed.length * COMPRESSION_FACTOR) return { bytes, flags: 0 };
  const header = Buffer.alloc(4);
  header.writeUInt32LE(bytes.length);
  return { bytes: Buffer.concat([header, compressed]), flags: FLAG_COMPRESSED | FLAG_ZLIB };
}

