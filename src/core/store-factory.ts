/**
 * openStore(): a store by name over the driver its definition names, with
 * the optional fallback to the file store when a server cannot be reached.
 * The core knows no driver: the caller hands it a loader (the registry in
 * src/drivers/registry.ts, through src/store.ts).
 */
import type { CacheDriver } from './contract.js';
import { phpredisLayer } from './codec.js';
import type { PhpRedisOptions } from './codecs/phpredis.js';
import { ConfigError, StoreUnavailableError } from './errors.js';
import { NamespacedStore } from './namespaced-store.js';

/** A store's configuration: the driver name plus that driver's options. */
export interface StoreDefinition {
  driver: string;
  /** Largest encoded value written; default 1 MiB. */
  maxValueBytes?: number;
  [option: string]: unknown;
}

/** What createStore needs from the resolved configuration. */
export interface StoreFactoryConfig {
  default: string;
  prefix: string;
  fallbackToFile: boolean;
  stores: Record<string, StoreDefinition>;
}

/** Hooks for what the caller should tell the operator; the core never prints. */
export interface StoreFactoryHooks {
  onWarning?: (message: string) => void;
}

/** Creates the driver a store definition names (the driver registry does, loading its module on first use). */
export type DriverLoader = (definition: StoreDefinition) => Promise<CacheDriver>;

/** What a driver module is handed besides its options. */
export interface DriverEnvironment {
  /** Loads other drivers: the distributed store builds its nodes with it. */
  loadDriver: DriverLoader;
}

function fileDefinition(config: StoreFactoryConfig): StoreDefinition {
  const file = Object.values(config.stores).find((s) => s.driver === 'file');
  if (!file) throw new ConfigError('fallback_to_file is on but no file store is configured');
  return file;
}

/** Why a store is the file fallback: the store that was wanted and what kept it out of reach. */
export interface FallbackInfo {
  wanted: string;
  driver: string;
  reason: string;
}

/** The resolved store, and whether it is the file fallback. */
export interface CreatedStore {
  store: NamespacedStore;
  fellBack: boolean;
  /** Set when fellBack. */
  fallback?: FallbackInfo;
}

/** How a store of a known kind gets configured, for the message when it is asked for and is not. */
const HOW_TO_CONFIGURE: Record<string, string> = {
  redis: '; to use Redis, set REDIS_HOST and REDIS_PORT (the environment or the project .env), or add stores.redis to the config',
  memcached: '; to use Memcached, set MEMCACHED_HOST and MEMCACHED_PORT (the environment or the project .env), or add stores.memcached to the config',
  distributed: '; to use the distributed store, set distributed.enabled and distributed.nodes in the config (DISTRIBUTED_CACHE_ENABLED)',
  array: "; the in-process store: add stores.memory = { driver: 'array' } to the config, or CACHE_DRIVER=array",
};

/**
 * Opens the store called `name` with drivers from `loadDriver`. When the
 * server is unreachable and fallbackToFile is on, returns the file store and
 * warns through hooks.onWarning.
 */
export async function openStore(
  config: StoreFactoryConfig,
  name: string,
  hooks: StoreFactoryHooks & DriverEnvironment,
): Promise<CreatedStore> {
  const { loadDriver } = hooks;
  const definition = config.stores[name];
  if (!definition) {
    const known = Object.keys(config.stores).join(', ');
    throw new ConfigError(`unknown store '${name}': configured stores are ${known}${HOW_TO_CONFIGURE[name] ?? ''}`);
  }
  // A PHP client's layer around values (the phpredis serializer/compression the app is configured with).
  const layer = definition.phpredis ? phpredisLayer(definition.phpredis as PhpRedisOptions) : undefined;
  const options = { name, prefix: config.prefix, maxValueBytes: definition.maxValueBytes, layer };
  const driver = await loadDriver(definition);
  if (!config.fallbackToFile || definition.driver === 'file') {
    return { store: new NamespacedStore(driver, options), fellBack: false };
  }
  try {
    await driver.ping();
    return { store: new NamespacedStore(driver, options), fellBack: false };
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    await driver.dispose().catch(() => undefined);
    hooks.onWarning?.(`${error.message}; falling back to the file store (fallback_to_file is on)`);
    const file = await loadDriver(fileDefinition(config));
    const fallback = { wanted: name, driver: definition.driver, reason: error.message };
    return { store: new NamespacedStore(file, { ...options, name: 'file', layer: undefined }), fellBack: true, fallback };
  }
}
