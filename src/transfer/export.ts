/**
 * Reading a store into export records (see record.ts), streaming: the keys
 * under the prefix in the batches the store's walk yields, each batch read
 * a slice at a time (value with its format, TTL), tags from the store's tag
 * index. Memory holds one batch and the tag map (the keys that carry tags).
 */
import { GLUEFUL_MAX_VALUE_BYTES, type Decoded } from '../core/codec.js';
import { decodeMemcachedItem } from '../core/codecs/php-memcached.js';
import { phpredisUnpack, type PhpRedisOptions } from '../core/codecs/phpredis.js';
import type { CacheStore, Entry } from '../core/contract.js';
import { globToRegExp } from '../core/glob.js';
import { textOf, type TransferRecord } from './record.js';

/** Keys read at once (values and TTLs in flight together). */
const SLICE = 1000;

/** How an export walks. */
export interface ExportOptions {
  /** Glob inside the prefix. */
  pattern: string;
  /** Export one key in `sample`. */
  sample?: number;
  signal: AbortSignal;
  /** The source's phpredis settings, to reach a `php:` value's text under that layer. */
  phpredis?: PhpRedisOptions;
  /** Leave tags out (they cost a walk of the tag index first). */
  noTags?: boolean;
}

/** What an export saw. */
export interface ExportCounts {
  /** Records produced. */
  exported: number;
  /** Keys listed but gone by the time they were read, or holding no cache value. */
  skipped: number;
  /** A few reasons for skips. */
  notes: string[];
}

/** Which keys (inside the prefix, matching the pattern) carry which tags. */
export async function tagMap(store: CacheStore, pattern: string, signal: AbortSignal): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  if (!store.capabilities.tags) return map;
  const matcher = globToRegExp(pattern);
  for await (const names of store.tagNames({ signal })) {
    for (const tag of names) {
      for await (const keys of store.getTagKeys(tag, { signal })) {
        for (const key of keys) {
          if (!matcher.test(key)) continue;
          const list = map.get(key);
          if (!list) map.set(key, [tag]);
          else if (!list.includes(tag)) list.push(tag);
        }
      }
    }
  }
  for (const list of map.values()) list.sort();
  return map;
}

/** The keys to export, in slices of at most SLICE (one in `sample` kept). */
async function* keySlices(store: CacheStore, options: ExportOptions): AsyncIterable<string[]> {
  const sample = Math.max(1, options.sample ?? 1);
  let seen = 0;
  for await (const batch of store.getKeys(options.pattern, { signal: options.signal })) {
    const wanted = sample === 1 ? batch : batch.filter((_, i) => (seen + i) % sample === 0);
    seen += batch.length;
    for (let at = 0; at < wanted.length; at += SLICE) yield wanted.slice(at, at + SLICE);
  }
}

/**
 * The records of the store's keys under the prefix matching the pattern, in
 * batches. The next slice is read while the consumer writes this one (one
 * read ahead, so memory holds two slices).
 */
export async function* exportRecords(store: CacheStore, options: ExportOptions, counts: ExportCounts): AsyncIterable<TransferRecord[]> {
  const tags = options.noTags ? new Map<string, string[]>() : await tagMap(store, options.pattern, options.signal);
  const finish = (read: Array<TransferRecord | null>): TransferRecord[] => {
    const records = read.filter((r): r is TransferRecord => r !== null);
    for (const record of records) {
      const own = tags.get(record.key);
      if (own) record.tags = own;
    }
    counts.exported += records.length;
    return records;
  };
  let ahead: Promise<Array<TransferRecord | null>> | undefined;
  for await (const keys of keySlices(store, options)) {
    if (options.signal.aborted) break;
    const reading = recordsOf(store, keys, options.phpredis, counts);
    // Awaited below, or on the next turn: never an unhandled rejection meanwhile.
    reading.catch(() => undefined);
    if (ahead) {
      const records = finish(await ahead);
      if (records.length) yield records;
    }
    ahead = reading;
  }
  if (ahead && !options.signal.aborted) {
    const records = finish(await ahead);
    if (records.length) yield records;
  }
}

