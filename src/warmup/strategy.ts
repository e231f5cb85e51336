/**
 * What a warmup strategy is: a typed module that yields (or writes) entries.
 *
 *   export default defineWarmupStrategy({
 *     name: 'countries', category: 'config', description: 'Country list',
 *     async *warm(ctx) { yield { key: 'config:countries', value: await fetchCountries(), ttl: 3600 }; },
 *   });
 */
import type { CacheStore } from '../core/contract.js';
import type { TaggingService } from '../tags/tagging.js';

/** One entry to write. */
export interface WarmupEntry {
  key: string;
  value: unknown;
  /** Seconds; falls back to the strategy's `ttl` option, then no expiry. */
  ttl?: number;
  tags?: string[];
}

/**
 * What `warm()` may produce: entries (sync or async, streamed or as a list),
 * or nothing when it writes itself. A stream may also yield arrays of
 * entries: much faster for big sources (no async step per entry).
 */
export type WarmupOutput =
  | Iterable<WarmupEntry>
  | AsyncIterable<WarmupEntry | WarmupEntry[]>
  | Promise<WarmupEntry[] | void>
  | void;

/** Handed to every strategy. */
export interface WarmupContext {
  store: CacheStore;
  /** Stampede-protected remember: fleet-wide, one computation per key. */
  remember<T>(key: string, loader: () => Promise<T> | T, ttl: number): Promise<T>;
  tagging: TaggingService;
  /** The strategy's own options from the config. */
  options: Record<string, unknown>;
  /** Messages for the operator (stderr, or the background log). */
  log(message: string): void;
  /** Counts entries a strategy wrote itself (through ctx.store), for the summary. */
  progress(written: number): void;
  /** Counts an input entry that could not be used (and says why in the log). */
  skip(reason: string): void;
  /**
   * How far through its input the strategy is, in any unit (bytes of a file,
   * rows of a query): shown as a percentage beside the entries on a terminal.
   */
  extent(done: number, total: number): void;
  signal: AbortSignal;
}

/** A warmup strategy. */
export interface WarmupStrategy {
  name: string;
  /** A tag category (config, users, ...), for `cache:warmup --category`. */
  category?: string;
  description?: string;
  warm(ctx: WarmupContext): WarmupOutput;
}

/** Identity function that type-checks a strategy module's default export. */
export function defineWarmupStrategy(strategy: WarmupStrategy): WarmupStrategy {
  return strategy;
}
