/**
 * The distributed store: several independent Redis or Memcached servers
 * (not a Redis Cluster) sharing keys through a consistent-hashing ring.
 * Single-key operations go to the key's node (and its replicas); a node that
 * keeps failing leaves the ring until `recoveryTime`, its keys going to the
 * next node; pattern work, tags, flush and status fan out to every node in
 * parallel and report per node — never a silent partial success (exit 7).
 */
import { mergeAsync } from '../../core/async.js';
import { streamDelete, summedProgress, sumResults } from '../../core/bulk.js';
import type { BulkOptions, CacheDriver, DeleteResult, DriverStats, DriverTraits, ScanOptions, SortedSets, TagIndex } from '../../core/contract.js';
import { ConfigError, NotSupportedError, PartialFailureError, StoreUnavailableError } from '../../core/errors.js';
import type { DriverEnvironment, DriverLoader, StoreDefinition } from '../../core/store-factory.js';
import { HashRing } from './hash-ring.js';
import { HealthState } from './health.js';

/** Driver name constant. */
export const DRIVER_NAME = 'distributed';

/** One node: a store definition plus its place on the ring. */
export interface DistributedNode extends StoreDefinition {
  /** Stable identity on the ring; default `driver://host:port`. */
  id?: string;
  weight?: number;
}

/** Options of the distributed store (the `distributed` config block). */
export interface DistributedDriverOptions {
  nodes: DistributedNode[];
  /** Ring points per node at weight 1. Default 150. */
  virtualNodes?: number;
  /** Extra copies written to the next distinct nodes. Default 0. */
  replicas?: number;
  /** Consecutive failures that take a node out. Default 3. */
  maxFailures?: number;
  /** Seconds before a node taken out is tried again. Default 30. */
  recoveryTime?: number;
  /** Where node health is shared between processes. */
  stateFile: string;
  /** Read from the next healthy node when the key's node fails. Default true. */
  failover?: boolean;
  /**
   * `consistent-hashing` (default): a key lives on its ring node. `round-robin`:
   * writes go to the next healthy node in turn; reads and deletes ask every
   * healthy node (N requests per read).
   */
  placement?: 'consistent-hashing' | 'round-robin';
  /** Round-robin: a key that exists stays on the node that holds it. Default true. */
  stickySessions?: boolean;
}

const sum = (counts: number[]): number => counts.reduce((a, b) => a + b, 0);

/** A node's tag index (every Redis and Memcached node has one). */
function tagsOf(driver: CacheDriver): TagIndex {
  if (!driver.tags) throw new NotSupportedError(driver.driver, 'tagging');
  return driver.tags;
}

/** A node's tag names (see TagIndex.names). */
function tagNamesOf(driver: CacheDriver, options?: ScanOptions): AsyncIterable<string[]> {
  const index = tagsOf(driver);
  if (!index.names) throw new NotSupportedError(driver.driver, 'listing tags');
  return index.names(options);
}

function sortedSetsOf(driver: CacheDriver): SortedSets {
  if (!driver.sortedSets) throw new NotSupportedError(driver.driver, 'sorted sets');
  return driver.sortedSets;
}

/** A node's TTL read or key listing, bound to it. */
function listingOf<K extends 'ttl' | 'scan'>(driver: CacheDriver, piece: K): NonNullable<CacheDriver[K]> {
  const method = driver[piece];
  if (!method) throw new NotSupportedError(driver.driver, piece === 'ttl' ? 'reading a TTL' : 'listing keys');
  return method.bind(driver) as NonNullable<CacheDriver[K]>;
}

interface Node {
  id: string;
  definition: StoreDefinition;
  driver?: Promise<CacheDriver>;
  /** The driver once loaded, so the hot path skips an await. */
  loaded?: CacheDriver;
}

