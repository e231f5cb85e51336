/**
 * The tagging service: tag categories (Glueful's predefined ones plus those
 * in the config), invalidation by tag or by category with a per-tag result,
 * tag statistics, and cleanup of stale tag-index entries. Storage is the
 * store's own (Redis `_gf_tag:{tag}` sets, emulated elsewhere).
 */
import type { BulkOptions, CacheStore } from '../core/contract.js';
import { UsageError } from '../core/errors.js';

/**
 * Glueful's predefined categories and the tags each one invalidates
 * (a category invalidates its own tag and the tags of data derived from it).
 */
export const PREDEFINED_CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  config: ['config'],
  permissions: ['permissions', 'user_permissions', 'role_permissions'],
  roles: ['roles', 'user_roles', 'role_permissions', 'permissions'],
  users: ['users', 'user_permissions', 'user_roles', 'auth'],
  auth: ['auth', 'sessions', 'tokens'],
  api: ['api', 'rate_limits'],
  files: ['files', 'uploads'],
  notifications: ['notifications'],
};

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
        const deleted = await this.store.invalidateTags([tag], options);
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

  /** Keys per known tag (every category's tags), counted without deleting. */
  async statistics(options: BulkOptions = {}): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const tag of this.knownTags()) {
      if (options.signal?.aborted) break;
      counts[tag] = (await this.store.invalidateTags([tag], { ...options, dryRun: true })).matched;
    }
    return counts;
  }

  /** Drops tag-index entries whose keys are gone. */
  cleanup(options: BulkOptions = {}): Promise<number> {
    return this.store.pruneTags(options);
  }
}
