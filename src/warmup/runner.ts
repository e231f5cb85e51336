/**
 * Runs warmup strategies: their entries stream into the store's bulk write
 * (pipelined on Redis), a few strategies at a time; one failing strategy
 * never stops the others. Records `warmup:last_run` / `warmup:last_result`
 * as Glueful's PHP warmer does — bookkeeping whose failure is a warning in
 * the run's report, never its outcome.
 */
import type { BulkInput, BulkWriteResult, CacheStore } from '../core/contract.js';
import type { Stampede } from '../stampede/stampede.js';
import type { TaggingService } from '../tags/tagging.js';
import type { RegisteredStrategy } from './registry.js';
import type { WarmupContext, WarmupEntry, WarmupOutput } from './strategy.js';

/** Entries handed to the store's bulk write at a time. */
const BATCH = 1000;

/** How a run is shaped. */
export interface WarmupRunOptions {
  dryRun?: boolean;
  /** Strategies run at the same time. */
  concurrency?: number;
  /** Only rewarm entries missing or past this fraction of their TTL (0..1). */
  refreshAhead?: number;
  sampleSize?: number;
  /** False when the configuration turns tagging off: entries are written without their tags. */
  tagging?: boolean;
  signal: AbortSignal;
  log(message: string): void;
  /** Called as entries go to the store (every batch), for a progress display. */
  onProgress?(progress: WarmupProgress): void;
}

/** How far a run has got, over all its strategies. */
export interface WarmupProgress {
  /** Entries handed to the store so far (confirmed or not), or counted by a dry run. */
  entries: number;
  /** Entries in all, when every strategy's input is a list of known length. */
  total?: number;
  /** Share of the input done (0..1), when every running strategy says how far it is. */
  fraction?: number;
}

/** One strategy's share of a run's progress. */
interface Extent {
  entries: number;
  total?: number;
  fraction?: number;
  finished: boolean;
}

/** One strategy's outcome. */
export interface StrategyReport {
  name: string;
  category: string | null;
  /** Entries the store confirmed. */
  warmed: number;
  skipped: number;
  failed: number;
  /** Entries sent whose fate is unknown: the connection was lost before the store answered. */
  unknown: number;
  durationMs: number;
  error?: string;
  /** With --dry-run: a few of the keys that would be written. */
  sample?: string[];
}

/** Services a run hands to strategies. */
export interface WarmupServices {
  store: CacheStore;
  stampede: Stampede;
  tagging: TaggingService;
}

type EntryStream = Iterable<WarmupEntry> | AsyncIterable<WarmupEntry | WarmupEntry[]>;

function asStream(output: Awaited<WarmupOutput>): EntryStream {
  return output ?? [];
}

/** Whether an entry is due under --refresh-ahead: missing, or past `ratio` of its TTL. */
async function isDue(store: CacheStore, entry: WarmupEntry, ttl: number, ratio: number): Promise<boolean> {
  const remaining = await store.ttl(entry.key);
  if (remaining === null) return true;
  if (remaining < 0 || ttl <= 0) return false;
  return remaining <= ttl * (1 - ratio);
}

async function runOne(registered: RegisteredStrategy, services: WarmupServices, options: WarmupRunOptions, extent: Extent, moved: () => void): Promise<StrategyReport> {
  const { strategy } = registered;
  const report: StrategyReport = { name: strategy.name, category: registered.category ?? null, warmed: 0, skipped: 0, failed: 0, unknown: 0, durationMs: 0 };
  const started = performance.now();
  const ctx: WarmupContext = {
    store: services.store,
    remember: (key, loader, ttl) => services.stampede.remember(key, loader, ttl),
    tagging: services.tagging,
    options: registered.options,
    log: (message) => options.log(`${strategy.name}: ${message}`),
    progress: (written) => {
      report.warmed += written;
      extent.entries += written;
      moved();
    },
    skip: (reason) => {
      report.failed++;
      options.log(`${strategy.name}: ${reason}`);
    },
    extent: (done, total) => void (extent.fraction = total > 0 ? Math.min(1, done / total) : undefined),
    signal: options.signal,
  };
  try {
    const output = await strategy.warm(ctx);
    if (Array.isArray(output)) extent.total = output.length;
    const entries = counted(prepare(asStream(output), registered, services.store, options, report), extent, moved);
    if (options.dryRun) {
      report.sample = [];
      for await (const batch of entries) {
        report.warmed += batch.length;
        for (const [key] of batch) if (report.sample.length < (options.sampleSize ?? 5)) report.sample.push(key);
      }
    } else {
      count(report, await services.store.setBatches(entries), options);
    }
  } catch (error) {
    // A store lost mid-write says how far it got (PartialFailureError's `done`): those counts are the truth.
    const done = (error as { done?: Partial<BulkWriteResult> }).done;
    if (done) count(report, { written: done.written ?? 0, failed: done.failed ?? 0, unknown: done.unknown ?? 0, errors: [] }, options);
    report.error = error instanceof Error ? error.message : String(error);
  }
  report.durationMs = Math.round(performance.now() - started);
  extent.finished = true;
  return report;
}

