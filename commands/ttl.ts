/** cache:ttl <key> — remaining lifetime in seconds, -1 for none. */
import { KeyNotFoundError } from '../src/core/errors.js';
import { formatTtl } from '../src/output/format.js';
import type { Output } from '../src/output/output.js';
import type { CommandContext } from './context.js';
import { defineCommand } from './define.js';

/** cache:ttl, declared. */
export const command = defineCommand({
  name: 'ttl',
  description: 'print the remaining lifetime in seconds (-1: no expiry)',
  examples: ['glueful cache:ttl session:abc'],
  arguments: [{ name: '<key>', description: 'key inside the prefix' }],
});

/** What cache:ttl returns. */
export interface TtlResult {
  key: string;
  ttl: number;
}

export async function run(ctx: CommandContext, [key]: string[]): Promise<TtlResult> {
  const ttl = await (await ctx.store()).ttl(key!);
  if (ttl === null) throw new KeyNotFoundError(key!);
  return { key: key!, ttl };
}

export function print(out: Output, result: TtlResult): void {
  out.line(String(result.ttl));
  if (out.interactive) out.info(`'${result.key}': ${formatTtl(result.ttl)}`);
}
