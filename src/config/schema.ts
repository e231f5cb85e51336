/**
 * The configuration, declared once: its shape (after Glueful's
 * config/cache.php), documentation, defaults and validation (src/config/
 * shape.ts), from which its TypeScript types are derived; then the
 * resolution of a checked config into a ResolvedConfig (paths made
 * absolute, the distributed store built). Every problem is reported at once,
 * each naming its key; unknown keys are warnings naming the nearest one.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { PHPREDIS_COMPRESSIONS, PHPREDIS_SERIALIZERS } from '../core/codecs/phpredis.js';
import { ConfigError } from '../core/errors.js';
import type { StoreDefinition, StoreFactoryConfig } from '../core/store-factory.js';
import type { AppRuntime } from './glueful-runtime.js';
import { any, bool, either, inapplicable, int, list, num, obj, oneOf, record, str, type Input, type Issues, type Output, type Shape } from './shape.js';

const HOST_PORT = /^\[?[^\s\]]+?\]?:\d{1,5}$/;
/** `host:port` or { host, port }. */
const address = either(
  { ...str({ nonEmpty: true }), expected: '"host:port"', check: (v, path, issues) => (typeof v === 'string' && HOST_PORT.test(v.trim()) ? v : (issues.errors.push(`${path}: expected "host:port", got ${JSON.stringify(v)}`), undefined)) },
  obj({ host: str({ nonEmpty: true }), port: int(1, 65535) }),
);
const maxValueBytes = int(1, 2 ** 31, { doc: 'Largest encoded value written, bytes. Default 1 MiB (Glueful\'s read limit).' });
const timeout = num(0.001, 3600, { doc: 'Connect and command timeout, seconds. Default 2.5.' });

/** The file store (`stores.file`). */
export const FILE_STORE = obj({
  driver: oneOf(['file']),
  path: str({ nonEmpty: true, doc: 'Cache directory; relative paths are relative to the config file. Env: CACHE_FILE_PATH.' }),
  hash_levels: int(0, 8, { default: 2, doc: 'Directory levels of 2 hex characters: 0 = Glueful\'s flat layout, 1 = its shard layout.' }),
  cleanup_frequency: int(0, 31_536_000, { default: 3600, doc: 'Seconds between automatic prune passes; 0 turns them off.' }),
  permission: {
    expected: 'a file mode such as 0o664 or "0664"',
    doc: "Mode of new entries. Default: the mode of the directory's existing entries (the app's).",
    check: (v, path, issues) => {
      if (v === undefined || v === null) return undefined;
      const mode = typeof v === 'string' && /^0?o?[0-7]{3}$/.test(v) ? parseInt(v.replace(/^0?o?/, ''), 8) : v;
      if (typeof mode === 'number' && Number.isInteger(mode) && mode >= 0o400 && mode <= 0o777) return mode;
      issues.errors.push(`${path}: expected a file mode such as 0o664 or "0664", got ${JSON.stringify(v)}`);
      return undefined;
    },
  } as Shape<number, number | string>,
  max_value_bytes: maxValueBytes,
});