/** Counts the entries of each batch as the store takes it. */
async function* counted(batches: AsyncIterable<BulkInput[]>, extent: Extent, moved: () => void): AsyncIterable<BulkInput[]> {
  for await (const batch of batches) {
    extent.entries += batch.length;
    if (extent.total !== undefined) extent.fraction = Math.min(1, extent.entries / extent.total);
    moved();
    yield batch;
  }
}

/** The run's progress from its strategies' extents (those not started yet count as 0). */
function overall(extents: Extent[]): WarmupProgress {
  const entries = extents.reduce((n, e) => n + e.entries, 0);
  const totals = extents.map((e) => e.total);
  const total = totals.every((t) => t !== undefined) ? totals.reduce((n: number, t) => n + t!, 0) : undefined;
  const running = extents.filter((e) => !e.finished && (e.entries > 0 || e.fraction !== undefined));
  if (!running.every((e) => e.fraction !== undefined)) return { entries, total };
  const fraction = extents.reduce((n, e) => n + (e.finished ? 1 : (e.fraction ?? 0)), 0) / extents.length;
  return { entries, total, fraction };
}

/** Adds what the store confirmed to a strategy's report. */
function count(report: StrategyReport, written: BulkWriteResult, options: WarmupRunOptions): void {
  report.warmed += written.written;
  report.failed += written.failed;
  report.unknown += written.unknown ?? 0;
  for (const error of written.errors) options.log(`${report.name}: ${error}`);
}

/** Entries as batches of bulk inputs, with defaults applied and --refresh-ahead filtering. */
async function* prepare(
  entries: EntryStream,
  registered: RegisteredStrategy,
  store: CacheStore,
  options: WarmupRunOptions,
  report: StrategyReport,
): AsyncIterable<BulkInput[]> {
  let batch: BulkInput[] = [];
  const tagging = options.tagging ?? true;
  const baseTags = tagging && registered.tags.length ? registered.tags : undefined;
  // Entries without tags of their own share one options object per TTL: a million entries, a handful of objects.
  const shared = new Map<number, { ttl: number; tags: readonly string[] | undefined }>();
  const optionsFor = (ttl: number) => {
    let found = shared.get(ttl);
    if (!found) shared.set(ttl, (found = { ttl, tags: baseTags }));
    return found;
  };
  for await (const item of entries) {
    if (options.signal.aborted) return;
    for (const entry of Array.isArray(item) ? item : [item]) {
      const ttl = entry.ttl ?? registered.ttl ?? 0;
      const tags = tagging && entry.tags?.length ? [...registered.tags, ...entry.tags] : baseTags;
      if (options.refreshAhead !== undefined && !(await isDue(store, entry, ttl, options.refreshAhead))) {
        report.skipped++;
        continue;
      }
      batch.push([entry.key, entry.value, tags === baseTags ? optionsFor(ttl) : { ttl, tags }]);
    }
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** What a run did, and what its bookkeeping could not record. */
export interface WarmupRun {
  reports: StrategyReport[];
  /** Bookkeeping that failed (warmup:last_run, warmup:last_result): said, never the run's outcome. */
  warnings: string[];
}

/** Runs the strategies, `concurrency` at a time, and records the run. */
export async function runWarmup(
  strategies: RegisteredStrategy[],
  services: WarmupServices,
  options: WarmupRunOptions,
): Promise<WarmupRun> {
  const reports: StrategyReport[] = new Array(strategies.length);
  const extents: Extent[] = strategies.map(() => ({ entries: 0, finished: false }));
  const moved = () => options.onProgress?.(overall(extents));
  let next = 0;
  const worker = async () => {
    while (next < strategies.length && !options.signal.aborted) {
      const index = next++;
      reports[index] = await runOne(strategies[index]!, services, options, extents[index]!, moved);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  const done = reports.filter(Boolean);
  const warnings: string[] = [];
  if (!options.dryRun) {
    await record(services.store, 'warmup:last_run', Math.floor(Date.now() / 1000), warnings);
    await record(services.store, 'warmup:last_result', done, warnings);
  }
  return { reports: done, warnings };
}

/** Writes one bookkeeping entry; a failure becomes a warning. */
async function record(store: CacheStore, key: string, value: unknown, warnings: string[]): Promise<void> {
  try {
    await store.set(key, value);
  } catch (error) {
    warnings.push(`could not record ${key}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
