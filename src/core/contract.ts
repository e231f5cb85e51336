/**
 * The two contracts of the driver core.
 *
 * - `CacheDriver` is what a backend implements: full keys (prefix already
 *   applied), raw bytes, no codec. Small on purpose: one file per driver.
 * - `CacheStore` is what commands and services use: keys inside the
 *   configured prefix, values through Glueful's codec, capability checks.
 *   `createStore()` builds one over a driver.
 */
import type { Decoded, StoredValue } from './codec.js';
import type { KeyFacts } from './inspect.js';

/** Progress of a long-running key walk, reported as it goes. */
export interface Progress {
  scanned: number;
  matched: number;
  deleted: number;
}

/** Options for walking keys. */
export interface ScanOptions {
  /** Keys per batch the driver yields (a hint). */
  batchSize?: number;
  /** Stops the walk early. */
  signal?: AbortSignal;
}

/** One entry of a sorted set. */
export interface ZMember {
  member: string;
  score: number;
}

/** Store figures for `cache:status`; drivers fill what they know. */
export interface DriverStats {
  /** Entries in the whole backend (not only the prefix), when cheap to know. */
  totalKeys?: number;
  /** Bytes used by the backend (files on disk, server memory). */
  bytes?: number;
  /** Human-facing facts: location, version, memory policy... */
  info: Record<string, string | number | boolean | null>;
  /** Hits and misses since the server started, for the hit ratio. */
  hits?: number;
  misses?: number;
  /** Memory used / limit, for the memory alert. */
  memoryUsed?: number;
  memoryLimit?: number;
  /** One row per server, for stores spread over several. */
  nodes?: Array<Record<string, string | number | boolean | null>>;
  /** Conditions the operator should know about (shown as alerts). */
  warnings?: string[];
  /** Servers of a multi-server store that did not answer (status then exits 7). */
  unreachable?: string[];
}

/** One entry of a bulk write, already encoded, with its full key. */
export interface BulkEntry {
  key: string;
  /** The encoded value; text (UTF-8) on the fast path, so it is written once, straight into the request. */
  value: Buffer | string;
  /** Seconds; 0 means no expiry. */
  ttl: number;
  tags?: readonly string[];
}

/** The outcome of a bulk write. */
export interface BulkWriteResult {
  /** Entries the server confirmed. */
  written: number;
  /** Entries the server refused (an error reply, a write that failed). */
  failed: number;
  /**
   * Entries sent whose reply never came (the connection was lost with them
   * in flight): they may or may not be stored. Absent means 0.
   */
  unknown?: number;
  /** The first few error messages. */
  errors: string[];
}

/** What a store can do, as data: computed from the driver instance by capabilitiesOf(). */
export interface Capabilities {
  /** Keys can be enumerated (getKeys, getKeyCount, purge, clear by prefix). */
  readonly listKeys: boolean;
  /** The remaining TTL of a key can be read. */
  readonly ttlRead: boolean;
  /** Tags: `native` (server-side sets), `emulated` (kept by this tool), or none. */
  readonly tags: 'native' | 'emulated' | false;
  /** zadd / zrange / zremrangebyscore. */
  readonly sortedSets: boolean;
  /** A bulk write path faster than one set per entry. */
  readonly bulkWrite: boolean;
  /** A whole database can be flushed (behind --flush-database). */
  readonly flushDatabase: boolean;
  /** Data survives a restart of the server / machine. */
  readonly persistent: boolean;
  /** Entries live on a server shared with other machines. */
  readonly shared: boolean;
  /** Largest key the backend accepts, in bytes (Infinity when unbounded). */
  readonly maxKeyBytes: number;
}

/** Facts about a backend that no method can show. */
export interface DriverTraits {
  /** Data survives a restart of the server / machine. */
  readonly persistent: boolean;
  /** Entries live on a server shared with other machines. */
  readonly shared: boolean;
  /** Largest key the backend accepts, in bytes (Infinity when unbounded). */
  readonly maxKeyBytes: number;
}