/** A Redis server, Sentinel group or Cluster (`stores.redis`). */
export const REDIS_STORE = obj({
  driver: oneOf(['redis']),
  host: str({ nonEmpty: true, doc: 'Env: REDIS_HOST. Default 127.0.0.1.' }),
  port: int(1, 65535, { doc: 'Env: REDIS_PORT. Default 6379.' }),
  url: {
    ...str(),
    expected: 'a redis:// or rediss:// URL',
    check: (v, path, issues) => (v === undefined || v === null ? undefined : typeof v === 'string' && /^rediss?:\/\/[^\s]+$/.test(v) ? v : (issues.errors.push(`${path}: expected a redis:// or rediss:// URL`), undefined)),
  },
  username: str({ doc: 'ACL user (Redis 6+).' }),
  password: str({ doc: 'Env: REDIS_PASSWORD. Never printed.' }),
  database: int(0, 1_000_000, { doc: 'Env: REDIS_DB. Default 0.' }),
  timeout,
  connect_timeout: num(0.001, 3600, { doc: "Connect timeout alone, seconds. Default `timeout`; inside a Glueful app min(REDIS_TIMEOUT, 1), as the app's." }),
  tls: either(bool(), obj({ ca: str({ nonEmpty: true }), cert: str({ nonEmpty: true }), key: str({ nonEmpty: true }), servername: str(), rejectUnauthorized: bool() })),
  sentinels: list(address, { nonEmpty: true, doc: 'Sentinels to ask for the master.' }),
  name: str({ nonEmpty: true, doc: 'The master\'s name at the sentinels. Default mymaster.' }),
  sentinel_password: str(),
  cluster: list(address, { nonEmpty: true, doc: 'Redis Cluster seed nodes.' }),
  max_value_bytes: maxValueBytes,
  // The seed's and Glueful's phpredis settings.
  options: obj({
    serializer: oneOf(PHPREDIS_SERIALIZERS, { doc: "The PHP app's Redis::OPT_SERIALIZER: values are read and written through it." }),
    compression: oneOf(PHPREDIS_COMPRESSIONS, { doc: "The PHP app's Redis::OPT_COMPRESSION (Debian's phpredis: lzf, lz4, zstd)." }),
    compression_level: inapplicable('values this tool writes are compressed at a fixed level; PHP reads any level'),
    persistent: inapplicable('a command runs one short process: it keeps no persistent connection'),
    tcp_keepalive: inapplicable('a command runs one short process'),
    read_timeout: inapplicable('`timeout` bounds the connect and every command'),
  }),
  pool: inapplicable('a command runs one short process: it keeps no connection pool'),
  persistent: inapplicable('a command runs one short process: it keeps no persistent connection'),
  retry_interval: inapplicable('commands fail fast with one clear error instead of retrying'),
  read_timeout: inapplicable('`timeout` bounds the connect and every command'),
});

const MEMCACHED_SERVER = /^\[?[^\s\]]+?\]?:\d{1,5}(:\d+)?$/;
/** One or more memcached servers (`stores.memcached`). */
export const MEMCACHED_STORE = obj({
  driver: oneOf(['memcached']),
  host: str({ nonEmpty: true, doc: 'Env: MEMCACHED_HOST. Default 127.0.0.1.' }),
  port: int(1, 65535, { doc: 'Env: MEMCACHED_PORT. Default 11211.' }),
  servers: list(
    either(
      { ...str(), expected: '"host:port[:weight]"', check: (v, path, issues) => (typeof v === 'string' && MEMCACHED_SERVER.test(v.trim()) ? v : (issues.errors.push(`${path}: expected "host:port[:weight]", got ${JSON.stringify(v)}`), undefined)) },
      obj({ host: str({ nonEmpty: true }), port: int(1, 65535), weight: num(1, 1000) }),
    ),
    { nonEmpty: true, doc: 'Several servers; overrides host/port.' },
  ),
  username: str({ doc: 'SASL user (binary protocol only).' }),
  password: str({ doc: 'SASL password. Never printed.' }),
  timeout,
  max_value_bytes: maxValueBytes,
  // Glueful's php-memcached settings.
  options: obj({
    compression: bool({ doc: "php-memcached's OPT_COMPRESSION: values over 2000 bytes are stored compressed, as the app stores them." }),
    compression_type: inapplicable('values are written zlib-compressed, which php-memcached reads whatever type it writes'),
    serializer: inapplicable('Glueful stores strings, which no serializer touches (values PHP stored with any serializer are read by their flags)'),
    ...Object.fromEntries(
      ['binary_protocol', 'libketama_compatible', 'distribution', 'tcp_nodelay', 'no_block', 'connect_timeout', 'retry_timeout', 'send_timeout', 'recv_timeout', 'poll_timeout', 'server_failure_limit', 'remove_failed_servers'].map(
        (name) => [name, inapplicable('a php-memcached connection setting; this tool connects with its own')],
      ),
    ),
  }),
  weight: inapplicable('one server needs no weight; give several servers as servers: ["host:port:weight"]'),
  persistent_id: inapplicable('a command runs one short process: it keeps no persistent connection'),
  sasl: inapplicable('give the SASL user as username / password (MEMCACHED_USERNAME / MEMCACHED_PASSWORD)'),
});

