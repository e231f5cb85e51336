/**
 * The keyspace view behind `cache:inspect`: keys grouped by their first
 * `depth` `:`-separated segments — ids (numbers, hex hashes, UUIDs) folded
 * to `{id}`, so `user:123` and `user:456` are one group — with per group the
 * key count, bytes, TTL spread and the value formats seen; and the biggest
 * keys. Streams: it holds the groups and the top N, never every key. With
 * sampling, one key in N is measured and group figures are estimates; where
 * the store samples its listing (the file store), key counts are too.
 */

import { FLAG_COMPRESSED, FLAG_ZLIB, PHP_TYPES } from './codecs/php-memcached.js';
import { crc8 } from './codecs/phpredis.js';

/** What a store can tell of one key. */
export interface KeyFacts {
  key: string;
  /** Bytes the key takes (server memory, or the files on disk). */
  bytes: number;
  /** Seconds left, -1 for no expiry. */
  ttl: number;
  /** How the value is stored, as far as the store can tell cheaply (json, php, integer, raw, ...). */
  format: string | null;
}

/**
 * The ids the framework puts in keys: UUIDs, PHP uniqid() (13 hex digits;
 * with more entropy `<14 hex>.<8 digits>`), hex hashes (md5, sha256...),
 * numbers.
 */
const ID_TOKEN = String.raw`(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{14}\.\d{8}|[0-9a-f]{8,}|\d+)`;
const ID = new RegExp(`^${ID_TOKEN}$`, 'i');
/** An id inside a segment, after `_` or `-`: `connection_test_6753c0e2a1b4f`, `health_check_<uniqid>`. */
const EMBEDDED_ID = new RegExp(`(?<=[_-])${ID_TOKEN}(?=$|[_-])`, 'gi');

/** The group a key falls in at `depth` segments, ids folded (`connection_test_{id}`). */
export function groupOf(key: string, depth: number): string {
  return key
    .split(':')
    .slice(0, depth)
    .map((segment) => (ID.test(segment) ? '{id}' : segment.replace(EMBEDDED_ID, '{id}')))
    .join(':');
}

/** The TTL spread buckets. */
export const TTL_BUCKETS = ['none', '<1m', '<1h', '<1d', 'longer'] as const;
export type TtlBucket = (typeof TTL_BUCKETS)[number];

const bucketOf = (ttl: number): TtlBucket => (ttl < 0 ? 'none' : ttl < 60 ? '<1m' : ttl < 3600 ? '<1h' : ttl < 86400 ? '<1d' : 'longer');

/** One group's figures. */
export interface GroupFigures {
  group: string;
  keys: number;
  /** Measured keys (all of them without sampling). */
  measured: number;
  bytes: number;
  ttl: Record<TtlBucket, number>;
  formats: Record<string, number>;
}

/** A group's figures scaled from the measured keys to all of them (sampling). */
export function estimated(g: GroupFigures): GroupFigures {
  if (g.measured === g.keys || g.measured === 0) return g;
  const scale = g.keys / g.measured;
  const ttl = Object.fromEntries(TTL_BUCKETS.map((b) => [b, Math.round(g.ttl[b] * scale)])) as Record<TtlBucket, number>;
  return { ...g, bytes: Math.round(g.bytes * scale), ttl };
}

/** Gathers the figures as keys stream by. */
export class KeyspaceAggregator {
  private readonly groups = new Map<string, GroupFigures>();
  private readonly top: KeyFacts[] = [];

  constructor(
    private readonly depth: number,
    private readonly topN: number,
  ) {}

  private group(key: string): GroupFigures {
    const name = groupOf(key, this.depth);
    let g = this.groups.get(name);
    if (!g) {
      g = { group: name, keys: 0, measured: 0, bytes: 0, ttl: { none: 0, '<1m': 0, '<1h': 0, '<1d': 0, longer: 0 }, formats: {} };
      this.groups.set(name, g);
    }
    return g;
  }

  /** A key counted but not measured (sampling). */
  count(key: string): void {
    this.group(key).keys++;
  }

  /** A key measured, counted as `weight` keys (a sample of the listing: each key read stands for `weight`). */
  add(facts: KeyFacts, weight = 1): void {
    const g = this.group(facts.key);
    g.keys += weight;
    g.measured++;
    g.bytes += facts.bytes;
    g.ttl[bucketOf(facts.ttl)]++;
    if (facts.format) g.formats[facts.format] = (g.formats[facts.format] ?? 0) + 1;
    if (this.topN > 0 && (this.top.length < this.topN || facts.bytes > this.top[this.top.length - 1]!.bytes)) {
      this.top.push(facts);
      this.top.sort((a, b) => b.bytes - a.bytes);
      if (this.top.length > this.topN) this.top.pop();
    }
  }

  /** Groups by bytes (estimated when sampled), biggest first, and the biggest keys. */
  result(): { groups: GroupFigures[]; top: KeyFacts[] } {
    const groups = [...this.groups.values()].map(estimated).sort((a, b) => b.bytes - a.bytes || b.keys - a.keys);
    return { groups, top: [...this.top] };
  }
}