/** A tag index: which keys carry a tag. */
export interface TagIndex {
  /** `native`: sets kept by the server (Redis); `emulated`: kept by this tool beside the entries. */
  readonly kind: 'native' | 'emulated';
  /** Adds tags to an existing entry. */
  add(key: string, tags: readonly string[]): Promise<void>;
  /** Keys carrying a tag, streaming. */
  members(tag: string, options?: ScanOptions): AsyncIterable<string[]>;
  /** Forgets tags themselves (after their members were deleted). */
  drop(tags: readonly string[]): Promise<void>;
  /** Drops index members whose keys are gone; returns how many. Absent where nothing can go stale. */
  prune?(options?: ScanOptions): Promise<number>;
  /** The tags in use, in batches (a name may come twice); absent where they cannot be listed. (cache:export) */
  names?(options?: ScanOptions): AsyncIterable<string[]>;
}

/** Sorted sets (Glueful's zadd / zrange / zremrangebyscore). */
export interface SortedSets {
  zadd(key: string, members: readonly ZMember[]): Promise<number>;
  zrange(key: string, start: number, stop: number): Promise<ZMember[]>;
  zremrangebyscore(key: string, min: number, max: number): Promise<number>;
}

/**
 * What a backend driver implements. All keys here are full keys (prefix
 * applied), values raw bytes (no codec).
 *
 * The required part is a small key-value core. Everything else is an
 * optional piece, and whether an instance has a piece *is* its capability
 * (see capabilitiesOf): a memcached store with SASL credentials has no
 * `ttl` and no `scan`, because memcached then turns off the text protocol
 * they need. A new driver implements the core and whichever pieces its
 * backend can really do; it never stubs one.
 */
export interface CacheDriver {
  /** Driver name constant: `file`, `redis`, `memcached`, `array`... */
  readonly driver: string;
  /** Where the data lives, safe to print (no credentials). */
  readonly location: string;
  readonly traits: DriverTraits;

  /** Throws a UsageError for a key the backend cannot hold (beyond what maxKeyBytes says). */
  checkKey?(key: string): void;

  get(key: string): Promise<Buffer | null>;
  /**
   * ttl in seconds; 0 means no expiry. `tags` are given only to a driver with
   * a tag index, which records them with the entry.
   */
  set(key: string, value: Buffer, ttl: number, tags?: readonly string[]): Promise<void>;
  /** Writes only if absent; true when written. */
  setNx(key: string, value: Buffer, ttl: number): Promise<boolean>;
  /** Returns how many of the keys existed. */
  delete(keys: readonly string[]): Promise<number>;
  /** Deletes the key only if it holds exactly `value`, atomically; true when deleted (lock release). */
  deleteIfEquals(key: string, value: Buffer): Promise<boolean>;
  has(key: string): Promise<boolean>;
  /** Atomic add (negative to decrement); a missing key starts at 0. */
  increment(key: string, by: number): Promise<number>;
  /** New TTL in seconds, or -1 to remove the expiry. false when the key is missing. */
  expire(key: string, ttl: number): Promise<boolean>;
  /** Round-trip time of a trivial request, in milliseconds. Throws when unreachable. */
  ping(): Promise<number>;
  stats(): Promise<DriverStats>;
  /** Closes connections and file handles. */
  dispose(): Promise<void>;