/** The distributed store driver. */
export class DistributedDriver implements CacheDriver {
  readonly driver = DRIVER_NAME;
  readonly traits: DriverTraits;
  readonly location: string;
  /** Absent when a memcached node has SASL credentials (no text protocol there: no TTL reads, no listing). */
  readonly ttl?: (key: string) => Promise<number | null>;
  readonly scan?: (glob: string, options?: ScanOptions) => AsyncIterable<string[]>;
  readonly deleteMatching?: (glob: string, options: BulkOptions) => Promise<DeleteResult>;
  /** The nodes' own tag indexes: a key's tags live on the key's node. */
  readonly tags: TagIndex;
  readonly sortedSets: SortedSets = {
    zadd: (key, members) => this.write(key, (d) => sortedSetsOf(d).zadd(key, members)),
    zrange: (key, start, stop) => this.read(key, (d) => sortedSetsOf(d).zrange(key, start, stop)),
    zremrangebyscore: (key, min, max) => this.write(key, (d) => sortedSetsOf(d).zremrangebyscore(key, min, max)),
  };
  private readonly nodes: Node[];
  private readonly ring: HashRing;
  private readonly health: HealthState;
  private readonly replicas: number;
  private readonly failover: boolean;
  private readonly roundRobin: boolean;
  private readonly sticky: boolean;

  private readonly loadDriver: DriverLoader;

  constructor(options: DistributedDriverOptions, environment: DriverEnvironment) {
    this.loadDriver = environment.loadDriver;
    if (!options.nodes?.length) throw new ConfigError('invalid configuration: distributed.nodes: expected at least one node');
    this.nodes = options.nodes.map((n) => ({ id: n.id ?? `${n.driver}://${String(n.host ?? '127.0.0.1')}:${String(n.port ?? '')}`, definition: n }));
    this.ring = new HashRing(this.nodes.map((n, i) => ({ id: n.id, weight: options.nodes[i]!.weight ?? 1 })), options.virtualNodes ?? 150);
    this.health = new HealthState(options.stateFile, { maxFailures: options.maxFailures ?? 3, recoveryTime: options.recoveryTime ?? 30 });
    this.replicas = Math.min(options.replicas ?? 0, this.nodes.length - 1);
    this.failover = options.failover ?? true;
    this.roundRobin = options.placement === 'round-robin';
    this.sticky = options.stickySessions ?? true;
    const memcached = options.nodes.some((n) => n.driver === 'memcached');
    this.traits = { persistent: !memcached, shared: true, maxKeyBytes: memcached ? 250 : 512 * 1024 * 1024 };
    this.tags = {
      kind: memcached ? 'emulated' : 'native',
      add: (key, tags) => this.write(key, (d) => tagsOf(d).add(key, tags)),
      members: (tag, opts) => this.fanOut((d) => tagsOf(d).members(tag, opts)),
      names: (opts) => this.fanOut((d) => tagNamesOf(d, opts)),
      drop: async (tags) => void (await this.everyNode('dropping tags', (d) => tagsOf(d).drop(tags))),
      prune: async (opts) => sum(await this.everyNode('tag cleanup', async (d) => (await tagsOf(d).prune?.(opts)) ?? 0)),
    };
    const sasl = options.nodes.some((n) => n.driver === 'memcached' && Boolean(n.username));
    if (!sasl) {
      this.ttl = (key) => this.read(key, (d) => listingOf(d, 'ttl')(key));
      this.scan = (glob, opts = {}) => this.fanOut((d) => listingOf(d, 'scan')(glob, opts));
      this.deleteMatching = (glob, opts) => this.deleteEverywhere(glob, opts);
    }
    this.location = `distributed://${this.nodes.map((n) => n.id).join(',')}`;
  }

  /** Each node's own driver, for views per node (cache:inspect); still owned, and disposed, by the ring. */
  async partitions(): Promise<Array<{ id: string; driver: CacheDriver }>> {
    return Promise.all(this.nodes.map(async (node, i) => ({ id: node.id, driver: await this.child(i) })));
  }

  private child(index: number): Promise<CacheDriver> {
    const node = this.nodes[index]!;
    node.driver ??= this.loadDriver(node.definition).then((driver) => (node.loaded = driver));
    return node.driver;
  }

  /** Runs `op` on one node, recording the outcome in the shared health state. */
  private async onNode<T>(index: number, op: (driver: CacheDriver) => Promise<T>): Promise<T> {
    const node = this.nodes[index]!;
    const id = node.id;
    try {
      const result = await op(node.loaded ?? (await this.child(index)));
      this.health.succeeded(id);
      return result;
    } catch (error) {
      if (error instanceof StoreUnavailableError) this.health.failed(id);
      throw error;
    }
  }

