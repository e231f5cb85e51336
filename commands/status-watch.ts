/**
 * cache:status --watch: the live view, as `redis-cli --stat` gives one —
 * ops/s, hit ratio, memory and % of the limit, clients, evictions, keys,
 * latency — per node on a cluster or ring. On a terminal the block is
 * redrawn in place; anywhere else one logfmt line per node per tick (for
 * logs), or one JSON line per tick with --json. Ctrl-C ends it with exit 0.
 */
import type { CacheStore, DriverStats } from '../src/core/contract.js';
import { CacheError, UsageError } from '../src/core/errors.js';
import { fitTable, truncate } from '../src/output/fit.js';
import { formatBytes, formatCount, formatElapsed, formatPercent } from '../src/output/format.js';
import type { CommandContext } from './context.js';

/** One row of the view: the whole store, or one node of it. */
export interface WatchRow {
  node: string;
  opsPerSecond: number | null;
  hitRatio: number | null;
  memoryUsed: number | null;
  memoryLimit: number | null;
  clients: number | null;
  evictions: number | null;
  keys: number | null;
  latencyMs: number | null;
  up: boolean;
  /** Why the store did not answer this tick (the whole-store row only). */
  error?: string;
}

/** What a watch returns when it ends. */
export interface WatchResult {
  ticks: number;
}

const n = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The interval from `--watch [seconds]` (commander gives true when no value follows). */
export function watchInterval(value: string | boolean): number {
  if (value === true) return 2;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 3600) throw new UsageError(`invalid --watch '${String(value)}': expected seconds from 0.1 to 3600`);
  return seconds;
}

function rowsOf({ stats, latencyMs, error }: Sample, previous: Map<string, number>, dt: number): WatchRow[] {
  if (!stats) {
    return [{ node: 'store', opsPerSecond: null, hitRatio: null, memoryUsed: null, memoryLimit: null, clients: null, evictions: null, keys: null, latencyMs, up: false, error }];
  }
  const lookups = (stats.hits ?? 0) + (stats.misses ?? 0);
  const before = previous.get('lookups');
  previous.set('lookups', lookups);
  const info = stats.info;
  const whole: WatchRow = {
    node: 'store',
    // Redis says its own rate; otherwise the lookups since the last tick.
    opsPerSecond: n(info.opsPerSecond) ?? (before === undefined || dt <= 0 ? null : Math.max(0, (lookups - before) / dt)),
    hitRatio: lookups > 0 ? (stats.hits ?? 0) / lookups : null,
    memoryUsed: stats.memoryUsed ?? stats.bytes ?? null,
    memoryLimit: stats.memoryLimit ?? null,
    clients: n(info.connectedClients) ?? n(info.connections),
    evictions: n(info.evictedKeys) ?? n(info.evictions),
    keys: stats.totalKeys ?? null,
    latencyMs,
    up: true,
  };
  const nodes = (stats.nodes ?? []).map((row) => ({
    node: String(row.node ?? row.server ?? '?'),
    opsPerSecond: n(row.opsPerSecond),
    hitRatio: null,
    memoryUsed: n(row.memory) ?? n(row.usedMemory) ?? n(row.bytes),
    memoryLimit: n(row.maxMemory) ?? n(row.limitBytes),
    clients: n(row.connectedClients) ?? n(row.connections),
    evictions: n(row.evictedKeys) ?? n(row.evictions),
    keys: n(row.keys) ?? n(row.items),
    latencyMs: n(row.latencyMs) ?? n(row.latencyP50Ms),
    up: row.state === undefined ? true : row.state !== 'down',
  }));
  return [whole, ...nodes];
}

const cell = (v: number | null, show: (x: number) => string) => (v === null ? '-' : show(v));

function memory(row: WatchRow): string {
  if (row.memoryUsed === null) return '-';
  if (!row.memoryLimit) return formatBytes(row.memoryUsed);
  return `${formatBytes(row.memoryUsed)} / ${formatBytes(row.memoryLimit)} (${formatPercent(row.memoryUsed / row.memoryLimit)})`;
}

