/**
 * cache:inspect [pattern] — where the memory goes: keys under the prefix
 * grouped by their first segments (ids folded), with bytes, share, TTL
 * spread and formats per group, and the biggest keys. Streams through the
 * keyspace; --sample measures one key in N (figures then estimates; the
 * file store reads only one entry in N, so key counts are estimates too),
 * --budget stops after so many seconds with what was seen (partial).
 */
import type { CacheStore } from '../src/core/contract.js';
import { ExitCode, StoreUnavailableError, UsageError } from '../src/core/errors.js';
import { KeyspaceAggregator, TTL_BUCKETS, type GroupFigures, type KeyFacts } from '../src/core/inspect.js';
import { formatBytes, formatCount, formatElapsed, formatPercent, formatQuantity, formatTtl } from '../src/output/format.js';
import type { Output } from '../src/output/output.js';
import { startProgress } from '../src/output/progress.js';
import { truncate } from '../src/output/fit.js';
import { printTable } from '../src/output/table.js';
import { parseCount } from './arguments.js';
import type { CommandContext } from './context.js';
import { defineCommand, type OptionsOf } from './define.js';

/** cache:inspect, declared. */
export const command = defineCommand({
  name: 'inspect',
  description: 'show where the memory goes: keys grouped by prefix, with bytes, TTLs, formats and the biggest keys',
  examples: ['glueful cache:inspect', "glueful cache:inspect 'user:*' --depth 3 --top 20", 'glueful cache:inspect --sample 10 --budget 30 --csv > keyspace.csv'],
  arguments: [{ name: '[pattern]', description: 'glob inside the prefix (default: every key)' }],
  options: [
    { flags: '--depth <n>', description: 'group by this many `:` segments', default: '2' },
    { flags: '--top <n>', description: 'list this many of the biggest keys', default: '10' },
    { flags: '--sample <n>', description: 'measure one key in n (figures become estimates)', default: '1' },
    { flags: '--budget <seconds>', description: 'stop after this long and show what was seen (partial)' },
    { flags: '--csv', description: 'the groups as CSV' },
  ],
});

/** What cache:inspect returns. */
export interface InspectResult {
  store: string;
  prefix: string;
  pattern: string;
  depth: number;
  keys: number;
  measured: number;
  bytes: number;
  /** One key in `sample` measured (1: every key). */
  sample: number;
  /** Figures scaled from a sample. */
  estimated: boolean;
  /** Key counts scaled from a sample too: the store read one entry in N of its listing (the file store). */
  keysEstimated: boolean;
  /** The walk stopped at --budget (or Ctrl-C): figures cover what was seen. */
  partial: boolean;
  durationMs: number;
  groups: Array<GroupFigures & { share: number }>;
  top: KeyFacts[];
  /** On a distributed ring: each node's own figures (the merged ones count every copy a replica keeps). */
  nodes?: NodeFigures[];
  csv?: boolean;
}

/** One node's figures, on a distributed ring. */
export interface NodeFigures {
  node: string;
  keys: number;
  measured: number;
  bytes: number;
  groups: GroupFigures[];
  /** Why this node's walk stopped early (unreachable...): its figures cover what was seen. */
  error?: string;
}

interface Walk {
  signal: AbortSignal;
  sample: number;
  onKeys: (n: number) => void;
  /** Set when a store sampled its listing (key counts are estimates). */
  sampledListing?: () => void;
}

/** Streams one store's keys through the aggregators, sampled as the store can. */
async function walk(store: CacheStore, pattern: string, sinks: KeyspaceAggregator[], options: Walk): Promise<void> {
  const listing = options.sample > 1 ? store.sampleKeys(pattern, options.sample, { signal: options.signal }) : null;
  if (listing) {
    options.sampledListing?.();
    return walkSampled(store, listing, sinks, options);
  }
  return walkAll(store, pattern, sinks, options);
}

/**
 * A listing that is itself a sample (one key in `sample` read, see
 * CacheStore.sampleKeys): every key in it is measured and stands for
 * `sample` keys.
 */
async function walkSampled(store: CacheStore, listing: AsyncIterable<string[]>, sinks: KeyspaceAggregator[], { sample, onKeys }: Walk): Promise<void> {
  for await (const batch of listing) {
    const facts = await store.describeKeys(batch);
    for (const f of facts) for (const sink of sinks) sink.add(f, sample);
    onKeys(batch.length * sample);
  }
}