/** The in-process store (`driver: 'array'`). */
export const ARRAY_STORE = obj({
  driver: oneOf(['array']),
  max_entries: int(1, 100_000_000, { doc: 'Most entries kept; the oldest written goes first.' }),
  max_value_bytes: maxValueBytes,
});

const STORE_SHAPES = { file: FILE_STORE, redis: REDIS_STORE, memcached: MEMCACHED_STORE, array: ARRAY_STORE };
type DriverName = keyof typeof STORE_SHAPES;

/** A distributed node: a Redis or Memcached store plus its place on the ring. */
const NODE_FIELDS = {
  id: str({ nonEmpty: true, doc: 'Stable identity on the ring; default driver://host:port.' }),
  weight: num(0.01, 1000, { default: 1 }),
};

/** The whole configuration file. */
export const CONFIG = obj({
  default: str({ nonEmpty: true, doc: 'Store used when --store is not given. Env: CACHE_DRIVER. Default file.' }),
  prefix: str({ default: 'glueful_', doc: "Namespace for every key. Env: CACHE_PREFIX. '' sees a Glueful PHP app's keys." }),
  stores: record(any(), { doc: 'Stores by name; the driver is named, or implied by the store name.' }),
  fallback_to_file: bool({ default: false, doc: 'Use the file store when the configured server is unreachable. Env: CACHE_FALLBACK_FILE.' }),
  stampede_protection: obj({
    enabled: bool({ default: true, doc: 'Env: CACHE_STAMPEDE_PROTECTION.' }),
    lock_ttl: num(1, 86400, { default: 60 }),
    max_wait_time: num(0, 3600, { default: 30 }),
    retry_interval: num(1, 60_000, { default: 100 }),
    early_expiration: obj({
      enabled: bool({ default: false, doc: 'Env: CACHE_EARLY_EXPIRATION.' }),
      threshold: num(0, 1, { default: 0.8, doc: 'Env: CACHE_EARLY_EXPIRATION_THRESHOLD.' }),
    }),
  }),
  tagging: obj({
    enabled: bool({ default: true, doc: 'Env: CACHE_TAGGING_ENABLED (Glueful: CACHE_TAGS). Off: tags are neither written nor invalidated.' }),
    categories: record(list(str({ nonEmpty: true }), { expected: 'a list of tag names' }), { doc: 'Extra tag categories: name -> tags.' }),
    storage: inapplicable('tags live where the store keeps them (Redis sets, memcached index items, file metadata)'),
    cleanup_frequency: inapplicable('tag indexes are tidied by cache:clear --prune-tags (cron it as often as you like)'),
  }),
  distributed: obj({
    enabled: bool({ default: false, doc: 'Env: DISTRIBUTED_CACHE_ENABLED. When on, the ring is the default store whatever `default` says.' }),
    nodes: list(any(), { nonEmpty: true, expected: 'a list of nodes', doc: 'Independent servers: { driver: redis | memcached, host, port, weight?, id?, ...store options }.' }),
    virtual_nodes: int(1, 10_000, { default: 150 }),
    replicas: int(0, 16, { default: 0 }),
    strategy: oneOf(['consistent-hashing', 'round-robin'], { doc: 'Glueful\'s name for replication.' }),
    replication: oneOf(['consistent-hashing', 'round-robin'], { doc: 'How keys are placed (round-robin: N requests per read, see README).' }),
    strategies: obj({
      'consistent-hashing': obj({
        virtual_nodes: int(1, 10_000, { doc: 'The seed\'s place for virtual_nodes.' }),
        hash_function: oneOf(['md5'], { doc: 'Only md5: every process and machine must place keys alike.' }),
      }),
      'round-robin': obj({ sticky_sessions: bool({ default: true, doc: 'A key that exists stays on the node that holds it.' }) }),
    }),
    // The seed writes `failover: true`; Glueful's config/cache.php an object.
    failover: either(
      bool({ doc: 'As failover.enabled (the seed\'s shape).' }),
      obj({
        enabled: bool({ default: true, doc: 'Read from the next healthy node when a key\'s node fails.' }),
        timeout: num(0.001, 3600, { doc: 'Seconds before a node counts as failed (as health.timeout).' }),
        retry_after: num(0, 86400, { doc: 'Seconds before a failed node is tried again (as health.recovery_time).' }),
      }),
    ),
    health: obj({
      enabled: bool({ default: true, doc: 'Track failures and take failing nodes out of the ring.' }),
      max_failures: int(1, 1000, { default: 3 }),
      recovery_time: num(0, 86400),
      timeout,
      check_interval: inapplicable('a command has no background thread: every command, and cache:status, checks the nodes it uses'),
    }),
    state_file: str({ nonEmpty: true, doc: 'Where processes share node health. Default <project root>/.cache/glueful-distributed-health.json.' }),
  }),
  edge: obj({
    provider: str({ doc: 'The provider cache:purge --url/--edge-tag/--edge-all and cache:clear --edge use when --provider is not given. Env: EDGE_CACHE_PROVIDER.' }),
    providers: record(any(), { doc: 'Providers by name: a built-in (varnish, cloudflare, fastly, bunny, akamai) by its name or `type`, or a plugin by `module`; the rest are its settings (README "Edge and CDN purge").' }),
    default_ttl: int(0, 31_536_000, { default: 3600, doc: 'Seconds of edge lifetime edgeCacheHeaders() gives when none is asked. Env: EDGE_CACHE_TTL.' }),
    timeout: num(0.1, 600, { default: 10, doc: 'Seconds each request to a provider may take.' }),
    deadline: num(1, 3600, { default: 120, doc: 'Seconds a purge may take in all, waits on rate limits (429 Retry-After) included.' }),
    concurrency: int(1, 64, { default: 4, doc: 'Requests to a provider in flight at once (lower it for a strict rate limit, raise it for many Varnish servers).' }),
    enabled: bool({ doc: 'Glueful\'s EDGE_CACHE_ENABLED: shown by --list-providers; an explicit purge runs either way.' }),
  }),
  warmup: obj({
    strategies: list(any(), { doc: 'What cache:warmup runs (see README "cache:warmup").' }),
    lock_ttl: int(3, 86400, { default: 60, doc: 'Seconds the overlap lease outlives a run that died (renewed every third of it while the run is alive).' }),
  }),
});

