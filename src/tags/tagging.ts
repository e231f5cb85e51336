/**
 * The tagging service: tag categories (Glueful's predefined ones plus those
 * in the config), invalidation by tag or by category with a per-tag result,
 * tag statistics, and cleanup of stale tag-index entries.
 *
 * A Glueful app tags keys in two places, and a tag is cleared from both:
 * the store's own index (Redis `_gf_tag:{tag}` sets, emulated elsewhere),
 * and the two entries of its CacheTaggingService (`_cache_tag_mappings`,
 * `_cache_key_tags`, see tag-mappings.ts), the only tags an app has on the
 * file store, whose PHP driver keeps none.
 */
import { withPartialFailure } from '../core/bulk.js';
import type { BulkOptions, CacheStore, DeleteResult, Progress } from '../core/contract.js';
import { UsageError } from '../core/errors.js';
import { mappedKeys, readTagMappings, unlink, writeTagMappings, type TagMappings } from './tag-mappings.js';

/**
 * Glueful's predefined categories and the tags each one invalidates
 * (CacheTaggingService::$predefinedTags in glueful/framework v1.76, the
 * seed's list too): a category names the tags of its data, not itself.
 */
export const PREDEFINED_CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  config: ['app_config', 'database_config', 'cache_config'],
  permissions: ['user_permissions', 'role_permissions', 'permission_definitions'],
  roles: ['user_roles', 'role_definitions', 'role_hierarchy'],
  users: ['user_data', 'user_sessions', 'user_profiles'],
  auth: ['jwt_tokens', 'session_data', 'auth_cache'],
  api: ['api_routes', 'api_definitions', 'api_metadata'],
  files: ['file_metadata', 'upload_cache', 'image_cache'],
  notifications: ['notification_templates', 'notification_preferences', 'notification_queue'],
};

/** Keys per delete request for the keys CacheTaggingService lists. */
const DELETE_BATCH = 1000;

/** The outcome of an invalidation, in the shape Glueful's service returns. */
export interface InvalidationResult {
  status: 'success' | 'partial' | 'failed';
  invalidated: number;
  failed: number;
  /** Keys deleted (or, dry, matched) per tag. */
  counts: Record<string, number>;
  dryRun: boolean;
  errors: string[];
}

/** Tag categories, invalidation and statistics over one store. */
export class TaggingService {
  private readonly categoryTags: Record<string, readonly string[]>;

  constructor(
    private readonly store: CacheStore,
    extraCategories: Record<string, readonly string[]> = {},
  ) {
    this.categoryTags = { ...PREDEFINED_CATEGORIES, ...extraCategories };
  }

  /** Every category and its tags. */
  categories(): Record<string, readonly string[]> {
    return this.categoryTags;
  }

  /** The tags of a category; a UsageError naming the valid ones otherwise. */
  tagsOf(category: string): readonly string[] {
    const tags = this.categoryTags[category];
    if (!tags) {
      throw new UsageError(`unknown category '${category}': expected one of ${Object.keys(this.categoryTags).join(', ')}`);
    }
    return tags;
  }

