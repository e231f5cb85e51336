/**
 * cache:warmup — runs the warmup strategies declared in the config. Safe for
 * cron on several hosts: an overlap lease in the store makes a second run
 * exit 5 naming the run that holds it, or wait (--wait); --background
 * detaches. The report (and --json) comes out on every path: done, partial,
 * interrupted.
 */
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ExitCode, UsageError } from '../src/core/errors.js';
import { formatCount, formatElapsed, formatTtl } from '../src/output/format.js';
import type { Output } from '../src/output/output.js';
import { startProgress, type ProgressReporter } from '../src/output/progress.js';
import { printTable } from '../src/output/table.js';
import type { RegisteredStrategy } from '../src/warmup/registry.js';
import type { HeldBy } from '../src/warmup/lease.js';
import type { StrategyReport, WarmupProgress } from '../src/warmup/runner.js';
import { parseCount } from './arguments.js';
import type { CommandContext } from './context.js';
import { defineCommand, type OptionsOf } from './define.js';

/** cache:warmup, declared. */
export const command = defineCommand({
  name: 'warmup',
  changesData: true,
  description: 'run the warmup strategies declared in the config (cron-safe)',
  examples: [
    'glueful cache:warmup --list',
    'glueful cache:warmup',
    'glueful cache:warmup --category config --dry-run',
    'glueful cache:warmup --strategy countries,menus --refresh-ahead 0.8',
    'glueful cache:warmup --background   # detach, log to .cache/glueful-warmup.log',
  ],
  options: [
    { flags: '--list', description: 'show the registered strategies' },
    { flags: '--strategy <name>', description: 'only these strategies (repeatable; commas accepted)', list: true },
    { flags: '--category <name>', description: 'only strategies of this category' },
    { flags: '--dry-run', description: 'count what would be written; write nothing' },
    { flags: '--concurrency <n>', description: 'strategies run at the same time', default: '2' },
    { flags: '--refresh-ahead <ratio>', description: 'only rewarm entries missing or past this fraction of their TTL' },
    { flags: '--wait', description: 'wait for a running warmup instead of exiting' },
    { flags: '--background', description: 'detach and return at once (writes a pid and a log file)' },
    { flags: '--log-file <path>', description: 'log of a --background run' },
    { flags: '--pid-file <path>', description: 'pid file of a --background run' },
  ],
  // --list only lists; --background hands the run to a detached process that cannot wait.
  conflicts: { list: ['strategy', 'category', 'dryRun', 'refreshAhead', 'wait', 'background'], background: ['wait'] },
});

/** Flags of cache:warmup. */
export type WarmupOptions = OptionsOf<typeof command>;

/** What cache:warmup returns. */
export interface WarmupResult {
  strategies?: StrategyReport[];
  registered?: Array<{ name: string; category: string | null; description: string | null; source: string }>;
  /** With --list: the built-in strategy types, and the config file to declare strategies in. */
  builtinTypes?: Array<{ type: string; description: string; example: string }>;
  declareIn?: string;
  /** Another run holds the overlap lease: nothing was done (exit 5). */
  alreadyRunning?: boolean;
  heldBy?: HeldBy;
  background?: { pid: number; logFile: string; pidFile: string };
  dryRun?: boolean;
  /** Entries the store confirmed, over every strategy. */
  warmed?: number;
  /** Entries refused, input lines that could not be used, and strategies that failed. */
  failed?: number;
  /** Entries sent whose fate is unknown (the connection was lost before the store answered). */
  unknown?: number;
  /** The run stopped on a signal before it was done (exit 130 / 143). */
  interrupted?: 'SIGINT' | 'SIGTERM';
  /** Bookkeeping (last run, the lease) that failed: said, not the outcome. */
  warnings?: string[];
  durationMs?: number;
}

const LOCK_KEY = 'warmup:lock';

/**
 * The warmup services, imported when the command runs: they bring child
 * processes, crypto and HTTP with them, which no other command should pay
 * for at start-up.
 */
async function services() {
  const [registry, runner, builtins, stampede, tagging, lease] = await Promise.all([
    import('../src/warmup/registry.js'),
    import('../src/warmup/runner.js'),
    import('../src/warmup/builtins.js'),
    import('../src/stampede/stampede.js'),
    import('../src/tags/tagging.js'),
    import('../src/warmup/lease.js'),
  ]);
  return { ...registry, ...runner, ...builtins, ...stampede, ...tagging, ...lease };
}

