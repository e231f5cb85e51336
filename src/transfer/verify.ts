/**
 * The last step of `cache:copy --delete-source`: a second walk of the
 * source, each key read on both sides and deleted from the source only when
 * the target holds the same value (same record: value, type, format, exact
 * `php:` text and bytes). What differs or is missing in the target stays.
 * Memory holds one slice of keys.
 */
import type { PhpRedisOptions } from '../core/codecs/phpredis.js';
import type { CacheStore } from '../core/contract.js';
import { recordsOf } from './export.js';
import type { TransferRecord } from './record.js';

const SLICE = 1000;

/** What the verified delete did. */
export interface VerifiedDelete {
  /** Source keys the target was seen to hold the same, then deleted from the source. */
  deleted: number;
  /** Source keys kept: missing or different in the target (or changed since the copy). */
  kept: number;
  /** A few of the kept keys. */
  keptSample: string[];
}

/** What must be equal for a key to count as copied. */
const identity = (r: TransferRecord): string => JSON.stringify([r.value, r.type, r.encoding, r.php, r.format === 'double' || r.format === 'bool' ? 'json' : r.format]);

/** Deletes from `source` the keys matching `pattern` that `target` holds the same. */
export async function deleteVerified(
  source: CacheStore,
  target: CacheStore,
  options: { pattern: string; signal: AbortSignal; phpredis?: { source?: PhpRedisOptions; target?: PhpRedisOptions }; onProgress?: (done: number) => void },
): Promise<VerifiedDelete> {
  const result: VerifiedDelete = { deleted: 0, kept: 0, keptSample: [] };
  const ignored = { exported: 0, skipped: 0, notes: [] as string[] };
  for await (const batch of source.getKeys(options.pattern, { signal: options.signal })) {
    for (let at = 0; at < batch.length; at += SLICE) {
      if (options.signal.aborted) return result;
      const keys = batch.slice(at, at + SLICE);
      const [mine, theirs] = await Promise.all([recordsOf(source, keys, options.phpredis?.source, ignored), recordsOf(target, keys, options.phpredis?.target, ignored)]);
      const same = keys.filter((key, i) => {
        const ok = mine[i] !== null && theirs[i] !== null && identity(mine[i]!) === identity(theirs[i]!);
        if (!ok && mine[i] !== null) {
          result.kept++;
          if (result.keptSample.length < 10) result.keptSample.push(key);
        }
        return ok;
      });
      if (same.length) result.deleted += await source.deleteMultiple(same);
      options.onProgress?.(result.deleted + result.kept);
    }
  }
  return result;
}
