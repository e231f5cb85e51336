/**
 * cache:purge — deletes the keys matching a glob inside the prefix, or, with
 * --url / --url-prefix / --edge-host / --edge-tag / --edge-all / --batch-file, purges a
 * CDN or HTTP cache in front of the app through an edge provider.
 */
import { ExitCode, UsageError } from '../src/core/errors.js';
import { globToRegExp } from '../src/core/glob.js';
import type { Output } from '../src/output/output.js';
import { confirm } from '../src/output/prompt.js';
import { printTable } from '../src/output/table.js';
import { parseCount } from './arguments.js';
import { printBulk, runBulkDelete, type BulkResult } from './bulk-delete.js';
import type { CommandContext } from './context.js';
import { defineCommand, type OptionsOf } from './define.js';
import { printEdge, readBatchFile, runEdgePurges, unpurged, type EdgeOutcome, type EdgeWork } from './edge-purge.js';
import type { ProviderListing } from '../src/edge/edge-service.js';

/** cache:purge, declared. */
export const command = defineCommand({
  name: 'purge',
  changesData: true,
  description: 'delete the keys matching a glob pattern inside the prefix, or purge the CDN / HTTP cache by URL, prefix, host, tag or all',
  examples: [
    "glueful cache:purge 'user:*' --dry-run",
    "glueful cache:purge 'session:??' --force",
    'glueful cache:purge --url https://example.com/products/1 https://example.com/products/2',
    'glueful cache:purge --edge-tag users products --provider fastly',
    'glueful cache:purge --edge-host www.example.com --dry-run',
    'glueful cache:purge --batch-file purge-list.txt --dry-run',
    'glueful cache:purge --edge-all --force',
    'glueful cache:purge --list-providers',
  ],
  arguments: [{ name: '[pattern]', description: 'glob: * ? [abc] [^a] [a-z], \\ escapes (key purge)' }],
  options: [
    { flags: '--dry-run', description: 'count and show a sample (keys), or print the requests (edge); change nothing' },
    { flags: '-f, --force', description: 'do not ask for confirmation' },
    { flags: '--show <n>', description: 'how many of the matching keys to list with --dry-run', default: '10' },
    { flags: '--sample <n>', description: 'old spelling of --show', aliasOf: 'show' },
    { flags: '--url <url...>', description: 'edge: purge these URLs from the CDN / HTTP cache' },
    { flags: '--url-prefix <url...>', description: 'edge: purge everything under these URLs (Varnish BAN, Cloudflare prefixes, bunny *)' },
    { flags: '--edge-host <host...>', description: 'edge: purge every object of these sites (Cloudflare hosts, Varnish BAN; repeatable, commas accepted)', list: true },
    { flags: '--edge-tag <tag...>', description: 'edge: purge the objects carrying these surrogate keys / cache tags (repeatable, commas accepted)', list: true },
    { flags: '--edge-all', description: 'edge: purge everything the provider caches for the site' },
    { flags: '--batch-file <file>', description: "edge: URLs (http:// or https://) and tags, one per line, '#' comments, '-' for stdin" },
    { flags: '--provider <name>', description: 'edge provider (default: edge.provider / EDGE_CACHE_PROVIDER)' },
    { flags: '--list-providers', description: 'list the edge providers, what each can purge, and what its settings lack' },
  ],
  exclusive: ['url', 'urlPrefix', 'edgeHost', 'edgeTag', 'batchFile'].map((flag) => ['edgeAll', flag, 'listProviders']),
  conflicts: { listProviders: ['dryRun', 'force'] },
});

type PurgeOptions = OptionsOf<typeof command>;

/** What cache:purge returns: a key purge, an edge purge, or the provider list. */
export type PurgeResult = (BulkResult & { pattern: string }) | { edge: EdgeOutcome } | { providers: ProviderListing[] };

