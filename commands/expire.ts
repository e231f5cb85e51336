/** cache:expire <key> <ttl> — gives a key a new lifetime, or none with `never`. */
import { parseDuration } from '../src/core/duration.js';
import { KeyNotFoundError, UsageError } from '../src/core/errors.js';
import { formatTtl } from '../src/output/format.js';
import type { Output } from '../src/output/output.js';
import type { CommandContext } from './context.js';
import { defineCommand } from './define.js';

/** cache:expire, declared. */
export const command = defineCommand({
  name: 'expire',
  changesData: true,
  description: "set a key's lifetime ('never' removes the expiry)",
  examples: ['glueful cache:expire session:abc 30m', 'glueful cache:expire config:app never'],
  arguments: [
    { name: '<key>', description: 'key inside the prefix' },
    { name: '<ttl>', description: "seconds, a duration like 15m, or 'never'" },
  ],
});

/** What cache:expire returns. */
export interface ExpireResult {
  key: string;
  /** The new TTL in seconds, -1 when the expiry was removed. */
  ttl: number;
}

const NEVER = new Set(['never', 'persist', '-1']);

export async function run(ctx: CommandContext, [key, ttlText]: string[]): Promise<ExpireResult> {
  if (ttlText === '0') {
    throw new UsageError("invalid TTL '0': use 'never' to remove the expiry, or cache:delete to remove the key");
  }
  const ttl = NEVER.has(ttlText!.toLowerCase()) ? -1 : parseDuration(ttlText!);
  const store = await ctx.store();
  if (!(await store.expire(key!, ttl))) throw new KeyNotFoundError(key!);
  return { key: key!, ttl };
}

export function print(out: Output, result: ExpireResult): void {
  out.info(result.ttl < 0 ? `'${result.key}' no longer expires` : `'${result.key}' expires in ${formatTtl(result.ttl)}`);
}
