/**
 * cache:clear — deletes every key under the prefix and nothing else, or the
 * keys of some tags with --tag / --tags (those of the store's tag index and
 * those Glueful's CacheTaggingService lists, see src/tags/tag-mappings.ts). A whole-database flush exists only
 * behind --flush-database <n>, which names the database and needs --force.
 * --prune-tags only tidies the tag index (members whose keys are gone).
 */
import { ExitCode, isCacheError, PartialFailureError, UsageError } from '../src/core/errors.js';
import { formatQuantity } from '../src/output/format.js';
import type { Output } from '../src/output/output.js';
import { assertTagging, parseCount } from './arguments.js';
import { printBulk, runBulkDelete, type BulkResult } from './bulk-delete.js';
import type { CommandContext } from './context.js';
import { confirm } from '../src/output/prompt.js';
import { defineCommand, type OptionsOf } from './define.js';
import { TaggingService, type InvalidationResult } from '../src/tags/tagging.js';
import { printEdge, runEdgePurges, unpurged, type EdgeOutcome } from './edge-purge.js';

/** cache:clear, declared. Its modes (--tag/--tags, --category, --prune-tags, --flush-database) exclude each other. */
export const command = defineCommand({
  name: 'clear',
  changesData: true,
  description: 'delete every key under the prefix (and nothing else), or the keys of tags',
  examples: [
    'glueful cache:clear --dry-run',
    'glueful cache:clear --force',
    'glueful cache:clear --tag users --force',
    'glueful cache:clear --category users --force',
    'glueful cache:clear --tag users --edge --force   # and the CDN objects tagged users',
    'glueful cache:clear --prune-tags',
    'glueful cache:clear --flush-database 0 --force   # the WHOLE database, foreign keys too',
  ],
  options: [
    { flags: '--tag <tag>', description: 'only keys with any of these tags (repeatable; commas accepted: --tag a,b)', list: true },
    { flags: '--tags <list>', description: 'old spelling of --tag', list: true, aliasOf: 'tag' },
    { flags: '--dry-run', description: 'count and show a sample; delete nothing' },
    { flags: '-f, --force', description: 'do not ask for confirmation' },
    { flags: '--show <n>', description: 'how many of the keys to list with --dry-run', default: '10' },
    { flags: '--sample <n>', description: 'old spelling of --show', aliasOf: 'show' },
    { flags: '--category <name>', description: 'only keys of a tag category (users, permissions, config, ...)' },
    { flags: '--prune-tags', description: 'only drop tag-index entries whose keys are gone' },
    { flags: '--edge', description: 'also purge the CDN / HTTP cache objects carrying the same tags (surrogate keys)' },
    { flags: '--provider <name>', description: 'edge provider for --edge (default: edge.provider / EDGE_CACHE_PROVIDER)' },
    { flags: '--flush-database <n>', description: 'empty the whole database <n> (FLUSHDB), not just the prefix; needs --force' },
  ],
  exclusive: [
    ['tag', 'category', 'pruneTags', 'flushDatabase'],
  ],
  // Tag pruning deletes no entry and has no dry run.
  conflicts: { pruneTags: ['dryRun', 'edge'], flushDatabase: ['edge'] },
});

/** Flags of cache:clear. */
export type ClearOptions = OptionsOf<typeof command>;

/** What cache:clear returns. */
export interface ClearResult extends Partial<BulkResult> {
  prefix: string;
  tags: string[];
  /** With --flush-database: every server whose database was emptied. */
  flushed?: string[];
  /** With --prune-tags: tag-index members removed. */
  prunedTagMembers?: number;
  /** With --category: the category and the per-tag outcome. */
  category?: string;
  invalidation?: InvalidationResult;
  /** With --edge: the purge of the same tags at the CDN. */
  edge?: EdgeOutcome;
}

function scope(prefix: string, tags: string[]): string {
  if (tags.length) return `tagged ${tags.join(', ')}`;
  return prefix === '' ? 'in the whole store (the prefix is empty)' : `under the prefix '${prefix}'`;
}

async function flush(ctx: CommandContext, options: ClearOptions): Promise<ClearResult> {
  const text = options.flushDatabase!;
  if (!/^\d+$/.test(text)) throw new UsageError(`invalid --flush-database '${text}': expected a database number`);
  if (!options.force) {
    throw new UsageError(
      `--flush-database ${text} empties the whole database, other applications' keys included: add --force ` +
        '(or use cache:clear without it to delete only the prefix)',
    );
  }
  const store = await ctx.store();
  if (options.dryRun) {
    const stats = await store.getStats();
    return { prefix: store.prefix, tags: [], dryRun: true, matched: stats.totalKeys ?? 0, flushed: [] };
  }
  return { prefix: store.prefix, tags: [], dryRun: false, flushed: await store.flushDatabase(Number(text)) };
}