/**
 * The format of a stored value from its first bytes (cheap: no full read):
 * Glueful's `json:` / `php:` envelopes; igbinary's version header
 * 00 00 00 02; zstd's frame magic 28 B5 2F FD and gzip's 1F 8B (phpredis
 * compression); bare PHP `serialize()` output (a phpredis `php` serializer,
 * php-memcached); plain JSON objects and arrays; integers. phpredis' LZ4 and
 * LZF values are named with what they hold (`json+lz4`) from their first
 * literal bytes, see compressedFormat(). msgpack has no marker: raw.
 */
export function sniffFormat(head: Buffer | null): string | null {
  if (head === null) return null;
  if (isIgbinary(head)) return 'igbinary';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x28b52ffd) return 'zstd';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  return compressedFormat(head) ?? plainFormat(head);
}

const isIgbinary = (head: Buffer): boolean => head.length >= 4 && head.readUInt32BE(0) === 2;

/** An uncompressed value's format. */
function plainFormat(head: Buffer): string {
  if (isIgbinary(head)) return 'igbinary';
  const text = head.toString('latin1');
  if (text.startsWith('json:')) return 'json';
  if (text.startsWith('php:')) return 'php';
  if (/^-?\d+$/.test(text)) return 'integer';
  if (/^(?:[aOC]:\d+:|s:\d+:"|[ibd]:[^;]*;|N;)/.test(text)) return 'php';
  if (/^[[{]/.test(text)) return 'json';
  return 'raw';
}

/** The largest original length an LZ4 header is believed to announce (Redis' own value limit). */
const LZ4_MAX_LENGTH = 512 * 1024 * 1024;

/**
 * phpredis' compressed values, recognised by their first bytes:
 * - LZ4: a CRC-8 of the next four bytes, the original length (LE 32-bit),
 *   then an LZ4 block whose first token's high nibble counts the literals
 *   that follow (15: more length bytes, each 255 meaning "and more"). A
 *   text value cannot pass for it: its four ASCII bytes as a length exceed
 *   512 MiB. Named `lz4`, or `<inner>+lz4` when the literals tell.
 * - LZF: a literal run of (first byte + 1) bytes, first byte < 32, since
 *   nothing can be referred back to at the start. Any binary value may
 *   start so: only named when the literals are a known format (`json+lzf`).
 */
function compressedFormat(head: Buffer): string | null {
  // The length first: it turns text away without computing the CRC (inspect sniffs every key).
  if (head.length >= 6 && head.readInt32LE(1) > 0 && head.readInt32LE(1) <= LZ4_MAX_LENGTH) {
    const token = head[5]!;
    if (token >> 4 > 0 && crc8(head.subarray(1, 5)) === head[0]) {
      let literals = token >> 4;
      let at = 6;
      if (literals === 15) for (let more = 255; more === 255 && at < head.length; literals += more) more = head[at++]!;
      const inner = plainFormat(head.subarray(at, at + literals));
      return inner === 'raw' ? 'lz4' : `${inner}+lz4`;
    }
  }
  if (head.length >= 2 && head[0]! < 32) {
    const format = plainFormat(head.subarray(1, 2 + head[0]!));
    if (format !== 'raw') return `${format}+lzf`;
  }
  return null;
}

/** node:zlib, loaded only for a zlib-compressed memcached item. */
const zlib = () => process.getBuiltinModule('node:zlib');

/** The first bytes of a compressed php-memcached payload (4-byte length, then the block), or null. */
function uncompressedHead(payload: Buffer, zlibbed: boolean): Buffer | null {
  const block = payload.subarray(4);
  if (block.length === 0) return null;
  if (zlibbed) {
    try {
      // A partial inflate of the first bytes: enough to see `json:`, never the whole value.
      return zlib().inflateSync(block.subarray(0, 64), { finishFlush: zlib().constants.Z_SYNC_FLUSH });
    } catch {
      return null;
    }
  }
  // FastLZ (levels 1 and 2) starts with a literal run: its low 5 bits + 1 bytes follow as they are.
  return block[0]! >> 5 <= 1 ? block.subarray(1, 2 + (block[0]! & 31)) : null;
}

/**
 * A memcached item's format, as the other stores name theirs: from its
 * php-memcached flags (the PHP type, and the compression, as `+fastlz` /
 * `+zlib`) and, for a string item, from the first bytes of what it holds
 * (`json:`... is `json`, as cache:get says), `string` when they tell nothing.
 */
export function memcachedItemFormat(flags: number, value: Buffer | null): string {
  const type = PHP_TYPES[flags & 0x0f] ?? `type ${flags & 0x0f}`;
  const compressed = (flags & FLAG_COMPRESSED) !== 0;
  let name: string = type;
  if (type === 'string' && value) {
    const head = compressed ? uncompressedHead(value, (flags & FLAG_ZLIB) !== 0) : value.subarray(0, 64);
    const inner = head ? plainFormat(head) : 'raw';
    if (inner !== 'raw') name = inner;
  }
  return compressed ? `${name}+${flags & FLAG_ZLIB ? 'zlib' : 'fastlz'}` : name;
}
