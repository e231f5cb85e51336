/**
 * cache:clear — deletes every key under the prefix and nothing else, or the
 * keys of some tags with --tag / --tags.
 */
import { UsageError } from '../src/core/errors.js';
import type { Output } from '../src/output/output.js';
import { parseCount, parseList } from './arguments.js';
import { printBulk, runBulkDelete, type BulkResult } from './bulk-delete.js';
import type { CommandContext } from './context.js';

/** Flags of cache:clear. */
export interface ClearOptions {
  tag?: string[];
  tags?: string;
  dryRun?: boolean;
  force?: boolean;
  sample?: string;
}

/** What cache:clear returns. */
export interface ClearResult extends BulkResult {
  prefix: string;
  tags: string[];
}

function scope(prefix: string, tags: string[]): string {
  if (tags.length) return `tagged ${tags.join(', ')}`;
  return prefix === '' ? 'in the whole store (the prefix is empty)' : `under the prefix '${prefix}'`;
}

export async function run(ctx: CommandContext, _args: string[], options: ClearOptions): Promise<ClearResult> {
  const tags = [...(options.tag ?? []), ...parseList(options.tags)];
  if (options.tag?.some((t) => t === '')) throw new UsageError('invalid --tag: the tag is empty');
  const store = await ctx.store();
  const result = await runBulkDelete(
    ctx,
    { ...options, sample: parseCount(options.sample, '--sample', 10) },
    (s) => `Delete every key ${scope(s.prefix, tags)} from the ${s.name} store (${s.location})?`,
    (s, bulk) => (tags.length ? s.invalidateTags(tags, bulk) : s.clear(bulk)),
  );
  return { ...result, prefix: store.prefix, tags };
}

export function print(out: Output, result: ClearResult): void {
  printBulk(out, result, scope(result.prefix, result.tags));
}