/** The file store's settings, as a config file writes them. */
export type FileStoreConfig = Input<typeof FILE_STORE>;
/** A Redis store's settings. */
export type RedisStoreConfig = Input<typeof REDIS_STORE>;
/** A Memcached store's settings. */
export type MemcachedStoreConfig = Input<typeof MEMCACHED_STORE>;
/** The array store's settings. */
export type ArrayStoreConfig = Input<typeof ARRAY_STORE>;
/** Any store; the driver is named, or implied by the store's name. */
export type StoreConfig = FileStoreConfig | RedisStoreConfig | MemcachedStoreConfig | ArrayStoreConfig;

/** The configuration file's shape. Every field is optional. */
export type CacheConfig = Omit<Input<typeof CONFIG>, 'stores' | 'distributed'> & {
  stores?: { file?: FileStoreConfig; redis?: RedisStoreConfig; memcached?: MemcachedStoreConfig } & Record<string, StoreConfig | undefined>;
  distributed?: Omit<NonNullable<Input<typeof CONFIG>['distributed']>, 'nodes'> & {
    nodes?: Array<(RedisStoreConfig | MemcachedStoreConfig) & { id?: string; weight?: number }>;
  };
};

type Checked = Output<typeof CONFIG>;

/** Identity function that gives config files type checking. */
export function defineConfig(config: CacheConfig): CacheConfig {
  return config;
}

