/**
 * What a store can do, as data. Commands ask these flags and never look at
 * driver classes; a missing capability becomes a NotSupportedError naming it.
 */
export interface Capabilities {
  /** Keys can be enumerated (getKeys, getKeyCount, purge, clear by prefix). */
  readonly listKeys: boolean;
  /** The remaining TTL of a key can be read. */
  readonly ttlRead: boolean;
  /** Tags: `native` (server-side sets), `emulated` (kept by this tool), or none. */
  readonly tags: 'native' | 'emulated' | false;
  /** zadd / zrange / zremrangebyscore. */
  readonly sortedSets: boolean;
  /** increment / decrement are atomic across processes. */
  readonly atomicCounters: boolean;
  /** Data survives a restart of the server / machine. */
  readonly persistent: boolean;
  /** Entries live on a server shared with other machines. */
  readonly shared: boolean;
  /** Largest key the backend accepts, in bytes (Infinity when unbounded). */
  readonly maxKeyBytes: number;
}

/** A readable list of the capabilities a store has, for `cache:status --detailed`. */
export function describeCapabilities(caps: Capabilities): Record<string, string | boolean | number> {
  return {
    listKeys: caps.listKeys,
    ttlRead: caps.ttlRead,
    tags: caps.tags === false ? false : caps.tags,
    sortedSets: caps.sortedSets,
    atomicCounters: caps.atomicCounters,
    persistent: caps.persistent,
    shared: caps.shared,
    maxKeyBytes: Number.isFinite(caps.maxKeyBytes) ? caps.maxKeyBytes : 'unbounded',
  };
}
