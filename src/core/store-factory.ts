/**
 * createStore(): a store by name, its driver module loaded only when used
 * (a file-store user never loads ioredis or memjs), with the optional
 * fallback to the file store when a server cannot be reached.
 */
import type { CacheDriver } from './contract.js';
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

type DriverModule = { createDriver(options: never): CacheDriver };

/** Driver modules by name, imported on first use. */
const DRIVERS: Record<string, () => Promise<DriverModule>> = {
  file: () => import('../drivers/file.js'),
  redis: () => import('../drivers/redis.js'),
  memcached: () => import('../drivers/memcached.js'),
  distributed: () => import('../drivers/distributed.js'),
};

/** The driver names this build knows. */
export const KNOWN_DRIVERS = Object.keys(DRIVERS);

/** Creates the driver a definition names, importing its module on first use. */
export async function loadDriver(definition: StoreDefinition): Promise<CacheDriver> {
  const load = DRIVERS[definition.driver];
  if (!load) {
    throw new ConfigError(`unknown driver '${definition.driver}': expected one of ${KNOWN_DRIVERS.join(', ')}`);
  }
  const module = await load();
  return module.createDriver(definition as never);
}

function fileDefinition(config: StoreFactoryConfig): StoreDefinition {
  const file = Object.values(config.stores).find((s) => s.driver === 'file');
  if (!file) throw new ConfigError('fallback_to_file is on but no file store is configured');
  return file;
}

/** The resolved store, and whether it is the file fallback. */
export interface CreatedStore {
  store: NamespacedStore;
  fellBack: boolean;
}

/**
 * Creates the store called `name` (default: config.default). When the
 * server is unreachable and fallbackToFile is on, returns the file store and
 * warns through hooks.onWarning.
 */
export async function createStore(
  config: StoreFactoryConfig,
  name = config.default,
  hooks: StoreFactoryHooks = {},
): Promise<CreatedStore> {
  const definition = config.stores[name];
  if (!definition) {
    const known = Object.keys(config.stores).join(', ');
    throw new ConfigError(`unknown store '${name}': configured stores are ${known}`);
  }
  const options = { name, prefix: config.prefix, maxValueBytes: definition.maxValueBytes };
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
    return { store: new NamespacedStore(file, { ...options, name: 'file' }), fellBack: true };
  }
}
