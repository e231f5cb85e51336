/**
 * The Memcached store: memjs for the data path (binary protocol), a small
 * text-protocol connection per server for what the binary protocol lacks:
 * real TTLs (`mg <key> t`), key enumeration (`lru_crawler metadump all`),
 * pipelined deletes (`md`), `stats settings` for item_size_max.
 *
 * Several servers share keys by consistent hashing (see ketama.ts). Tags are
 * emulated with an index entry per tag, `_gf_tag:{tag}`, holding the tagged
 * keys one per line (grown with APPEND); sorted sets as a PHP-serialized
 * {member: score} map under the key, as Glueful's PHP driver stores them.
 */
import type { Client } from 'memjs';
import { mergeAsync } from '../../core/async.js';
import { streamDelete, summedProgress, sumResults } from '../../core/bulk.js';
import { GLUEFUL_MAX_VALUE_BYTES, type StoredValue } from '../../core/codec.js';
import { decodeMemcachedItem, encodeMemcachedItem } from '../../core/codecs/php-memcached.js';
import { memcachedItemFormat, type KeyFacts } from '../../core/inspect.js';
import type { BulkOptions, CacheDriver, DeleteResult, DriverStats, DriverTraits, ScanOptions, SortedSets, TagIndex } from '../../core/contract.js';
import { CacheError, UsageError } from '../../core/errors.js';
import { globToRegExp } from '../../core/glob.js';
import { emulatedSortedSets, parseScoreMap, serializeScoreMap } from '../../core/score-map.js';
import { KetamaRing } from './ketama.js';
import { memcachedUnavailable, parseServers, type MemcachedServer } from './servers.js';
import { dumpKeys } from './dump.js';
import * as binary from './binary.js';
import { TextConnection } from './text.js';


/** Bytes of string items read at once by cache:inspect to see their format (memcached sends only whole values). */
const HEAD_ROUND_BYTES = 4 * 1024 * 1024;
/** Driver name constant. */
export const DRIVER_NAME = 'memcached';

/** Options of the Memcached store (`stores.memcached`). */
export interface MemcachedDriverOptions {
  /** One server's host. Default 127.0.0.1. Env: MEMCACHED_HOST. */
  host?: string;
  /** One server's port. Default 11211. Env: MEMCACHED_PORT. */
  port?: number;
  /** Several servers, `host:port[:weight]`; overrides host/port. */
  servers?: Array<string | { host: string; port: number; weight?: number }>;
  /** SASL user (binary protocol only: the text-protocol features are then unavailable). */
  username?: string;
  /** SASL password. Never printed. */
  password?: string;
  /** Connect and command timeout, seconds. Default 2.5. */
  timeout?: number;
  /**
   * Compress values over 2000 bytes as php-memcached does with its
   * compression on (the seed's `options.compression`), so entries look like
   * the app's own. Reads follow each item's flags either way. Default off.
   */
  compression?: boolean;
}

/** Glueful's tag naming, shared with the Redis store. */
const TAG_INDEX_PREFIX = '_gf_tag:';
/** memcached reads expiry times over 30 days as absolute unix time. */
const RELATIVE_TTL_LIMIT = 2_592_000;
const DELETE_BATCH = 1000;
const DELETES_IN_FLIGHT = 8;
const FORBIDDEN_KEY_CHARS = /[\s\x00-\x1f\x7f]/;

const TRAITS: DriverTraits = { persistent: false, shared: true, maxKeyBytes: 250 };

/** The expiry field memcached expects for a TTL in seconds (0 = never). */
export function expiryFor(ttl: number): number {
  if (ttl <= 0) return 0;
  return ttl > RELATIVE_TTL_LIMIT ? Math.floor(Date.now() / 1000) + ttl : ttl;
}

