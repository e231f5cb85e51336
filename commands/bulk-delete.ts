/**
 * The part cache:purge and cache:clear share: confirm, show progress,
 * stop cleanly on Ctrl-C, and report what was (or would be) deleted.
 */
import type { BulkOptions, CacheStore, DeleteResult, Progress } from '../src/core/contract.js';
import { interruptedBy } from '../src/core/errors.js';
import { formatCount, formatElapsed, formatQuantity } from '../src/output/format.js';
import type { Output } from '../src/output/output.js';
import { startProgress } from '../src/output/progress.js';
import { confirm } from '../src/output/prompt.js';
import type { CommandContext } from './context.js';

/** What purge and clear return. */
export interface BulkResult extends DeleteResult {
  dryRun: boolean;
  durationMs: number;
  store: string;
}

/** Flags shared by the destructive commands. */
export interface BulkFlags {
  dryRun?: boolean;
  force?: boolean;
  sample?: number;
}

/** Runs `work` with confirmation, progress and interruption handling. */
export async function runBulkDelete(
  ctx: CommandContext,
  flags: BulkFlags,
  question: (store: CacheStore) => string,
  work: (store: CacheStore, options: BulkOptions) => Promise<DeleteResult>,
): Promise<BulkResult> {
  const store = await ctx.store();
  const dryRun = flags.dryRun ?? false;
  if (!dryRun) await confirm(ctx.out, question(store), flags.force ?? false);
  const counting = (p: Progress, rate: number) => `${formatCount(p.matched)} matched (${formatCount(rate)} keys/s)`;
  const progress = await (dryRun ? startProgress(ctx.out, 'counting', counting) : startProgress(ctx.out, 'deleting'));
  const started = performance.now();
  let result: DeleteResult;
  try {
    result = await work(store, {
      dryRun,
      sampleSize: flags.sample ?? 10,
      signal: ctx.signal,
      onProgress: (p) => progress.update(p),
    });
  } finally {
    progress.stop();
  }
  if (ctx.signal.aborted) {
    const { deleted, matched } = result;
    throw interruptedBy(ctx.signal, `interrupted: ${formatQuantity(deleted, 'key')} deleted before stopping; run again to finish`, { deleted, matched });
  }
  return { ...result, dryRun, durationMs: Math.round(performance.now() - started), store: store.name };
}

/** The human summary of a bulk delete. */
export function printBulk(out: Output, result: BulkResult, what: string): void {
  if (result.dryRun) {
    out.line(`${formatQuantity(result.matched, 'key')} ${what} would be deleted (dry run, nothing changed)`);
    for (const key of result.sample) out.line(`  ${key}`);
    if (result.matched > result.sample.length) out.line(`  … and ${formatCount(result.matched - result.sample.length)} more`);
    return;
  }
  out.info(`deleted ${formatQuantity(result.deleted, 'key')} ${what} in ${formatElapsed(result.durationMs)}`);
}
