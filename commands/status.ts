/**
 * cache:status — is the store reachable, how fast, how full; with
 * --detailed the capabilities, the effective config (secrets redacted) and
 * the alerts, which --fail-on-alert turns into exit 7 for cron and CI.
 */
import { countEntries, type AppRuntime } from '../src/config/glueful-runtime.js';
import { redactConfig } from '../src/config/redact.js';
import { describeCapabilities } from '../src/core/capabilities.js';
import type { DriverStats } from '../src/core/contract.js';
import { measureLatency } from '../src/core/latency.js';
import { CacheError, ExitCode, StoreUnavailableError, UsageError } from '../src/core/errors.js';
import { formatBytes, formatCount, formatDuration, formatElapsed, formatPercent } from '../src/output/format.js';
import type { Output } from '../src/output/output.js';
import { exposition, type Family } from '../src/output/prometheus.js';
import { printSections, type Section } from '../src/output/sections.js';
import { printTable } from '../src/output/table.js';
import { TaggingService } from '../src/tags/tagging.js';
import type { CommandContext } from './context.js';
import { defineCommand, type OptionsOf } from './define.js';
import { watch, watchInterval, type WatchResult } from './status-watch.js';

/** cache:status, declared. */
export const command = defineCommand({
  name: 'status',
  description: 'show whether the store is reachable, its latency and size',
  examples: ['glueful cache:status', 'glueful cache:status --detailed --json', 'glueful cache:status --fail-on-alert   # for cron / CI'],
  options: [
    { flags: '-d, --detailed', description: 'add capabilities, effective config and alerts' },
    { flags: '--fail-on-alert', description: 'exit 7 when an alert fires' },
    { flags: '--format <format>', description: 'human (default) or prometheus (text exposition, for node_exporter)' },
    { flags: '-w, --watch [seconds]', description: 'live view, redrawn every few seconds (default 2) until Ctrl-C' },
  ],
  conflicts: { watch: ['detailed', 'failOnAlert', 'format'] },
});

/** Thresholds from Glueful's cache health check. */
const ALERTS = { minHitRatio: 0.85, maxMemoryRatio: 0.9, maxLatencyMs: 10 };
/** Counting keys stops after this long on huge stores; the count is then a lower bound. */
const COUNT_BUDGET_MS = 5000;

/** What cache:status returns. */
export interface StatusResult {
  store: string;
  driver: string;
  location: string;
  config: string | null;
  /** The Glueful application the settings come from, when the command runs inside one. */
  app: { root: string; name: string | null; envFile: string | null; runtime: AppRuntime } | null;
  /** Inside an app: which of the app's stores the tool follows and why, and the other one. */
  appNotes: string[];
  /** Inside an app: other directories holding this app's cache entries, which the tool does not see. */
  otherCacheDirs: Array<{ dir: string; entries: number; what: string }>;
  prefix: string;
  fellBack: boolean;
  healthy: boolean;
  error?: string;
  /** Median round trip of several after the first (which opens the connection). */
  latencyMs: number | null;
  /** The fastest quarter's bound: the latency alert reads this (waiting for a CPU only adds time). */
  latencyP25Ms?: number;
  latencyP99Ms?: number;
  latencySamples?: number;
  keys: number | null;
  /** True when counting stopped at the time budget: `keys` is a lower bound. */
  keysPartial: boolean;
  totalKeys: number | null;
  bytes: number | null;
  /** Memory the server uses and its limit (bytes), when it has one. */
  memoryUsed: number | null;
  memoryLimit: number | null;
  hitRatio: number | null;
  info: DriverStats['info'];
  /** One row per server, for stores spread over several (a Redis Cluster). */
  nodes?: DriverStats['nodes'];
  /** Servers of a multi-server store that did not answer. */
  unreachable: string[];
  alerts: string[];
  capabilities?: Record<string, unknown>;
  effectiveConfig?: unknown;
  /** With --detailed: keys per known tag (within the time budget). */
  tags?: Record<string, number>;
  /** Settings accepted that do not apply to this tool, with the reason. */
  notices: string[];
  /** With --format prometheus: how print() renders (not part of the JSON). */
  format?: 'prometheus';
}

async function countKeys(ctx: CommandContext): Promise<{ keys: number; partial: boolean }> {
  const store = await ctx.store();
  if (!store.capabilities.listKeys) return { keys: -1, partial: false };
  const budget = AbortSignal.any([ctx.signal, AbortSignal.timeout(COUNT_BUDGET_MS)]);
  const keys = await store.getKeyCount('*', { signal: budget });
  return { keys, partial: budget.aborted };
}