/** The Memcached store driver. */
export class MemcachedDriver implements CacheDriver {
  readonly driver = DRIVER_NAME;
  readonly traits = TRAITS;
  readonly location: string;
  /**
   * TTL reads (`mg`), key listing (`lru_crawler metadump`), pattern deletes
   * (`md`) and tag-index pruning (CAS) need the text protocol, which memcached
   * turns off when SASL is on: a store with credentials has none of them,
   * so it says so up front instead of starting work it cannot finish.
   */
  readonly ttl?: (key: string) => Promise<number | null>;
  readonly scan?: (glob: string, options?: ScanOptions) => AsyncIterable<string[]>;
  readonly deleteMatching?: (glob: string, options: BulkOptions) => Promise<DeleteResult | null>;
  readonly describe?: (keys: string[]) => Promise<Array<KeyFacts | null>>;
  /** Emulated tags: an index item `_gf_tag:{tag}` per tag listing its keys, grown with APPEND. */
  readonly tags: TagIndex;
  /** Sorted sets as Glueful's memcached driver keeps them: the score map under the key (read-modify-write, no lock: as PHP). */
  readonly sortedSets: SortedSets = emulatedSortedSets({
    read: (key) => this.readScores(key),
    write: (key, scores) => this.set(key, serializeScoreMap(scores), 0),
    locked: (_key, work) => work(),
  });
  private readonly servers: MemcachedServer[];
  private readonly ring: KetamaRing;
  private readonly timeoutMs: number;
  private readonly sasl: boolean;
  /** Per-server work the text protocol does, or its binary stand-in with SASL (chosen once, here). */
  private readonly access: ServerAccess;
  private client?: Promise<Client>;
  private disposed = false;
  private readonly text = new Map<string, TextConnection>();
  private readonly itemSizeMax = new Map<MemcachedServer, number | null | Promise<number | null>>();
  /** One driver per server, made for views per server (cache:inspect) and disposed with this one. */
  private perServer?: Array<{ id: string; driver: MemcachedDriver }>;
  /** With several servers: each one's own driver (see CacheDriver.partitions). */
  readonly partitions?: () => Promise<Array<{ id: string; driver: CacheDriver }>>;

  constructor(private readonly options: MemcachedDriverOptions) {
    this.servers = parseServers(options);
    this.ring = new KetamaRing(this.servers.map((s) => ({ id: `${s.host}:${s.port}`, weight: s.weight })));
    this.timeoutMs = Math.round((options.timeout ?? 2.5) * 1000);
    this.sasl = Boolean(options.username);
    const tags: TagIndex = {
      kind: 'emulated',
      add: (key, list) => this.addTags(key, list),
      members: (tag) => this.tagMembers(tag),
      drop: (list) => this.dropTags(list),
    };
    this.access = this.sasl ? this.binaryAccess() : this.textAccess();
    if (!this.sasl) {
      this.ttl = (key) => this.readTtl(key);
      this.scan = (glob, options) => this.scanKeys(glob, options);
      this.deleteMatching = (glob, options) => this.deleteMatchingKeys(glob, options);
      this.describe = (keys) => this.describeKeys(keys);
      tags.prune = (options) => this.pruneTags(options);
      tags.names = (options) => this.tagNames(options);
    }
    this.tags = tags;
    this.location = `memcached://${this.servers.map((s) => `${s.host}:${s.port}`).join(',')}`;
    if (this.servers.length > 1) {
      this.partitions = async () =>
        (this.perServer ??= this.servers.map((s) => ({
          id: `memcached://${s.host}:${s.port}`,
          driver: new MemcachedDriver({ ...this.options, servers: [{ host: s.host, port: s.port }] }),
        })));
    }
  }

  /** The memjs client, created on first use, placing keys on the ring. */
  private connection(): Promise<Client> {
    if (this.disposed) return Promise.reject(new CacheError('the memcached store was already closed'));
    this.client ??= import('memjs').then(({ Client: MemjsClient }) => {
      const auth = this.sasl ? `${encodeURIComponent(this.options.username!)}:${encodeURIComponent(this.options.password ?? '')}@` : '';
      const list = this.servers.map((s) => `${auth}${s.host}:${s.port}`).join(',');
      const client = MemjsClient.create(list, {
        serializer: ITEM_FLAGS as never,
        timeout: this.timeoutMs / 1000,
        conntimeout: this.timeoutMs / 1000,
        retries: 0,
        failover: false,
        expires: 0,
        logger: { log: () => undefined }, // memjs logs to the console by default
      });
      // memjs asks getServer() for a server index (its typings say string).
      (client as unknown as { getServer(key: string): number }).getServer = (key) => this.ring.serverFor(key);
      // memjs has no retries here, so no answer comes after its connect and request timeouts.
      binary.answerWithin(client, 2 * this.timeoutMs + 1000);
      return client;
    });
    return this.client;
  }

