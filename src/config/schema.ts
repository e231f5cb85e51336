/**
 * The configuration shape (after Glueful's config/cache.php), its defaults,
 * the environment overrides, and validation into a ResolvedConfig.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { StoreDefinition, StoreFactoryConfig } from '../core/store-factory.js';
import { invalid, optionalBool, optionalInt, optionalNumber, optionalString, section } from './validate.js';

/** The file store (`stores.file`). */
export interface FileStoreConfig {
  driver?: 'file';
  /** Cache directory; relative paths are relative to the config file. Env: CACHE_FILE_PATH. */
  path?: string;
  /** Directory levels of 2 hex characters: 0 = Glueful's flat layout, 1 = its shard layout. Default 2. */
  hash_levels?: number;
  /** Seconds between automatic removals of expired entries; 0 turns them off. Default 3600. */
  cleanup_frequency?: number;
  /** Largest encoded value written, bytes. Default 1 MiB (Glueful's read limit). */
  max_value_bytes?: number;
}

/** A Redis server (`stores.redis`). */
export interface RedisStoreConfig {
  driver?: 'redis';
  /** Env: REDIS_HOST. */
  host?: string;
  /** Env: REDIS_PORT. */
  port?: number;
  /** Env: REDIS_PASSWORD. Never printed. */
  password?: string;
  /** Env: REDIS_DB. */
  database?: number;
  /** Connect and command timeout, seconds. Env: REDIS_TIMEOUT. Default 2.5. */
  timeout?: number;
  max_value_bytes?: number;
  [option: string]: unknown;
}

/** One or more memcached servers (`stores.memcached`). */
export interface MemcachedStoreConfig {
  driver?: 'memcached';
  /** Env: MEMCACHED_HOST. */
  host?: string;
  /** Env: MEMCACHED_PORT. */
  port?: number;
  /** Several servers as `host:port[:weight]`. */
  servers?: string[];
  max_value_bytes?: number;
  [option: string]: unknown;
}

/** Any store; the driver is named, or implied by the store's name. */
export type StoreConfig = FileStoreConfig | RedisStoreConfig | MemcachedStoreConfig;

/** The configuration file's shape. Every field is optional. */
export interface CacheConfig {
  /** Store used when --store is not given. Env: CACHE_DRIVER. Default `file`. */
  default?: string;
  /** Namespace for every key. Env: CACHE_PREFIX. Default `glueful_`; '' sees a Glueful PHP app's keys. */
  prefix?: string;
  stores?: { file?: FileStoreConfig; redis?: RedisStoreConfig; memcached?: MemcachedStoreConfig } & Record<
    string,
    StoreConfig | undefined
  >;
  /** Use the file store when the configured server is unreachable. Env: CACHE_FALLBACK_FILE. */
  fallback_to_file?: boolean;
  stampede_protection?: {
    /** Env: CACHE_STAMPEDE_PROTECTION. */
    enabled?: boolean;
    lock_ttl?: number;
    max_wait_time?: number;
    retry_interval?: number;
    early_expiration?: { enabled?: boolean; threshold?: number };
  };
  tagging?: {
    /** Env: CACHE_TAGGING_ENABLED. */
    enabled?: boolean;
    /** Extra tag categories: name -> tags. */
    categories?: Record<string, string[]>;
  };
  distributed?: {
    /** Env: DISTRIBUTED_CACHE_ENABLED. When on, the distributed store is the default. */
    enabled?: boolean;
    /** Independent servers: { driver: 'redis' | 'memcached', host, port, weight?, id?, ...store options }. */
    nodes?: Array<Record<string, unknown>>;
    /** Ring points per node at weight 1. Default 150. */
    virtual_nodes?: number;
    /** Extra copies on the next distinct nodes. Default 0. */
    replicas?: number;
    /** Only `consistent-hashing` (the default). */
    strategy?: string;
    health?: { max_failures?: number; recovery_time?: number; timeout?: number };
    /** Where processes share node health. Default <project root>/.cache/glueful-distributed-health.json. */
    state_file?: string;
    [option: string]: unknown;
  };
  warmup?: {
    /** What cache:warmup runs (see README "cache:warmup"). */
    strategies?: unknown[];
    /** Seconds the overlap lock lives if a run dies. Default 3600. */
    lock_ttl?: number;
  };
}