  /** Invalidates each tag in turn; one failing tag does not stop the others. */
  async invalidate(tags: readonly string[], options: BulkOptions = {}): Promise<InvalidationResult> {
    const result: InvalidationResult = { status: 'success', invalidated: 0, failed: 0, counts: {}, dryRun: options.dryRun ?? false, errors: [] };
    for (const tag of tags) {
      try {
        const deleted = await this.invalidateTag(tag, options);
        result.counts[tag] = options.dryRun ? deleted.matched : deleted.deleted;
        result.invalidated += result.counts[tag]!;
      } catch (error) {
        result.failed++;
        result.errors.push(`${tag}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (result.failed) result.status = result.failed === tags.length ? 'failed' : 'partial';
    return result;
  }

  /**
   * Deletes (or, dry, counts) the keys of every tag, through both indexes,
   * as one piece of work: progress counts across the tags, and a failure
   * part-way is one PartialFailureError with everything deleted so far.
   */
  invalidateTags(tags: readonly string[], options: BulkOptions = {}): Promise<DeleteResult> {
    const finished: string[] = [];
    return withPartialFailure(
      options,
      async (tracked) => {
        const sum: DeleteResult = { scanned: 0, matched: 0, deleted: 0, sample: [] };
        for (const tag of tags) {
          const result = await this.invalidateTag(tag, { ...tracked, onProgress: offset(sum, tracked.onProgress) });
          add(sum, result, options.sampleSize ?? 10);
          finished.push(tag);
        }
        return sum;
      },
      () => `tags not finished: ${tags.filter((t) => !finished.includes(t)).join(', ')}`,
    );
  }

  /**
   * One tag: the keys of the store's tag index, then those CacheTaggingService
   * lists for it (a key in both counts once), then both of its entries
   * updated as its invalidateByTag() does. Keys whose delete failed stay
   * listed, so a second run finds them.
   */
  async invalidateTag(tag: string, options: BulkOptions = {}, known?: TagMappings): Promise<DeleteResult> {
    let mappings: TagMappings | undefined = known;
    let unread: { error: unknown } | undefined;
    try {
      mappings ??= await readTagMappings(this.store);
    } catch (error) {
      // Unreadable, or on a server that is down: the store's own index is still cleared, then the error told.
      unread = { error };
    }
    const listed = mappings ? mappedKeys(mappings, tag) : [];
    const native = this.store.capabilities.tags !== false;
    const inBoth = native && listed.length ? await this.membersAmong(tag, new Set(listed), options) : new Set<string>();
    const sum = native ? await this.store.invalidateTags([tag], options) : { scanned: 0, matched: 0, deleted: 0, sample: [] };
    if (unread) throw unread.error;
    const extra = listed.filter((k) => !inBoth.has(k));
    sum.scanned += extra.length;
    sum.matched += extra.length;
    sum.sample.push(...extra.slice(0, Math.max(0, (options.sampleSize ?? 10) - sum.sample.length)));
    if (options.dryRun || listed.length === 0) return report(sum, options);
    const gone = [...inBoth];
    try {
      for (let i = 0; i < extra.length && !options.signal?.aborted; i += DELETE_BATCH) {
        const batch = extra.slice(i, i + DELETE_BATCH);
        sum.deleted += await this.store.deleteMultiple(batch);
        gone.push(...batch);
        report(sum, options);
      }
    } catch (error) {
      // Still unlist what is gone; the delete's own error is the one to report.
      await this.forget(tag, gone).catch(() => undefined);
      throw error;
    }
    await this.forget(tag, gone);
    return sum;
  }

  /** The keys among `candidates` that the store's own index has under `tag`. */
  private async membersAmong(tag: string, candidates: Set<string>, options: BulkOptions): Promise<Set<string>> {
    const found = new Set<string>();
    for await (const keys of this.store.getTagKeys(tag, { signal: options.signal })) {
      for (const key of keys) if (candidates.has(key)) found.add(key);
    }
    return found;
  }

  /** Unlists `keys` from `tag` in CacheTaggingService's entries, read again so entries added meanwhile stay. */
  private async forget(tag: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const mappings = await readTagMappings(this.store);
    let changed = false;
    for (const key of keys) changed = unlink(mappings, key, tag) || changed;
    if (changed) await writeTagMappings(this.store, mappings);
  }

  /** Invalidates every tag of a category (Glueful's invalidateRelated). */
  invalidateRelated(category: string, options: BulkOptions = {}): Promise<InvalidationResult> {
    return this.invalidate(this.tagsOf(category), options);
  }

  /** The keys carrying `tag` (inside the prefix), streaming. */
  keysOf(tag: string, options: BulkOptions = {}): AsyncIterable<string[]> {
    return this.store.getTagKeys(tag, options);
  }

  /**
   * The tags, among `candidates` (default: every category's tags), that
   * `key` carries. Stores index tag → keys, not the reverse, so each
   * candidate's keys are walked until the key shows up.
   */
  async tagsOfKey(key: string, candidates: readonly string[] = this.knownTags()): Promise<string[]> {
    const found: string[] = [];
    for (const tag of candidates) {
      for await (const keys of this.store.getTagKeys(tag)) {
        if (keys.includes(key)) {
          found.push(tag);
          break;
        }
      }
    }
    return found;
  }

  private knownTags(): string[] {
    return [...new Set(Object.values(this.categoryTags).flat())].sort();
  }

  /**
   * Keys per tag, counted without deleting: every category's tags, and
   * every tag CacheTaggingService lists (a key in both indexes counts once).
   */
  async statistics(options: BulkOptions = {}): Promise<Record<string, number>> {
    const mappings = await readTagMappings(this.store);
    const tags = [...new Set([...this.knownTags(), ...mappings.tags.keys()])].sort();
    const counts: Record<string, number> = {};
    for (const tag of tags) {
      if (options.signal?.aborted) break;
      counts[tag] = (await this.invalidateTag(tag, { ...options, dryRun: true, onProgress: undefined }, mappings)).matched;
    }
    return counts;
  }

  /** Drops tag-index entries whose keys are gone. */
  cleanup(options: BulkOptions = {}): Promise<number> {
    return this.store.pruneTags(options);
  }
}

/** Progress of one tag's work, shifted by what the tags before it did. */
function offset(before: DeleteResult, onProgress: BulkOptions['onProgress']): BulkOptions['onProgress'] {
  const base = { ...before };
  return (p: Progress) => onProgress?.({ scanned: base.scanned + p.scanned, matched: base.matched + p.matched, deleted: base.deleted + p.deleted });
}

function add(sum: DeleteResult, result: DeleteResult, sampleSize: number): void {
  sum.scanned += result.scanned;
  sum.matched += result.matched;
  sum.deleted += result.deleted;
  sum.sample.push(...result.sample.slice(0, Math.max(0, sampleSize - sum.sample.length)));
}

function report(sum: DeleteResult, options: BulkOptions): DeleteResult {
  options.onProgress?.({ scanned: sum.scanned, matched: sum.matched, deleted: sum.deleted });
  return sum;
}