  private usable = (index: number): boolean => !this.health.isDown(this.nodes[index]!.id);

  /** Reads from the key's first healthy node, failing over along the ring (round-robin: from any node). */
  private async read<T>(key: string, op: (driver: CacheDriver) => Promise<T>): Promise<T> {
    if (this.roundRobin) return this.readAnywhere(op);
    const owner = this.ring.walk(key, 1, this.usable)[0];
    if (owner !== undefined) {
      try {
        return await this.onNode(owner, op);
      } catch (error) {
        if (!(error instanceof StoreUnavailableError) || !this.failover) throw error;
      }
    }
    // The owner failed: its replicas, then the node that takes its writes meanwhile.
    const candidates = this.ring.walk(key, this.nodes.length, this.usable).filter((i) => i !== owner);
    let last: unknown = new StoreUnavailableError(`no node of the distributed store is available for '${key}'`);
    for (const index of candidates.slice(0, this.replicas + 1)) {
      try {
        return await this.onNode(index, op);
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        last = error;
      }
    }
    throw last;
  }

  /**
   * Writes to the key's node and replicas; a failed node hands over to the
   * next one. Round-robin: to the node holding the key, else the next in turn.
   */
  private async write<T>(key: string, op: (driver: CacheDriver) => Promise<T>): Promise<T> {
    if (this.roundRobin) return this.writeInTurn(key, op, false);
    const wanted = 1 + this.replicas;
    let written = 0;
    let first: T | undefined;
    let last: unknown;
    // Usually the first `wanted` nodes answer; the rest of the ring is walked only on failure.
    let candidates = this.ring.walk(key, wanted, this.usable);
    for (let c = 0; c < candidates.length; c++) {
      const index = candidates[c]!;
      try {
        const result = await this.onNode(index, op);
        if (written === 0) first = result;
        if (++written === wanted) break;
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        last = error;
        if (c === candidates.length - 1) {
          const tried = candidates;
          candidates = [...tried, ...this.ring.walk(key, this.nodes.length, this.usable).filter((i) => !tried.includes(i))];
        }
      }
    }
    if (written === 0) throw last ?? new StoreUnavailableError(`no node of the distributed store is available for '${key}'`);
    return first as T;
  }

