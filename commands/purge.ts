/** cache:purge <pattern> — deletes the keys matching a glob, inside the prefix. */
import { UsageError } from '../src/core/errors.js';
import { globToRegExp } from '../src/core/glob.js';
import type { Output } from '../src/output/output.js';
import { parseCount } from './arguments.js';
import { printBulk, runBulkDelete, type BulkResult } from './bulk-delete.js';
import type { CommandContext } from './context.js';
import { defineCommand, type OptionsOf } from './define.js';

/** cache:purge, declared. */
export const command = defineCommand({
  name: 'purge',
  description: 'delete the keys matching a glob pattern, inside the prefix',
  examples: ["glueful cache:purge 'user:*' --dry-run", "glueful cache:purge 'session:??' --force"],
  arguments: [{ name: '<pattern>', description: 'glob: * ? [abc] [^a] [a-z], \\ escapes' }],
  options: [
    { flags: '--dry-run', description: 'count and show a sample; delete nothing' },
    { flags: '-f, --force', description: 'do not ask for confirmation' },
    { flags: '--sample <n>', description: 'how many matching keys to show', default: '10' },
  ],
});

/** What cache:purge returns. */
export interface PurgeResult extends BulkResult {
  pattern: string;
}

export async function run(
  ctx: CommandContext,
  [pattern]: string[],
  options: OptionsOf<typeof command>,
): Promise<PurgeResult> {
  if (!pattern) throw new UsageError('invalid pattern: the pattern is empty (use "*" to match everything)');
  globToRegExp(pattern); // a malformed glob fails here, before anything is deleted
  const result = await runBulkDelete(
    ctx,
    { ...options, sample: parseCount(options.sample, '--sample', 10) },
    (store) => `Delete every key matching '${store.prefix}${pattern}' from the ${store.name} store (${store.location})?`,
    (store, bulk) => store.deletePattern(pattern, bulk),
  );
  return { pattern, ...result };
}

export function print(out: Output, result: PurgeResult): void {
  printBulk(out, result, `matching '${result.pattern}'`);
}
