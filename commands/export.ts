/**
 * cache:export [pattern] — every entry under the prefix (matching the
 * pattern) as NDJSON, one line each, after a header line naming the store
 * (format: src/transfer/record.ts). To stdout or --output FILE, gzipped
 * when the name ends in `.gz`. The report goes to stderr when the entries
 * go to stdout (--json too), so the two never mix.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { PhpRedisOptions } from '../src/core/codecs/phpredis.js';
import { ExitCode, StoreUnavailableError, UsageError } from '../src/core/errors.js';
import { formatCount, formatElapsed } from '../src/output/format.js';
import type { Output } from '../src/output/output.js';
import { startProgress } from '../src/output/progress.js';
import { parseCount } from './arguments.js';
import type { CommandContext } from './context.js';
import { defineCommand, type OptionsOf } from './define.js';

declare const __VERSION__: string;
/** This tool's version, named in the header. */
export const TOOL_VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

/** cache:export, declared. */
export const command = defineCommand({
  name: 'export',
  description: 'write every entry under the prefix as NDJSON (value, TTL, tags, format), for cache:import or a warmup file',
  examples: [
    'glueful cache:export --output cache.ndjson.gz',
    "glueful cache:export 'user:*' > users.ndjson",
    'glueful cache:export --sample 100 --budget 30 --output sample.ndjson',
  ],
  arguments: [{ name: '[pattern]', description: 'glob inside the prefix (default: every key)' }],
  options: [
    { flags: '-o, --output <file>', description: "file to write ('-' for stdout; gzipped when it ends in .gz)", default: '-' },
    { flags: '--sample <n>', description: 'export one key in n', default: '1' },
    { flags: '--budget <seconds>', description: 'stop after this long with what was written (partial)' },
    { flags: '--skip-tags', description: 'leave tags out (saves the walk of the tag index)' },
  ],
});

/** What cache:export returns. */
export interface ExportResult {
  store: string;
  prefix: string;
  pattern: string;
  output: string;
  exported: number;
  skipped: number;
  notes: string[];
  /** Stopped at --budget: the file holds what was seen. */
  partial: boolean;
  /** The source went away part-way: the file holds what was read before (exit 7). */
  error?: string;
  interrupted?: 'SIGINT' | 'SIGTERM';
  durationMs: number;
}

/** Where the lines go, with backpressure. */
interface Sink {
  write(text: string): Promise<void>;
  end(): Promise<void>;
}

function sinkFor(output: string): Sink {
  const file = output === '-' ? process.stdout : createWriteStream(output, { mode: 0o600 });
  const gzip = output.endsWith('.gz') ? createGzip() : null;
  if (gzip) gzip.pipe(file);
  const head = gzip ?? file;
  return {
    async write(text) {
      if (!head.write(text)) await once(head, 'drain');
    },
    async end() {
      if (file === process.stdout) {
        if (gzip) await new Promise<void>((resolve) => gzip.end(resolve)).then(() => once(gzip, 'end').catch(() => undefined));
        return;
      }
      const closed = once(file, 'close');
      head.end();
      await closed;
    },
  };
}

/** `interrupted`, when a signal stopped the run. */
function stoppedBy(signal: AbortSignal): Pick<ExportResult, 'interrupted'> {
  return signal.aborted && (signal.reason === 'SIGINT' || signal.reason === 'SIGTERM') ? { interrupted: signal.reason } : {};
}

