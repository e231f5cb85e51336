/**
 * The CacheStore commands use: a driver seen through the configured prefix
 * and Glueful's codec. Everything that is the same for every backend lives
 * here once: key checks, value size limit, bulk deletes that stream.
 */
import { batched } from './async.js';
import { BoundedPool, streamDelete, withPartialFailure } from './bulk.js';
import { capabilitiesOf, type Capabilities } from './capabilities.js';
import { decodeStored, decodeValue, encodeValue, encodeValueText, GLUEFUL_MAX_VALUE_BYTES, type ValueLayer } from './codec.js';
import type {
  BulkEntry,
  BulkInput,
  BulkOptions,
  BulkWriteResult,
  CacheDriver,
  CacheStore,
  DeleteResult,
  DriverStats,
  Entry,
  Progress,
  ScanOptions,
  SetOptions,
  ZMember,
} from './contract.js';
import { NotSupportedError, UsageError } from './errors.js';
import type { KeyFacts } from './inspect.js';
import { prefixedGlob } from './glob.js';
import { assertValidKey } from './keys.js';

/** Writes in flight when a driver has no bulk write of its own. */
const MAX_SETS_IN_FLIGHT = 64;
/** Entries per step of a bulk write stream. */
const BULK_BATCH = 1000;

/** Options of a namespaced store. */
export interface NamespacedStoreOptions {
  /** Store name from the configuration (`file`, `redis`, `sessions`...). */
  name: string;
  prefix: string;
  /** Largest encoded value accepted for writing; default 1 MiB (Glueful's read limit). */
  maxValueBytes?: number;
  /** A PHP client's layer around Glueful's format (phpredis serializer/compression), both ways. */
  layer?: ValueLayer;
}

/** A CacheStore over a CacheDriver. */
export class NamespacedStore implements CacheStore {
  readonly name: string;
  readonly prefix: string;
  readonly capabilities: Capabilities;
  private readonly maxValueBytes: number;
  private readonly layer?: ValueLayer;

  constructor(
    private readonly backend: CacheDriver,
    private readonly options: NamespacedStoreOptions,
  ) {
    this.name = options.name;
    this.prefix = options.prefix;
    this.maxValueBytes = options.maxValueBytes ?? GLUEFUL_MAX_VALUE_BYTES;
    this.capabilities = capabilitiesOf(backend);
    this.layer = options.layer;
  }

  /** A value as this store keeps it: Glueful's format, wrapped as the PHP client would (if it does). */
  private encode(value: unknown): Buffer {
    const bytes = encodeValue(value);
    return this.layer ? this.layer.encode(bytes) : bytes;
  }

  get driver(): string {
    return this.backend.driver;
  }
  get location(): string {
    return this.backend.location;
  }
  getCapabilities(): Capabilities {
    return this.capabilities;
  }

  /** The full backend key for a key inside the prefix. */
  fullKey(key: string): string {
    const full = this.prefix + key;
    assertValidKey(key, full, this.driver, this.capabilities.maxKeyBytes);
    this.backend.checkKey?.(full);
    return full;
  }

  private checkSize(bytes: Buffer | string): void {
    // A string is at most 3 bytes per UTF-16 unit: count its bytes only when it could be over.
    const size = typeof bytes === 'string' ? (bytes.length * 3 <= this.maxValueBytes ? 0 : Buffer.byteLength(bytes)) : bytes.length;
    if (size > this.maxValueBytes) {
      throw new UsageError(
        `value is ${size} bytes encoded, over the ${this.maxValueBytes}-byte limit` +
          ' (Glueful refuses to read larger values; raise stores.<name>.max_value_bytes to allow it)',
      );
    }
  }

  /** The optional piece, or a NotSupportedError naming what needed it. */
  private need<T>(piece: T | undefined, what: string): T {
    if (piece === undefined) throw new NotSupportedError(this.driver, what);
    return piece;
  }

  private get tagIndex() {
    return this.need(this.backend.tags, 'tagging');
  }

  async getEntry(key: string): Promise<Entry | null> {
    const full = this.fullKey(key);
    if (this.layer) {
      const raw = await this.backend.get(full);
      return raw === null ? null : { key, raw, decoded: await this.layer.decode(raw) };
    }
    if (this.backend.getStored) {
      const stored = await this.backend.getStored(full);
      return stored === null ? null : { key, raw: stored.bytes, decoded: decodeStored(stored) };
    }
    const raw = await this.backend.get(full);
    return raw === null ? null : { key, raw, decoded: decodeValue(raw) };
  }

  async get(key: string): Promise<unknown> {
    return (await this.getEntry(key))?.decoded.value;
  }

