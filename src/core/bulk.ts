/**
 * Bulk work, once for every store: a bounded pool of jobs in flight, a
 * streaming delete (a walk feeding batched deletes, a few in flight, with
 * progress, cancellation and sampling), a summing progress for deletes done
 * in parallel, and the partial-failure report when a delete stops part-way.
 */
import type { BulkOptions, DeleteResult, Progress } from './contract.js';
import { PartialFailureError, StoreUnavailableError } from './errors.js';
import { reasonFor } from './network-errors.js';

/**
 * True when a request may have reached the server but its answer was lost:
 * the reply timed out or the connection closed under it. (A refused
 * connection never sent anything.)
 */
export function answerLost(error: unknown): boolean {
  const reason = reasonFor(error);
  return reason === 'timed out' || reason === 'the connection was closed';
}

/**
 * Marks an error with keys sent for deletion whose answer never came: they
 * may or may not be gone. withPartialFailure reports them as `unknown`, so
 * a count never disagrees with the server silently. Returns the error.
 */
export function withUnknownDeletes<E>(error: E, count: number): E {
  if (count > 0 && error instanceof Error) {
    Object.assign(error, { unknownDeletes: unknownDeletesOf(error) + count });
  }
  return error;
}

/** The keys an error says were sent for deletion without an answer (see withUnknownDeletes). */
export function unknownDeletesOf(error: unknown): number {
  const count = (error as { unknownDeletes?: unknown } | null)?.unknownDeletes;
  return typeof count === 'number' ? count : 0;
}

/**
 * At most `limit` jobs at once. `add` resolves when the job has a slot (so a
 * producer slows down to the pace of the jobs); `drain` waits for the rest.
 * The first failure is kept: later `add`s refuse new work, `drain` throws it.
 */
export class BoundedPool {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {}

  /** True once a job failed; the caller should stop producing. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  async add(job: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    if (this.failure) return;
    const run = job().catch((error: unknown) => {
      this.failure ??= { error };
    });
    const tracked = run.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  async drain(): Promise<void> {
    await Promise.all(this.running);
    if (this.failure) throw this.failure.error;
  }
}

/** How a streaming delete runs. */
export interface StreamDeleteOptions extends BulkOptions {
  /** Keys per delete request. Default 1000. */
  deleteBatch?: number;
  /** Delete requests in flight while the walk goes on. Default 4. */
  inFlight?: number;
  /** How a key appears in the sample (e.g. without the prefix). */
  sampleKey?: (key: string) => string;
}

/**
 * Deletes (or, dry, counts) the keys a stream yields, in batches through
 * `deleteKeys` (which answers how many existed). A few deletes stay in
 * flight while the walk goes on, so a SCAN never waits for an UNLINK round
 * trip, and memory stays bounded by those few batches. Stops between
 * batches once `signal` aborts. The first failure (of the walk or of a
 * delete) ends the walk and is thrown after the deletes in flight settle,
 * so their counts are reported; a delete whose answer was lost marks its
 * keys as unknown on the error (see withUnknownDeletes).
 */
export async function streamDelete(
  source: AsyncIterable<string[]>,
  deleteKeys: (keys: string[]) => Promise<number>,
  options: StreamDeleteOptions = {},
): Promise<DeleteResult> {
  const { sampleSize = 10, deleteBatch = 1000, sampleKey = (k: string) => k } = options;
  const result: DeleteResult = { scanned: 0, matched: 0, deleted: 0, sample: [] };
  const report = () => options.onProgress?.({ scanned: result.scanned, matched: result.matched, deleted: result.deleted });
  const pool = new BoundedPool(options.inFlight ?? 4);
  let unknown = 0;
  let pending: string[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    await pool.add(async () => {
      try {
        // Not `result.deleted += await ...`: that reads the count before the await and loses the other jobs' deletes.
        const deleted = await deleteKeys(batch);
        result.deleted += deleted;
        report();
      } catch (error) {
        if (answerLost(error)) unknown += batch.length;
        throw error;
      }
    });
  };
  let failure: { error: unknown } | undefined;
  try {
    for await (const batch of source) {
      if (pool.failed || options.signal?.aborted) break;
      result.scanned += batch.length;
      result.matched += batch.length;
      for (const k of batch) {
        if (result.sample.length < sampleSize) result.sample.push(sampleKey(k));
        if (!options.dryRun) pending.push(k);
      }
      if (pending.length >= deleteBatch) await flush();
      report();
    }
    if (!pool.failed) await flush();
  } catch (error) {
    failure = { error };
  }
  try {
    await pool.drain();
  } catch (error) {
    failure ??= { error };
  }
  report();
  if (failure) throw withUnknownDeletes(failure.error, unknown);
  return result;
}

/** Adds up the progress of several deletes running side by side (one per server or node). */
export function summedProgress(onProgress: ((p: Progress) => void) | undefined, parts: number): Array<(p: Progress) => void> {
  const seen: Progress[] = Array.from({ length: parts }, () => ({ scanned: 0, matched: 0, deleted: 0 }));
  return seen.map((_, i) => (p: Progress) => {
    seen[i] = { ...p };
    onProgress?.(seen.reduce((t, s) => ({ scanned: t.scanned + s.scanned, matched: t.matched + s.matched, deleted: t.deleted + s.deleted })));
  });
}

/** Adds several delete results into one, keeping at most `sampleSize` sample keys. */
export function sumResults(results: DeleteResult[], sampleSize = 10): DeleteResult {
  return {
    scanned: results.reduce((n, r) => n + r.scanned, 0),
    matched: results.reduce((n, r) => n + r.matched, 0),
    deleted: results.reduce((n, r) => n + r.deleted, 0),
    sample: results.flatMap((r) => r.sample).slice(0, sampleSize),
  };
}

/**
 * Runs a bulk delete, tracking its progress; a failure after some keys were
 * deleted becomes one PartialFailureError saying how many (exit 7), with
 * `unfinished()` naming what was left, when the work can tell. Keys whose
 * delete was sent but never answered (withUnknownDeletes) are `unknown` in
 * `done` and in the message: deleted <= keys gone <= deleted + unknown.
 */
export async function withPartialFailure(
  options: BulkOptions,
  work: (tracked: BulkOptions) => Promise<DeleteResult>,
  unfinished?: () => string,
): Promise<DeleteResult> {
  const seen: Progress = { scanned: 0, matched: 0, deleted: 0 };
  const onProgress = (p: Progress): void => {
    Object.assign(seen, p);
    options.onProgress?.(p);
  };
  try {
    return await work({ ...options, onProgress });
  } catch (error) {
    const unknown = unknownDeletesOf(error);
    if (seen.deleted === 0 && unknown === 0) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    const done = unknown ? { ...seen, unknown } : { ...seen };
    if (seen.deleted === 0 && error instanceof StoreUnavailableError) {
      // Nothing confirmed: still the store's failure (exit 5), saying what may have happened.
      const message = `${reason} (up to ${unknown} keys were sent for deletion but never answered: they may or may not be gone)`;
      throw new StoreUnavailableError(message, { cause: error, done });
    }
    const maybe = unknown ? ` and up to ${unknown} more whose delete was sent but never answered` : '';
    const left = unfinished ? ` (${unfinished()})` : '';
    throw new PartialFailureError(`stopped after deleting ${seen.deleted} keys${maybe}${left}: ${reason}`, done, { cause: error });
  }
}
