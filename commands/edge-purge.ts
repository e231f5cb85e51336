/**
 * The edge half of cache:purge and cache:clear --edge: reading
 * --batch-file, running each kind of purge through the provider, and
 * rendering what was purged, what was not, and (dry run) the requests.
 */
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from '../src/core/errors.js';
import type { EdgePurgeResult } from '../src/edge/edge-service.js';
import { PURGE_KINDS, type PurgeKind } from '../src/edge/provider.js';
import { formatBytes, formatCount, formatElapsed, formatQuantity } from '../src/output/format.js';
import type { Output } from '../src/output/output.js';
import type { CommandContext } from './context.js';

/** The largest --batch-file read. */
const BATCH_FILE_LIMIT = 64 * 1024 * 1024;

/** The purges one command asked for, by kind. */
export type EdgeWork = Partial<Record<PurgeKind, string[]>>;

/** What the edge part of a command returns. */
export interface EdgeOutcome {
  provider: string;
  dryRun: boolean;
  purges: EdgePurgeResult[];
}

/**
 * Entries of a batch file (`-` is stdin): one per line, blank lines and
 * `#` comments skipped. A line with http:// or https:// is a URL, any other
 * a tag; a line that looks like a URL without its scheme is refused rather
 * than purged as a tag that matches nothing.
 */
export function readBatchFile(path: string, stdin = 0): { url: string[]; tag: string[] } {
  let text: string;
  try {
    // A purge list is lines of URLs: anything this big is the wrong file, not a list to hold in memory.
    if (path !== '-' && statSync(path).size > BATCH_FILE_LIMIT) {
      throw new UsageError(`--batch-file ${path}: over ${BATCH_FILE_LIMIT / 1024 / 1024} MiB; is it the right file?`);
    }
    text = readFileSync(path === '-' ? stdin : path, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read --batch-file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const work = { url: [] as string[], tag: [] as string[] };
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (/^https?:\/\//i.test(line)) return void work.url.push(line);
    if (line.includes('/') || /^www\./i.test(line)) {
      throw new UsageError(`--batch-file ${path}:${index + 1}: '${line}' is neither a URL (add http:// or https://) nor a tag (no slashes)`);
    }
    work.tag.push(line);
  });
  return work;
}

/** Runs every asked purge through one provider (edge code is loaded only here). */
export async function runEdgePurges(ctx: CommandContext, work: EdgeWork, options: { provider?: string; dryRun?: boolean }): Promise<EdgeOutcome> {
  const { EdgeService } = await import('../src/edge/edge-service.js');
  const service = new EdgeService((await ctx.config()).edge);
  const purges: EdgePurgeResult[] = [];
  for (const kind of PURGE_KINDS) {
    const items = work[kind];
    if (items === undefined || (kind !== 'all' && items.length === 0)) continue;
    purges.push(await service.purge(kind, items, { provider: options.provider, dryRun: options.dryRun, signal: ctx.signal }));
  }
  return { provider: purges[0]?.provider ?? options.provider ?? service.defaultName ?? '', dryRun: options.dryRun ?? false, purges };
}

/** Every item that was not purged. */
export function unpurged(outcome: EdgeOutcome | undefined): string[] {
  return outcome?.purges.flatMap((p) => p.failed.map((f) => f.item)) ?? [];
}

const NOUNS: Record<PurgeKind, [string, string]> = {
  url: ['URL', 'URLs'],
  prefix: ['prefix', 'prefixes'],
  host: ['host', 'hosts'],
  tag: ['tag', 'tags'],
  all: ['everything', 'everything'],
};
const noun = (kind: PurgeKind, n: number): string => (kind === 'all' ? 'everything' : formatQuantity(n, NOUNS[kind][0], NOUNS[kind][1]));

/** The human report of the edge part. */
export function printEdge(out: Output, outcome: EdgeOutcome): void {
  for (const purge of outcome.purges) {
    if (purge.dryRun) {
      out.line(`${outcome.provider}: would purge ${noun(purge.kind, purge.items.length)} in ${formatQuantity(purge.requests, 'request')} (dry run, nothing sent)`);
      for (const req of purge.plan ?? []) {
        out.line(`  ${req.method} ${req.url}`);
        for (const [name, value] of Object.entries(req.headers)) out.line(`    ${name}: ${value}`);
        if (req.body !== undefined) out.line(`    ${req.body.length > 200 ? `${req.body.slice(0, 200)}… (${formatBytes(req.body.length)})` : req.body}`);
      }
      continue;
    }
    const objects = purge.objects === undefined ? '' : ` (${formatQuantity(purge.objects, 'object')} dropped)`;
    out.info(`${outcome.provider}: purged ${noun(purge.kind, purge.purged.length)}${objects} in ${formatQuantity(purge.requests, 'request')}, ${formatElapsed(purge.durationMs)}`);
    for (const failure of purge.failed.slice(0, 10)) out.warn(`not purged: ${failure.item}: ${failure.reason}`);
    if (purge.failed.length > 10) out.warn(`… and ${formatCount(purge.failed.length - 10)} more not purged`);
  }
}