/** Keys as records (without tags), in one read where the store can; null (counted as skipped) for a key gone or holding no cache value. */
export async function recordsOf(store: CacheStore, keys: string[], phpredis: PhpRedisOptions | undefined, counts: ExportCounts): Promise<Array<TransferRecord | null>> {
  const entries = await store.readEntries(keys);
  return Promise.all(keys.map((key, i) => readRecord(store, key, entries[i]!, phpredis, counts)));
}

/** One key as a record; null (counted as skipped) when it is gone or holds no cache value. */
async function readRecord(
  store: CacheStore,
  key: string,
  { entry, ttl }: { entry: Entry | null | 'other'; ttl: number | null },
  phpredis: PhpRedisOptions | undefined,
  counts: ExportCounts,
): Promise<TransferRecord | null> {
  const skip = (why: string) => {
    counts.skipped++;
    if (counts.notes.length < 5) counts.notes.push(`${key}: ${why}`);
    return null;
  };
  const ttlPart = ttl !== null && ttl > 0 ? { ttl } : ttl === 0 ? { ttl: 1 } : {};
  if (entry === 'other' || entry === null) {
    // A Redis sorted set fails a value read; the file store lists one (a `.zset` beside its meta) whose value read finds nothing.
    const members = store.capabilities.sortedSets && (entry === 'other' || store.driver === 'file') ? await store.zrange(key, 0, -1).catch(() => null) : null;
    if (!members?.length) return skip(entry === null ? 'gone before it was read' : 'holds a data type other than a cache value or a sorted set');
    return { key, value: members, ...ttlPart, type: 'zset', format: 'zset' };
  }
  if (ttl === null) return skip('gone before it was read');
  return { key, ...(await valueOf(entry, phpredis)), ...ttlPart, ...storedBy(entry.decoded), format: entry.decoded.format } as TransferRecord;
}

/** The record's value members: the decoded value, or for `php:` and raw values their exact bytes. */
async function valueOf(entry: Entry, phpredis: PhpRedisOptions | undefined): Promise<Partial<TransferRecord>> {
  const { decoded } = entry;
  if (decoded.format === 'raw') {
    const [text, encoding] = textOf(await payloadOf(entry, phpredis));
    return { value: text, ...(encoding ? { encoding } : {}) };
  }
  if (decoded.format === 'php') {
    const payload = await payloadOf(entry, phpredis);
    const serialized = payload.subarray(0, 4).toString('latin1') === 'php:' ? payload.subarray(4) : payload;
    const [php, phpEncoding] = textOf(serialized);
    // Under a phpredis serializer a PHP array arrives as a value, without Glueful's text: no `php` member then.
    const usable = payload !== entry.raw || entry.raw.subarray(0, 4).toString('latin1') === 'php:' || !phpredis;
    return { value: decoded.value, ...(usable ? { php, ...(phpEncoding ? { phpEncoding } : {}) } : {}) };
  }
  return { value: decoded.value };
}

/**
 * The bytes in Glueful's format under the PHP client's layer: decompressed
 * per the php-memcached item flags, or unpacked per the phpredis settings;
 * the stored bytes themselves when there is no layer or it cannot be undone.
 */
async function payloadOf(entry: Entry, phpredis: PhpRedisOptions | undefined): Promise<Buffer> {
  const { raw, decoded } = entry;
  try {
    if (decoded.flags !== undefined) return decodeMemcachedItem(raw, decoded.flags, GLUEFUL_MAX_VALUE_BYTES).bytes;
    if (phpredis) {
      const unpacked = await phpredisUnpack(raw, phpredis, GLUEFUL_MAX_VALUE_BYTES);
      if ('string' in unpacked) return unpacked.string;
    }
  } catch {
    // Undecodable under its layer: the stored bytes, as they are.
  }
  return raw;
}

/** How the source held the bytes, where the store tells (as cache:get shows it). */
function storedBy(decoded: Decoded): Partial<TransferRecord> {
  const { serializer, compression, flags } = decoded;
  if (flags === undefined && serializer === undefined && compression === undefined) return {};
  return { serializer: serializer ?? null, compression: compression ?? null, ...(flags === undefined ? {} : { flags }) };
}
