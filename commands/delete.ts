/** cache:delete <key...> — deletes the named keys. */
import { ExitCode } from '../src/core/errors.js';
import type { Output } from '../src/output/output.js';
import type { CommandContext } from './context.js';
import { defineCommand } from './define.js';

/** cache:delete, declared. */
export const command = defineCommand({
  name: 'delete',
  description: 'delete one or more keys',
  examples: ['glueful cache:delete user:1 user:2'],
  arguments: [{ name: '<key...>', description: 'keys inside the prefix' }],
});

/** What cache:delete returns. */
export interface DeleteResult {
  deleted: number;
  keys: string[];
  missing: string[];
}

export async function run(ctx: CommandContext, keys: string[]): Promise<DeleteResult> {
  const store = await ctx.store();
  const unique = [...new Set(keys)];
  const existed = await Promise.all(unique.map((k) => store.delete(k)));
  return {
    deleted: existed.filter(Boolean).length,
    keys: unique.filter((_, i) => existed[i]),
    missing: unique.filter((_, i) => !existed[i]),
  };
}

export function print(out: Output, result: DeleteResult): void {
  if (result.missing.length) out.info(`not found: ${result.missing.join(', ')}`);
  out.info(`deleted ${result.deleted} key${result.deleted === 1 ? '' : 's'}`);
}

/** Exit 4 when none of the keys existed, as a lone missing key would. */
export function exitCode(result: DeleteResult): number {
  return result.deleted === 0 ? ExitCode.NOT_FOUND : ExitCode.OK;
}
