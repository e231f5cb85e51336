/**
 * The Redis store (ioredis): standalone, URL, TLS, ACL, Sentinel, Cluster.
 *
 * Pattern work SCANs (never KEYS) and UNLINKs in batches; on a cluster every
 * master is scanned in parallel and deletes are grouped by hash slot. Tags
 * are Glueful's own `_gf_tag:{tag}` sets, so tags written by the PHP app
 * invalidate from here and the reverse.
 */
import type { Cluster, Redis } from 'ioredis';
import slotOf from 'cluster-key-slot';
import { answerLost, withUnknownDeletes } from '../../core/bulk.js';
import type {
  BulkEntry,
  BulkOptions,
  BulkWriteResult,
  CacheDriver,
  DeleteResult,
  DriverStats,
  DriverTraits,
  ScanOptions,
  SortedSets,
  TagIndex,
  ZMember,
} from '../../core/contract.js';
import { CacheError, PartialFailureError, StoreUnavailableError, UsageError } from '../../core/errors.js';
import { walkCluster } from './cluster-walk.js';
import { connect, isConnectionFailure, planConnection, unavailable, type ConnectionPlan, type RedisConnectionOptions } from './connection.js';
import { parseInfo, summarizeInfo } from './info.js';
import { RespConnection, type RespReply, type RespTarget } from './resp.js';
import { sniffFormat, type KeyFacts } from '../../core/inspect.js';
import { StepPacer } from '../../core/pacing.js';

/** Driver name constant. */
export const DRIVER_NAME = 'redis';

/** Options of the Redis store: the connection plus what every store takes. */
export type RedisDriverOptions = RedisConnectionOptions;

/** Glueful's PHP app keeps tag members in `SADD _gf_tag:{tag} <key>`. */
export const TAG_SET_PREFIX = '_gf_tag:';
/** Keys per SCAN step: large, so a pass over millions of keys takes few round trips. */
const SCAN_COUNT = 5000;
/**
 * A SCAN step should keep the server busy at most this long (see
 * core/pacing.ts and scanStep()): other clients wait that long behind it.
 */
const SCAN_STEP_MS = 2;
const LATENCY_SAMPLES = 20;

const TRAITS: DriverTraits = { persistent: true, shared: true, maxKeyBytes: 512 * 1024 * 1024 };

/**
 * One server-side step of a purge: SCAN a slice and UNLINK what matched, so
 * keys never travel to the client and back. Each step is small (a COUNT of
 * PURGE_COUNT) so other clients wait at most about a millisecond behind it.
 * unpack() is limited in stack size: UNLINK in chunks.
 *
 * So that a count never disagrees with the server, a step is bounded both
 * ways. It deletes at most ARGV[5] keys (SCAN may return a few more than
 * COUNT; those go back to the client, which UNLINKs them itself), so a step
 * whose reply is lost deleted at most that many. And it does nothing once
 * the server's clock is past ARGV[6] (microseconds; 0 for no limit), set
 * well within the client's reply timeout: a step that reaches a server
 * after a stall longer than that, when the client may have given up and
 * reported its count, deletes nothing behind the operator's back.
 * Returns {cursor, matched, deleted, sample, rest}; matched is -1 for a
 * step refused as late (the same cursor is tried again).
 */
const SCAN_AND_UNLINK = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local deadline = tonumber(ARGV[6])
if deadline > 0 then
  local now = redis.call('TIME')
  if tonumber(now[1]) * 1000000 + tonumber(now[2]) > deadline then return {ARGV[1], -1, 0, {}, {}} end