function alertsFor(result: StatusResult, stats: DriverStats): string[] {
  const alerts: string[] = [...(stats.warnings ?? [])];
  if (result.hitRatio !== null && result.hitRatio < ALERTS.minHitRatio) {
    alerts.push(`hit ratio ${(result.hitRatio * 100).toFixed(1)}% is below ${ALERTS.minHitRatio * 100}%`);
  }
  if (stats.memoryUsed !== undefined && stats.memoryLimit) {
    const ratio = stats.memoryUsed / stats.memoryLimit;
    if (ratio > ALERTS.maxMemoryRatio) alerts.push(`memory ${(ratio * 100).toFixed(1)}% used, over ${ALERTS.maxMemoryRatio * 100}%`);
  }
  const typical = result.latencyP25Ms ?? result.latencyMs;
  if (typical !== null && typical > ALERTS.maxLatencyMs) {
    alerts.push(`response time over ${ALERTS.maxLatencyMs} ms on even the fastest quarter of ${result.latencySamples} round trips (p25 ${typical} ms, median ${result.latencyMs} ms)`);
  }
  return alerts;
}

/** Runs a look-up whose failure (a node down mid-way) becomes an alert, not the end of the report. */
async function soft<T>(result: StatusResult, what: string, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof CacheError)) throw error;
    result.alerts.push(`${what} unavailable: ${error.message}`);
    return undefined;
  }
}

const storeText = (driver: string, dir: string) => (driver === 'file' ? `file at ${dir}` : driver);

/**
 * Inside a Glueful app: which of its stores the tool follows (php glueful
 * cache:*, CacheFactory without the app's context) and the CacheHelper's when
 * it is another one; and an alert for each other directory that holds
 * entries of this app (left by earlier versions of this tool, or a
 * CACHE_FILE_PATH the framework never reads).
 */
function describeApp(result: StatusResult, runtime: AppRuntime, fileDir: string | undefined): void {
  const cli = storeText(runtime.driver, runtime.cacheDir);
  const helper = storeText(runtime.helper.driver, runtime.helper.cacheDir);
  if (helper !== cli) {
    const why = runtime.driverFrom === 'CACHE_DRIVER' ? '' : ` (${runtime.driverFrom}, while config/cache.php's default is ${runtime.helper.driver})`;
    result.appNotes.push(
      `this tool follows php glueful cache:*, which use ${cli}${why}: CacheFactory::create() without the app's context. ` +
        `The app's CacheHelper (tags, stampede locks) reads config/cache.php and uses another store: ${helper}`,
    );
  }
  if (!runtime.framework.installed) {
    result.appNotes.push(`glueful/framework is not installed (${runtime.framework.dir} is missing: run composer install); its cache directory would be ${runtime.cacheDir}`);
  }
  const inUse = new Set([fileDir, runtime.helper.driver === 'file' ? runtime.helper.cacheDir : undefined].filter(Boolean));
  for (const candidate of runtime.candidates) {
    if (inUse.has(candidate.dir)) continue;
    const entries = countEntries(candidate.dir);
    if (entries === 0) continue;
    result.otherCacheDirs.push({ ...candidate, entries });
    result.alerts.push(`${candidate.dir} holds ${formatCount(entries)} cache entries this tool does not see: ${candidate.what}`);
  }
}

/** Keys, size, hit ratio, per-node rows and alerts of a store that answered. */
async function fillFigures(ctx: CommandContext, result: StatusResult): Promise<void> {
  const store = await ctx.store();
  const [counted, stats] = await Promise.all([soft(result, 'the key count', () => countKeys(ctx)), soft(result, 'server figures', () => store.getStats())]);
  if (counted) {
    result.keys = counted.keys < 0 ? null : counted.keys;
    result.keysPartial = counted.partial;
  }
  if (!stats) return;
  result.totalKeys = stats.totalKeys ?? null;
  result.bytes = stats.bytes ?? null;
  result.memoryUsed = stats.memoryUsed ?? null;
  result.memoryLimit = stats.memoryLimit || null;
  result.info = stats.info;
  if (stats.nodes) result.nodes = stats.nodes;
  result.unreachable = stats.unreachable ?? [];
  const lookups = (stats.hits ?? 0) + (stats.misses ?? 0);
  result.hitRatio = lookups > 0 ? (stats.hits ?? 0) / lookups : null;
  result.alerts.push(...alertsFor(result, stats));
}