/**
 * Every key listed and counted, one in `sample` measured. One batch is
 * described while the next is listed (a store may measure on another thread
 * or connection meanwhile); the figures are added in order.
 */
async function walkAll(store: CacheStore, pattern: string, sinks: KeyspaceAggregator[], { signal, sample, onKeys }: Walk): Promise<void> {
  let seen = 0;
  // The last batch handed to describe; it settles after every batch before it.
  let tail: Promise<void> | undefined;
  const describe = async (batch: string[], first: number, previous: Promise<void> | undefined) => {
    const measured = (i: number) => (first + i) % sample === 0;
    const facts = await store.describeKeys(batch.filter((_, i) => measured(i)));
    await previous;
    // In the order of a walk that waited for each batch: counted keys, then measured ones.
    batch.forEach((key, i) => {
      if (!measured(i)) for (const sink of sinks) sink.count(key);
    });
    for (const f of facts) for (const sink of sinks) sink.add(f);
    onKeys(batch.length);
  };
  try {
    for await (const batch of store.getKeys(pattern, { signal })) {
      const previous = tail;
      tail = describe(batch, seen, previous);
      seen += batch.length;
      // Its error is thrown by the await one batch later, or below: never unhandled.
      tail.catch(() => undefined);
      await previous;
    }
  } finally {
    // Nothing left running when the walk returns or throws.
    await tail?.catch(() => undefined);
  }
  await tail;
}

const totals = (groups: GroupFigures[]) => ({
  keys: groups.reduce((t, g) => t + g.keys, 0),
  measured: groups.reduce((t, g) => t + g.measured, 0),
  bytes: groups.reduce((t, g) => t + g.bytes, 0),
});

/**
 * Walks every part of the store at once (one part, or each node of a
 * distributed ring, each measured on its own server) into the merged
 * figures and, with several parts, per-node figures. A node that fails
 * leaves its figures partial and is named.
 */
async function inspectParts(store: CacheStore, pattern: string, merged: KeyspaceAggregator, options: Walk & { depth: number }): Promise<NodeFigures[] | undefined> {
  const parts = await store.parts();
  if (parts.length === 1) {
    await walk(parts[0]!.store, pattern, [merged], options);
    return undefined;
  }
  return Promise.all(
    parts.map(async ({ id, store: part }) => {
      const own = new KeyspaceAggregator(options.depth, 0);
      let error: string | undefined;
      try {
        await walk(part, pattern, [merged, own], options);
      } catch (caught) {
        if (!(caught instanceof StoreUnavailableError)) throw caught;
        error = caught.message;
      }
      const { groups } = own.result();
      return { node: id, ...totals(groups), groups, ...(error ? { error } : {}) };
    }),
  );
}

export async function run(ctx: CommandContext, [pattern = '*']: string[], options: OptionsOf<typeof command>): Promise<InspectResult> {
  const depth = parseCount(options.depth, '--depth', 2);
  const top = parseCount(options.top, '--top', 10);
  const sample = parseCount(options.sample, '--sample', 1);
  if (depth < 1 || sample < 1) throw new UsageError('--depth and --sample take a whole number of at least 1');
  const budget = options.budget === undefined ? undefined : Number(options.budget);
  if (budget !== undefined && !(budget > 0)) throw new UsageError(`invalid --budget '${options.budget}': expected seconds`);
  const store = await ctx.store();
  const signal = budget ? AbortSignal.any([ctx.signal, AbortSignal.timeout(budget * 1000)]) : ctx.signal;
  const merged = new KeyspaceAggregator(depth, top);
  const progress = await startProgress(ctx.out, 'inspecting', (p, rate) => `${formatCount(p.scanned)} keys (${formatCount(rate)} keys/s)`);
  const started = performance.now();
  let seen = 0;
  let nodes: NodeFigures[] | undefined;
  let keysEstimated = false;
  try {
    const onKeys = (n: number) => progress.update({ scanned: (seen += n), matched: seen, deleted: 0 });
    nodes = await inspectParts(store, pattern, merged, { signal, sample, onKeys, depth, sampledListing: () => void (keysEstimated = true) });
  } finally {
    progress.stop();
  }
  const { groups, top: biggest } = merged.result();
  const sums = totals(groups);
  return {
    store: store.name,
    prefix: store.prefix,
    pattern,
    depth,
    ...sums,
    sample,
    estimated: sample > 1,
    keysEstimated,
    partial: signal.aborted || Boolean(nodes?.some((n) => n.error)),
    durationMs: Math.round(performance.now() - started),
    groups: groups.map((g) => ({ ...g, share: sums.bytes ? g.bytes / sums.bytes : 0 })),
    top: biggest,
    ...(nodes ? { nodes } : {}),
    ...(options.csv ? { csv: true } : {}),
  };
}