  async getMultiple(keys: readonly string[]): Promise<Map<string, unknown>> {
    if (this.backend.getStored || this.layer) {
      const entries = await Promise.all(keys.map(async (k) => [k, await this.getEntry(k)] as const));
      return new Map(entries.flatMap(([k, e]) => (e ? [[k, e.decoded.value] as [string, unknown]] : [])));
    }
    const full = keys.map((k) => this.fullKey(k));
    const raws = await (this.backend.getMany ? this.backend.getMany(full) : Promise.all(full.map((k) => this.backend.get(k))));
    const out = new Map<string, unknown>();
    keys.forEach((k, i) => {
      const raw = raws[i];
      if (raw) out.set(k, decodeValue(raw).value);
    });
    return out;
  }

  async set(key: string, value: unknown, options: SetOptions = {}): Promise<void> {
    await this.setRaw(key, this.encode(value), options);
  }

  async setRaw(key: string, given: Buffer, options: SetOptions & { nx?: boolean; envelope?: boolean } = {}): Promise<boolean> {
    const full = this.fullKey(key);
    // `envelope`: the bytes are a value in Glueful's format, to be wrapped like every value of this store.
    const bytes = options.envelope && this.layer ? this.layer.encode(given) : given;
    const tags = options.tags ?? [];
    if (tags.length) this.checkTags(tags);
    this.checkSize(bytes);
    if (!options.nx) {
      await this.backend.set(full, bytes, options.ttl ?? 0, tags);
      return true;
    }
    const written = await this.backend.setNx(full, bytes, options.ttl ?? 0);
    if (written && tags.length) await this.tagIndex.add(full, tags);
    return written;
  }

  async setMultiple(entries: Iterable<BulkInput> | AsyncIterable<BulkInput>, options: SetOptions = {}): Promise<BulkWriteResult> {
    // Batches, so a million entries cost a thousand async steps, not a million.
    return this.setBatches(batched(entries, BULK_BATCH), options);
  }

  async setBatches(batches: AsyncIterable<BulkInput[]>, options: SetOptions = {}): Promise<BulkWriteResult> {
    const ttl = options.ttl ?? 0;
    const tags = options.tags ?? [];
    const checkTags = (list: readonly string[]) => list.length && this.checkTags(list);
    checkTags(tags);
    const encoded = async function* (this: NamespacedStore): AsyncIterable<BulkEntry[]> {
      for await (const batch of batches) {
        yield batch.map(([key, value, own]) => {
          const bytes = this.layer ? this.encode(value) : encodeValueText(value);
          this.checkSize(bytes);
          if (own?.tags) checkTags(own.tags);
          return { key: this.fullKey(key), value: bytes, ttl: own?.ttl ?? ttl, tags: own?.tags ?? tags };
        });
      }
    }.call(this);
    return (await this.backend.setMany?.(encoded)) ?? this.setEach(encoded);
  }

  /** Bulk write for drivers without setMany: a bounded number of set() calls in flight. */
  private async setEach(batches: AsyncIterable<BulkEntry[]>): Promise<BulkWriteResult> {
    const result: BulkWriteResult = { written: 0, failed: 0, errors: [] };
    const pool = new BoundedPool(MAX_SETS_IN_FLIGHT);
    for await (const batch of batches) {
      for (const entry of batch) {
        // Each write's failure is counted here, never the pool's: one bad entry does not stop the rest.
        await pool.add(() =>
          this.backend.set(entry.key, typeof entry.value === 'string' ? Buffer.from(entry.value) : entry.value, entry.ttl, entry.tags).then(
            () => void result.written++,
            (error: unknown) => {
              result.failed++;
              if (result.errors.length < 5) result.errors.push(error instanceof Error ? error.message : String(error));
            },
          ),
        );
      }
    }
    await pool.drain();
    return result;
  }

  async setNx(key: string, value: unknown, options: SetOptions = {}): Promise<boolean> {
    return this.setRaw(key, this.encode(value), { ...options, nx: true });
  }

  async delete(key: string): Promise<boolean> {
    return (await this.backend.delete([this.fullKey(key)])) > 0;
  }

  async deleteIfEquals(key: string, bytes: Buffer): Promise<boolean> {
    return this.backend.deleteIfEquals(this.fullKey(key), bytes);
  }

  async deleteIfValue(key: string, value: unknown): Promise<boolean> {
    return this.deleteIfEquals(key, this.encode(value));
  }

  async deleteMultiple(keys: readonly string[]): Promise<number> {
    return this.backend.delete(keys.map((k) => this.fullKey(k)));
  }

  async has(key: string): Promise<boolean> {
    return this.backend.has(this.fullKey(key));
  }

  async increment(key: string, by = 1): Promise<number> {
    if (!Number.isSafeInteger(by)) throw new UsageError(`invalid increment '${by}': must be an integer`);
    return this.backend.increment(this.fullKey(key), by);
  }