function select(all: RegisteredStrategy[], options: WarmupOptions): RegisteredStrategy[] {
  if (all.length === 0) throw new UsageError('no warmup strategies are configured: declare them under warmup.strategies (see cache.config.example.ts)');
  const names = options.strategy ?? [];
  for (const name of names) {
    if (!all.some((r) => r.strategy.name === name)) {
      throw new UsageError(`unknown strategy '${name}': registered strategies are ${all.map((r) => r.strategy.name).join(', ')}`);
    }
  }
  let chosen = names.length ? all.filter((r) => names.includes(r.strategy.name)) : all;
  if (options.category !== undefined) {
    chosen = chosen.filter((r) => r.category === options.category);
    if (chosen.length === 0) {
      const categories = [...new Set(all.map((r) => r.category).filter(Boolean))];
      throw new UsageError(`no strategy in category '${options.category}': categories in use are ${categories.join(', ') || 'none'}`);
    }
  }
  return chosen;
}

function parseRatio(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ratio = Number(text);
  if (!(ratio >= 0 && ratio < 1)) throw new UsageError(`invalid --refresh-ahead '${text}': expected a fraction of the TTL, 0 to below 1 (e.g. 0.8)`);
  return ratio;
}

/** Detaches a copy of this command (without --background), logging to a file. */
async function detach(projectRoot: string, options: WarmupOptions): Promise<WarmupResult> {
  const logFile = resolve(options.logFile ?? join(projectRoot, '.cache', 'glueful-warmup.log'));
  const pidFile = resolve(options.pidFile ?? join(projectRoot, '.cache', 'glueful-warmup.pid'));
  mkdirSync(dirname(logFile), { recursive: true, mode: 0o700 });
  mkdirSync(dirname(pidFile), { recursive: true, mode: 0o700 });
  const log = openSync(logFile, 'a', 0o600);
  const args = process.argv.slice(1).filter((a) => a !== '--background');
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], env: { ...process.env, NO_COLOR: '1' } });
  child.unref();
  writeFileSync(pidFile, `${child.pid}\n`, { mode: 0o600 });
  return { background: { pid: child.pid!, logFile, pidFile } };
}

/** The spinner's words: entries so far, of how many or how far through the input when known, and the rate. */
function progressText(p: WarmupProgress, rate: number): string {
  const rated = `(${formatCount(rate)} entries/s)`;
  if (p.total !== undefined) return `${formatCount(p.entries)} / ${formatCount(p.total)} entries ${rated}`;
  const share = p.fraction !== undefined ? `, ${Math.floor(p.fraction * 100)}% of the input` : '';
  return `${formatCount(p.entries)} ${p.entries === 1 ? 'entry' : 'entries'}${share} ${rated}`;
}

