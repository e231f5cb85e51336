/** cache:delete <key...> — deletes the named keys. */
import { ExitCode, PartialFailureError } from '../src/core/errors.js';
import type { Output } from '../src/output/output.js';
import type { CommandContext } from './context.js';
import { defineCommand } from './define.js';

/** cache:delete, declared. */
export const command = defineCommand({
  name: 'delete',
  changesData: true,
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
  const outcomes = await Promise.allSettled(unique.map((k) => store.delete(k)));
  const existed = outcomes.map((o) => o.status === 'fulfilled' && o.value);
  const result = {
    deleted: existed.filter(Boolean).length,
    keys: unique.filter((_, i) => existed[i]),
    missing: unique.filter((_, i) => outcomes[i]!.status === 'fulfilled' && !existed[i]),
  };
  const failures = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [{ key: unique[i]!, error: o.reason as unknown }] : []));
  if (failures.length === 0) return result;
  // Some deletes failed (a server of a pool gone mid-way): say which, and what was deleted.
  const first = failures[0]!.error;
  if (result.deleted === 0 && result.missing.length === 0) throw first;
  const reason = first instanceof Error ? first.message : String(first);
  const notDeleted = failures.map((f) => f.key);
  throw new PartialFailureError(`deleted ${result.deleted} of ${unique.length} keys; not deleted: ${notDeleted.join(', ')}: ${reason}`, { ...result, failed: notDeleted }, { cause: first });
}

export function print(out: Output, result: DeleteResult): void {
  if (result.missing.length) out.info(`not found: ${result.missing.join(', ')}`);
  out.info(`deleted ${result.deleted} key${result.deleted === 1 ? '' : 's'}`);
}

/** Exit 4 when none of the keys existed, as a lone missing key would. */
export function exitCode(result: DeleteResult): number {
  return result.deleted === 0 ? ExitCode.NOT_FOUND : ExitCode.OK;
}
