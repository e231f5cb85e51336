/**
 * createStore(): the configured store over the drivers of this build — the
 * core's openStore() handed the driver registry.
 */
import { openStore, type CreatedStore, type StoreFactoryConfig, type StoreFactoryHooks } from './core/store-factory.js';
import { loadDriver } from './drivers/registry.js';

/**
 * Creates the store called `name` (default: config.default). When its server
 * is unreachable and fallbackToFile is on, returns the file store and warns
 * through hooks.onWarning.
 */
export function createStore(config: StoreFactoryConfig, name = config.default, hooks: StoreFactoryHooks = {}): Promise<CreatedStore> {
  return openStore(config, name, { ...hooks, loadDriver });
}