/** The edge purges the flags ask for, or undefined when they ask none (a key purge). */
function edgeWork(options: PurgeOptions): EdgeWork | undefined {
  const asked = options.url || options.urlPrefix || options.edgeHost || options.edgeTag || options.edgeAll || options.batchFile !== undefined;
  if (!asked) return undefined;
  const batch = options.batchFile === undefined ? { url: [], tag: [] } : readBatchFile(options.batchFile);
  const url = [...(options.url ?? []), ...batch.url];
  const prefix = options.urlPrefix ?? [];
  const host = options.edgeHost ?? [];
  const tag = [...(options.edgeTag ?? []), ...batch.tag];
  if (!options.edgeAll && url.length + prefix.length + host.length + tag.length === 0) throw new UsageError(`--batch-file ${options.batchFile}: no URL or tag in it`);
  return { url, prefix, host, tag, ...(options.edgeAll ? { all: [] } : {}) };
}

async function purgeEdge(ctx: CommandContext, work: EdgeWork, options: PurgeOptions): Promise<PurgeResult> {
  if (work.all && !options.dryRun) {
    await confirm(ctx.out, `Purge EVERYTHING the edge provider caches for the site (${options.provider ?? 'the default provider'})?`, options.force ?? false);
  }
  return { edge: await runEdgePurges(ctx, work, { provider: options.provider, dryRun: options.dryRun }) };
}

export async function run(ctx: CommandContext, [pattern]: string[], options: PurgeOptions): Promise<PurgeResult> {
  if (options.listProviders) {
    const { EdgeService } = await import('../src/edge/edge-service.js');
    return { providers: await new EdgeService((await ctx.config()).edge).list() };
  }
  const work = edgeWork(options);
  if (work && pattern !== undefined) throw new UsageError('a key pattern and edge purge options cannot go together: run cache:purge twice');
  if (work) return purgeEdge(ctx, work, options);
  if (options.provider !== undefined) throw new UsageError('--provider applies to edge purges (--url, --url-prefix, --edge-host, --edge-tag, --edge-all, --batch-file)');
  if (pattern === undefined) throw new UsageError('missing pattern: give a key pattern, or --url / --edge-tag / --edge-all / --batch-file for the edge');
  if (!pattern) throw new UsageError('invalid pattern: the pattern is empty (use "*" to match everything)');
  globToRegExp(pattern); // a malformed glob fails here, before anything is deleted
  const result = await runBulkDelete(
    ctx,
    { ...options, sample: parseCount(options.show, '--show', 10) },
    (store) => `Delete every key matching '${store.prefix}${pattern}' from the ${store.name} store (${store.location})?`,
    (store, bulk) => store.deletePattern(pattern, bulk),
  );
  return { pattern, ...result };
}

async function printProviders(out: Output, providers: ProviderListing[]): Promise<void> {
  const rows = providers.map((p) => [
    `${p.name}${p.isDefault ? ' (default)' : ''}`,
    p.kinds.join(', '),
    p.configured ? (p.problems.length ? 'incomplete' : 'ready') : 'not configured',
    p.source,
  ]);
  await printTable(out, ['provider', 'purges by', 'settings', 'source'], rows, { shrink: ['source', 'purges by'] });
  for (const p of providers) if (p.configured) for (const problem of p.problems) out.warn(problem);
  out.line('Declare providers under edge.providers in the config (README, section "the CDN or HTTP cache"; every setting: cache.config.example.ts).');
}

export async function print(out: Output, result: PurgeResult): Promise<void> {
  if ('providers' in result) return printProviders(out, result.providers);
  if ('edge' in result) return printEdge(out, result.edge);
  printBulk(out, result, `matching '${result.pattern}'`);
}

/** Exit 7 when the provider left some URLs or tags unpurged. */
export function exitCode(result: PurgeResult): number {
  return 'edge' in result && unpurged(result.edge).length ? ExitCode.PARTIAL : ExitCode.OK;
}