/** Identity function that gives config files type checking. */
export function defineConfig(config: CacheConfig): CacheConfig {
  return config;
}

/** The configuration every command works from. */
export interface ResolvedConfig extends StoreFactoryConfig {
  /** The config file used, or null when none was found. */
  source: string | null;
  projectRoot: string;
  stampede: { enabled: boolean; lockTtl: number; maxWaitTime: number; retryInterval: number; earlyThreshold: number };
  tagging: { enabled: boolean; categories: Record<string, string[]> };
  distributed: { enabled: boolean; [option: string]: unknown };
  /** Warmup declarations, checked when cache:warmup loads them; baseDir resolves their paths. */
  warmup: { strategies: unknown; lockTtl: number; baseDir: string };
}

/** Where the embedded store lives when nothing says otherwise. */
export function defaultFilePath(projectRoot: string): string {
  return join(projectRoot, '.cache', 'glueful-cache');
}

const DRIVER_NAMES = ['file', 'redis', 'memcached'];

function resolveFile(where: string, raw: Record<string, unknown>, baseDir: string, projectRoot: string): StoreDefinition {
  const path = optionalString(`${where}.path`, raw.path);
  if (path === '') invalid(`${where}.path`, 'a directory path', path);
  return {
    driver: 'file',
    path: path ? (isAbsolute(path) ? path : resolve(baseDir, path)) : defaultFilePath(projectRoot),
    hashLevels: optionalInt(`${where}.hash_levels`, raw.hash_levels, 0, 8) ?? 2,
    cleanupFrequency: optionalInt(`${where}.cleanup_frequency`, raw.cleanup_frequency, 0, 31_536_000) ?? 3600,
    maxValueBytes: optionalInt(`${where}.max_value_bytes`, raw.max_value_bytes, 1, 2 ** 31),
  };
}

function resolveServer(where: string, raw: Record<string, unknown>, driver: string): StoreDefinition {
  const def: StoreDefinition = { ...raw, driver };
  def.host = optionalString(`${where}.host`, raw.host);
  def.port = optionalInt(`${where}.port`, raw.port, 1, 65535);
  def.timeout = optionalNumber(`${where}.timeout`, raw.timeout, 0.001, 3600);
  def.maxValueBytes = optionalInt(`${where}.max_value_bytes`, raw.max_value_bytes, 1, 2 ** 31);
  if (driver === 'redis') def.database = optionalInt(`${where}.database`, raw.database, 0, 1_000_000);
  return def;
}

function resolveStores(raw: Record<string, unknown>, baseDir: string, projectRoot: string): Record<string, StoreDefinition> {
  const stores: Record<string, StoreDefinition> = {};
  const entries = Object.entries(raw);
  if (!('file' in raw)) entries.unshift(['file', {}]);
  for (const [name, value] of entries) {
    const where = `stores.${name}`;
    const store = section(where, value);
    const driver = optionalString(`${where}.driver`, store.driver) ?? (DRIVER_NAMES.includes(name) ? name : undefined);
    if (!driver || !DRIVER_NAMES.includes(driver)) invalid(`${where}.driver`, `one of ${DRIVER_NAMES.join(', ')}`, driver);
    stores[name] = driver === 'file' ? resolveFile(where, store, baseDir, projectRoot) : resolveServer(where, store, driver);
  }
  return stores;
}