export async function run(
  ctx: CommandContext,
  _args: string[],
  options: OptionsOf<typeof command>,
): Promise<StatusResult | Watched> {
  if (options.format !== undefined && options.format !== 'human' && options.format !== 'prometheus') {
    throw new UsageError(`invalid --format '${options.format}': expected human or prometheus`);
  }
  if (options.format === 'prometheus' && ctx.globals.json) throw new UsageError('--format prometheus and --json cannot be used together');
  const config = await ctx.config();
  const store = await ctx.store();
  if (options.watch !== undefined) return { watch: await watch(ctx, store, watchInterval(options.watch)) };
  const result: StatusResult = {
    store: store.name,
    driver: store.driver,
    location: store.location,
    config: config.source,
    app: config.app ?? null,
    appNotes: [],
    otherCacheDirs: [],
    prefix: store.prefix,
    fellBack: ctx.fellBack,
    healthy: false,
    latencyMs: null,
    keys: null,
    keysPartial: false,
    totalKeys: null,
    bytes: null,
    memoryUsed: null,
    memoryLimit: null,
    hitRatio: null,
    info: {},
    unreachable: [],
    alerts: [],
    notices: config.notices,
    ...(options.format === 'prometheus' ? { format: 'prometheus' as const } : {}),
  };
  if (config.app) describeApp(result, config.app.runtime, config.stores.file?.path as string | undefined);
  try {
    // On a fallback the configured store is down: that is the health this reports (exit 5), not the file store's.
    if (ctx.fallback) throw new StoreUnavailableError(`${ctx.fallback.reason} (the ${ctx.fallback.wanted} store; shown instead: the fallback file store)`);
    const latency = await measureLatency(() => store.ping(), { signal: ctx.signal });
    Object.assign(result, { latencyMs: latency.medianMs, latencyP25Ms: latency.p25Ms, latencyP99Ms: latency.p99Ms, latencySamples: latency.samples });
    result.healthy = true;
  } catch (error) {
    if (!(error instanceof CacheError)) throw error;
    result.error = error.message;
  }
  if (result.healthy) await fillFigures(ctx, result);
  if (options.detailed) {
    result.capabilities = describeCapabilities(store.capabilities);
    result.effectiveConfig = redactConfig(config);
    if (result.healthy && store.capabilities.tags !== false) {
      const budget = AbortSignal.any([ctx.signal, AbortSignal.timeout(COUNT_BUDGET_MS)]);
      result.tags = await soft(result, 'tag statistics', () => new TaggingService(store, config.tagging.categories).statistics({ signal: budget }));
    }
  }
  return result;
}

type Fact = string | number | boolean | null | undefined;
type FieldView = { section: 'server' | 'memory' | 'keys'; label: string; show?: (value: Fact) => string | null };

const bytes = (v: Fact) => (typeof v === 'number' ? formatBytes(v) : null);
const count = (v: Fact) => (typeof v === 'number' ? formatCount(v) : null);

/**
 * How the drivers' status facts read for a person: their section, a label,
 * units. (--json keeps the drivers' own names.) Facts not listed here are
 * shown under "Other" with their names spelled out.
 */
const FIELDS: Record<string, FieldView | null> = {
  version: { section: 'server', label: 'Version' },
  role: { section: 'server', label: 'Role' },
  uptimeSeconds: { section: 'server', label: 'Uptime', show: (v) => (typeof v === 'number' ? formatDuration(v) : null) },
  connectedClients: { section: 'server', label: 'Clients', show: count },
  connections: { section: 'server', label: 'Connections', show: count },
  opsPerSecond: { section: 'server', label: 'Operations/s', show: count },
  hashLevels: { section: 'server', label: 'Layout', show: (v) => (v === 0 ? 'flat (as Glueful writes by default)' : `${String(v)} levels of shard folders`) },
  mode: { section: 'server', label: 'Mode' },
  masters: { section: 'server', label: 'Masters', show: count },
  servers: { section: 'server', label: 'Servers', show: count },
  nodes: { section: 'server', label: 'Nodes', show: count },
  up: { section: 'server', label: 'Nodes up', show: count },
  replicas: { section: 'server', label: 'Replicas', show: count },
  usedMemory: null, // shown with its limit, from memoryUsed / memoryLimit
  maxMemory: null,
  bytes: null,
  limitBytes: null,
  peakMemory: { section: 'memory', label: 'Peak', show: bytes },
  maxMemoryPolicy: { section: 'memory', label: 'Eviction policy' },
  evictedKeys: { section: 'memory', label: 'Evicted keys', show: count },
  evictions: { section: 'memory', label: 'Evictions', show: count },
  items: null, // the store's key count, shown under Keys
  entries: null,
  maxEntries: { section: 'memory', label: 'Entry limit', show: (v) => (v === 'Infinity' ? 'none' : String(v)) },
  expiredEntries: { section: 'keys', label: 'Expired, not yet pruned', show: count },
  leftoverFiles: { section: 'keys', label: 'Leftover temp/lock files', show: count },
  unreadableByApp: { section: 'keys', label: "Unreadable by the app's user", show: count },
  latencyMs: null, // the store's own latency line covers it
  latencyP50Ms: null,
  latencyP99Ms: null,
  node: null,
  server: null,
};