  async decrement(key: string, by = 1): Promise<number> {
    return this.increment(key, -by);
  }

  async ttl(key: string): Promise<number | null> {
    const read = this.need(this.backend.ttl, 'reading a TTL');
    return read.call(this.backend, this.fullKey(key));
  }

  async expire(key: string, ttl: number): Promise<boolean> {
    return this.backend.expire(this.fullKey(key), ttl);
  }

  async remember<T>(key: string, loader: () => Promise<T> | T, options: SetOptions = {}): Promise<T> {
    const entry = await this.getEntry(key);
    if (entry) return entry.decoded.value as T;
    const value = await loader();
    await this.set(key, value, options);
    return value;
  }

  async *getKeys(glob = '*', options: ScanOptions = {}): AsyncIterable<string[]> {
    const scan = this.need(this.backend.scan, 'listing keys');
    yield* this.unprefixed(scan.call(this.backend, prefixedGlob(this.prefix, glob), options));
  }

  sampleKeys(glob: string, every: number, options: ScanOptions = {}): AsyncIterable<string[]> | null {
    const sampleScan = this.backend.sampleScan;
    return sampleScan ? this.unprefixed(sampleScan.call(this.backend, prefixedGlob(this.prefix, glob), every, options)) : null;
  }

  /** A driver's batches of full keys, without the prefix. */
  private async *unprefixed(batches: AsyncIterable<string[]>): AsyncIterable<string[]> {
    const cut = this.prefix.length;
    for await (const batch of batches) yield batch.map((k) => k.slice(cut));
  }

  async getKeyCount(glob = '*', options: ScanOptions = {}): Promise<number> {
    let count = 0;
    for await (const batch of this.getKeys(glob, options)) count += batch.length;
    return count;
  }

  async deletePattern(glob: string, options: BulkOptions = {}): Promise<DeleteResult> {
    const scan = this.need(this.backend.scan, 'deleting by pattern');
    const fullGlob = prefixedGlob(this.prefix, glob);
    return withPartialFailure(options, async (tracked) => {
      const native = options.dryRun ? null : await this.backend.deleteMatching?.(fullGlob, tracked);
      if (native) return { ...native, sample: native.sample.map((k) => k.slice(this.prefix.length)) };
      return this.deleteKeys(scan.call(this.backend, fullGlob, tracked), tracked);
    });
  }

  async clear(options: BulkOptions = {}): Promise<DeleteResult> {
    return this.deletePattern('*', options);
  }

  async addTags(key: string, tags: readonly string[]): Promise<void> {
    const index = this.tagIndex;
    this.checkTags(tags);
    const full = this.fullKey(key);
    if (!(await this.backend.has(full))) throw new UsageError(`cannot tag '${key}': the key does not exist`);
    await index.add(full, tags);
  }

  async *getTagKeys(tag: string, options: ScanOptions = {}): AsyncIterable<string[]> {
    const index = this.tagIndex;
    this.checkTags([tag]);
    const cut = this.prefix.length;
    for await (const batch of this.onlyInPrefix(index.members(tag, options), () => undefined)) {
      if (batch.length) yield batch.map((k) => k.slice(cut));
    }
  }

  async *tagNames(options: ScanOptions = {}): AsyncIterable<string[]> {
    if (!this.backend.tags) return;
    const names = this.need(this.backend.tags.names, 'listing tags');
    const seen = new Set<string>();
    for await (const batch of names.call(this.backend.tags, options)) {
      const fresh = batch.filter((t) => !seen.has(t) && (seen.add(t), true));
      if (fresh.length) yield fresh;
    }
  }

  /**
   * Deletes the keys of every tag as one piece of work: progress counts
   * across the tags, and a failure part-way (say, the server holding the
   * second tag's index is down) is one PartialFailureError with everything
   * deleted so far and the tags not finished.
   */
  async invalidateTags(tags: readonly string[], options: BulkOptions = {}): Promise<DeleteResult> {
    const index = this.tagIndex;
    this.checkTags(tags);
    let outside = 0;
    const finished: string[] = [];
    const total = await withPartialFailure(
      options,
      async (tracked) => {
        const sum: DeleteResult = { scanned: 0, matched: 0, deleted: 0, sample: [] };
        for (const tag of tags) {
          const before = { ...sum };
          const onProgress = (p: Progress): void =>
            tracked.onProgress?.({ scanned: before.scanned + p.scanned, matched: before.matched + p.matched, deleted: before.deleted + p.deleted });
          const inPrefix = this.onlyInPrefix(index.members(tag, tracked), () => outside++);
          const result = await this.deleteKeys(inPrefix, { ...tracked, onProgress });
          sum.scanned += result.scanned;
          sum.matched += result.matched;
          sum.deleted += result.deleted;
          sum.sample.push(...result.sample.slice(0, (options.sampleSize ?? 10) - sum.sample.length));
          finished.push(tag);
        }
        return sum;
      },
      () => `tags not finished: ${tags.filter((t) => !finished.includes(t)).join(', ')}`,
    );
    // A tag that still names keys outside our prefix belongs partly to someone else: keep it.
    if (!options.dryRun && outside === 0) await index.drop(tags);
    return total;
  }