  /** Remaining seconds, -1 for no expiry, null when the key is missing. (TTL reads) */
  ttl?(key: string): Promise<number | null>;
  /** Full keys matching a glob over full keys, in batches, streaming. (Key listing: purge, clear, counts) */
  scan?(glob: string, options?: ScanOptions): AsyncIterable<string[]>;
  /**
   * About one key in `every` of those matching a glob over full keys, picked
   * before the key is read. For a store where learning a key costs a read
   * (the file store: file names are hashes, the key is in the `.meta`), so a
   * sampled walk reads one entry in `every`. Absent where listing keys is
   * cheap: a sampled walk then lists every key and measures one in `every`.
   */
  sampleScan?(glob: string, every: number, options?: ScanOptions): AsyncIterable<string[]>;
  /**
   * The value with the item flags a PHP client stored with it (memcached):
   * what type it was and how it is compressed. Without it, get() is used.
   */
  getStored?(key: string): Promise<StoredValue | null>;
  /** Several values in one round trip; without it the store asks for each. */
  getMany?(keys: string[]): Promise<Array<Buffer | null>>;
  /**
   * Deletes the full keys matching a glob inside the backend, faster than a
   * walk plus deletes; null when it declines. Keys in the result's sample are
   * full keys. Never used for dry runs.
   */
  deleteMatching?(glob: string, options: BulkOptions): Promise<DeleteResult | null>;
  /**
   * Writes many entries from a stream of batches faster than one set() each;
   * null when it declines (the store then writes them one by one, bounded).
   */
  setMany?(batches: AsyncIterable<BulkEntry[]>): Promise<BulkWriteResult | null>;
  tags?: TagIndex;
  sortedSets?: SortedSets;
  /**
   * Empties the whole database `database` names (FLUSHDB), foreign keys and
   * all; refuses a database other than the configured one. Returns every
   * server flushed. Only behind an explicit flag and --force.
   */
  flushDatabase?(database: number): Promise<string[]>;
  /** Removes expired and orphaned data where the backend does not do it itself. */
  prune?(): Promise<number>;
  /**
   * Values and remaining TTLs (seconds, -1 for none) of several keys in one
   * round trip (cache:export): null for a missing key, `bytes` null for a
   * key holding another data type (a Redis sorted set).
   */
  readMany?(keys: string[]): Promise<Array<{ bytes: Buffer | null; ttl: number } | null>>;
  /** Size, TTL and stored format of each key, in one round trip where it can (cache:inspect); null for a key gone meanwhile. */
  describe?(keys: string[]): Promise<Array<KeyFacts | null>>;
  /**
   * A store made of independent servers (the distributed ring) hands out
   * each one's driver, so views can report per server (cache:inspect). The
   * drivers stay owned by this one: callers never dispose them.
   */
  partitions?(): Promise<Array<{ id: string; driver: CacheDriver }>>;
}

/** A value read through the codec, with its TTL. */
export interface Entry {
  key: string;
  raw: Buffer;
  decoded: Decoded;
}

/** Options for writing a value. */
export interface SetOptions {
  /** Seconds; omitted or 0 means no expiry. */
  ttl?: number;
  tags?: readonly string[];
}

/** The outcome of a bulk delete by pattern or prefix. */
export interface DeleteResult {
  scanned: number;
  matched: number;
  deleted: number;
  /** A few of the matched keys (without the prefix), for dry runs and logs. */
  sample: string[];
}

/** The store commands work with: keys live inside `prefix`. */
export interface CacheStore {
  readonly name: string;
  readonly driver: string;
  readonly prefix: string;
  readonly capabilities: Capabilities;
  readonly location: string;

  get(key: string): Promise<unknown>;
  getEntry(key: string): Promise<Entry | null>;
  getMultiple(keys: readonly string[]): Promise<Map<string, unknown>>;
  set(key: string, value: unknown, options?: SetOptions): Promise<void>;
  /**
   * Stores bytes exactly as given (no codec); with `nx`, only when absent;
   * with `envelope`, the bytes are a value in Glueful's format and get the
   * store's PHP-client layer (phpredis serializer/compression) like any
   * value. True when written.
   */
  setRaw(key: string, bytes: Buffer, options?: SetOptions & { nx?: boolean; envelope?: boolean }): Promise<boolean>;
  /**
   * Writes many values from a (possibly async, possibly huge) stream, memory
   * bounded. An entry's own options (third element) override `options`.
   */
  setMultiple(entries: Iterable<BulkInput> | AsyncIterable<BulkInput>, options?: SetOptions): Promise<BulkWriteResult>;
  /** setMultiple for a stream already in batches (no per-entry async step: the fast path for big sources). */
  setBatches(batches: AsyncIterable<BulkInput[]>, options?: SetOptions): Promise<BulkWriteResult>;
  setNx(key: string, value: unknown, options?: SetOptions): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  deleteMultiple(keys: readonly string[]): Promise<number>;
  /** Deletes `key` only while it still holds these exact bytes (lock release). */
  deleteIfEquals(key: string, bytes: Buffer): Promise<boolean>;
  /** Deletes `key` only while it still holds this value, as this store encodes it (lock release by token). */
  deleteIfValue(key: string, value: unknown): Promise<boolean>;
  has(key: string): Promise<boolean>;
  increment(key: string, by?: number): Promise<number>;
  decrement(key: string, by?: number): Promise<number>;
  ttl(key: string): Promise<number | null>;
  expire(key: string, ttl: number): Promise<boolean>;
  remember<T>(key: string, loader: () => Promise<T> | T, options?: SetOptions): Promise<T>;

