/**
 * What a store can do, as data, computed from the driver instance: an
 * optional piece that is present is a capability (see CacheDriver). Commands
 * ask these flags and never look at driver classes; a missing capability
 * becomes a NotSupportedError naming it.
 */
import type { CacheDriver, Capabilities } from './contract.js';

export type { Capabilities } from './contract.js';

/** The capabilities of one driver instance. */
export function capabilitiesOf(driver: CacheDriver): Capabilities {
  return {
    listKeys: typeof driver.scan === 'function',
    ttlRead: typeof driver.ttl === 'function',
    tags: driver.tags?.kind ?? false,
    sortedSets: driver.sortedSets !== undefined,
    bulkWrite: typeof driver.setMany === 'function',
    flushDatabase: typeof driver.flushDatabase === 'function',
    ...driver.traits,
  };
}

/** The capabilities for `cache:status --detailed` (JSON-safe: no Infinity). */
export function describeCapabilities(caps: Capabilities): Record<string, string | boolean | number> {
  return { ...caps, maxKeyBytes: Number.isFinite(caps.maxKeyBytes) ? caps.maxKeyBytes : 'unbounded' };
}
