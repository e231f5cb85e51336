/**
 * Writing export records (see record.ts) into a store, encoded the way the
 * store is configured (its PHP-client layer: phpredis serializer and
 * compression, php-memcached compression). `json` records stream through
 * the store's bulk write (pipelined on Redis, as warmup); the others — `php:`
 * values, counters, raw bytes, sorted sets — and every write of an
 * `--only-missing` import go one by one, a bounded number in flight (with
 * only-missing, each as SET NX / ADD: what is there is never overwritten).
 * Counts are what the store confirmed; a target lost part-way stops the
 * import with what was done and what is unknown counted.
 */
import { encodeValue, JsonText } from '../core/codec.js';
import type { BulkInput, BulkWriteResult, CacheStore, SetOptions } from '../core/contract.js';
import { CacheError, StoreUnavailableError } from '../core/errors.js';
import { bytesOf, zsetMembers, type TransferRecord } from './record.js';

/** Single writes in flight at once. */
const IN_FLIGHT = 256;
/** Batches waiting for the bulk write. */
const QUEUED_BATCHES = 4;

/** How an import runs. */
export interface ImportOptions {
  /** Never overwrite a key the target holds. */
  onlyMissing?: boolean;
  /** Count what would be written; write nothing. */
  dryRun?: boolean;
  /** Unix milliseconds the records' TTLs count from (the export's time, known once its header is read); undefined: the TTLs as written. */
  since?: () => number | undefined;
  signal: AbortSignal;
  /** Called as counts move (cheap to call often). */
  onProgress?(counts: ImportCounts): void;
}

/** What an import did. */
export interface ImportCounts {
  /** Entries the target confirmed (with a dry run: would write). */
  imported: number;
  /** Entries the target already held, left as they were (--only-missing). */
  present: number;
  /** Entries whose TTL ran out since the export: not written. */
  expired: number;
  /** Entries the target refused. */
  failed: number;
  /** Entries sent whose reply never came (the target went away): they may or may not be there. */
  unknown: number;
  /** The first few errors. */
  errors: string[];
  /** Set when the target went away part-way: the import stopped there. */
  stoppedBy?: CacheError;
  /** Records handed to the store so far (written or not yet confirmed), for progress. */
  handled: number;
}

/** Fresh counts. */
export function emptyImportCounts(): ImportCounts {
  return { imported: 0, present: 0, expired: 0, failed: 0, unknown: 0, errors: [], handled: 0 };
}

/**
 * A bounded hand-over from the record reader to the bulk write: push waits
 * while the queue is full; a failed consumer releases the producer.
 */
class Channel<T> implements AsyncIterable<T[]> {
  private readonly queue: T[][] = [];
  private wake?: () => void;
  private room?: () => void;
  private closed = false;
  /** True once the consumer gave up. */
  failed = false;
  /** Items the consumer took. */
  taken = 0;

  async push(items: T[]): Promise<void> {
    while (this.queue.length >= QUEUED_BATCHES && !this.failed) await new Promise<void>((r) => (this.room = r));
    if (this.failed) return;
    this.queue.push(items);
    this.signal('wake');
  }

  close(): void {
    this.closed = true;
    this.signal('wake');
  }

  fail(): void {
    this.failed = true;
    this.signal('room');
  }

  private signal(which: 'wake' | 'room'): void {
    const resolve = this[which];
    this[which] = undefined;
    resolve?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T[]> {
    for (;;) {
      const items = this.queue.shift();
      if (items) {
        this.signal('room');
        this.taken += items.length;
        yield items;
      } else if (this.closed) {
        return;
      } else {
        await new Promise<void>((r) => (this.wake = r));
      }
    }
  }
}

/** The bytes a non-json record is stored as, and whether the store's PHP-client layer wraps them. */
function bytesFor(record: TransferRecord): { bytes: Buffer; envelope: boolean } {
  switch (record.format) {
    case 'php':
      return record.php === undefined
        ? { bytes: encodeValue(record.value), envelope: true }
        : { bytes: Buffer.concat([Buffer.from('php:'), bytesOf(record.php, record.phpEncoding)]), envelope: true };
    case 'integer':
      // As INCR keeps a counter: bare digits, never wrapped (phpredis does not serialize INCR's values).
      return { bytes: Buffer.from(String(record.value)), envelope: false };
    case 'raw':
      return { bytes: bytesOf(String(record.value), record.encoding), envelope: true };
    default:
      return { bytes: encodeValue(record.value), envelope: true };
  }
}

/**
 * True for a record the bulk write can take: one it would refuse (a value
 * near the size limit, a key a store may not hold) would stop the whole
 * bulk write, so those go one by one, where a refusal is that entry's alone.
 */
function fitsBulk(record: TransferRecord, prefix: string): boolean {
  const text = record.value instanceof JsonText ? record.value.text : typeof record.value === 'string' ? record.value : '';
  return prefix.length + record.key.length <= 200 && plainKey(record.key) && text.length <= 256 * 1024;
}

/** True for a key with no control character and no white space (a loop: a regex per record costs more at a million records). */
function plainKey(key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || (c >= 0x80 && /\s/.test(key[i]!))) return false;
  }
  return true;
}

