/**
 * The drivers this build knows, by name. A driver's module is imported the
 * first time a store uses it, so a file-store command never loads ioredis
 * or memjs. Each module exports `createDriver(options, environment)`.
 */
import type { CacheDriver } from '../core/contract.js';
import { ConfigError } from '../core/errors.js';
import type { DriverEnvironment, StoreDefinition } from '../core/store-factory.js';

type DriverModule = { createDriver(options: never, environment: DriverEnvironment): CacheDriver };

const DRIVERS: Record<string, () => Promise<DriverModule>> = {
  file: () => import('./file/index.js'),
  redis: () => import('./redis/index.js'),
  memcached: () => import('./memcached/index.js'),
  distributed: () => import('./distributed/index.js'),
  array: () => import('./array/index.js'),
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
  return module.createDriver(definition as never, { loadDriver });
}
