/**
 * cache:warmup — runs the warmup strategies declared in the config. Safe for
 * cron on several hosts: an overlap lock in the store makes a second run
 * exit 0 ("already running") or wait (--wait); --background detaches.
 */
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CacheStore } from '../src/core/contract.js';
import { ExitCode, UsageError } from '../src/core/errors.js';
import type { Output } from '../src/output/output.js';
import { printTable } from '../src/output/table.js';
import type { RegisteredStrategy } from '../src/warmup/registry.js';
import type { StrategyReport } from '../src/warmup/runner.js';
import { parseCount, parseList } from './arguments.js';
import type { CommandContext } from './context.js';
import { defineCommand, type OptionsOf } from './define.js';

/** cache:warmup, declared. */
export const command = defineCommand({
  name: 'warmup',
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
    { flags: '--strategy <names>', description: 'only these strategies (comma-separated)' },
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
  alreadyRunning?: boolean;
  background?: { pid: number; logFile: string; pidFile: string };
  dryRun?: boolean;
  warmed?: number;
  failed?: number;
  durationMs?: number;
}

const LOCK_KEY = 'warmup:lock';

/**
 * The warmup services, imported when the command runs: they bring child
 * processes, crypto and HTTP with them, which no other command should pay
 * for at start-up.
 */
async function services() {
  const [registry, runner, builtins, stampede, tagging] = await Promise.all([
    import('../src/warmup/registry.js'),
    import('../src/warmup/runner.js'),
    import('../src/warmup/builtins.js'),
    import('../src/stampede/stampede.js'),
    import('../src/tags/tagging.js'),
  ]);
  return { ...registry, ...runner, ...builtins, ...stampede, ...tagging };
}

function select(all: RegisteredStrategy[], options: WarmupOptions): RegisteredStrategy[] {
  if (all.length === 0) throw new UsageError('no warmup strategies are configured: declare them under warmup.strategies (see cache.config.example.ts)');
  const names = parseList(options.strategy);
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

/** Takes the overlap lock; null when another run holds it (and --wait was not given). */
async function overlapLock(ctx: CommandContext, store: CacheStore, ttl: number, wait: boolean): Promise<string | null> {
  const token = globalThis.crypto.randomUUID();
  for (;;) {
    if (await store.setNx(LOCK_KEY, token, { ttl })) return token;
    if (!wait || ctx.signal.aborted) return null;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function run(ctx: CommandContext, _args: string[], options: WarmupOptions): Promise<WarmupResult> {
  const config = await ctx.config();
  const { loadStrategies, runWarmup, BUILTIN_TYPE_DOCS, Stampede, TaggingService } = await services();
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
  const token = options.dryRun ? '' : await overlapLock(ctx, store, config.warmup.lockTtl, options.wait ?? false);
  if (token === null) return { alreadyRunning: true };
  const started = performance.now();
  try {
    const services = {
      store,
      stampede: new Stampede(store, config.stampede),
      tagging: new TaggingService(store, config.tagging.categories),
    };
    const reports = await runWarmup(chosen, services, {
      dryRun: options.dryRun,
      concurrency,
      refreshAhead,
      tagging: config.tagging.enabled,
      signal: ctx.signal,
      log: (message) => ctx.out.info(message),
    });
    await services.stampede.settle();
    return {
      strategies: reports,
      dryRun: options.dryRun ?? false,
      warmed: reports.reduce((n, r) => n + r.warmed, 0),
      failed: reports.reduce((n, r) => n + r.failed + (r.error ? 1 : 0), 0),
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    if (token) await store.deleteIfValue(LOCK_KEY, token).catch(() => undefined);
  }
}

export async function print(out: Output, result: WarmupResult): Promise<void> {
  if (result.registered) {
    if (result.registered.length === 0) return printNoStrategies(out, result);
    return printTable(out, ['strategy', 'category', 'source', 'description'], result.registered.map((r) => [r.name, r.category ?? '-', r.source, r.description ?? '']));
  }
  if (result.alreadyRunning) return out.info('a warmup is already running (overlap lock held): nothing done; use --wait to wait for it');
  if (result.background) {
    return out.info(`warmup running in the background: pid ${result.background.pid}, log ${result.background.logFile}`);
  }
  await printTable(
    out,
    ['strategy', 'category', result.dryRun ? 'would warm' : 'warmed', 'skipped', 'failed', 'duration', 'error'],
    (result.strategies ?? []).map((r) => [r.name, r.category ?? '-', r.warmed, r.skipped, r.failed, `${r.durationMs} ms`, r.error ?? '']),
  );
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

/** Exit 7 when any strategy failed or skipped bad input; the others are still done. */
export function exitCode(result: WarmupResult): number {
  return result.failed ? ExitCode.PARTIAL : ExitCode.OK;
}