  /** Keys (without the prefix) matching a glob, streaming in batches. */
  getKeys(glob?: string, options?: ScanOptions): AsyncIterable<string[]>;
  getKeyCount(glob?: string, options?: ScanOptions): Promise<number>;
  /**
   * About one key in `every` of those matching a glob, where reading a key
   * costs a read of its own (see CacheDriver.sampleScan); null where the
   * store lists keys cheaply (take getKeys and measure one in `every`).
   */
  sampleKeys(glob: string, every: number, options?: ScanOptions): AsyncIterable<string[]> | null;
  deletePattern(glob: string, options?: BulkOptions): Promise<DeleteResult>;
  /** Deletes every key under the prefix, and nothing else. */
  clear(options?: BulkOptions): Promise<DeleteResult>;

  addTags(key: string, tags: readonly string[]): Promise<void>;
  /** Keys (inside the prefix, without it) carrying a tag, streaming. */
  getTagKeys(tag: string, options?: ScanOptions): AsyncIterable<string[]>;
  /** The tags in use, each once; nothing where the store has no tags; NotSupportedError where they cannot be listed. */
  tagNames(options?: ScanOptions): AsyncIterable<string[]>;
  invalidateTags(tags: readonly string[], options?: BulkOptions): Promise<DeleteResult>;

  zadd(key: string, members: readonly ZMember[]): Promise<number>;
  zrange(key: string, start: number, stop: number): Promise<ZMember[]>;
  zremrangebyscore(key: string, min: number, max: number): Promise<number>;

  /**
   * Entries with their remaining TTLs (null when the store cannot tell: -1
   * for none), in one round trip where the store can: `entry` null for a
   * key gone, 'other' for a key holding another data type (a sorted set).
   */
  readEntries(keys: readonly string[]): Promise<Array<{ entry: Entry | null | 'other'; ttl: number | null }>>;
  /** Size, TTL and format of keys inside the prefix (without it); NotSupportedError where the store cannot tell. */
  describeKeys(keys: readonly string[]): Promise<KeyFacts[]>;
  /** See CacheDriver.flushDatabase; NotSupportedError where the store has none. */
  flushDatabase(database: number): Promise<string[]>;
  /** See CacheDriver.pruneTags. */
  pruneTags(options?: ScanOptions): Promise<number>;
  /**
   * The store itself, or for a distributed ring one store per node (same
   * prefix and codec), for views that report per server. Never dispose the
   * parts: they belong to this store.
   */
  parts(): Promise<Array<{ id: string; store: CacheStore }>>;

  ping(): Promise<number>;
  getStats(): Promise<DriverStats>;
  getCapabilities(): Capabilities;
  dispose(): Promise<void>;
}

/** One entry of setMultiple: key, value, and optionally its own TTL and tags. */
export type BulkInput = [key: string, value: unknown, options?: SetOptions];

/** Options shared by the bulk deletes. */
export interface BulkOptions extends ScanOptions {
  dryRun?: boolean;
  /** How many matched keys to keep as a sample. */
  sampleSize?: number;
  onProgress?: (progress: Progress) => void;
}
