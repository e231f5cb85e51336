/**
 * cache:copy --from STORE --to STORE [pattern] — cache:export piped into
 * cache:import in one process: the source's entries stream into the target
 * a batch at a time (memory stays flat), encoded as the target is
 * configured. Either side may be any configured store. Neither side may be
 * the fallback file store: a copy to or from the wrong place is refused
 * (exit 5). Interrupted or cut short, it says how far it got; a rerun with
 * --only-missing finishes the job.
 */
import type { PhpRedisOptions } from '../src/core/codecs/phpredis.js';
import type { CacheStore } from '../src/core/contract.js';
import { CacheError, StoreUnavailableError, UsageError } from '../src/core/errors.js';
import { createStore } from '../src/store.js';
import { formatCount } from '../src/output/format.js';
import type { Output } from '../src/output/output.js';
import type { TransferRecord } from '../src/transfer/record.js';
import type { VerifiedDelete } from '../src/transfer/verify.js';
import type { CommandContext } from './context.js';
import { defineCommand, type OptionsOf } from './define.js';
import { exitCode as importExitCode, importProgress, print as printImport, stoppedBy, transferResult, type TransferResult } from './import.js';

/** cache:copy, declared. */
export const command = defineCommand({
  name: 'copy',
  changesData: true,
  description: 'copy every entry under the prefix from one configured store to another, streaming (export piped into import)',
  examples: [
    'glueful cache:copy --from file --to redis',
    "glueful cache:copy --from memcached --to redis 'catalog:*' --only-missing",
    'glueful cache:copy --from redis --to file --dry-run',
  ],
  arguments: [{ name: '[pattern]', description: 'glob inside the prefix (default: every key)' }],
  options: [
    { flags: '--from <store>', description: 'the store to read (a name under stores)' },
    { flags: '--to <store>', description: 'the store to write (a name under stores)' },
    { flags: '--only-missing', description: 'never overwrite a key the target holds (also finishes an interrupted copy)' },
    { flags: '--dry-run', description: 'count what would be copied; write nothing' },
    { flags: '--skip-tags', description: 'leave tags out (saves the walk of the tag index)' },
    { flags: '--delete-source', description: 'after a complete copy, delete from the source each key the target holds the same (needs --force)' },
    { flags: '-f, --force', description: 'confirm --delete-source' },
  ],
  conflicts: { deleteSource: ['dryRun'] },
});

/** What cache:copy returns: the import's counts, and the source's. */
export interface CopyResult extends TransferResult {
  /** Entries read from the source. */
  exported: number;
  /** Source keys gone before they were read, or holding no cache value. */
  skipped: number;
  /** With --delete-source: what the verified delete did (absent when the copy was not complete: nothing deleted). */
  deletedFromSource?: VerifiedDelete;
}

/** A configured store by name; never the fallback (a copy must reach the store it names). */
async function openNamed(ctx: CommandContext, name: string, side: string): Promise<CacheStore> {
  const config = await ctx.config();
  if (!config.stores[name]) throw new UsageError(`unknown ${side} store '${name}': configured stores are ${Object.keys(config.stores).join(', ')}`);
  const created = await createStore(config, name);
  if (created.fellBack) {
    await created.store.dispose();
    throw new StoreUnavailableError(`${created.fallback?.reason ?? `the ${name} store is unreachable`}; nothing copied (a copy never uses the fallback file store)`);
  }
  return created.store;
}

/** The source's batches; a failure of the source ends them and is kept, so the target's counts still come out. */
async function* guarded(source: AsyncIterable<TransferRecord[]>, failed: (error: CacheError) => void): AsyncIterable<TransferRecord[]> {
  try {
    yield* source;
  } catch (error) {
    if (!(error instanceof CacheError)) throw error;
    failed(error);
  }
}