  async zadd(key: string, members: readonly ZMember[]): Promise<number> {
    return this.need(this.backend.sortedSets, 'sorted sets').zadd(this.fullKey(key), members);
  }

  async zrange(key: string, start: number, stop: number): Promise<ZMember[]> {
    return this.need(this.backend.sortedSets, 'sorted sets').zrange(this.fullKey(key), start, stop);
  }

  async zremrangebyscore(key: string, min: number, max: number): Promise<number> {
    return this.need(this.backend.sortedSets, 'sorted sets').zremrangebyscore(this.fullKey(key), min, max);
  }

  async readEntries(keys: readonly string[]): Promise<Array<{ entry: Entry | null | 'other'; ttl: number | null }>> {
    if (this.backend.readMany && !this.backend.getStored) {
      const reads = await this.backend.readMany(keys.map((k) => this.fullKey(k)));
      return Promise.all(
        reads.map(async (read, i) => {
          if (read === null) return { entry: null, ttl: null };
          if (read.bytes === null) return { entry: 'other' as const, ttl: read.ttl };
          const decoded = this.layer ? await this.layer.decode(read.bytes) : decodeValue(read.bytes);
          return { entry: { key: keys[i]!, raw: read.bytes, decoded }, ttl: read.ttl };
        }),
      );
    }
    const ttlOf = (key: string) => (this.capabilities.ttlRead ? this.ttl(key) : Promise.resolve(-1));
    return Promise.all(keys.map(async (key) => ({ entry: await this.entryOrOther(key), ttl: await ttlOf(key) })));
  }

  /** The entry, or 'other' for a key the backend says holds another data type. */
  private async entryOrOther(key: string): Promise<Entry | null | 'other'> {
    try {
      return await this.getEntry(key);
    } catch (error) {
      if (error instanceof UsageError && /data type/.test(error.message)) return 'other';
      throw error;
    }
  }

  async describeKeys(keys: readonly string[]): Promise<KeyFacts[]> {
    const describe = this.need(this.backend.describe, 'inspecting keys');
    if (keys.length === 0) return [];
    const cut = this.prefix.length;
    const facts = await describe.call(this.backend, keys.map((k) => this.prefix + k));
    return facts.flatMap((f) => (f ? [{ ...f, key: f.key.slice(cut) }] : []));
  }

  async parts(): Promise<Array<{ id: string; store: CacheStore }>> {
    if (!this.backend.partitions) return [{ id: this.location, store: this }];
    const partitions = await this.backend.partitions();
    return partitions.map(({ id, driver }) => ({ id, store: new NamespacedStore(driver, { ...this.options, name: `${this.name}/${id}` }) }));
  }

  async flushDatabase(database: number): Promise<string[]> {
    const flush = this.need(this.backend.flushDatabase, 'flushing a whole database');
    return flush.call(this.backend, database);
  }

  async pruneTags(options: ScanOptions = {}): Promise<number> {
    // Stores that keep tags inside their entries have no separate index to go stale.
    return (await this.tagIndex.prune?.(options)) ?? 0;
  }

  ping(): Promise<number> {
    return this.backend.ping();
  }

  getStats(): Promise<DriverStats> {
    return this.backend.stats();
  }

  dispose(): Promise<void> {
    return this.backend.dispose();
  }

  /** Tags are only for a store with a tag index, and each is non-empty without spaces or commas. */
  private checkTags(tags: readonly string[] | undefined): void {
    if (tags?.length) void this.tagIndex;
    for (const tag of tags ?? []) {
      if (tag.length === 0 || /[\s,]/.test(tag)) {
        throw new UsageError(`invalid tag '${tag}': tags are non-empty and contain no spaces or commas`);
      }
    }
  }

  private async *onlyInPrefix(source: AsyncIterable<string[]>, onOutside: () => void): AsyncIterable<string[]> {
    for await (const batch of source) {
      yield batch.filter((k) => (k.startsWith(this.prefix) ? true : (onOutside(), false)));
    }
  }

  /** Deletes the full keys a stream yields (see streamDelete); samples are shown without the prefix. */
  private deleteKeys(source: AsyncIterable<string[]>, options: BulkOptions): Promise<DeleteResult> {
    const cut = this.prefix.length;
    return streamDelete(source, (keys) => this.backend.delete(keys), { ...options, sampleKey: (k) => k.slice(cut) });
  }
}