/** The configuration every command works from. */
export interface ResolvedConfig extends StoreFactoryConfig {
  /** The config file used, or null when none was found. */
  source: string | null;
  projectRoot: string;
  /** lockPrefix: inside a Glueful app its CACHE_PREFIX (the app's stampede lock names), else ''. */
  stampede: { enabled: boolean; lockTtl: number; maxWaitTime: number; retryInterval: number; earlyExpiration: boolean; earlyThreshold: number; lockPrefix?: string };
  tagging: { enabled: boolean; categories: Record<string, string[]> };
  distributed: { enabled: boolean; [option: string]: unknown };
  /** Edge/CDN providers, checked when a purge loads them; baseDir resolves plugin modules. */
  edge: {
    provider: string | null;
    providers: Record<string, unknown>;
    defaultTtl: number;
    timeoutMs: number;
    deadlineMs: number;
    concurrency: number;
    enabled: boolean | null;
    baseDir: string;
  };
  /** Warmup declarations, checked when cache:warmup loads them; baseDir resolves their paths. */
  warmup: { strategies: unknown; lockTtl: number; baseDir: string };
  /** Settings that were ignored (unknown keys), each one line for the operator. */
  warnings: string[];
  /** Settings accepted that do not apply to this tool, each with the reason (shown by cache:status). */
  notices: string[];
  /** The Glueful application this configuration comes from, when the command runs inside one. */
  app?: { root: string; name: string | null; envFile: string | null; runtime: AppRuntime } | null;
}

/** Where the embedded store lives when nothing says otherwise. */
export function defaultFilePath(projectRoot: string): string {
  return join(projectRoot, '.cache', 'glueful-cache');
}

/** Checks one store against its driver's shape. */
function checkStore(name: string, raw: unknown, issues: Issues): { driver: DriverName; store: Record<string, unknown> } | undefined {
  const where = `stores.${name}`;
  const named = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>).driver : undefined;
  const driver = (named ?? (name in STORE_SHAPES ? name : undefined)) as string | undefined;
  if (driver === undefined || !(driver in STORE_SHAPES)) {
    issues.errors.push(`${where}.driver: expected one of ${Object.keys(STORE_SHAPES).join(', ')}, got ${driver === undefined ? 'none' : JSON.stringify(driver)}`);
    return undefined;
  }
  const store = STORE_SHAPES[driver as DriverName].check(raw, where, issues) as Record<string, unknown> | undefined;
  return store ? { driver: driver as DriverName, store } : undefined;
}

/** A checked store as the factory wants it: camelCase options, absolute paths. */
function definitionOf(driver: DriverName, store: Record<string, unknown>, baseDir: string, projectRoot: string): StoreDefinition {
  const { max_value_bytes: rawMax, driver: _driver, ...options } = store;
  const maxValueBytes = rawMax as number | undefined;
  if (driver === 'file') {
    const path = options.path as string | undefined;
    return {
      driver,
      path: path ? (isAbsolute(path) ? path : resolve(baseDir, path)) : defaultFilePath(projectRoot),
      hashLevels: options.hash_levels,
      cleanupFrequency: options.cleanup_frequency,
      permission: options.permission,
      maxValueBytes,
    };
  }
  if (driver === 'array') return { driver, maxEntries: options.max_entries, maxValueBytes };
  const { options: clientOptions, ...rest } = options as { options?: { serializer?: string; compression?: string } };
  const serializer = clientOptions?.serializer ?? 'none';
  const compression = clientOptions?.compression ?? 'none';
  if (driver === 'memcached') return { ...rest, driver, maxValueBytes, compression: (clientOptions as { compression?: boolean } | undefined)?.compression ?? false };
  const phpredis = serializer !== 'none' || compression !== 'none' ? { serializer, compression } : undefined;
  return { ...rest, driver, maxValueBytes, ...(phpredis ? { phpredis } : {}) };
}