export async function run(ctx: CommandContext, [pattern = '*']: string[], options: OptionsOf<typeof command>): Promise<CopyResult> {
  if (!options.from || !options.to) throw new UsageError('cache:copy needs --from <store> and --to <store>');
  if (options.from === options.to) throw new UsageError(`--from and --to are the same store ('${options.from}'): nothing to copy`);
  if (options.deleteSource && !options.force) throw new UsageError('--delete-source deletes the copied keys from the source: add --force to confirm');
  const config = await ctx.config();
  const opened: CacheStore[] = [];
  try {
    const source = await openNamed(ctx, options.from, 'source');
    opened.push(source);
    const target = await openNamed(ctx, options.to, 'target');
    opened.push(target);
    // Both answer before anything is read or written: exit 5, nothing changed, otherwise.
    await Promise.all([source.ping(), target.ping()]);
    const { exportRecords } = await import('../src/transfer/export.js');
    const { importRecords, emptyImportCounts } = await import('../src/transfer/import.js');
    const started = Date.now();
    const exported = { exported: 0, skipped: 0, notes: [] as string[] };
    const counts = emptyImportCounts();
    let sourceError: CacheError | undefined;
    const phpredis = config.stores[options.from]?.phpredis as PhpRedisOptions | undefined;
    const records = exportRecords(source, { pattern, signal: ctx.signal, phpredis, noTags: options.skipTags }, exported);
    const progress = await importProgress(ctx.out, options.dryRun ? 'counting' : 'copying');
    try {
      await importRecords(target, guarded(records, (e) => (sourceError = e)), { onlyMissing: options.onlyMissing, dryRun: options.dryRun, since: () => started, signal: ctx.signal, onProgress: progress.update }, counts);
    } finally {
      progress.stop();
    }
    if (sourceError) counts.stoppedBy ??= new CacheError(`the source went away: ${sourceError.message}`, { cause: sourceError });
    const from = `${options.from} (${source.location})`;
    const result: CopyResult = { ...transferResult(target, from, counts, { bad: 0, problems: [] }, options, ctx.signal, started), exported: exported.exported, skipped: exported.skipped };
    // Only a copy done in full may empty the source, and then only of what the target is seen to hold.
    if (options.deleteSource && importExitCode(result) === 0) {
      const { deleteVerified } = await import('../src/transfer/verify.js');
      const targetPhpredis = config.stores[options.to]?.phpredis as PhpRedisOptions | undefined;
      result.deletedFromSource = await deleteVerified(source, target, { pattern, signal: ctx.signal, phpredis: { source: phpredis, target: targetPhpredis } });
      Object.assign(result, stoppedBy(ctx.signal));
      result.durationMs = Date.now() - started;
    }
    return result;
  } finally {
    await Promise.all(opened.map((s) => s.dispose().catch(() => undefined)));
  }
}

export function print(out: Output, r: CopyResult): void {
  if (r.skipped) out.info(`${formatCount(r.skipped)} source keys skipped (gone before they were read, or not a cache value)`);
  printImport(out, r);
  const d = r.deletedFromSource;
  if (d) {
    out.info(`deleted ${formatCount(d.deleted)} keys from the source (the target holds each the same)${d.kept ? `; kept ${formatCount(d.kept)} the target does not hold the same: ${d.keptSample.join(', ')}${d.kept > d.keptSample.length ? ', …' : ''}` : ''}`);
  } else if (r.interrupted === undefined && r.stopped === undefined && importExitCode(r) !== 0) {
    out.info('nothing deleted from the source: the copy was not complete');
  }
}

/**
 * As cache:import: 130 / 143 on a signal, 7 when anything was not confirmed;
 * with --delete-source also 7 when a source key was kept (the target did not
 * hold it the same); 0 only when all asked was done.
 */
export function exitCode(r: CopyResult, options: { deleteSource?: boolean }): number {
  const code = importExitCode(r);
  if (code !== 0 || !options.deleteSource) return code;
  return r.deletedFromSource && r.deletedFromSource.kept === 0 ? 0 : 7;
}
