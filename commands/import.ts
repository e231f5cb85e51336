/**
 * cache:import FILE|- — the entries of a cache:export file (or any warmup
 * NDJSON) into the configured store, encoded the way that store is
 * configured, TTLs counted down from the export time. --only-missing never
 * overwrites what the target holds (a live target; and the way to finish an
 * interrupted run). The report says what the store confirmed on every path.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { ExitCode, UsageError } from '../src/core/errors.js';
import { formatCount, formatElapsed } from '../src/output/format.js';
import type { Output } from '../src/output/output.js';
import { startProgress } from '../src/output/progress.js';
import type { ImportCounts } from '../src/transfer/import.js';
import type { CommandContext } from './context.js';
import { defineCommand, type OptionsOf } from './define.js';

/** cache:import, declared. */
export const command = defineCommand({
  name: 'import',
  changesData: true,
  description: 'write the entries of a cache:export file into the store (TTLs counted from the export, tags re-created)',
  examples: [
    'glueful cache:import cache.ndjson.gz',
    'glueful cache:import cache.ndjson --only-missing   # never overwrite; also finishes an interrupted import',
    'glueful --store redis cache:export | glueful --store staging cache:import -',
  ],
  arguments: [{ name: '<file>', description: "an export file ('-' for stdin; gzip is recognised)" }],
  options: [
    { flags: '--only-missing', description: 'never overwrite a key the store holds' },
    { flags: '--dry-run', description: 'count what would be written; write nothing' },
    { flags: '--keep-ttl-as-is', description: 'use the TTLs as written, not counted down from the export time' },
  ],
});

/** What an import or a copy did (cache:import, cache:copy). */
export interface TransferResult {
  /** The store written to, and its prefix. */
  store: string;
  prefix: string;
  /** Where the entries came from: a file, or the source store. */
  from: string;
  dryRun: boolean;
  onlyMissing: boolean;
  imported: number;
  present: number;
  expired: number;
  failed: number;
  unknown: number;
  /** Input lines that are not entries. */
  badLines: number;
  problems: string[];
  errors: string[];
  /** The target (or source) went away part-way: the run stopped there (exit 7). */
  stopped?: string;
  interrupted?: 'SIGINT' | 'SIGTERM';
  durationMs: number;
}