  private serverOf(key: string): MemcachedServer {
    return this.servers.length === 1 ? this.servers[0]! : this.servers[this.ring.serverFor(key)]!;
  }

  /** A text-protocol connection to a server; `dump` is kept apart, as metadump must run alone. */
  private textTo(server: MemcachedServer, purpose: 'main' | 'dump' = 'main'): TextConnection {
    if (this.disposed) throw new CacheError('the memcached store was already closed');
    const id = `${server.host}:${server.port}/${purpose}`;
    let connection = this.text.get(id);
    if (!connection) {
      connection = new TextConnection(server, this.timeoutMs);
      this.text.set(id, connection);
    }
    return connection;
  }

  /**
   * Runs an operation, turning failures into the tool's errors naming the
   * server (given, or the owner of a key, worked out only on failure).
   */
  private async call<T>(where: MemcachedServer | string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof CacheError) throw error;
      const message = (error as Error)?.message ?? String(error);
      if (/non-numeric|Non-numeric/.test(message)) throw new UsageError('cannot increment: the value is not an integer');
      if (/too large|Too large|E2BIG/i.test(message)) throw new UsageError(`value too large for memcached: ${message}`);
      throw memcachedUnavailable(error, [typeof where === 'string' ? this.serverOf(where) : where]);
    }
  }

  /**
   * Item size, TTL and flags of each key (`mg <key> s t f`, pipelined per
   * server); the format comes from the flags (the PHP type, and the
   * compression) and, for string items, from their first bytes (a `json:`
   * value is `json`, as on the other stores). Memcached cannot send part of
   * a value, so string items are read whole, a few MiB at a time. Needs the
   * text protocol.
   */
  private async describeKeys(keys: string[]): Promise<Array<KeyFacts | null>> {
    const items = await Promise.all(
      keys.map(async (key) => {
        const server = this.serverOf(key);
        const reply = await this.call(server, () => this.textTo(server).line(`mg ${key} s t f`));
        if (!reply.startsWith('HD')) return null;
        const field = (name: string) => Number(new RegExp(` ${name}(-?\\d+)`).exec(reply)?.[1] ?? NaN);
        return { key, bytes: field('s'), ttl: field('t') < 0 ? -1 : field('t'), flags: field('f') || 0 };
      }),
    );
    const heads = await this.stringHeads(items.flatMap((item) => (item && (item.flags & 0x0f) === 0 ? [item] : [])));
    return items.map((item) => item && { key: item.key, bytes: item.bytes, ttl: item.ttl, format: memcachedItemFormat(item.flags, heads.get(item.key) ?? null) });
  }

  /** The values of these items (null when gone meanwhile), read in rounds of at most HEAD_ROUND_BYTES. */
  private async stringHeads(items: Array<{ key: string; bytes: number }>): Promise<Map<string, Buffer | null>> {
    const heads = new Map<string, Buffer | null>();
    for (let i = 0; i < items.length; ) {
      const round: string[] = [];
      for (let size = 0; i < items.length && (round.length === 0 || size + items[i]!.bytes <= HEAD_ROUND_BYTES); i++) {
        size += items[i]!.bytes;
        round.push(items[i]!.key);
      }
      await Promise.all(
        round.map(async (key) => {
          const server = this.serverOf(key);
          const [status, value] = await this.call(server, () => this.textTo(server).request(`mg ${key} v\r\n`, () => true));
          heads.set(key, status?.toString('latin1').startsWith('VA') && value ? value : null);
        }),
      );
    }
    return heads;
  }

  /** Refuses keys memcached cannot hold (exit 2), before anything is sent. */
  checkKey(key: string): void {
    if (FORBIDDEN_KEY_CHARS.test(key)) {
      throw new UsageError('invalid key: memcached keys cannot contain spaces or control characters');
    }
  }

  /** The server's item_size_max, asked once; null when it cannot be asked (SASL). */
  private limitFor(server: MemcachedServer): number | null | Promise<number | null> {
    let limit = this.itemSizeMax.get(server);
    if (limit === undefined) {
      limit = this.call(server, () => this.access.itemSizeMax(server)).then((value) => {
        this.itemSizeMax.set(server, value);
        return value;
      });
      this.itemSizeMax.set(server, limit);
    }
    return limit;
  }

  private async checkSize(key: string, value: Buffer): Promise<void> {
    // Values far below memcached's smallest possible item_size_max (1 KiB) need no look-up.
    if (value.length + Buffer.byteLength(key) < 960) return;
    const server = this.serverOf(key);
    const itemSizeMax = await this.limitFor(server);
    if (itemSizeMax === null) return; // the server says so itself when it refuses the value
    // memcached stores the key and ~50 bytes of item header in the same slab item.
    const limit = itemSizeMax - Buffer.byteLength(key) - 64;
    if (value.length > limit) {
      throw new UsageError(`value is ${value.length} bytes, over memcached's item size limit on ${server.host}:${server.port} (item_size_max, about ${limit} bytes for this key)`);
    }
  }

  async get(key: string): Promise<Buffer | null> {
    return (await this.getStored(key))?.bytes ?? null;
  }

  /** The value with its client flags: php-memcached keeps the PHP type and compression there. */
  async getStored(key: string): Promise<StoredValue | null> {
    const client = await this.connection();
    const item = await this.call(key, () => client.get(key));
    if (item.value === null) return null;
    // memjs hands over the flags as the 4 extra bytes of the binary reply (big-endian).
    const extras = item.flags as unknown as Buffer | null;
    return { bytes: item.value, flags: extras && extras.length >= 4 ? extras.readUInt32BE(0) : 0 };
  }

  getMany(keys: string[]): Promise<Array<Buffer | null>> {
    return Promise.all(keys.map((k) => this.get(k)));
  }

  async set(key: string, value: Buffer, ttl: number, tags?: readonly string[]): Promise<void> {
    const item = this.item(value);
    await this.checkSize(key, item.bytes);
    const client = await this.connection();
    await this.call(key, () => client.set(key, item as never, { expires: expiryFor(ttl) }));
    if (tags?.length) await this.addTags(key, tags);
  }

  async setNx(key: string, value: Buffer, ttl: number): Promise<boolean> {
    const item = this.item(value);
    await this.checkSize(key, item.bytes);
    const client = await this.connection();
    return this.call(key, () => client.add(key, item as never, { expires: expiryFor(ttl) }));
  }

  /** The bytes and flags to store a value with (compressed as php-memcached would, when asked). */
  private item(value: Buffer): { bytes: Buffer; flags: number } {
    return this.options.compression ? encodeMemcachedItem(value) : { bytes: value, flags: 0 };
  }

  async delete(keys: readonly string[]): Promise<number> {
    const client = await this.connection();
    const results = await Promise.all(keys.map((k) => this.call(k, () => client.delete(k))));
    return results.filter(Boolean).length;
  }

  /** Compare-and-delete: read the value and its CAS, delete only with that CAS. */
  deleteIfEquals(key: string, value: Buffer): Promise<boolean> {
    return this.call(this.serverOf(key), () => this.access.deleteIfEquals(key, value));
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== null;
  }

  async increment(key: string, by: number): Promise<number> {
    const client = await this.connection();
    // Binary incr/decr create a missing key with `initial`, and memcached counters never go below 0.
    const result = await this.call(key, () =>
      by >= 0 ? client.increment(key, by, { initial: by }) : client.decrement(key, -by, { initial: 0 }),
    );
    return Number(result.value);
  }

  private async readTtl(key: string): Promise<number | null> {
    const server = this.serverOf(key);
    const reply = await this.call(server, () => this.textTo(server).line(`mg ${key} t`));
    if (reply.startsWith('EN')) return null;
    const match = / t(-?\d+)/.exec(reply);
    if (!reply.startsWith('HD') || !match) throw new CacheError(`memcached: unexpected reply to mg: ${reply}`);
    return Number(match[1]) < 0 ? -1 : Number(match[1]);
  }

  async expire(key: string, ttl: number): Promise<boolean> {
    const client = await this.connection();
    return this.call(key, () => client.touch(key, expiryFor(ttl)));
  }

  /** One server's matching keys, with connection failures named like every other error. */
  private async *dump(server: MemcachedServer, matcher: RegExp, options: ScanOptions): AsyncIterable<string[]> {
    try {
      yield* dumpKeys(this.textTo(server, 'dump'), { matcher, signal: options.signal, batchSize: options.batchSize });
    } catch (error) {
      if (error instanceof CacheError) throw error;
      throw memcachedUnavailable(error, [server]);
    }
  }

  private async *scanKeys(glob: string, options: ScanOptions = {}): AsyncIterable<string[]> {
    const matcher = globToRegExp(glob);
    yield* mergeAsync(this.servers.map((server) => this.dump(server, matcher, options)));
  }

  /** Deletes, on each server, the keys its own metadump lists, with pipelined `md`. */
  private async deleteMatchingKeys(glob: string, options: BulkOptions = {}): Promise<DeleteResult | null> {
    const matcher = globToRegExp(glob);
    const progress = summedProgress(options.onProgress, this.servers.length);
    const results = await Promise.all(
      this.servers.map((server, i) =>
        streamDelete(this.dump(server, matcher, { signal: options.signal, batchSize: DELETE_BATCH }), (keys) => this.quietDelete(server, keys), {
          ...options,
          onProgress: progress[i],
          inFlight: DELETES_IN_FLIGHT,
          deleteBatch: DELETE_BATCH,
        }),
      ),
    );
    return sumResults(results, options.sampleSize);
  }

  /**
   * Quiet meta deletes on one server: `md <key> q` answers only when a key was
   * not there (NF), and `mn` closes the batch; returns how many existed.
   */
  private async quietDelete(server: MemcachedServer, keys: string[]): Promise<number> {
    const payload = keys.map((k) => `md ${k} q\r\n`).join('') + 'mn\r\n';
    const replies = await this.call(server, () => this.textTo(server).request(payload, (line) => line === 'MN'));
    return keys.length - (replies.length - 1);
  }

  private async addTags(key: string, tags: readonly string[]): Promise<void> {
    const client = await this.connection();
    for (const tag of tags) {
      const index = TAG_INDEX_PREFIX + tag;
      const line = Buffer.from(`${key}\n`);
      // memjs reports a failed APPEND (no such index yet) as an error, not false.
      const append = () => client.append(index, line).catch((error: Error) => (/not stored/i.test(error.message) ? false : Promise.reject(error)));
      await this.call(index, async () => {
        // APPEND is atomic; a missing index is created with ADD (and re-appended if another won).
        if (await append()) return;
        if (await client.add(index, line, { expires: 0 })) return;
        await append();
      });
    }
  }

  /** Tag names, from the `_gf_tag:*` index items (needs the text protocol's key listing). */
  private async *tagNames(options: ScanOptions = {}): AsyncIterable<string[]> {
    for await (const items of this.scanKeys(`${TAG_INDEX_PREFIX}*`, options)) yield items.map((k) => k.slice(TAG_INDEX_PREFIX.length));
  }

  private async *tagMembers(tag: string): AsyncIterable<string[]> {
    const raw = await this.get(TAG_INDEX_PREFIX + tag);
    if (!raw) return;
    const keys = indexKeys(raw);
    for (let i = 0; i < keys.length; i += DELETE_BATCH) yield keys.slice(i, i + DELETE_BATCH);
  }

  /**
   * Rewrites each tag index without the keys that are gone. The rewrite is a
   * compare-and-swap (`mg v c` then `ms … C<cas>`), so an APPEND racing it
   * makes it retry rather than lose the appended key.
   */
  private async pruneTags(options: ScanOptions = {}): Promise<number> {
    let removed = 0;
    for await (const indexes of this.scanKeys(`${TAG_INDEX_PREFIX}*`, options)) {
      for (const index of indexes) removed += await this.pruneIndex(index);
    }
    return removed;
  }

  private async pruneIndex(index: string): Promise<number> {
    const server = this.serverOf(index);
    const text = this.textTo(server);
    for (let attempt = 0; attempt < 5; attempt++) {
      const item = await this.call(server, () => metaGet(text, index));
      if (!item) return 0;
      const { cas } = item;
      const keys = indexKeys(item.value);
      const alive = await Promise.all(keys.map((k) => this.has(k)));
      const live = keys.filter((_, i) => alive[i]);
      if (live.length === keys.length) return 0;
      const body = Buffer.from(live.map((k) => `${k}\n`).join(''));
      const command = live.length
        ? Buffer.concat([Buffer.from(`ms ${index} ${body.length} C${cas} T0\r\n`), body, Buffer.from('\r\n')])
        : `md ${index} C${cas}\r\n`;
      const answer = (await this.call(server, () => text.request(command, () => true)))[0]?.toString('latin1') ?? '';
      if (answer.startsWith('HD')) return keys.length - live.length;
      if (!answer.startsWith('EX')) return 0; // gone meanwhile (NF): nothing left to prune
    }
    return 0;
  }

  private async dropTags(tags: readonly string[]): Promise<void> {
    await this.delete(tags.map((t) => TAG_INDEX_PREFIX + t));
  }

  private async readScores(key: string): Promise<Map<string, number>> {
    const stored = await this.getStored(key);
    if (!stored) return new Map();
    // Glueful's PHP driver may have written a large set compressed (php-memcached flags).
    return parseScoreMap(decodeMemcachedItem(stored.bytes, stored.flags ?? 0, GLUEFUL_MAX_VALUE_BYTES).bytes);
  }

  async ping(): Promise<number> {
    const started = performance.now();
    await Promise.all(this.servers.map((s) => this.call(s, () => this.access.ping(s))));
    return performance.now() - started;
  }

  async stats(): Promise<DriverStats> {
    const rows = await Promise.all(this.servers.map((s) => this.serverStats(s)));
    const sum = (name: string) => rows.reduce((total, r) => total + Number(r.stats.get(name) ?? 0), 0);
    const info = rows.map((r) => r.row);
    return {
      totalKeys: sum('curr_items'),
      bytes: sum('bytes'),
      hits: sum('get_hits'),
      misses: sum('get_misses'),
      memoryUsed: sum('bytes'),
      memoryLimit: sum('limit_maxbytes') || undefined,
      info: info.length === 1 ? info[0]! : { servers: info.length },
      nodes: info.length > 1 ? info : undefined,
    };
  }

  private async serverStats(server: MemcachedServer) {
    const started = performance.now();
    const stats = await this.call(server, () => this.access.stats(server));
    const latency = Math.round((performance.now() - started) * 100) / 100;
    const num = (name: string) => (stats.has(name) ? Number(stats.get(name)) : null);
    return {
      stats,
      row: {
        server: `${server.host}:${server.port}`,
        version: stats.get('version') ?? null,
        uptimeSeconds: num('uptime'),
        items: num('curr_items'),
        bytes: num('bytes'),
        limitBytes: num('limit_maxbytes'),
        evictions: num('evictions'),
        connections: num('curr_connections'),
        latencyMs: latency,
      },
    };
  }

  async flushDatabase(database: number): Promise<string[]> {
    if (database !== 0) throw new UsageError('memcached has no numbered databases: use --flush-database 0');
    return Promise.all(
      this.servers.map(async (s) => {
        await this.call(s, () => this.access.flush(s));
        return `${s.host}:${s.port}`;
      }),
    );
  }

  /** Server work over the text protocol. */
  private textAccess(): ServerAccess {
    return {
      ping: async (server) => void (await this.textTo(server).line('version')),
      stats: async (server) => statLines(await this.textTo(server).request('stats\r\n', (l) => l === 'END')),
      itemSizeMax: async (server) => {
        const settings = statLines(await this.textTo(server).request('stats settings\r\n', (l) => l === 'END'));
        return Number(settings.get('item_size_max') ?? 1024 * 1024);
      },
      deleteIfEquals: async (key, value) => {
        const text = this.textTo(this.serverOf(key));
        const item = await metaGet(text, key);
        if (!item || !item.value.equals(value)) return false;
        return (await text.line(`md ${key} C${item.cas}`)).startsWith('HD');
      },
      flush: async (server) => {
        const reply = await this.textTo(server).line('flush_all');
        if (reply !== 'OK') throw new CacheError(`memcached ${server.host}:${server.port} answered flush_all with ${reply}`);
      },
    };
  }

  /** The same over the binary protocol, for a server with SASL (its text protocol is off). */
  private binaryAccess(): ServerAccess {
    return {
      // A GET of an absent key proves the connection and the credentials.
      ping: async () => void (await (await this.connection()).get('glueful:ping')),
      stats: async (server) => {
        const client = await this.connection();
        const wanted = `${server.host}:${server.port}`;
        // memjs asks every server and calls back once per server.
        const found = await new Promise<Record<string, string>>((resolve, reject) => {
          client.stats((error, name, values) => {
            if (name !== wanted) return;
            if (error || !values) reject(error ?? new Error('no stats'));
            else resolve(values);
          });
        });
        return new Map(Object.entries(found));
      },
      itemSizeMax: async () => null,
      deleteIfEquals: async (key, value) => binary.deleteIfEquals(await this.connection(), key, value),
      flush: async () => void (await (await this.connection()).flush()),
    };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all((this.perServer ?? []).map((p) => p.driver.dispose()));
    for (const connection of this.text.values()) connection.close();
    this.text.clear();
    const client = await this.client?.catch(() => null);
    client?.close();
  }
}

