/**
 * The library surface for config files and scripts:
 * `import { defineConfig } from 'glueful-cache'`.
 */
export { defineConfig } from './config/schema.js';
export type { CacheConfig, FileStoreConfig, MemcachedStoreConfig, RedisStoreConfig, StoreConfig } from './config/schema.js';
export type { CacheStore, CacheDriver, SetOptions } from './core/contract.js';
export { createStore } from './store.js';
export { loadConfig } from './config/load.js';
export { Stampede, type StampedeSettings } from './stampede/stampede.js';
export { defineWarmupStrategy } from './warmup/strategy.js';
export type { WarmupContext, WarmupEntry, WarmupStrategy } from './warmup/strategy.js';
export { edgeCacheHeaders, type EdgeCacheHeaderOptions } from './edge/headers.js';
export { defineEdgeProvider } from './edge/provider.js';
export type { EdgeProvider, EdgeRequest, EdgeResponse, EdgeVerdict, PurgeKind } from './edge/provider.js';
export { EdgeService, type EdgePurgeResult } from './edge/edge-service.js';