/** `interrupted`, when a signal stopped the run. */
export function stoppedBy(signal: AbortSignal): Pick<TransferResult, 'interrupted'> {
  return signal.aborted ? { interrupted: signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT' } : {};
}

/** A progress line for entries written. */
export async function importProgress(out: Output, label: string, total?: number) {
  const progress = await startProgress(out, label, (p, rate) => `${formatCount(p.scanned)}${total ? ` / ${formatCount(total)}` : ''} entries (${formatCount(rate)}/s)`);
  return {
    update: (c: ImportCounts) => progress.update({ scanned: c.handled, matched: 0, deleted: 0 }),
    stop: () => progress.stop(),
  };
}

export async function run(ctx: CommandContext, [file]: string[], options: OptionsOf<typeof command>): Promise<TransferResult> {
  if (file !== '-') await access(file!).catch(() => Promise.reject(new UsageError(`cannot read '${file}': no such file`)));
  const store = await ctx.store();
  const { importRecords, emptyImportCounts } = await import('../src/transfer/import.js');
  const { readRecords, maybeGunzip } = await import('../src/transfer/lines.js');
  const started = Date.now();
  const counts = emptyImportCounts();
  const lines = { problems: [] as string[], bad: 0, header: undefined as { time?: number } | undefined };
  const input = file === '-' ? process.stdin : createReadStream(file!, { highWaterMark: 256 * 1024 });
  const records = readRecords(maybeGunzip(input as AsyncIterable<Buffer>), lines as Parameters<typeof readRecords>[1], ctx.signal);
  // The header comes first: the TTLs count from its time.
  const since = () => (options.keepTtlAsIs ? undefined : lines.header?.time);
  const progress = await importProgress(ctx.out, options.dryRun ? 'counting' : 'importing');
  try {
    await importRecords(store, records, { onlyMissing: options.onlyMissing, dryRun: options.dryRun, since, signal: ctx.signal, onProgress: progress.update }, counts);
  } finally {
    progress.stop();
    if (input !== process.stdin) (input as ReturnType<typeof createReadStream>).destroy();
  }
  return transferResult(store, file === '-' ? 'stdin' : file!, counts, { bad: lines.bad, problems: lines.problems }, options, ctx.signal, started);
}

/** The result of an import or copy: counts, and the reason it stopped early (a lost target with nothing done is exit 5). */
export function transferResult(
  store: { name: string; prefix: string },
  from: string,
  counts: ImportCounts,
  lines: { bad: number; problems: string[] },
  options: { dryRun?: boolean; onlyMissing?: boolean },
  signal: AbortSignal,
  started: number,
): TransferResult {
  if (counts.stoppedBy && counts.imported === 0 && counts.unknown === 0 && !signal.aborted) throw counts.stoppedBy;
  return {
    store: store.name,
    prefix: store.prefix,
    from,
    dryRun: options.dryRun ?? false,
    onlyMissing: options.onlyMissing ?? false,
    imported: counts.imported,
    present: counts.present,
    expired: counts.expired,
    failed: counts.failed,
    unknown: counts.unknown,
    badLines: lines.bad,
    problems: lines.problems,
    errors: counts.errors,
    ...(counts.stoppedBy ? { stopped: counts.stoppedBy.message } : {}),
    ...stoppedBy(signal),
    durationMs: Date.now() - started,
  };
}

export function print(out: Output, r: TransferResult): void {
  for (const problem of r.problems) out.warn(`skipped ${problem}`);
  for (const error of r.errors) out.warn(error);
  out.info(summary(r));
}

/** One line: what the run did, in the words of its outcome. */
export function summary(r: TransferResult): string {
  const entries = (n: number) => `${formatCount(n)} ${n === 1 ? 'entry' : 'entries'}`;
  const extra = [
    r.present ? `${formatCount(r.present)} already there (left as they were)` : '',
    r.expired ? `${formatCount(r.expired)} expired since the export` : '',
    r.failed ? `${formatCount(r.failed)} failed` : '',
    r.badLines ? `${formatCount(r.badLines)} bad line${r.badLines === 1 ? '' : 's'}` : '',
    r.unknown ? `${entries(r.unknown)} unknown (sent, no answer before the connection was lost)` : '',
  ].filter(Boolean);
  const tail = `${extra.length ? `; ${extra.join(', ')}` : ''} (${formatElapsed(r.durationMs)})`;
  const into = `into ${r.store} (prefix '${r.prefix}') from ${r.from}`;
  if (r.dryRun) return `dry run: ${entries(r.imported)} would be written ${into}${tail}`;
  if (r.interrupted) {
    const how = r.interrupted === 'SIGTERM' ? 'terminated (SIGTERM)' : 'interrupted (Ctrl-C)';
    return `${how}: ${entries(r.imported)} written before stopping${tail}; run again with --only-missing to finish`;
  }
  if (r.stopped) return `partly done: ${entries(r.imported)} written, then: ${r.stopped}${tail}; run again with --only-missing to finish`;
  if (r.failed || r.unknown || r.badLines) return `partly done: ${entries(r.imported)} written ${into}${tail}`;
  return `done: ${entries(r.imported)} written ${into}${tail}`;
}

/** 130 / 143 on a signal; 7 when anything failed, is unknown, or the run stopped early; 0 only when all was written. */
export function exitCode(r: TransferResult): number {
  if (r.interrupted) return r.interrupted === 'SIGTERM' ? ExitCode.TERMINATED : ExitCode.INTERRUPTED;
  return r.failed || r.unknown || r.badLines || r.stopped ? ExitCode.PARTIAL : ExitCode.OK;
}