/**
 * memjs writes item flags 0 and hands reads back with the flags in `extras`.
 * This serializer lets a write carry its flags ({bytes, flags}) into the
 * first four bytes of the request's extras (big-endian, before the expiry).
 */
const ITEM_FLAGS = {
  serialize(_opcode: number, value: Buffer | string | { bytes: Buffer; flags: number }, extras: Buffer) {
    if (typeof value === 'object' && !Buffer.isBuffer(value)) {
      if (extras.length >= 4) extras.writeUInt32BE(value.flags, 0);
      return { value: value.bytes, extras };
    }
    return { value, extras };
  },
  deserialize: (_opcode: number, value: unknown, extras: Buffer) => ({ value, extras }),
};

/** What the text protocol does per server, or its binary stand-in when SASL turned text off. */
interface ServerAccess {
  /** Proves the server answers (and, with SASL, accepts the credentials). */
  ping(server: MemcachedServer): Promise<void>;
  /** The server's `stats`. */
  stats(server: MemcachedServer): Promise<Map<string, string>>;
  /** item_size_max, or null when the server cannot be asked. */
  itemSizeMax(server: MemcachedServer): Promise<number | null>;
  /** Compare-and-delete of a key on its server. */
  deleteIfEquals(key: string, value: Buffer): Promise<boolean>;
  flush(server: MemcachedServer): Promise<void>;
}

/** `STAT <name> <value>` lines as a map. */
function statLines(lines: Buffer[]): Map<string, string> {
  const stats = new Map<string, string>();
  for (const line of lines) {
    const [, name, value] = line.toString('latin1').split(' ');
    if (name && value !== undefined) stats.set(name, value);
  }
  return stats;
}

/** A tag index item: the tagged keys, one per line (appended, so maybe repeated). */
function indexKeys(raw: Buffer): string[] {
  return [...new Set(raw.toString('utf8').split('\n').filter(Boolean))];
}

/** `mg <key> v c`: the value and its CAS, or null when the key is absent. */
async function metaGet(text: TextConnection, key: string): Promise<{ value: Buffer; cas: string } | null> {
  const reply = await text.request(`mg ${key} v c\r\n`, (line) => !line.startsWith('VA '));
  const header = reply[0]?.toString('latin1') ?? '';
  const cas = / c(\d+)/.exec(header)?.[1];
  return header.startsWith('VA') && cas && reply[1] ? { value: reply[1], cas } : null;
}

/** Creates the Memcached store driver (connects on first use). */
export function createDriver(options: MemcachedDriverOptions): CacheDriver {
  return new MemcachedDriver(options);
}