const COLUMNS = ['node', 'ops/s', 'hit', 'memory', 'clients', 'evicted', 'keys', 'latency'];

/** The table's lines, at most `width` columns each: a wrapped line would break the redraw in place. */
function tableLines(rows: WatchRow[], width: number): string[] {
  const cells = rows.map((r) => [
    r.up ? r.node : `${r.node} (down)`,
    cell(r.opsPerSecond, (v) => formatCount(Math.round(v))),
    cell(r.hitRatio, formatPercent),
    memory(r),
    cell(r.clients, formatCount),
    cell(r.evictions, formatCount),
    cell(r.keys, formatCount),
    cell(r.latencyMs, formatElapsed),
  ]);
  const fitted = fitTable(COLUMNS, cells, width, { drop: ['clients', 'evicted', 'ops/s'], shrink: ['node', 'memory'], perColumn: 2, fixed: -2 });
  const line = (values: string[]) => values.map((v, i) => v.padEnd(fitted.widths[i]!)).join('  ').trimEnd();
  return [line(fitted.head), ...fitted.rows.map(line)];
}

function logLine(time: string, store: string, r: WatchRow): string {
  const fields: Array<[string, string | number | null]> = [
    ['time', time], ['store', store], ['node', r.node], ['up', r.up ? 1 : 0], ['ops_per_sec', r.opsPerSecond === null ? null : Math.round(r.opsPerSecond)],
    ['hit_ratio', r.hitRatio === null ? null : Number(r.hitRatio.toFixed(4))], ['memory_bytes', r.memoryUsed], ['memory_limit_bytes', r.memoryLimit],
    ['clients', r.clients], ['evictions', r.evictions], ['keys', r.keys], ['latency_ms', r.latencyMs === null ? null : Number(r.latencyMs.toFixed(2))],
  ];
  const line = fields.filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`).join(' ');
  return r.error === undefined ? line : `${line} error=${JSON.stringify(r.error)}`;
}

/** One tick's look at the store: its figures, or why it did not answer. */
interface Sample {
  stats: DriverStats | null;
  latencyMs: number | null;
  error?: string;
}

async function sample(store: CacheStore): Promise<Sample> {
  try {
    const latencyMs = Math.round((await store.ping()) * 100) / 100;
    return { stats: await store.getStats(), latencyMs };
  } catch (error) {
    if (!(error instanceof CacheError)) throw error;
    return { stats: null, latencyMs: null, error: error.message };
  }
}

/** Runs the live view until Ctrl-C. */
export async function watch(ctx: CommandContext, store: CacheStore, seconds: number): Promise<WatchResult> {
  const out = ctx.out;
  const previous = new Map<string, number>();
  let drawn = 0;
  let ticks = 0;
  let last = performance.now();
  while (!ctx.signal.aborted) {
    const seen = await sample(store);
    if (ctx.signal.aborted) break; // Ctrl-C during the sample: its figures may be cut short
    const now = performance.now();
    const rows = rowsOf(seen, previous, (now - last) / 1000);
    last = now;
    const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if (out.json) {
      out.write(JSON.stringify({ time, store: store.name, rows }) + '\n');
    } else if (out.interactive) {
      const width = out.width;
      const lines = [`${store.name} (${store.location}) every ${seconds}s — ${time} — Ctrl-C to stop`, ...tableLines(rows, width)];
      if (seen.error !== undefined) lines.push(`down: ${seen.error}`);
      // The cursor goes back one line per line drawn: no line may wrap (the terminal's last column wraps too).
      for (let i = 0; i < lines.length; i++) lines[i] = truncate(lines[i]!, width - 1);
      // Back to where the last block started, clear it, draw the new one.
      if (drawn) out.write(`\x1b[${drawn}F\x1b[J`);
      out.write(lines.join('\n') + '\n');
      drawn = lines.length;
    } else {
      for (const row of rows) out.write(logLine(time, store.name, row) + '\n');
    }
    ticks++;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, seconds * 1000);
      ctx.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
  return { ticks };
}