end
local page = redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', ARGV[3])
local keys = page[2]
local upto = math.min(#keys, tonumber(ARGV[5]))
local deleted = 0
for i = 1, upto, 500 do
  deleted = deleted + redis.call('UNLINK', unpack(keys, i, math.min(i + 499, upto)))
end
local sample = {}
for i = 1, math.min(#keys, tonumber(ARGV[4])) do sample[i] = keys[i] end
local rest = {}
for i = upto + 1, #keys do rest[#rest + 1] = keys[i] end
return {page[1], #keys, deleted, sample, rest}`;
const PURGE_COUNT = 2500;
/** Most keys one purge step deletes itself: what a step whose reply was lost may have deleted. */
const PURGE_STEP_LIMIT = 3000;

/** Lock release: delete only while the value is still ours (Glueful's PHP release is not atomic). */
const DELETE_IF_EQUALS = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/**
 * cache:inspect's look at a batch of keys (given as ARGV, so any keys may
 * go together): MEMORY USAGE, TTL, and the value's first 16 bytes (false
 * when the key holds no string) for each, flat.
 */
const DESCRIBE_SLICE = 200;
const DESCRIBE_KEYS = `
local out = {}
for i, key in ipairs(ARGV) do
  out[#out + 1] = redis.call('MEMORY', 'USAGE', key, 'SAMPLES', 0) or false
  out[#out + 1] = redis.call('TTL', key)
  local ok, head = pcall(redis.call, 'GETRANGE', key, 0, 15)
  out[#out + 1] = ok and head or false
end
return out`;

/**
 * cache:export's read of a batch of keys (as ARGV, so any keys may go
 * together): each value (false when missing, the integer 0 when the key
 * holds another data type) and its PTTL, flat. One MGET for the values
 * (it answers nil for a key of another type, where GET fails: PTTL, -2 only
 * for a missing key, tells the two apart) costs the server about a quarter
 * less than a GET per key under pcall.
 */
const READ_SLICE = 500;
const READ_KEYS = `
local values = redis.call('MGET', unpack(ARGV))
local out = {}
for i, key in ipairs(ARGV) do
  local pttl = redis.call('PTTL', key)
  local value = values[i]
  if not value and pttl ~= -2 then value = 0 end
  out[#out + 1] = value
  out[#out + 1] = pttl
end
return out`;

/** PERSIST answers 0 both for "no expiry" and "no key"; tell them apart atomically. */
const PERSIST_IF_EXISTS = "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PERSIST', KEYS[1]) return 1 end return 0";

/** The Redis store driver. */
export class RedisDriver implements CacheDriver {
  readonly driver = DRIVER_NAME;
  readonly traits = TRAITS;
  readonly location: string;
  /** native tags: Glueful's own `_gf_tag:{tag}` sets, shared with the PHP app. */
  readonly tags: TagIndex = {
    kind: 'native',
    add: (key, tags) => this.addTags(key, tags),
    members: (tag, options) => this.tagMembers(tag, options),
    drop: (tags) => this.dropTags(tags),
    prune: (options) => this.pruneTags(options),
    names: (options) => this.tagNames(options),
  };

  readonly sortedSets: SortedSets = {
    zadd: (key, members) => this.zadd(key, members),
    zrange: (key, start, stop) => this.zrange(key, start, stop),
    zremrangebyscore: (key, min, max) => this.zremrangebyscore(key, min, max),
  };

  private readonly plan: ConnectionPlan;
  private client?: Promise<Redis | Cluster>;
  /** The small RESP connection for single-key commands on a standalone server (see resp.ts). */
  private light?: Promise<RespConnection>;
  private disposed = false;

  constructor(options: RedisDriverOptions) {
    this.plan = planConnection(options);
    this.location = `redis://${this.plan.address}${this.plan.kind === 'cluster' ? ' (cluster)' : `/${this.plan.database}`}`;
  }

  /** The connected client, created on first use (never again after dispose()). */
  private connection(): Promise<Redis | Cluster> {
    if (this.disposed) return Promise.reject(new CacheError('the redis store was already closed'));
    this.client ??= connect(this.plan);
    return this.client;
  }

  /** Runs a command, mapping failures to the tool's errors. */
  private async run<T>(command: (client: Redis | Cluster) => Promise<T>): Promise<T> {
    let client: Redis | Cluster;
    try {
      client = await this.connection();
    } catch (error) {
      this.client = undefined; // a later call (a long-lived process) may find the server back
      throw error;
    }
    try {
      return await command(client);
    } catch (error) {
      const translated = this.translate(error);
      if (translated instanceof StoreUnavailableError) this.forget(client);
      throw translated;
    }
  }

  /** Drops a client whose connection failed, so the next call reconnects. */
  private forget(client: Redis | Cluster): void {
    client.disconnect();
    this.client = undefined;
  }

  private translate(error: unknown): Error {
    if (error instanceof CacheError) return error;
    if (isConnectionFailure(error)) return unavailable(error, this.plan);
    const message = (error as Error)?.message ?? String(error);
    if (message.startsWith('WRONGTYPE')) return new UsageError('the key holds a Redis data type other than a cache value');
    if (/not an integer|out of range/.test(message)) return new UsageError('cannot increment: the value is not an integer');
    return new CacheError(`redis: ${message}`, { cause: error });
  }

  /**
   * One single-key command: over our own RESP connection on a standalone
   * server (no ioredis to load), through ioredis on Sentinel and Cluster.
   */
  private async command(args: Array<string | Buffer | number>): Promise<RespReply> {
    if (this.plan.kind !== 'standalone') {
      // Not callBuffer(): with auto-pipelining (the cluster client) ioredis drops its command name.
      const { Command } = await import('ioredis');
      return this.run((c) => c.sendCommand(new Command(String(args[0]), args.slice(1), { replyEncoding: null })) as Promise<RespReply>);
    }
    if (this.disposed) throw new CacheError('the redis store was already closed');
    this.light ??= RespConnection.open(respTarget(this.plan)).catch((error: unknown) => {
      this.light = undefined; // a later call (a long-lived process) may find the server back
      throw unavailable(error, this.plan);
    });
    const connection = await this.light;
    try {
      return await connection.command(args);
    } catch (error) {
      // A broken connection is a connection failure whatever its words (a write may meet EPIPE first).
      const translated = connection.broken && !(error instanceof CacheError) ? unavailable(error, this.plan) : this.translate(error);
      if (translated instanceof StoreUnavailableError) {
        connection.close();
        this.light = undefined;
      }
      throw translated;
    }
  }

  private isCluster(client: Redis | Cluster): client is Cluster {
    return this.plan.kind === 'cluster' && 'nodes' in client;
  }

  async get(key: string): Promise<Buffer | null> {
    return bytesOf(await this.command(['GET', key]));
  }

  async getMany(keys: string[]): Promise<Array<Buffer | null>> {
    if (keys.length === 0) return [];
    // MGET must stay within one slot on a cluster; single GETs need not.
    if (this.plan.kind === 'cluster') return Promise.all(keys.map((k) => this.get(k)));
    const replies = await this.command(['MGET', ...keys]);
    return Array.isArray(replies) ? replies.map(bytesOf) : keys.map(() => null);
  }

  async set(key: string, value: Buffer, ttl: number, tags?: readonly string[]): Promise<void> {
    await this.command(ttl > 0 ? ['SET', key, value, 'EX', ttl] : ['SET', key, value]);
    if (tags?.length) await Promise.all(tags.map((t) => this.command(['SADD', TAG_SET_PREFIX + t, key])));
  }

  async setNx(key: string, value: Buffer, ttl: number): Promise<boolean> {
    return isOk(await this.command(ttl > 0 ? ['SET', key, value, 'EX', ttl, 'NX'] : ['SET', key, value, 'NX']));
  }

  async delete(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    if (this.plan.kind !== 'cluster') return Number(await this.command(['UNLINK', ...keys]));
    // On a cluster one UNLINK may only name keys of one slot.
    const bySlot = new Map<number, string[]>();
    for (const key of keys) {
      const slot = slotOf(key);
      const group = bySlot.get(slot);
      if (group) group.push(key);
      else bySlot.set(slot, [key]);
    }
    const counts = await Promise.all([...bySlot.values()].map((group) => this.unlinkInSlot(group)));
    return counts.reduce((a, b) => a + b, 0);
  }

  /**
   * UNLINK of keys of one slot on a cluster. While the slot migrates, its
   * keys are split between two masters and a multi-key UNLINK answers
   * TRYAGAIN until the move ends; one key at a time, each goes where it is
   * (ioredis follows the ASK or MOVED).
   */
  private async unlinkInSlot(keys: string[]): Promise<number> {
    try {
      return Number(await this.command(['UNLINK', ...keys]));
    } catch (error) {
      if (keys.length === 1 || !/TRYAGAIN/.test(String((error as Error)?.message ?? error))) throw error;
      const each = await Promise.all(keys.map(async (key) => Number(await this.command(['UNLINK', key]))));
      return each.reduce((a, b) => a + b, 0);
    }
  }

  async deleteIfEquals(key: string, value: Buffer): Promise<boolean> {
    return (await this.command(['EVAL', DELETE_IF_EQUALS, 1, key, value])) === 1;
  }

  async has(key: string): Promise<boolean> {
    return (await this.command(['EXISTS', key])) === 1;
  }

  async increment(key: string, by: number): Promise<number> {
    return Number(await this.command(['INCRBY', key, by]));
  }

  async ttl(key: string): Promise<number | null> {
    const ttl = Number(await this.command(['TTL', key]));
    return ttl === -2 ? null : ttl;
  }

  async expire(key: string, ttl: number): Promise<boolean> {
    return (await this.command(ttl > 0 ? ['EXPIRE', key, ttl] : ['EVAL', PERSIST_IF_EXISTS, 1, key])) === 1;
  }

  /**
   * Values and TTLs of keys: a small script per slice of keys on a
   * standalone server (one round trip, about a millisecond of the server's
   * time each), GET and PTTL per key on a cluster (auto-pipelined).
   */
  async readMany(keys: string[]): Promise<Array<{ bytes: Buffer | null; ttl: number } | null>> {
    // As TTL reports it: PTTL rounded to the nearest second.
    const seconds = (pttl: number) => (pttl < 0 ? -1 : Math.floor((pttl + 500) / 1000));
    if (this.plan.kind !== 'standalone') {
      return Promise.all(
        keys.map(async (key) => {
          const [value, pttl] = await Promise.all([this.command(['GET', key]).catch((e: unknown) => (e instanceof UsageError ? 0 : Promise.reject(e))), this.command(['PTTL', key])]);
          if (Number(pttl) === -2) return null;
          return { bytes: value === 0 ? null : bytesOf(value as RespReply), ttl: seconds(Number(pttl)) };
        }),
      );
    }
    // The slices' scripts go out together (pipelined on the one connection), answered in order.
    const slices: string[][] = [];
    for (let at = 0; at < keys.length; at += READ_SLICE) slices.push(keys.slice(at, at + READ_SLICE));
    const replies = await Promise.all(slices.map((slice) => this.command(['EVAL', READ_KEYS, 0, ...slice])));
    const reads: Array<{ bytes: Buffer | null; ttl: number } | null> = [];
    slices.forEach((slice, n) => {
      const flat = replies[n];
      if (!Array.isArray(flat)) throw new CacheError('redis: unexpected reply to the read script');
      slice.forEach((_, i) => {
        const [value, pttl] = [flat[i * 2], Number(flat[i * 2 + 1])];
        reads.push(pttl === -2 ? null : { bytes: value === 0 ? null : bytesOf(value ?? null), ttl: seconds(pttl) });
      });
    });
    return reads;
  }

  /**
   * MEMORY USAGE, TTL and the value's first 16 bytes of each key: pipelined
   * on a standalone server, one auto-pipelined request each on a cluster.
   */
  async describe(keys: string[]): Promise<Array<KeyFacts | null>> {
    if (this.plan.kind === 'standalone' && keys.length > 1) {
      // A script per slice of keys: one round trip each, and small enough (about a
      // millisecond) that other clients are not kept waiting behind it.
      const facts: Array<KeyFacts | null> = [];
      for (let at = 0; at < keys.length; at += DESCRIBE_SLICE) {
        const slice = keys.slice(at, at + DESCRIBE_SLICE);
        const flat = await this.command(['EVAL', DESCRIBE_KEYS, 0, ...slice]);
        if (!Array.isArray(flat)) throw new CacheError('redis: unexpected reply to the describe script');
        slice.forEach((key, i) => {
          const [bytes, ttl, head] = [flat[i * 3], flat[i * 3 + 1], flat[i * 3 + 2]];
          // Lua's false arrives as a null reply: no such key, or no string to read the head of.
          if (bytes === null || bytes === undefined || Number(ttl) === -2) facts.push(null);
          else facts.push({ key, bytes: Number(bytes), ttl: Number(ttl), format: sniffFormat(bytesOf(head ?? null)) });
        });
      }
      return facts;
    }
    const facts = async (key: string) => {
      const [bytes, ttl, head] = await Promise.all([
        this.command(['MEMORY', 'USAGE', key, 'SAMPLES', 0]),
        this.command(['TTL', key]),
        this.command(['GETRANGE', key, 0, 15]).catch(() => null), // not a string value: no head
      ]);
      if (bytes === null || Number(ttl) === -2) return null;
      return { key, bytes: Number(bytes), ttl: Number(ttl), format: sniffFormat(bytesOf(head)) };
    };
    return Promise.all(keys.map(facts));
  }

  /** SCAN over one node until its cursor comes back to 0; `keep` filters the keys (a cluster's re-walk of moved slots). */
  private async *scanNode(
    node: Redis,
    command: 'scan' | 'sscan',
    key: string | null,
    glob: string,
    signal?: AbortSignal,
    keep?: (key: string) => boolean,
  ) {
    let cursor = '0';
    const pacer = new StepPacer(SCAN_STEP_MS, 100, SCAN_COUNT, 1000);
    do {
      if (signal?.aborted) return;
      const step = await scanStep(node, command === 'scan' ? ['scan', cursor, 'MATCH', glob, 'COUNT', pacer.next] : ['sscan', key!, cursor, 'COUNT', pacer.next]);
      pacer.record(step.ms);
      cursor = step.cursor;
      const keys = keep ? step.keys.filter(keep) : step.keys;
      if (keys.length) yield keys;
    } while (cursor !== '0');
  }

  /**
   * Every key matching the glob. On a cluster every master is scanned in
   * parallel, and again where slots moved meanwhile (see cluster-walk.ts).
   */
  async *scan(glob: string, options: ScanOptions = {}): AsyncIterable<string[]> {
    const client = await this.connection();
    const walk = this.isCluster(client)
      ? walkCluster(client, (node, keep) => this.scanNode(node, 'scan', null, glob, options.signal, keep), options.signal)
      : this.scanNode(client, 'scan', null, glob, options.signal);
    try {
      yield* walk;
    } catch (error) {
      throw this.translate(error);
    }
  }

  /**
   * Bulk writes through a raw connection of their own (see mass-insert.ts),
   * to the server this client is connected to (for Sentinel: the master it
   * found). Declines on a cluster, where keys go to many nodes (the store
   * then writes through ioredis, which follows MOVED and ASK).
   *
   * A lost connection or a silent server ends the write with what it knows:
   * a PartialFailureError whose `done` is {written, failed, unknown}, or a
   * StoreUnavailableError (with the same `done`) when nothing was written.
   */
  async setMany(batches: AsyncIterable<BulkEntry[]>): Promise<BulkWriteResult | null> {
    const client = await this.connection();
    if (this.isCluster(client)) return null;
    const stream = (client as Redis & { stream?: { remoteAddress?: string; remotePort?: number } }).stream;
    const { massInsert, MassInsertError } = await import('./mass-insert.js');
    try {
      return await massInsert(
        {
          host: stream?.remoteAddress ?? this.plan.options.host ?? '127.0.0.1',
          port: stream?.remotePort ?? this.plan.options.port ?? 6379,
          username: this.plan.options.username,
          password: this.plan.options.password,
          database: this.plan.database,
          tls: this.plan.options.tls,
          timeoutMs: this.plan.timeoutMs,
        },
        batches,
      );
    } catch (error) {
      if (!(error instanceof MassInsertError)) throw this.translate(error);
      const cause = isConnectionFailure(error.cause) ? unavailable(error.cause, this.plan) : this.translate(error.cause);
      const { written, failed, unknown } = error.counts;
      const done = { written, failed, unknown };
      const more = [failed ? `${failed} refused` : '', unknown ? `${unknown} sent without a reply, which may or may not be stored` : ''].filter(Boolean);
      const detail = more.length ? ` (${more.join(', ')})` : '';
      if (written === 0) {
        // Nothing written: the store was unusable (exit 5), still saying what was attempted.
        throw new StoreUnavailableError(`${cause.message}${detail}`, { cause: error.cause, done });
      }
      throw new PartialFailureError(`stopped after writing ${written} entries${detail}: ${cause.message}`, done, { cause: error.cause });
    }
  }

  /**
   * Deletes the keys matching a glob server-side, one small script step at a
   * time. Declines (null) on a cluster, where a script may not touch keys of
   * several slots, and when scripting is not allowed (ACL, read-only replica).
   */
  async deleteMatching(glob: string, options: BulkOptions = {}): Promise<DeleteResult | null> {
    const client = await this.connection();
    if (this.isCluster(client)) return null;
    const result: DeleteResult = { scanned: 0, matched: 0, deleted: 0, sample: [] };
    const sampleSize = options.sampleSize ?? 10;
    const deadline = await this.stepDeadline(client as Redis);
    let cursor = '0';
    let late = 0;
    for (;;) {
      if (options.signal?.aborted) break;
      let step: [string, number, number, string[], string[]];
      try {
        step = (await client.eval(SCAN_AND_UNLINK, 0, cursor, glob, PURGE_COUNT, sampleSize, PURGE_STEP_LIMIT, deadline())) as typeof step;
      } catch (error) {
        if (result.deleted === 0 && /NOPERM|NOSCRIPT|READONLY|scripting|not allowed/i.test(String(error))) return null;
        throw withUnknownDeletes(this.translate(error), answerLost(error) ? PURGE_STEP_LIMIT : 0);
      }
      const [next, matched, deleted, sample, rest] = step;
      if (matched < 0) {
        // Refused as late: nothing was done; the same cursor again, unless the server stays that slow.
        if (++late > 3) throw unavailable(new Error('timed out'), this.plan);
        continue;
      }
      late = 0;
      cursor = next;
      result.scanned += matched;
      result.matched += matched;
      result.deleted += deleted;
      if (rest.length) result.deleted += await this.unlinkRest(client as Redis, rest);
      for (const key of sample) if (result.sample.length < sampleSize) result.sample.push(key);
      options.onProgress?.({ scanned: result.scanned, matched: result.matched, deleted: result.deleted });
      if (cursor === '0') break;
    }
    return result;
  }

  /** UNLINKs the keys a purge step left to the client; keys whose answer is lost are unknown. */
  private async unlinkRest(client: Redis, keys: string[]): Promise<number> {
    try {
      return await client.unlink(...keys);
    } catch (error) {
      throw withUnknownDeletes(this.translate(error), answerLost(error) ? keys.length : 0);
    }
  }

  /**
   * The server-clock deadline for the next purge step (see SCAN_AND_UNLINK):
   * half the reply timeout after it is sent. The server's clock is read once
   * (TIME); without it (an ACL that denies TIME) steps have no deadline.
   */
  private async stepDeadline(client: Redis): Promise<() => number> {
    try {
      const [seconds, micros] = await client.time();
      const offsetMs = Number(seconds) * 1000 + Number(micros) / 1000 - Date.now();
      return () => Math.round((Date.now() + offsetMs + this.plan.timeoutMs / 2) * 1000);
    } catch (error) {
      if (isConnectionFailure(error)) throw this.translate(error);
      return () => 0;
    }
  }

  async flushDatabase(database: number): Promise<string[]> {
    return this.run(async (c) => {
      if (database !== this.plan.database) {
        throw new UsageError(`the store uses database ${this.plan.database}, not ${database}: nothing was flushed`);
      }
      const nodes = this.isCluster(c) ? c.nodes('master') : [c];
      await Promise.all(nodes.map((n) => n.flushdb()));
      return nodes.map((n) => `${n.options.host}:${n.options.port}/${database}`);
    });
  }

  /** Removes members of `_gf_tag:*` sets whose keys no longer exist (expired or deleted). */
  private async pruneTags(options: ScanOptions = {}): Promise<number> {
    let removed = 0;
    for await (const tagSets of this.scan(`${TAG_SET_PREFIX}*`, options)) {
      for (const setKey of tagSets) {
        for await (const members of this.tagMembers(setKey.slice(TAG_SET_PREFIX.length), options)) {
          const exists = await this.run((c) => Promise.all(members.map((m) => c.exists(m))));
          const gone = members.filter((_, i) => exists[i] === 0);
          if (gone.length) removed += await this.run((c) => c.srem(setKey, ...gone));
        }
      }
    }
    return removed;
  }

  /** Tag names, from the `_gf_tag:*` sets. */
  private async *tagNames(options: ScanOptions = {}): AsyncIterable<string[]> {
    for await (const sets of this.scan(`${TAG_SET_PREFIX}*`, options)) yield sets.map((s) => s.slice(TAG_SET_PREFIX.length));
  }

  private async addTags(key: string, tags: readonly string[]): Promise<void> {
    await this.run((c) => Promise.all(tags.map((t) => c.sadd(TAG_SET_PREFIX + t, key))));
  }

  private async *tagMembers(tag: string, options: ScanOptions = {}): AsyncIterable<string[]> {
    const client = await this.connection();
    const setKey = TAG_SET_PREFIX + tag;
    // On a cluster the set lives on one master; SSCAN through the client routes there.
    try {
      yield* this.scanNode(client as Redis, 'sscan', setKey, '*', options.signal);
    } catch (error) {
      throw this.translate(error);
    }
  }

  private async dropTags(tags: readonly string[]): Promise<void> {
    await this.run((c) => Promise.all(tags.map((t) => c.unlink(TAG_SET_PREFIX + t))));
  }

  private zadd(key: string, members: readonly ZMember[]): Promise<number> {
    if (members.length === 0) return Promise.resolve(0);
    return this.run((c) => c.zadd(key, ...members.flatMap((m) => [m.score, m.member])));
  }

  private zrange(key: string, start: number, stop: number): Promise<ZMember[]> {
    return this.run(async (c) => {
      const flat = await c.zrange(key, start, stop, 'WITHSCORES');
      const out: ZMember[] = [];
      for (let i = 0; i < flat.length; i += 2) out.push({ member: flat[i]!, score: Number(flat[i + 1]) });
      return out;
    });
  }

  private zremrangebyscore(key: string, min: number, max: number): Promise<number> {
    return this.run((c) => c.zremrangebyscore(key, min, max));
  }

  async ping(): Promise<number> {
    return this.run(async (c) => {
      const started = performance.now();
      await c.ping();
      return performance.now() - started;
    });
  }

  private async sampleLatency(node: Redis): Promise<{ p50: number; p99: number }> {
    const samples: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const started = performance.now();
      await node.ping();
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    const at = (q: number) => Math.round(samples[Math.min(samples.length - 1, Math.floor(samples.length * q))]! * 100) / 100;
    return { p50: at(0.5), p99: at(0.99) };
  }

  async stats(): Promise<DriverStats> {
    return this.run(async (c) => {
      const nodes = this.isCluster(c) ? c.nodes('master') : [c];
      const perNode = await Promise.all(
        nodes.map(async (n) => {
          const info = parseInfo(await n.info());
          const latency = await this.sampleLatency(n);
          return summarizeInfo(`${n.options.host}:${n.options.port}`, info, latency, this.plan.database);
        }),
      );
      const sum = (pick: (s: (typeof perNode)[number]) => number | undefined) =>
        perNode.reduce((total, s) => total + (pick(s) ?? 0), 0);
      const first = perNode[0]!;
      return {
        totalKeys: sum((s) => s.keys),
        bytes: sum((s) => s.usedMemory),
        hits: sum((s) => s.hits),
        misses: sum((s) => s.misses),
        memoryUsed: sum((s) => s.usedMemory),
        memoryLimit: perNode.every((s) => s.maxMemory > 0) ? sum((s) => s.maxMemory) : undefined,
        info: perNode.length === 1 ? first.row : { mode: 'cluster', masters: perNode.length },
        nodes: perNode.length > 1 ? perNode.map((s) => s.row) : undefined,
        warnings: [...new Set(perNode.flatMap((s) => s.warnings))],
      };
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    (await this.light?.catch(() => null))?.close();
    this.light = undefined;
    const pending = this.client;
    this.client = undefined;
    const client = await pending?.catch(() => null);
    if (client) await client.quit().catch(() => client.disconnect());
  }
}

/** A TIME reply as microseconds. */
const microsOf = ([seconds, micros]: [string, string]): number => Number(seconds) * 1e6 + Number(micros);

/**
 * One SCAN or SSCAN step, and how long the server spent on it: TIME before
 * and after, pipelined with it (a server runs one client's pipeline back to
 * back), so the step is sized by what other clients wait behind it. The
 * round trip would also count this process's own delays and the walk's
 * own reads queued on another connection, and shrink steps to a hundred
 * keys for nothing. Where TIME is refused (an ACL, a proxy): the round trip.
 */
async function scanStep(node: Redis, [name, ...args]: ['scan' | 'sscan', ...Array<string | number>]): Promise<{ cursor: string; keys: string[]; ms: number }> {
  const started = performance.now();
  const replies = (await node.pipeline().time().call(name, ...args).time().exec()) ?? [];
  const [before, page, after] = replies as Array<[Error | null, unknown]>;
  if (!page) throw new CacheError('redis: no reply to a SCAN step');
  if (page[0]) throw page[0];
  const [cursor, keys] = page[1] as [string, string[]];
  const timed = before && after && !before[0] && !after[0];
  const ms = timed ? (microsOf(after[1] as [string, string]) - microsOf(before[1] as [string, string])) / 1000 : performance.now() - started;
  return { cursor, keys, ms };
}

/** A bulk-string reply as bytes (null stays null). */
function bytesOf(reply: RespReply): Buffer | null {
  if (reply === null || Buffer.isBuffer(reply)) return reply;
  return Buffer.from(String(reply));
}

/** True for the status reply OK (a string from our RESP connection, bytes from ioredis' callBuffer). */
const isOk = (reply: RespReply): boolean => reply !== null && String(reply) === 'OK';

/** The RESP connection's target, from a standalone plan's ioredis options. */
function respTarget(plan: ConnectionPlan): RespTarget {
  const { host, port, username, password, tls } = plan.options;
  return { host: host ?? '127.0.0.1', port: port ?? 6379, username, password, database: plan.database, tls, timeoutMs: plan.timeoutMs };
}

/** Creates the Redis store driver (connects on first use). */
export function createDriver(options: RedisDriverOptions): CacheDriver {
  return new RedisDriver(options);
}
