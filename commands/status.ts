/**
 * cache:status — is the store reachable, how fast, how full; with
 * --detailed the capabilities, the effective config (secrets redacted) and
 * the alerts, which --fail-on-alert turns into exit 7 for cron and CI.
 */
import { redactConfig } from '../src/config/redact.js';
import { describeCapabilities } from '../src/core/capabilities.js';
import type { DriverStats } from '../src/core/contract.js';
import { CacheError, ExitCode } from '../src/core/errors.js';
import { formatBytes } from '../src/output/format.js';
import type { Output } from '../src/output/output.js';
import { printPairs, printTable } from '../src/output/table.js';
import { TaggingService } from '../src/tags/tagging.js';
import type { CommandContext } from './context.js';
import { defineCommand, type OptionsOf } from './define.js';

/** cache:status, declared. */
export const command = defineCommand({
  name: 'status',
  description: 'show whether the store is reachable, its latency and size',
  examples: ['glueful cache:status', 'glueful cache:status --detailed --json', 'glueful cache:status --fail-on-alert   # for cron / CI'],
  options: [
    { flags: '-d, --detailed', description: 'add capabilities, effective config and alerts' },
    { flags: '--fail-on-alert', description: 'exit 7 when an alert fires' },
  ],
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
  prefix: string;
  fellBack: boolean;
  healthy: boolean;
  error?: string;
  latencyMs: number | null;
  keys: number | null;
  /** True when counting stopped at the time budget: `keys` is a lower bound. */
  keysPartial: boolean;
  totalKeys: number | null;
  bytes: number | null;
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
  if (result.latencyMs !== null && result.latencyMs > ALERTS.maxLatencyMs) {
    alerts.push(`response time ${result.latencyMs.toFixed(1)} ms is over ${ALERTS.maxLatencyMs} ms`);
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
): Promise<StatusResult> {
  const config = await ctx.config();
  const store = await ctx.store();
  const result: StatusResult = {
    store: store.name,
    driver: store.driver,
    location: store.location,
    config: config.source,
    prefix: store.prefix,
    fellBack: ctx.fellBack,
    healthy: false,
    latencyMs: null,
    keys: null,
    keysPartial: false,
    totalKeys: null,
    bytes: null,
    hitRatio: null,
    info: {},
    unreachable: [],
    alerts: [],
  };
  try {
    result.latencyMs = Math.round((await store.ping()) * 100) / 100;
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

export async function print(out: Output, r: StatusResult): Promise<void> {
  const style = await out.colors();
  const health = r.healthy ? style.green('healthy') : style.red(`unreachable: ${r.error ?? 'unknown error'}`);
  const keys = r.keys === null ? '-' : `${r.keys}${r.keysPartial ? '+ (counting stopped after 5 s)' : ''}`;
  await printPairs(out, [
    ['store', `${r.store} (${r.driver})${r.fellBack ? ' — fallback' : ''}`],
    ['location', r.location],
    ['config', r.config ?? 'none (defaults and environment)'],
    ['prefix', r.prefix === '' ? "'' (no prefix)" : r.prefix],
    ['status', health],
    ['latency', r.latencyMs === null ? '-' : `${r.latencyMs} ms`],
    ['keys under prefix', keys],
    ['keys in store', r.totalKeys],
    ['size', formatBytes(r.bytes ?? undefined)],
    ['hit ratio', r.hitRatio === null ? '-' : `${(r.hitRatio * 100).toFixed(1)}%`],
    ...Object.entries(r.info),
  ]);
  if (r.nodes?.length) {
    const columns = Object.keys(r.nodes[0]!);
    out.line(style.bold('\nnodes'));
    await printTable(out, columns, r.nodes.map((n) => columns.map((c) => String(n[c] ?? '-'))));
  }
  if (r.tags && Object.keys(r.tags).length) {
    out.line(style.bold('\ntags (keys)'));
    await printPairs(out, Object.entries(r.tags));
  }
  if (r.capabilities) {
    out.line(style.bold('\ncapabilities'));
    await printPairs(out, Object.entries(r.capabilities));
  }
  if (r.effectiveConfig) {
    out.line(style.bold('\neffective configuration'));
    out.line(JSON.stringify(r.effectiveConfig, null, 2));
  }
  if (r.alerts.length) out.line('');
  for (const alert of r.alerts) out.line(style.yellow(`alert: ${alert}`));
}

/** Exit 5 when unreachable; 7 when some servers did not answer, or with --fail-on-alert when an alert fired. */
export function exitCode(r: StatusResult, options: OptionsOf<typeof command>): number {
  if (!r.healthy) return ExitCode.UNREACHABLE;
  if (r.unreachable.length) return ExitCode.PARTIAL;
  return options.failOnAlert && r.alerts.length ? ExitCode.PARTIAL : ExitCode.OK;
}