export async function run(ctx: CommandContext, [pattern = '*']: string[], options: OptionsOf<typeof command>): Promise<ExportResult> {
  const sample = parseCount(options.sample, '--sample', 1);
  if (sample < 1) throw new UsageError('--sample takes a whole number of at least 1');
  const budget = options.budget === undefined ? undefined : Number(options.budget);
  if (budget !== undefined && !(budget > 0)) throw new UsageError(`invalid --budget '${options.budget}': expected seconds`);
  const output = options.output ?? '-';
  const config = await ctx.config();
  const store = await ctx.store();
  // Before a byte is written: an unreachable store is exit 5 with an empty output.
  await store.ping();
  const { exportRecords } = await import('../src/transfer/export.js');
  const { headerLine, recordLine, HEADER_MARK, FORMAT_VERSION } = await import('../src/transfer/record.js');
  const signal = budget ? AbortSignal.any([ctx.signal, AbortSignal.timeout(budget * 1000)]) : ctx.signal;
  const time = Date.now();
  const sink = sinkFor(output);
  const header = { glueful: HEADER_MARK, version: FORMAT_VERSION, tool: TOOL_VERSION, store: store.name, driver: store.driver, location: store.location, prefix: store.prefix, pattern, exportedAt: new Date(time).toISOString(), time };
  const counts = { exported: 0, skipped: 0, notes: [] as string[] };
  const progress = await startProgress(ctx.out, 'exporting', (p, rate) => `${formatCount(p.scanned)} entries (${formatCount(rate)}/s)`);
  let error: string | undefined;
  try {
    await sink.write(headerLine(header as Parameters<typeof headerLine>[0]) + '\n');
    const phpredis = config.stores[store.name]?.phpredis as PhpRedisOptions | undefined;
    for await (const records of exportRecords(store, { pattern, sample, signal, phpredis, noTags: options.skipTags }, counts)) {
      let chunk = '';
      for (const record of records) chunk += recordLine(record) + '\n';
      await sink.write(chunk);
      progress.update({ scanned: counts.exported, matched: counts.exported, deleted: 0 });
    }
  } catch (caught) {
    // Lost part-way: what was written stays (whole lines); nothing at all is plain exit 5.
    if (!(caught instanceof StoreUnavailableError) || counts.exported === 0) throw caught;
    error = caught.message;
  } finally {
    progress.stop();
    await sink.end();
  }
  return {
    store: store.name,
    prefix: store.prefix,
    pattern,
    output,
    ...counts,
    partial: signal.aborted && !ctx.signal.aborted,
    ...(error ? { error } : {}),
    ...stoppedBy(ctx.signal),
    durationMs: Date.now() - time,
  };
}

export function print(out: Output, r: ExportResult): void {
  for (const note of r.notes) out.info(`skipped ${note}`);
  const where = r.output === '-' ? 'stdout' : r.output;
  const entries = `${formatCount(r.exported)} ${r.exported === 1 ? 'entry' : 'entries'}`;
  const skipped = r.skipped ? `, ${formatCount(r.skipped)} skipped (gone or not a cache value)` : '';
  const took = formatElapsed(r.durationMs);
  if (r.interrupted) out.info(`${r.interrupted === 'SIGTERM' ? 'terminated (SIGTERM)' : 'interrupted (Ctrl-C)'}: ${entries} written to ${where} before stopping${skipped} (${took})`);
  else if (r.error) out.info(`partly done: ${entries} written to ${where}, then the store went away: ${r.error} (${took})`);
  else if (r.partial) out.info(`stopped at the budget: ${entries} written to ${where}${skipped} (partial, ${took})`);
  else out.info(`exported ${entries} from ${r.store} (prefix '${r.prefix}') to ${where}${skipped} in ${took}`);
}

/** With the entries on stdout the document goes to stderr, so the NDJSON stays clean. */
export function toJson(r: ExportResult): unknown {
  if (r.output !== '-') return r;
  process.stderr.write(JSON.stringify(r, null, 2) + '\n');
  return undefined;
}

/** 130 / 143 on a signal; 7 when the store went away part-way; else 0 (a --budget stop is what was asked). */
export function exitCode(r: ExportResult): number {
  if (r.interrupted) return r.interrupted === 'SIGTERM' ? ExitCode.TERMINATED : ExitCode.INTERRUPTED;
  return r.error ? ExitCode.PARTIAL : ExitCode.OK;
}