/** `connectedClients` -> "Connected clients". */
const spelled = (name: string): string => {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** The app's own stores, as its code picks them. */
function appLines(r: StatusResult): Section['lines'] {
  if (!r.app) return [];
  const { runtime } = r.app;
  const framework = runtime.framework.installed ? `${runtime.framework.dir} (from ${runtime.framework.from})` : `not installed (${runtime.framework.dir})`;
  return [
    ['Framework', framework],
    ['php glueful cache:*', `${storeText(runtime.driver, runtime.cacheDir)} (${runtime.driverFrom})`],
    ['App CacheHelper', `${storeText(runtime.helper.driver, runtime.helper.cacheDir)} (config/cache.php)`],
    ...r.appNotes.map((note): [string, string] => ['Note', note]),
  ];
}

function memoryLine(r: StatusResult): string | null {
  if (r.memoryUsed === null) return null;
  if (!r.memoryLimit) return `${formatBytes(r.memoryUsed)} (no limit set)`;
  return `${formatBytes(r.memoryUsed)} of ${formatBytes(r.memoryLimit)} (${formatPercent(r.memoryUsed / r.memoryLimit)})`;
}

function latencyLine(r: StatusResult): string | null {
  if (r.latencyMs === null) return null;
  const { latencyP50Ms: p50, latencyP99Ms: p99 } = r.info;
  if (typeof p50 === 'number' && typeof p99 === 'number') return `${formatElapsed(r.latencyMs)} (PING p50 ${formatElapsed(p50)}, p99 ${formatElapsed(p99)})`;
  if (r.latencyP99Ms === undefined) return formatElapsed(r.latencyMs);
  return `${formatElapsed(r.latencyMs)} (median of ${r.latencySamples}, p99 ${formatElapsed(r.latencyP99Ms)})`;
}

/** A fact no FIELDS entry describes, in the units its name gives (…Ms, …Seconds, …Bytes), counts with separators. */
function withUnit(name: string, value: Fact): string {
  if (typeof value !== 'number') return String(value);
  if (/Ms$/.test(name)) return formatElapsed(value);
  if (/Seconds$/.test(name)) return formatDuration(value);
  if (/Bytes$/.test(name)) return formatBytes(value);
  return formatCount(value);
}

/** The facts of `info` by section, formatted. */
function infoSections(info: StatusResult['info']): Record<'server' | 'memory' | 'keys' | 'other', Section['lines']> {
  const out: Record<'server' | 'memory' | 'keys' | 'other', Section['lines']> = { server: [], memory: [], keys: [], other: [] };
  for (const [name, value] of Object.entries(info)) {
    const view = FIELDS[name];
    if (view === null || /^db\d+Keys$/.test(name)) continue;
    if (view === undefined) out.other.push([spelled(name), value === null ? null : withUnit(name, value)]);
    else out[view.section].push([view.label, view.show ? view.show(value) : value === null ? null : String(value)]);
  }
  return out;
}

/** A node row for a person: labels spelled out, bytes and durations in units. */
function nodeCells(node: Record<string, Fact>, columns: string[]): string[] {
  return columns.map((c) => {
    const v = node[c];
    if (v === null || v === undefined) return '-';
    if (typeof v === 'number' && /memory|bytes/i.test(c)) return formatBytes(v);
    if (typeof v === 'number' && c === 'uptimeSeconds') return formatDuration(v);
    if (typeof v === 'number' && /Ms$/.test(c)) return formatElapsed(v);
    return typeof v === 'number' ? formatCount(v) : String(v);
  });
}

const CAPABILITY_LABELS: Record<string, string> = {
  listKeys: 'Key listing (purge, clear, counts)',
  ttlRead: 'TTL reads',
  tags: 'Tags',
  sortedSets: 'Sorted sets',
  bulkWrite: 'Bulk writes',
  flushDatabase: 'Whole-database flush',
  persistent: 'Survives a restart',
  shared: 'Shared between machines',
  maxKeyBytes: 'Longest key',
};

function capabilityValue(name: string, value: unknown): string {
  if (value === true) return 'yes';
  if (value === false) return 'no';
  if (name === 'maxKeyBytes' && typeof value === 'number') return formatBytes(value);
  return String(value);
}

const NODE_COLUMNS_SHOWN = /^(node|server|version|role|state|weight|share|failures|keys|items|memory|usedMemory|bytes|maxMemory|limitBytes|connectedClients|connections|evictedKeys|evictions|opsPerSecond|latencyMs|latencyP99Ms|uptimeSeconds)$/;

/** Node columns a narrow terminal loses first, least telling first. */
const NODE_COLUMNS_DROPPED = ['uptimeSeconds', 'version', 'connections', 'connectedClients', 'latencyP99Ms', 'weight', 'failures', 'limitBytes', 'maxMemory', 'evictions', 'evictedKeys', 'opsPerSecond', 'role'];

export async function print(out: Output, r: StatusResult | Watched): Promise<void> {
  if ('watch' in r) return; // the view was drawn as it went
  if (r.format === 'prometheus') return out.write(exposition(metrics(r)));
  const style = await out.colors();
  const facts = infoSections(r.info);
  const keys = r.keys === null ? (r.healthy ? 'not countable on this store' : null) : `${formatCount(r.keys)}${r.keysPartial ? '+ (counting stopped after 5 s)' : ''}`;
  await printSections(out, [
    {
      lines: [
        ['Store', `${r.store} (${r.driver} driver)${r.fellBack ? style.yellow(' — fell back to the file store') : ''}`],
        ['Location', r.location],
        ['App', r.app ? `Glueful app${r.app.name ? ` ${r.app.name}` : ''} at ${r.app.root} (${r.app.envFile ? `settings from ${r.app.envFile}` : 'no .env'})` : null],
        ...appLines(r),
        ['Config', r.config ?? (r.app ? "none of ours (the app's defaults, its .env and the environment)" : 'none (defaults and environment)')],
        ['Prefix', r.prefix === '' ? "'' (none: every key in the store is in scope)" : r.prefix],
        ['Status', r.healthy ? style.green('healthy') : style.red(`unreachable: ${r.error ?? 'unknown error'}`)],
        ['Latency', latencyLine(r)],
      ],
    },
    {
      title: 'Keys',
      lines: [
        ['Under the prefix', keys],
        ['In the store', r.totalKeys === null ? null : formatCount(r.totalKeys)],
        ['Hit ratio', r.hitRatio === null ? null : formatPercent(r.hitRatio)],
        // Stores without a memory figure (the file store) report their size on disk.
        ['Size', r.memoryUsed === null && r.bytes !== null ? formatBytes(r.bytes) : null],
        ...facts.keys,
      ],
    },
    { title: 'Memory', lines: [['Used', memoryLine(r)], ...facts.memory] },
    { title: 'Server', lines: facts.server },
    { title: 'Other', lines: facts.other },
  ]);
  if (r.nodes?.length) {
    const columns = Object.keys(r.nodes[0]!).filter((c) => NODE_COLUMNS_SHOWN.test(c));
    out.line(style.bold('\nNodes'));
    await printTable(out, columns.map(spelled), r.nodes.map((n) => nodeCells(n, columns)), { drop: NODE_COLUMNS_DROPPED.map(spelled), shrink: ['Node', 'Server'] });
  }
  if (r.tags) {
    const used = Object.entries(r.tags).filter(([, n]) => n > 0);
    const lines: Section['lines'] = used.length ? used.map(([tag, n]) => [tag, formatCount(n)]) : [['(none)', 'no key carries a known tag']];
    out.line('');
    await printSections(out, [{ title: 'Keys per tag', lines }]);
  }
  if (r.capabilities) {
    out.line('');
    await printSections(out, [{ title: 'Capabilities', lines: Object.entries(r.capabilities).map(([name, v]) => [CAPABILITY_LABELS[name] ?? spelled(name), capabilityValue(name, v)]) }]);
  }
  if (r.effectiveConfig) {
    out.line(style.bold('\nEffective configuration') + ' (secrets redacted)');
    out.line(JSON.stringify(r.effectiveConfig, null, 2));
  }
  if (r.notices.length) {
    out.line(style.bold('\nSettings that do not apply here'));
    for (const notice of r.notices) out.line(`  ${notice}`);
  }
  if (r.alerts.length) {
    out.line(style.bold('\nAlerts'));
    for (const alert of r.alerts) out.line(style.yellow(`  ! ${alert}`));
  }
}

/** What a --watch returns when Ctrl-C ends it. */
export interface Watched {
  watch: WatchResult;
}

/** The --json document: the result without how it was to be printed. */
export function toJson(r: StatusResult | Watched): unknown {
  if ('watch' in r) return undefined; // one JSON line per tick was printed
  const { format: _format, ...rest } = r;
  return rest;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * The status figures as metric families: documented names (README), labels
 * `store` and `driver`, and `node` for per-node samples of stores spread
 * over several servers. Keys under the prefix only when counted within the
 * status time budget.
 */
function metrics(r: StatusResult): Family[] {
  const base = { store: r.store, driver: r.driver };
  const one = (value: number | undefined, labels: Record<string, string> = base) => (value === undefined ? [] : [{ labels, value }]);
  const perNode = (pick: (node: Record<string, unknown>) => number | undefined) =>
    (r.nodes ?? []).flatMap((node) => one(pick(node), { ...base, node: String(node.node ?? node.server ?? '') }));
  const nodeKeys = (n: Record<string, unknown>) => num(n.keys) ?? num(n.items) ?? num(Object.entries(n).find(([k]) => /^db\d+Keys$/.test(k))?.[1]);
  const nodeMemory = (n: Record<string, unknown>) => num(n.memory) ?? num(n.usedMemory) ?? num(n.bytes);
  return [
    { name: 'glueful_cache_up', help: 'Whether the store answered (1) or not (0).', type: 'gauge', samples: one(r.healthy ? 1 : 0) },
    { name: 'glueful_cache_latency_seconds', help: 'Round-trip time of a trivial request to the store.', type: 'gauge', samples: one(r.latencyMs === null ? undefined : r.latencyMs / 1000) },
    {
      name: 'glueful_cache_prefix_keys',
      help: 'Keys under the configured prefix (present only when counted within the status time budget).',
      type: 'gauge',
      samples: r.keys !== null && !r.keysPartial ? [{ labels: { ...base, prefix: r.prefix }, value: r.keys }] : [],
    },
    { name: 'glueful_cache_keys', help: 'Keys in the whole store.', type: 'gauge', samples: one(r.totalKeys ?? undefined) },
    { name: 'glueful_cache_node_keys', help: 'Keys on each server of a store spread over several.', type: 'gauge', samples: perNode(nodeKeys) },
    { name: 'glueful_cache_memory_used_bytes', help: 'Memory (or disk, for the file store) the store uses.', type: 'gauge', samples: one(r.memoryUsed ?? r.bytes ?? undefined) },
    { name: 'glueful_cache_memory_limit_bytes', help: 'The memory limit the store is configured with.', type: 'gauge', samples: one(r.memoryLimit ?? undefined) },
    { name: 'glueful_cache_node_memory_used_bytes', help: 'Memory used on each server of a store spread over several.', type: 'gauge', samples: perNode(nodeMemory) },
    { name: 'glueful_cache_hit_ratio', help: 'Hits over lookups since the server started (0..1).', type: 'gauge', samples: one(r.hitRatio ?? undefined) },
    { name: 'glueful_cache_evictions_total', help: 'Keys the server evicted since it started.', type: 'counter', samples: one(num(r.info.evictedKeys) ?? num(r.info.evictions)) },
    { name: 'glueful_cache_nodes_unreachable', help: 'Servers of a multi-server store that did not answer.', type: 'gauge', samples: r.nodes ? one(r.unreachable.length) : [] },
    { name: 'glueful_cache_alerts', help: 'Alerts cache:status raised (thresholds in the README).', type: 'gauge', samples: one(r.alerts.length) },
  ];
}

/** Exit 5 when unreachable (a --watch ends with 0: Ctrl-C is how it is stopped); 7 when some servers did not answer, or with --fail-on-alert when an alert fired. */
export function exitCode(r: StatusResult | Watched, options: OptionsOf<typeof command>): number {
  if ('watch' in r) return ExitCode.OK;
  if (!r.healthy) return ExitCode.UNREACHABLE;
  if (r.unreachable.length) return ExitCode.PARTIAL;
  return options.failOnAlert && r.alerts.length ? ExitCode.PARTIAL : ExitCode.OK;
}
