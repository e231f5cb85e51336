/**
 * The array store: entries in a Map inside this process, gone when it ends,
 * as Glueful's ArrayCacheDriver keeps them (for tests and one-off scripts).
 * It is also the smallest example of the driver contract: the required
 * key-value core, plus TTL reads and key listing; no tag index, no sorted
 * sets, so those report "not supported".
 */
import { decodeCounter, encodeCounter } from '../../core/codec.js';
import type { CacheDriver, DriverStats, ScanOptions } from '../../core/contract.js';
import { UsageError } from '../../core/errors.js';
import { globToRegExp } from '../../core/glob.js';
import { sniffFormat, type KeyFacts } from '../../core/inspect.js';

/** Driver name constant. */
export const DRIVER_NAME = 'array';

/** Options of the array store (`stores.<name>` with `driver: 'array'`). */
export interface ArrayDriverOptions {
  /** Most entries kept; the oldest written goes first past it. Default: unbounded. */
  maxEntries?: number;
}

interface Item {
  value: Buffer;
  /** Epoch ms; 0 = never. */
  expiresAt: number;
}

const expiryOf = (ttl: number): number => (ttl > 0 ? Date.now() + ttl * 1000 : 0);

/** The in-process store driver. */
export class ArrayDriver implements CacheDriver {
  readonly driver = DRIVER_NAME;
  readonly location = 'memory (this process)';
  readonly traits = { persistent: false, shared: false, maxKeyBytes: Infinity };
  private readonly items = new Map<string, Item>();
  private readonly maxEntries: number;

  constructor(options: ArrayDriverOptions = {}) {
    this.maxEntries = options.maxEntries ?? Infinity;
  }

  /** The live item, dropping it when it has expired. */
  private item(key: string): Item | undefined {
    const item = this.items.get(key);
    if (item && item.expiresAt !== 0 && item.expiresAt <= Date.now()) {
      this.items.delete(key);
      return undefined;
    }
    return item;
  }

  async get(key: string): Promise<Buffer | null> {
    return this.item(key)?.value ?? null;
  }

  async set(key: string, value: Buffer, ttl: number): Promise<void> {
    this.items.delete(key); // re-inserting keeps the Map in write order
    this.items.set(key, { value: Buffer.from(value), expiresAt: expiryOf(ttl) });
    if (this.items.size > this.maxEntries) this.items.delete(this.items.keys().next().value!);
  }

  async setNx(key: string, value: Buffer, ttl: number): Promise<boolean> {
    if (this.item(key)) return false;
    await this.set(key, value, ttl);
    return true;
  }

  async delete(keys: readonly string[]): Promise<number> {
    return keys.filter((k) => this.item(k) && this.items.delete(k)).length;
  }

  async deleteIfEquals(key: string, value: Buffer): Promise<boolean> {
    return Boolean(this.item(key)?.value.equals(value)) && this.items.delete(key);
  }

  async has(key: string): Promise<boolean> {
    return this.item(key) !== undefined;
  }

  async increment(key: string, by: number): Promise<number> {
    const item = this.item(key);
    const current = decodeCounter(item?.value ?? null);
    if (current === null) throw new UsageError('cannot increment: the value is not an integer');
    // Counters are stored as bare digits, as Glueful's increment() leaves them.
    this.items.set(key, { value: encodeCounter(current + by), expiresAt: item?.expiresAt ?? 0 });
    return current + by;
  }

  async expire(key: string, ttl: number): Promise<boolean> {
    const item = this.item(key);
    if (!item) return false;
    item.expiresAt = ttl > 0 ? expiryOf(ttl) : 0;
    return true;
  }

  async ttl(key: string): Promise<number | null> {
    const item = this.item(key);
    if (!item) return null;
    return item.expiresAt === 0 ? -1 : Math.max(0, Math.ceil((item.expiresAt - Date.now()) / 1000));
  }

  async *scan(glob: string, options: ScanOptions = {}): AsyncIterable<string[]> {
    const matcher = globToRegExp(glob);
    const size = options.batchSize ?? 1000;
    // A snapshot of the names, so deletes during the walk do not disturb it.
    const keys = [...this.items.keys()].filter((k) => matcher.test(k) && this.item(k));
    for (let i = 0; i < keys.length && !options.signal?.aborted; i += size) yield keys.slice(i, i + size);
  }

  async describe(keys: string[]): Promise<Array<KeyFacts | null>> {
    return Promise.all(keys.map(async (key) => {
      const item = this.item(key);
      return item ? { key, bytes: item.value.length, ttl: (await this.ttl(key)) ?? -1, format: sniffFormat(item.value.subarray(0, 16)) } : null;
    }));
  }

  async ping(): Promise<number> {
    return 0;
  }

  async stats(): Promise<DriverStats> {
    let bytes = 0;
    for (const [key, item] of this.items) if (this.item(key)) bytes += item.value.length;
    return { totalKeys: this.items.size, bytes, info: { entries: this.items.size, maxEntries: String(this.maxEntries) } };
  }

  async dispose(): Promise<void> {
    this.items.clear();
  }
}

/** Creates the array store driver. */
export function createDriver(options: ArrayDriverOptions = {}): CacheDriver {
  return new ArrayDriver(options);
}
