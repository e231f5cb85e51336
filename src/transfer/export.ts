/**
 * Reading a store into export records (see record.ts), streaming: the keys
 * under the prefix in the batches the store's walk yields, each batch read
 * a slice at a time (value with its format, TTL), tags from the store's tag
 * index. The walk, the reads and the consumer's writing overlap; memory
 * holds a few slices (see exportRecords) and the tag map (the keys that
 * carry tags).
 */
import { GLUEFUL_MAX_VALUE_BYTES, JsonText, type Decoded } from '../core/codec.js';
import { decodeMemcachedItem } from '../core/codecs/php-memcached.js';
import { phpredisUnpack, type PhpRedisOptions } from '../core/codecs/phpredis.js';
import type { CacheStore, Entry } from '../core/contract.js';
import { globToRegExp } from '../core/glob.js';
import { textOf, type TransferRecord } from './record.js';

/** Keys read at once (values and TTLs in flight together). */
const SLICE = 1000;
/** Slices being read while the oldest is written. */
const READ_AHEAD = 2;
/** Slices of keys the walk may list ahead of the reads. */
const WALK_AHEAD = 4;

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

/**
 * The keys to export in slices of SLICE (the last one shorter), one in
 * `sample` kept. The walk's batches come in whatever sizes its pacing chose
 * (a Redis SCAN step may hold a hundred keys): regrouped, every read is
 * full-sized.
 */
async function* keySlices(store: CacheStore, options: ExportOptions): AsyncIterable<string[]> {
  const sample = Math.max(1, options.sample ?? 1);
  let seen = 0;
  let slice: string[] = [];
  for await (const batch of store.getKeys(options.pattern, { signal: options.signal })) {
    for (let i = 0; i < batch.length; i++) {
      if (sample !== 1 && (seen + i) % sample !== 0) continue;
      slice.push(batch[i]!);
      if (slice.length === SLICE) {
        yield slice;
        slice = [];
      }
    }
    seen += batch.length;
  }
  if (slice.length) yield slice;
}

/**
 * Pulls `source` up to `room` items ahead of its consumer (an async
 * generator answers overlapping next() calls in order): the walk's round
 * trips then overlap the reads instead of taking turns with them.
 */
export async function* runAhead<T>(source: AsyncIterable<T>, room: number): AsyncIterable<T> {
  const iterator = source[Symbol.asyncIterator]();
  const queue: Array<Promise<IteratorResult<T>>> = [];
  const request = () => {
    const next = iterator.next();
    // Awaited in turn below; a failure meanwhile is never an unhandled rejection.
    next.catch(() => undefined);
    queue.push(next);
  };
  try {
    for (let i = 0; i < room; i++) request();
    for (;;) {
      const result = await queue.shift()!;
      if (result.done) return;
      request();
      yield result.value;
    }
  } finally {
    // Queued behind the pending next() calls: ends the walk once they are answered.
    await iterator.return?.(undefined);
  }
}

/**
 * The records of the store's keys under the prefix matching the pattern, in
 * batches. The walk runs ahead (WALK_AHEAD slices of keys) and READ_AHEAD
 * slices are read while the consumer writes the oldest: memory holds at
 * most WALK_AHEAD + READ_AHEAD + 1 slices.
 */
export async function* exportRecords(store: CacheStore, options: ExportOptions, counts: ExportCounts): AsyncIterable<TransferRecord[]> {
  const tags = options.noTags ? new Map<string, string[]>() : await tagMap(store, options.pattern, options.signal);
  const finish = (read: Array<TransferRecord | null>): TransferRecord[] => {
    const records: TransferRecord[] = [];
    for (const record of read) {
      if (record === null) continue;
      if (tags.size) {
        const own = tags.get(record.key);
        if (own) record.tags = own;
      }
      records.push(record);
    }
    counts.exported += records.length;
    return records;
  };
  const reading: Array<Promise<Array<TransferRecord | null>>> = [];
  for await (const keys of runAhead(keySlices(store, options), WALK_AHEAD)) {
    if (options.signal.aborted) break;
    const read = recordsOf(store, keys, options.phpredis, counts);
    // Awaited below, in order: never an unhandled rejection meanwhile.
    read.catch(() => undefined);
    reading.push(read);
    if (reading.length > READ_AHEAD) {
      const records = finish(await reading.shift()!);
      if (records.length) yield records;
    }
  }
  while (reading.length && !options.signal.aborted) {
    const records = finish(await reading.shift()!);
    if (records.length) yield records;
  }
}

/** Keys as records (without tags), in one read where the store can; null (counted as skipped) for a key gone or holding no cache value. */
export async function recordsOf(store: CacheStore, keys: string[], phpredis: PhpRedisOptions | undefined, counts: ExportCounts): Promise<Array<TransferRecord | null>> {
  const entries = await store.readEntries(keys);
  const records: Array<TransferRecord | null> = new Array(keys.length);
  let slow: Array<Promise<void>> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const read = entries[i]!;
    // Most entries need no await (no sorted set to list, no PHP-client layer to undo): built here, without a promise each.
    const record = plainRecord(keys[i]!, read);
    if (record !== undefined) records[i] = record;
    else (slow ??= []).push(readRecord(store, keys[i]!, read, phpredis, counts).then((r) => void (records[i] = r)));
  }
  if (slow) await Promise.all(slow);
  return records;
}

/**
 * The record of a plain entry: a value in Glueful's own format, no sorted
 * set, no PHP-client layer (undefined otherwise: readRecord() then). A
 * `json:` value keeps its stored JSON text (it parsed, so it is JSON; a
 * newline in its whitespace would split the line: then serialised again):
 * exact, and no JSON.stringify of what was just parsed.
 */
function plainRecord(key: string, { entry, ttl }: { entry: Entry | null | 'other'; ttl: number | null }): TransferRecord | undefined {
  if (entry === null || entry === 'other' || ttl === null) return undefined;
  const { decoded, raw } = entry;
  if (decoded.format === 'raw' || decoded.format === 'php' || decoded.flags !== undefined || decoded.serializer !== undefined || decoded.compression !== undefined) return undefined;
  let value: unknown = decoded.value;
  if (decoded.format === 'json' && raw[0] === 0x6a && raw[1] === 0x73 && raw[2] === 0x6f && raw[3] === 0x6e && raw[4] === 0x3a) {
    let text = raw.toString('utf8', 5);
    if (text.charCodeAt(0) <= 0x20 || text.charCodeAt(text.length - 1) <= 0x20) text = text.trim();
    if (!text.includes('\n')) value = new JsonText(text);
  }
  const record: TransferRecord = { key, value, format: decoded.format };
  if (ttl > 0) record.ttl = ttl;
  else if (ttl === 0) record.ttl = 1;
  return record;
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
