/** Reading `INFO` into the figures cache:status shows. */

/** INFO text -> field map (sections merged; `# Section` lines skipped). */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** `db0:keys=1,expires=0,avg_ttl=0` -> { keys: 1, ... }, by name (newer servers add fields). */
export function parseKeyspace(value: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of value?.split(',') ?? []) {
    const [name, n] = part.split('=');
    if (name && n !== undefined) out[name] = Number(n);
  }
  return out;
}

/** Eviction policies that may remove keys without a TTL, tag sets included. */
const EVICTS_PERSISTENT = /^allkeys-/;

/** One server's status figures. */
export function summarizeInfo(address: string, info: Map<string, string>, latency: { p50: number; p99: number }, db: number) {
  const num = (name: string) => (info.has(name) ? Number(info.get(name)) : undefined);
  const keyspace = parseKeyspace(info.get(`db${db}`));
  const policy = info.get('maxmemory_policy') ?? 'unknown';
  const warnings: string[] = [];
  if (EVICTS_PERSISTENT.test(policy)) {
    warnings.push(`maxmemory-policy ${policy} on ${address} can evict tag sets (_gf_tag:*): tag invalidation may then miss keys`);
  }
  const maxMemory = num('maxmemory') ?? 0;
  return {
    keys: keyspace.keys ?? 0,
    usedMemory: num('used_memory'),
    maxMemory,
    hits: num('keyspace_hits'),
    misses: num('keyspace_misses'),
    warnings,
    row: {
      node: address,
      version: info.get('redis_version') ?? null,
      role: info.get('role') ?? null,
      uptimeSeconds: num('uptime_in_seconds') ?? null,
      connectedClients: num('connected_clients') ?? null,
      usedMemory: num('used_memory') ?? null,
      peakMemory: num('used_memory_peak') ?? null,
      maxMemory: maxMemory || null,
      maxMemoryPolicy: policy,
      evictedKeys: num('evicted_keys') ?? null,
      opsPerSecond: num('instantaneous_ops_per_sec') ?? null,
      latencyP50Ms: latency.p50,
      latencyP99Ms: latency.p99,
      [`db${db}Keys`]: keyspace.keys ?? 0,
    },
  };
}