function resolveDistributed(raw: Record<string, unknown>, baseDir: string, projectRoot: string): StoreDefinition {
  if (!Array.isArray(raw.nodes) || raw.nodes.length === 0) invalid('distributed.nodes', 'a list of nodes', raw.nodes);
  const health = section('distributed.health', raw.health);
  const timeout = optionalNumber('distributed.health.timeout', health.timeout, 0.001, 3600);
  const nodes = (raw.nodes as unknown[]).map((node, i) => {
    const where = `distributed.nodes[${i}]`;
    const n = section(where, node);
    const driver = optionalString(`${where}.driver`, n.driver) ?? 'redis';
    if (driver !== 'redis' && driver !== 'memcached') invalid(`${where}.driver`, 'redis or memcached', driver);
    return {
      ...resolveServer(where, { timeout, ...n }, driver),
      id: optionalString(`${where}.id`, n.id),
      weight: optionalNumber(`${where}.weight`, n.weight, 0.01, 1000) ?? 1,
    };
  });
  const strategy = optionalString('distributed.strategy', raw.strategy) ?? 'consistent-hashing';
  if (strategy !== 'consistent-hashing') {
    // Round-robin spreads writes evenly but cannot find a key again without a
    // per-key record of where it went; a CLI run by cron has nowhere to keep one.
    invalid('distributed.strategy', '"consistent-hashing" (round-robin cannot find keys again across processes)', strategy);
  }
  const stateFile = optionalString('distributed.state_file', raw.state_file);
  return {
    driver: 'distributed',
    nodes,
    virtualNodes: optionalInt('distributed.virtual_nodes', raw.virtual_nodes, 1, 10_000) ?? 150,
    replicas: optionalInt('distributed.replicas', raw.replicas, 0, 16) ?? 0,
    maxFailures: optionalInt('distributed.health.max_failures', health.max_failures, 1, 1000) ?? 3,
    recoveryTime: optionalNumber('distributed.health.recovery_time', health.recovery_time, 0, 86400) ?? 30,
    stateFile: stateFile ? resolve(baseDir, stateFile) : join(projectRoot, '.cache', 'glueful-distributed-health.json'),
  };
}

function resolveCategories(raw: unknown): Record<string, string[]> {
  const categories = section('tagging.categories', raw);
  for (const [name, tags] of Object.entries(categories)) {
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string' && t.length > 0)) {
      invalid(`tagging.categories.${name}`, 'a list of tag names', tags);
    }
  }
  return categories as Record<string, string[]>;
}

/** Validates a raw (already env-merged) config and fills defaults. */
export function resolveConfig(
  raw: unknown,
  context: { source: string | null; baseDir: string; projectRoot: string },
): ResolvedConfig {
  const config = section('(top level)', raw);
  const stores = resolveStores(section('stores', config.stores), context.baseDir, context.projectRoot);
  const distributedRaw = section('distributed', config.distributed);
  if (optionalBool('distributed.enabled', distributedRaw.enabled)) {
    stores.distributed = resolveDistributed(distributedRaw, context.baseDir, context.projectRoot);
  }
  const defaultStore = optionalString('default', config.default) ?? (stores.distributed ? 'distributed' : 'file');
  if (!stores[defaultStore]) {
    throw new ConfigError(
      `invalid configuration: default: expected one of the configured stores (${Object.keys(stores).join(', ')}), got "${defaultStore}"`,
    );
  }
  const stampede = section('stampede_protection', config.stampede_protection);
  const early = section('stampede_protection.early_expiration', stampede.early_expiration);
  const tagging = section('tagging', config.tagging);
  const distributed = section('distributed', config.distributed);
  const warmup = section('warmup', config.warmup);
  return {
    source: context.source,
    projectRoot: context.projectRoot,
    default: defaultStore,
    prefix: optionalString('prefix', config.prefix) ?? 'glueful_',
    fallbackToFile: optionalBool('fallback_to_file', config.fallback_to_file) ?? false,
    stores,
    stampede: {
      enabled: optionalBool('stampede_protection.enabled', stampede.enabled) ?? true,
      lockTtl: optionalNumber('stampede_protection.lock_ttl', stampede.lock_ttl, 1, 86400) ?? 60,
      maxWaitTime: optionalNumber('stampede_protection.max_wait_time', stampede.max_wait_time, 0, 3600) ?? 30,
      retryInterval: optionalNumber('stampede_protection.retry_interval', stampede.retry_interval, 1, 60_000) ?? 100,
      earlyThreshold: optionalNumber('stampede_protection.early_expiration.threshold', early.threshold, 0, 1) ?? 0.8,
    },
    tagging: {
      enabled: optionalBool('tagging.enabled', tagging.enabled) ?? true,
      categories: resolveCategories(tagging.categories),
    },
    distributed: { ...distributed, enabled: optionalBool('distributed.enabled', distributed.enabled) ?? false },
    warmup: {
      strategies: warmup.strategies,
      lockTtl: optionalInt('warmup.lock_ttl', warmup.lock_ttl, 1, 86400) ?? 3600,
      baseDir: context.baseDir,
    },
  };
}