  /** Runs `op` on every node in parallel; unreachable nodes make it a partial failure. */
  private async everyNode<T>(what: string, op: (driver: CacheDriver, index: number) => Promise<T>): Promise<T[]> {
    const settled = await Promise.allSettled(this.nodes.map((_, i) => this.onNode(i, (d) => op(d, i))));
    const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [`${this.nodes[i]!.id} (${(s.reason as Error).message})`] : []));
    const done = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (failed.length) {
      throw new PartialFailureError(`${what} reached ${done.length} of ${this.nodes.length} nodes; failed: ${failed.join('; ')}`, { nodes: done.length, failedNodes: failed.length });
    }
    return done;
  }

  /** Round-robin: the healthy nodes. */
  private healthy(): number[] {
    const healthy = this.nodes.map((_, i) => i).filter(this.usable);
    if (healthy.length === 0) throw new StoreUnavailableError(`no node of the distributed store is available (${this.nodes.map((n) => n.id).join(', ')})`);
    return healthy;
  }

  /** Round-robin: the node that holds `key`, asking every healthy node at once. */
  private async holderOf(key: string): Promise<number | undefined> {
    const healthy = this.healthy();
    const held = await Promise.all(healthy.map((i) => this.onNode(i, (d) => d.has(key)).catch(() => false)));
    const at = held.indexOf(true);
    return at < 0 ? undefined : healthy[at];
  }

  /**
   * Round-robin write: a value that replaces the key goes to the next node in
   * the turn shared by every process (or, sticky, stays where it is) and is
   * removed from the others, so no read finds an old copy; a change to what
   * the key holds (counter, tags, sorted set, NX) goes where the key is.
   */
  private async writeInTurn<T>(key: string, op: (driver: CacheDriver) => Promise<T>, replaces: boolean): Promise<T> {
    const holder = !replaces || this.sticky ? await this.holderOf(key) : undefined;
    const healthy = this.healthy();
    let order = [holder!];
    if (holder === undefined) {
      const turn = this.health.nextTurn() % healthy.length;
      // With failover, a node that does not answer passes its turn to the next healthy one (and counts a failure).
      order = this.failover ? healthy.map((_, n) => healthy[(turn + n) % healthy.length]!) : [healthy[turn]!];
    }
    let written: { target: number; result: T } | undefined;
    let last: unknown;
    for (const target of order) {
      try {
        written = { target, result: await this.onNode(target, op) };
        break;
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        last = error;
      }
    }
    if (!written) throw last;
    if (replaces && holder === undefined) {
      // Older copies elsewhere go; a node that does not answer cannot be read either (its failure is counted).
      const others = healthy.filter((i) => i !== written.target);
      const settled = await Promise.allSettled(others.map((i) => this.onNode(i, (d) => d.delete([key]))));
      const refused = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected' && !(s.reason instanceof StoreUnavailableError));
      if (refused) throw refused.reason;
    }
    return written.result;
  }

  /** Round-robin read: every healthy node at once; the first that has the key answers. */
  private async readAnywhere<T>(op: (driver: CacheDriver) => Promise<T>): Promise<T> {
    const settled = await Promise.allSettled(this.healthy().map((i) => this.onNode(i, op)));
    const answers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const hit = answers.find((v) => v !== null && v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0));
    if (hit !== undefined) return hit;
    if (answers.length === 0) throw (settled[0] as PromiseRejectedResult).reason;
    return answers[0]!;
  }

  /** Round-robin: an operation on every healthy node (the key may be on any). */
  private onEveryHealthy<T>(op: (driver: CacheDriver) => Promise<T>): Promise<T[]> {
    return Promise.all(this.healthy().map((i) => this.onNode(i, op)));
  }

  get(key: string) {
    return this.read(key, (d) => d.get(key));
  }
  getMany(keys: string[]) {
    return Promise.all(keys.map((k) => this.get(k)));
  }
  async set(key: string, value: Buffer, ttl: number, tags?: readonly string[]) {
    const op = (d: CacheDriver) => d.set(key, value, ttl, tags);
    await (this.roundRobin ? this.writeInTurn(key, op, true) : this.write(key, op));
  }
  setNx(key: string, value: Buffer, ttl: number) {
    return this.write(key, (d) => d.setNx(key, value, ttl));
  }
  async delete(keys: readonly string[]) {
    if (this.roundRobin) return sum(await this.onEveryHealthy((d) => d.delete(keys)));
    const counts = await Promise.all(keys.map((k) => this.write(k, (d) => d.delete([k]))));
    return sum(counts);
  }
  async deleteIfEquals(key: string, value: Buffer) {
    if (this.roundRobin) return (await this.onEveryHealthy((d) => d.deleteIfEquals(key, value))).includes(true);
    return this.write(key, (d) => d.deleteIfEquals(key, value));
  }
  has(key: string) {
    return this.read(key, (d) => d.has(key));
  }
  increment(key: string, by: number) {
    return this.write(key, (d) => d.increment(key, by));
  }
  async expire(key: string, ttl: number) {
    if (this.roundRobin) return (await this.onEveryHealthy((d) => d.expire(key, ttl))).includes(true);
    return this.write(key, (d) => d.expire(key, ttl));
  }

  /** Every node's stream, merged as batches arrive. */
  private async *fanOut(stream: (driver: CacheDriver) => AsyncIterable<string[]>): AsyncIterable<string[]> {
    const drivers = await Promise.all(this.nodes.map((_, i) => this.child(i)));
    yield* mergeAsync(drivers.map(stream));
  }

  /** Every node deletes its own matches in parallel; per node, natively where it can. */
  private async deleteEverywhere(glob: string, options: BulkOptions = {}): Promise<DeleteResult> {
    const progress = summedProgress(options.onProgress, this.nodes.length);
    const deleted = this.nodes.map(() => 0);
    const results = await this.everyNode('the purge', async (d, i) => {
      const own: BulkOptions = { ...options, onProgress: (p) => ((deleted[i] = p.deleted), progress[i]!(p)) };
      const native = await d.deleteMatching?.(glob, own);
      return native ?? streamDelete(listingOf(d, 'scan')(glob, own), (keys) => d.delete(keys), own);
    }).catch((error: unknown) => {
      if (error instanceof PartialFailureError) Object.assign(error.done, { deleted: sum(deleted) });
      throw error;
    });
    return sumResults(results, options.sampleSize);
  }

  async flushDatabase(database: number) {
    return (await this.everyNode('the flush', async (d) => (d.flushDatabase ? d.flushDatabase(database) : []))).flat();
  }

  /** Usable while any node answers; which nodes do not is for stats() to report. */
  /**
   * Pings every node; one that did not answer is not pinged again by later
   * pings of this process (status samples latency with a score of pings: a
   * dead node counts one failure per run, not twenty).
   */
  async ping() {
    const asked = this.nodes.map((_, i) => i).filter((i) => !this.unanswered.has(i));
    const settled = await Promise.allSettled((asked.length ? asked : this.nodes.map((_, i) => i)).map((i) => this.onNode(i, (d) => d.ping())));
    settled.forEach((s, k) => s.status === 'rejected' && this.unanswered.add(asked[k] ?? k));
    const times = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (times.length === 0) {
      throw new StoreUnavailableError(`no node of the distributed store answered (${this.nodes.map((n) => n.id).join(', ')})`);
    }
    return Math.max(...times);
  }

  /** Nodes that did not answer a ping of this process. */
  private readonly unanswered = new Set<number>();

  async stats(): Promise<DriverStats> {
    const shares = this.ring.shares();
    const settled = await Promise.allSettled(this.nodes.map((_, i) => this.onNode(i, (d) => d.stats())));
    const rows = settled.map((s, i) => {
      const health = this.health.describe(this.nodes[i]!.id);
      const stats = s.status === 'fulfilled' ? s.value : undefined;
      return {
        node: this.nodes[i]!.id,
        weight: this.ring.nodes[i]!.weight,
        state: s.status === 'fulfilled' ? (health.down ? 'recovering' : 'up') : 'down',
        failures: health.failures,
        share: `${(shares[i]! * 100).toFixed(1)}%`,
        keys: stats?.totalKeys ?? null,
        memory: stats?.memoryUsed ?? null,
      };
    });
    const up = settled.filter((s) => s.status === 'fulfilled').map((s) => (s as PromiseFulfilledResult<DriverStats>).value);
    if (this.roundRobin) {
      // No ring: each node's share is the share of the keys it holds.
      const total = rows.reduce((t, r) => t + (r.keys ?? 0), 0);
      for (const row of rows) row.share = total && row.keys !== null ? `${((row.keys / total) * 100).toFixed(1)}%` : '-';
    }
    const sum = (pick: (s: DriverStats) => number | undefined) => up.reduce((t, s) => t + (pick(s) ?? 0), 0);
    return {
      totalKeys: sum((s) => s.totalKeys),
      bytes: sum((s) => s.bytes),
      hits: sum((s) => s.hits),
      misses: sum((s) => s.misses),
      info: { mode: this.roundRobin ? 'distributed (round-robin)' : 'distributed', nodes: this.nodes.length, up: up.length, replicas: this.replicas },
      nodes: rows,
      unreachable: rows.filter((r) => r.state === 'down').map((r) => r.node),
      warnings: [
        ...rows.filter((r) => r.state !== 'up').map((r) => `node ${r.node} is ${r.state}`),
        ...up.flatMap((s) => s.warnings ?? []),
      ],
    };
  }

  async dispose() {
    await Promise.all(this.nodes.map(async (n) => (await n.driver?.catch(() => null))?.dispose()));
  }
}

/** Creates the distributed store driver (nodes connect on first use, loaded through `environment`). */
export function createDriver(options: DistributedDriverOptions, environment: DriverEnvironment): CacheDriver {
  return new DistributedDriver(options, environment);
}