/** --category: every tag of the category, with the per-tag result of Glueful's service. */
async function clearCategory(ctx: CommandContext, options: ClearOptions): Promise<ClearResult> {
  const store = await ctx.store();
  const { tagging } = await ctx.config();
  assertTagging(tagging.enabled, store.name);
  const service = new TaggingService(store, tagging.categories);
  const tags = [...service.tagsOf(options.category!)];
  if (!options.dryRun) {
    await confirm(ctx.out, `Delete every key tagged ${tags.join(', ')} (category ${options.category}) from the ${store.name} store?`, options.force ?? false);
  }
  const invalidation = await service.invalidateRelated(options.category!, { dryRun: options.dryRun, signal: ctx.signal });
  return { prefix: store.prefix, tags, category: options.category, invalidation, dryRun: invalidation.dryRun, deleted: invalidation.invalidated };
}

/** --edge: the cache entries first, then the CDN objects under the same tags, so both are in step. */
async function withEdge(ctx: CommandContext, options: ClearOptions, result: ClearResult): Promise<ClearResult> {
  if (!options.edge) return result;
  try {
    return { ...result, edge: await runEdgePurges(ctx, { tag: result.tags }, { provider: options.provider, dryRun: options.dryRun }) };
  } catch (error) {
    // The cache entries are gone by now: say so, rather than let the edge's error hide it.
    if (!isCacheError(error) || error.exitCode === ExitCode.INTERRUPTED || error.exitCode === ExitCode.TERMINATED || result.dryRun) throw error;
    const done = `${result.deleted ?? 0} cache entries tagged ${result.tags.join(', ')} were deleted`;
    throw new PartialFailureError(`${done}, but the edge purge failed: ${error.message}`, { deleted: result.deleted ?? 0, edgePurged: false }, { cause: error });
  }
}

export async function run(ctx: CommandContext, args: string[], options: ClearOptions): Promise<ClearResult> {
  const tagged = options.tag !== undefined || options.category !== undefined;
  if (options.edge && !tagged) throw new UsageError('--edge purges the CDN by the cleared tags: give --tag, --tags or --category');
  if (options.provider !== undefined && !options.edge) throw new UsageError('--provider applies to --edge');
  if (options.flushDatabase !== undefined) return flush(ctx, options);
  if (options.category !== undefined) return withEdge(ctx, options, await clearCategory(ctx, options));
  return withEdge(ctx, options, await clearKeys(ctx, args, options));
}

async function clearKeys(ctx: CommandContext, _args: string[], options: ClearOptions): Promise<ClearResult> {
  const store = await ctx.store();
  if (options.pruneTags) {
    return { prefix: store.prefix, tags: [], prunedTagMembers: await store.pruneTags({ signal: ctx.signal }) };
  }
  const tags = options.tag ?? [];
  if (tags.length) assertTagging((await ctx.config()).tagging.enabled, store.name);
  if (options.tag?.some((t) => t === '')) throw new UsageError('invalid --tag: the tag is empty');
  const result = await runBulkDelete(
    ctx,
    { ...options, sample: parseCount(options.show, '--show', 10) },
    (s) => `Delete every key ${scope(s.prefix, tags)} from the ${s.name} store (${s.location})?`,
    (s, bulk) => (tags.length ? new TaggingService(s).invalidateTags(tags, bulk) : s.clear(bulk)),
  );
  return { ...result, prefix: store.prefix, tags };
}

export function print(out: Output, result: ClearResult): void {
  printCache(out, result);
  if (result.edge) printEdge(out, result.edge);
}

function printCache(out: Output, result: ClearResult): void {
  if (result.invalidation) {
    const { counts, status, errors } = result.invalidation;
    const verb = result.dryRun ? 'would delete' : 'deleted';
    for (const [tag, n] of Object.entries(counts)) out.line(`${tag}: ${verb} ${formatQuantity(n, 'key')}`);
    for (const error of errors) out.warn(error);
    return out.info(`category ${result.category}: ${status}`);
  }
  if (result.prunedTagMembers !== undefined) {
    return out.info(`removed ${formatQuantity(result.prunedTagMembers, 'tag entry', 'tag entries')} whose keys were gone (no cache entry deleted)`);
  }
  if (result.flushed) {
    if (result.dryRun) return out.line(`${formatQuantity(result.matched ?? 0, 'key')} in the database would be flushed (dry run)`);
    return out.info(`flushed the whole database on ${formatQuantity(result.flushed.length, 'server')}: ${result.flushed.join(', ')}`);
  }
  printBulk(out, result as BulkResult, scope(result.prefix, result.tags));
}

/** Exit 7 when some tags of a category could not be invalidated, or the CDN left some unpurged. */
export function exitCode(result: ClearResult): number {
  const cachePartial = result.invalidation !== undefined && result.invalidation.status !== 'success';
  return cachePartial || unpurged(result.edge).length ? ExitCode.PARTIAL : ExitCode.OK;
}