/** `interrupted`, when a signal stopped the run (the entry aborts with the signal's name). */
function stoppedBy(signal: AbortSignal): Pick<WarmupResult, 'interrupted'> {
  if (!signal.aborted) return {};
  return { interrupted: signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT' };
}

export async function run(ctx: CommandContext, _args: string[], options: WarmupOptions): Promise<WarmupResult> {
  const config = await ctx.config();
  const { loadStrategies, runWarmup, BUILTIN_TYPE_DOCS, Stampede, TaggingService, Lease } = await services();
  const registered = await loadStrategies(config.warmup.strategies, config.warmup.baseDir);
  if (options.list) {
    return {
      registered: registered.map((r) => ({ name: r.strategy.name, category: r.category ?? null, description: r.description ?? null, source: r.source })),
      builtinTypes: [...BUILTIN_TYPE_DOCS],
      declareIn: config.source ?? join(config.projectRoot, 'cache.config.ts'),
    };
  }
  const chosen = select(registered, options);
  const concurrency = parseCount(options.concurrency, '--concurrency', 2);
  if (concurrency < 1) throw new UsageError('invalid --concurrency: at least 1');
  const refreshAhead = parseRatio(options.refreshAhead);
  if (options.background) return detach(config.projectRoot, options);

  const store = await ctx.store();
  const lease = options.dryRun ? null : await Lease.acquire(store, LOCK_KEY, { ttl: config.warmup.lockTtl, wait: options.wait, signal: ctx.signal });
  if (lease && !(lease instanceof Lease)) return { alreadyRunning: true, heldBy: lease, ...stoppedBy(ctx.signal) };
  const started = performance.now();
  const warnings: string[] = [];
  let progress: ProgressReporter<WarmupProgress> | undefined;
  try {
    // Inside the try: the lease is released whatever happens from here on.
    progress = await startProgress(ctx.out, options.dryRun ? 'counting' : 'warming', progressText, (p: WarmupProgress) => p.entries);
    const services = {
      store,
      stampede: new Stampede(store, config.stampede),
      tagging: new TaggingService(store, config.tagging.categories),
    };
    const run = await runWarmup(chosen, services, {
      dryRun: options.dryRun,
      concurrency,
      refreshAhead,
      tagging: config.tagging.enabled,
      signal: ctx.signal,
      log: (message) => (progress ? progress.above(() => ctx.out.info(message)) : ctx.out.info(message)),
      onProgress: (p) => progress?.update(p),
    });
    warnings.push(...run.warnings);
    await services.stampede.settle().catch((error: unknown) => warnings.push(`stampede locks: ${String(error)}`));
    const sum = (pick: (r: StrategyReport) => number) => run.reports.reduce((n, r) => n + pick(r), 0);
    return {
      strategies: run.reports,
      dryRun: options.dryRun ?? false,
      warmed: sum((r) => r.warmed),
      failed: sum((r) => r.failed + (r.error ? 1 : 0)),
      unknown: sum((r) => r.unknown),
      ...stoppedBy(ctx.signal),
      warnings,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    progress?.stop();
    if (lease) {
      const problem = await lease.release();
      warnings.push(...lease.problems, ...(problem ? [problem] : []));
    }
  }
}

export async function print(out: Output, result: WarmupResult): Promise<void> {
  if (result.registered) {
    if (result.registered.length === 0) return printNoStrategies(out, result);
    return printTable(out, ['strategy', 'category', 'source', 'description'], result.registered.map((r) => [r.name, r.category ?? '-', r.source, r.description ?? '']), { shrink: ['description', 'source', 'strategy'] });
  }
  if (result.alreadyRunning) return out.info(`nothing done: ${describeHolder(result.heldBy)}; use --wait to wait for it`);
  if (result.background) {
    return out.info(`warmup running in the background: pid ${result.background.pid}, log ${result.background.logFile}`);
  }
  await printTable(
    out,
    ['strategy', 'category', result.dryRun ? 'would warm' : 'warmed', 'skipped', 'failed', 'duration', 'error'],
    (result.strategies ?? []).map((r) => [r.name, r.category ?? '-', formatCount(r.warmed), formatCount(r.skipped), formatCount(r.failed), formatElapsed(r.durationMs), r.error ?? '']),
    { drop: ['category', 'skipped'], shrink: ['error', 'strategy'] },
  );
  for (const warning of result.warnings ?? []) out.warn(warning);
  out.info(summary(result));
}

/** One line: what the run did, in the words of its outcome. */
function summary(r: WarmupResult): string {
  const entries = (n: number) => `${formatCount(n)} ${n === 1 ? 'entry' : 'entries'}`;
  const unknown = r.unknown ? `, ${entries(r.unknown)} unknown (sent, no answer before the connection was lost)` : '';
  const took = formatElapsed(r.durationMs ?? 0);
  if (r.dryRun) return `dry run: ${entries(r.warmed ?? 0)} would be warmed, nothing written (${took})`;
  if (r.interrupted) {
    const how = r.interrupted === 'SIGTERM' ? 'terminated (SIGTERM)' : 'interrupted (Ctrl-C)';
    return `${how}: ${entries(r.warmed ?? 0)} warmed before stopping${unknown}; run again to finish (${took})`;
  }
  if (r.failed || r.unknown) return `partly done: ${entries(r.warmed ?? 0)} warmed, ${formatCount(r.failed ?? 0)} failed${unknown} (${took})`;
  return `done: ${entries(r.warmed ?? 0)} warmed in ${took}`;
}

/** Who holds the overlap lease, for a person. */
function describeHolder(held: HeldBy | undefined): string {
  const left = held?.ttl !== null && held?.ttl !== undefined && held.ttl >= 0 ? `; the lease lapses in ${formatTtl(held.ttl)} unless renewed` : '';
  if (!held?.holder) return `another warmup holds the overlap lock (${LOCK_KEY})${left}`;
  const { host, pid, startedAt } = held.holder;
  return `a warmup is already running: pid ${pid} on ${host}, since ${startedAt}${left}`;
}

/** With nothing configured: the built-in types, one line each, and where to declare a strategy. */
async function printNoStrategies(out: Output, result: WarmupResult): Promise<void> {
  const c = await out.colors();
  out.line('No warmup strategies are configured.');
  out.line(`Declare them under warmup.strategies in ${result.declareIn} (every option: cache.config.example.ts).`);
  out.line('');
  out.line('Built-in strategy types:');
  const width = Math.max(...(result.builtinTypes ?? []).map((t) => t.type.length));
  for (const t of result.builtinTypes ?? []) out.line(`  ${c.bold(t.type.padEnd(width))}  ${t.description}`);
  out.line('');
  out.line(`Or a module: { module: './warmup/countries.ts' } exporting defineWarmupStrategy({ name, warm(ctx) }).`);
  out.line(`Example: ${result.builtinTypes?.[0]?.example ?? ''}`);
}

/**
 * 5 when another run holds the lease (nothing done); 130 / 143 when a signal
 * stopped the run; 7 when any entry, input line or strategy failed or its
 * fate is unknown (the others are still done); 0 only when all of it was.
 */
export function exitCode(result: WarmupResult): number {
  if (result.interrupted) return result.interrupted === 'SIGTERM' ? ExitCode.TERMINATED : ExitCode.INTERRUPTED;
  if (result.alreadyRunning) return ExitCode.UNREACHABLE;
  return result.failed || result.unknown ? ExitCode.PARTIAL : ExitCode.OK;
}