/** The stores as the factory wants them, and as checked (config keys; a file store's path absolute). */
function resolveStores(raw: Record<string, unknown>, issues: Issues, baseDir: string, projectRoot: string) {
  const stores: Record<string, StoreDefinition> = {};
  const checkedStores: Record<string, Record<string, unknown>> = {};
  const entries = Object.entries(raw);
  if (!('file' in raw)) entries.unshift(['file', {}]);
  for (const [name, value] of entries) {
    const checked = checkStore(name, value ?? {}, issues);
    if (!checked) continue;
    stores[name] = definitionOf(checked.driver, checked.store, baseDir, projectRoot);
    checkedStores[name] = checked.driver === 'file' ? { ...checked.store, path: stores[name].path } : checked.store;
  }
  return { stores, checkedStores };
}

function resolveDistributed(
  config: Checked['distributed'],
  nodeDriver: string,
  issues: Issues,
  baseDir: string,
  projectRoot: string,
): StoreDefinition | undefined {
  if (!config.nodes) {
    issues.errors.push('distributed.nodes: expected a list of nodes, got none');
    return undefined;
  }
  const given = config.failover as Checked['distributed']['failover'] | undefined;
  const failover: { enabled: boolean; timeout?: number; retry_after?: number } = typeof given === 'boolean' ? { enabled: given } : (given ?? { enabled: true });
  const nodes = config.nodes.map((node, i) => {
    const where = `distributed.nodes[${i}]`;
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      issues.errors.push(`${where}: expected an object ({ host, port, driver?, weight?, id? }), got ${node === null ? 'null' : Array.isArray(node) ? 'a list' : JSON.stringify(node)}`);
      return undefined;
    }
    const raw = node as Record<string, unknown>;
    const driver = raw.driver ?? nodeDriver;
    if (driver !== 'redis' && driver !== 'memcached') {
      issues.errors.push(`${where}.driver: expected "redis" or "memcached", got ${JSON.stringify(driver)}`);
      return undefined;
    }
    const { id: rawId, weight: rawWeight, role, ...options } = raw;
    if (role !== undefined) issues.notices.push(`${where}.role does not apply here: every node of the ring is read and written alike`);
    const placement = obj(NODE_FIELDS).check({ id: rawId, weight: rawWeight }, where, issues);
    const timeout = config.health.timeout ?? failover.timeout;
    const store = STORE_SHAPES[driver].check({ timeout, ...options, driver }, where, issues) as Record<string, unknown> | undefined;
    return store && placement ? { ...definitionOf(driver, store, baseDir, projectRoot), ...placement } : undefined;
  });
  if (nodes.some((n) => n === undefined)) return undefined;
  const placement = config.replication ?? config.strategy ?? 'consistent-hashing';
  if (placement === 'round-robin' && config.replicas > 0) {
    issues.notices.push(`distributed.replicas (${config.replicas}) does not apply to round-robin: each key is written to one node, the next in turn`);
  }
  return {
    driver: 'distributed',
    nodes,
    virtualNodes: config.strategies['consistent-hashing'].virtual_nodes ?? config.virtual_nodes,
    replicas: config.replicas,
    maxFailures: config.health.enabled ? config.health.max_failures : Number.POSITIVE_INFINITY,
    recoveryTime: config.health.recovery_time ?? failover.retry_after ?? 30,
    failover: failover.enabled,
    placement,
    stickySessions: config.strategies['round-robin'].sticky_sessions,
    stateFile: config.state_file ? resolve(baseDir, config.state_file) : join(projectRoot, '.cache', 'glueful-distributed-health.json'),
  };
}