const csvCell = (v: string | number) => (typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export async function print(out: Output, r: InspectResult): Promise<void> {
  if (r.csv) {
    out.line(['group', 'keys', 'bytes', 'share', ...TTL_BUCKETS.map((b) => `ttl ${b}`), 'formats'].map(csvCell).join(','));
    for (const g of r.groups) {
      const formats = Object.entries(g.formats).map(([f, n]) => `${f}:${n}`).join(' ');
      out.line([g.group, g.keys, g.bytes, Number(g.share.toFixed(4)), ...TTL_BUCKETS.map((b) => g.ttl[b]), formats].map(csvCell).join(','));
    }
    return;
  }
  const width = 20;
  const bar = (share: number) => (out.interactive ? '█'.repeat(Math.round(share * width)).padEnd(width, '·') : '');
  const approx = r.estimated ? '~' : '';
  const keysApprox = r.keysEstimated ? '~' : '';
  await printTable(
    out,
    ['group', 'keys', 'bytes', 'share', ...(out.interactive ? [''] : []), 'no ttl', '<1m', '<1h', '<1d', 'longer', 'formats'],
    r.groups.map((g) => [
      g.group,
      `${keysApprox}${formatCount(g.keys)}`,
      `${approx}${formatBytes(g.bytes)}`,
      formatPercent(g.share),
      ...(out.interactive ? [bar(g.share)] : []),
      ...TTL_BUCKETS.map((b) => formatCount(g.ttl[b])),
      Object.entries(g.formats).map(([f, n]) => `${f} ${formatCount(n)}`).join(', '),
    ]),
    // Too wide: the bar goes first, then the TTL spread from its least telling bucket.
    { drop: ['', '<1m', '<1d', 'longer', '<1h', 'no ttl', 'share'], shrink: ['group', 'formats'] },
  );
  if (r.top.length) {
    out.line('\nBiggest keys');
    for (const k of r.top) out.line(truncate(`  ${formatBytes(k.bytes).padStart(10)}  ${(k.ttl < 0 ? 'no ttl' : `ttl ${formatTtl(k.ttl)}`).padEnd(14)}  ${k.key}`, out.width));
  }
  if (r.nodes) {
    out.line('\nPer node');
    for (const n of r.nodes) {
      const share = r.bytes ? n.bytes / r.bytes : 0;
      out.line(`  ${n.node}  ${keysApprox}${formatQuantity(n.keys, 'key')}  ${approx}${formatBytes(n.bytes)}  ${formatPercent(share)}${n.error ? `  (stopped: ${n.error})` : ''}`);
    }
  }
  const sampled = r.keysEstimated
    ? `one entry in ${r.sample} read: key counts and figures are estimates`
    : `one key in ${r.sample} measured: figures are estimates`;
  const notes = [r.estimated ? sampled : '', r.partial ? (r.nodes?.some((n) => n.error) ? 'a node was not read to the end: partial' : 'stopped at the budget: partial') : ''].filter(Boolean);
  out.info(`${keysApprox}${formatQuantity(r.keys, 'key')}, ${approx}${formatBytes(r.bytes)} in ${r.store} (prefix '${r.prefix}') in ${formatElapsed(r.durationMs)}${notes.length ? ` — ${notes.join('; ')}` : ''}`);
}

/** Exit 7 when a node of the ring could not be walked to the end. */
export function exitCode(r: InspectResult): number {
  return r.nodes?.some((n) => n.error) ? ExitCode.PARTIAL : ExitCode.OK;
}

/** --json: without how it was to be printed. */
export function toJson(r: InspectResult): unknown {
  const { csv: _csv, ...rest } = r;
  return rest;
}