/** The message of anything thrown. */
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Imports record batches into `store`, adding to `counts` as it goes. */
export async function importRecords(store: CacheStore, batches: AsyncIterable<TransferRecord[]>, options: ImportOptions, counts: ImportCounts): Promise<void> {
  const stop = new AbortController();
  const stopped = () => options.signal.aborted || stop.signal.aborted;
  const fail = (key: string, error: unknown) => {
    if (error instanceof StoreUnavailableError) {
      counts.unknown++;
      counts.stoppedBy ??= error;
      stop.abort();
    } else {
      counts.failed++;
    }
    if (counts.errors.length < 5) counts.errors.push(`${key}: ${messageOf(error)}`);
    options.onProgress?.(counts);
  };
  const done = (n = 1) => {
    counts.imported += n;
    options.onProgress?.(counts);
  };

  // The bulk write runs alongside, fed through a bounded channel.
  const channel = new Channel<BulkInput>();
  const bulk = options.dryRun || options.onlyMissing ? null : runBulk(store, channel, counts, () => stop.abort());
  const running = new Set<Promise<void>>();
  const single = async (job: () => Promise<void>) => {
    while (running.size >= IN_FLIGHT) await Promise.race(running);
    const tracked: Promise<void> = job().finally(() => running.delete(tracked));
    running.add(tracked);
  };
  const ttlOf = ttlCounter(options.since);
  // Records without tags share one options object per TTL (most of an export has a handful of TTLs).
  const shared = new Map<number, SetOptions>();
  const optionsFor = (ttl: number): SetOptions => shared.get(ttl) ?? (shared.size < 10_000 ? shared.set(ttl, { ttl }).get(ttl)! : { ttl });

  try {
    for await (const batch of batches) {
      if (stopped()) break;
      const bulkBatch: BulkInput[] = [];
      for (const record of batch) {
        if (stopped()) break;
        const ttl = ttlOf(record.ttl);
        if (ttl < 0) {
          counts.expired++;
          continue;
        }
        const own: SetOptions = record.tags?.length ? { ttl, tags: record.tags } : optionsFor(ttl);
        if (options.dryRun) {
          if (options.onlyMissing) await single(() => store.has(record.key).then((there) => (there ? void counts.present++ : done()), (e: unknown) => fail(record.key, e)));
          else done();
        } else if (record.type === 'zset' || record.format === 'zset') {
          await single(() => writeZset(store, record, own, options.onlyMissing).then((wrote) => (wrote ? done() : void counts.present++), (e: unknown) => fail(record.key, e)));
        } else if (bulk && record.format === 'json' && fitsBulk(record, store.prefix)) {
          bulkBatch.push([record.key, record.value, own]);
        } else {
          const { bytes, envelope } = bytesFor(record);
          const write = () => store.setRaw(record.key, bytes, { ...own, envelope, nx: options.onlyMissing });
          await single(() => write().then((wrote) => (wrote ? done() : void counts.present++), (e: unknown) => fail(record.key, e)));
        }
      }
      if (bulkBatch.length) await channel.push(bulkBatch);
      counts.handled += batch.length;
      options.onProgress?.(counts);
    }
  } finally {
    channel.close();
    await Promise.all(running);
    await bulk;
  }
}

/** The TTL to write for a record's TTL: counted down from the export time; -1 when it ran out; 0 for none. */
function ttlCounter(origin: (() => number | undefined) | undefined): (ttl: number | undefined) => number {
  return (ttl) => {
    if (ttl === undefined) return 0;
    const since = origin?.();
    if (since === undefined) return ttl;
    const left = ttl - Math.floor((Date.now() - since) / 1000);
    return left > 0 ? left : -1;
  };
}

/** The bulk write over the channel; its counts join `counts` when it ends, however it ends. */
async function runBulk(store: CacheStore, channel: Channel<BulkInput>, counts: ImportCounts, stop: () => void): Promise<void> {
  let result: BulkWriteResult;
  try {
    result = await store.setBatches(channel);
  } catch (error) {
    channel.fail();
    stop();
    // The write was lost part-way: what it confirmed is in `written`; the rest it took is unknown.
    const written = Number((error as { done?: { written?: number } }).done?.written ?? 0);
    counts.imported += written;
    counts.unknown += Math.max(0, channel.taken - written);
    counts.stoppedBy ??= error instanceof CacheError ? error : new CacheError(messageOf(error), { cause: error });
    if (counts.errors.length < 5) counts.errors.push(messageOf(error));
    return;
  }
  counts.imported += result.written;
  counts.failed += result.failed;
  counts.unknown += result.unknown ?? 0;
  for (const message of result.errors) if (counts.errors.length < 5) counts.errors.push(message);
  if (result.unknown) stop();
}

/** A sorted set, replacing what the key held (or, with onlyMissing, only when absent); false when left as it was. */
async function writeZset(store: CacheStore, record: TransferRecord, own: SetOptions, onlyMissing: boolean | undefined): Promise<boolean> {
  const members = zsetMembers(record);
  if (!members) throw new CacheError('a zset record needs "value": [{"member": "...", "score": n}, ...]');
  if (onlyMissing && (await store.has(record.key))) return false;
  if (!onlyMissing) await store.delete(record.key);
  await store.zadd(record.key, members);
  if (own.ttl) await store.expire(record.key, own.ttl);
  if (own.tags?.length) await store.addTags(record.key, own.tags);
  return true;
}