/** The settings as checked, under the config file's keys: defaults filled, each store checked against its driver. */
export type CheckedSettings = Omit<Checked, 'stores'> & { stores: Record<string, Record<string, unknown>> };

/**
 * Validates a raw (already env-merged) config and fills defaults. Every error
 * is reported at once in one ConfigError; warnings (unknown keys) come back
 * in `warnings`.
 */
export function resolveConfig(raw: unknown, context: { source: string | null; baseDir: string; projectRoot: string }): ResolvedConfig {
  return checkConfig(raw, context).config;
}

/** resolveConfig, with the checked settings under their own keys too (cache:config shows them). */
export function checkConfig(raw: unknown, context: { source: string | null; baseDir: string; projectRoot: string }): { config: ResolvedConfig; settings: CheckedSettings } {
  const issues: Issues = { errors: [], warnings: [], notices: [] };
  const config = CONFIG.check(raw, '', issues);
  const { stores, checkedStores } = config ? resolveStores(config.stores ?? {}, issues, context.baseDir, context.projectRoot) : { stores: {}, checkedStores: {} };
  // A section of the wrong type is already an error naming it; nothing below may read it.
  const ring = config?.distributed && !issues.errors.some((e) => e.startsWith('distributed')) ? config.distributed : undefined;
  if (config && ring?.enabled) {
    // As the seed has it: the ring is the store, and `default` (when it names a server driver) the nodes' driver.
    const nodeDriver = config.default === 'memcached' || stores[config.default ?? '']?.driver === 'memcached' ? 'memcached' : 'redis';
    const distributed = resolveDistributed(ring, nodeDriver, issues, context.baseDir, context.projectRoot);
    if (distributed) stores.distributed = distributed;
  }
  const defaultStore = ring?.enabled ? 'distributed' : (config?.default ?? 'file');
  if (config && issues.errors.length === 0 && !stores[defaultStore]) {
    issues.errors.push(`default: expected one of the configured stores (${Object.keys(stores).join(', ')}), got ${JSON.stringify(defaultStore)}`);
  }
  if (!config || issues.errors.length) throw new ConfigError(`invalid configuration: ${issues.errors.join('; ')}`);
  return { config: resolvedOf(config, stores, defaultStore, issues, context), settings: { ...config, stores: checkedStores } };
}

function resolvedOf(
  config: Checked,
  stores: Record<string, StoreDefinition>,
  defaultStore: string,
  issues: Issues,
  context: { source: string | null; baseDir: string; projectRoot: string },
): ResolvedConfig {
  return {
    source: context.source,
    projectRoot: context.projectRoot,
    default: defaultStore,
    prefix: config.prefix,
    fallbackToFile: config.fallback_to_file,
    stores,
    stampede: {
      enabled: config.stampede_protection.enabled,
      lockTtl: config.stampede_protection.lock_ttl,
      maxWaitTime: config.stampede_protection.max_wait_time,
      retryInterval: config.stampede_protection.retry_interval,
      earlyExpiration: config.stampede_protection.early_expiration.enabled,
      earlyThreshold: config.stampede_protection.early_expiration.threshold,
    },
    tagging: { enabled: config.tagging.enabled, categories: config.tagging.categories },
    distributed: { ...config.distributed },
    edge: {
      provider: config.edge.provider || null,
      providers: config.edge.providers,
      defaultTtl: config.edge.default_ttl,
      timeoutMs: config.edge.timeout * 1000,
      deadlineMs: config.edge.deadline * 1000,
      concurrency: config.edge.concurrency,
      enabled: config.edge.enabled ?? null,
      baseDir: context.baseDir,
    },
    warmup: { strategies: config.warmup.strategies, lockTtl: config.warmup.lock_ttl, baseDir: context.baseDir },
    warnings: issues.warnings,
    notices: issues.notices,
  };
}
