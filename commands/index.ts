/**
 * The `glueful` entry: declares every command and its flags, imports a
 * command's module only when it runs, renders its result, and is the only
 * place that decides the exit code.
 */
import { Command, CommanderError, Option } from 'commander';
import { CacheError, ExitCode, exitCodeOf, PartialFailureError } from '../src/core/errors.js';
import { Output } from '../src/output/output.js';
import { createContext, type CommandModule, type GlobalOptions } from './context.js';

declare const __VERSION__: string;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

// Each module types its own result and flags; the entry only passes them through.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loader = () => Promise<CommandModule<any>>;

/** Command modules, imported on demand. */
const COMMANDS: Record<string, Loader> = {
  get: () => import('./get.js'),
  set: () => import('./set.js'),
  delete: () => import('./delete.js'),
  ttl: () => import('./ttl.js'),
  expire: () => import('./expire.js'),
  purge: () => import('./purge.js'),
  clear: () => import('./clear.js'),
  status: () => import('./status.js'),
  warmup: () => import('./warmup.js'),
};

const EXIT_CODES = `
Exit codes:
  0 ok  1 unexpected error  2 usage  3 configuration  4 key not found
  5 store unreachable  6 not supported by this store  7 partly failed  130 interrupted
  141 the reader of the output went away (| head): output ends quietly`;

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function declare(program: Command, action: (name: string, cmd: Command) => Promise<void>): void {
  const add = (name: string, description: string, sample: string[]): Command =>
    program
      .command(`cache:${name}`)
      .description(description)
      .addHelpText('after', examples(sample))
      .action((...args: unknown[]) => action(name, args[args.length - 1] as Command));

  add('get', 'print the value stored under a key', ['glueful cache:get user:1', 'glueful cache:get user:1 --json', 'glueful cache:get blob --raw > blob.bin'])
    .argument('<key>', 'key inside the prefix')
    .option('--raw', 'print the stored bytes untouched');
  add('set', 'store a value (as Glueful does: json: + JSON)', [
    'glueful cache:set greeting hello --ttl 15m',
    `glueful cache:set user:1 '{"name":"Ada"}' --json-value --tags users`,
    'cat report.pdf | glueful cache:set report - --raw',
  ])
    .argument('<key>', 'key inside the prefix')
    .argument('<value>', "the value; '-' reads stdin")
    .option('-t, --ttl <duration>', 'lifetime: seconds or 90s, 15m, 1h30m, 2d (default: none)')
    .option('--tags <list>', 'comma-separated tags')
    .option('--nx', 'only write when the key does not exist')
    .option('--json-value', 'parse the value as JSON')
    .option('--raw', 'store the bytes untouched, without the json: envelope');
  add('delete', 'delete one or more keys', ['glueful cache:delete user:1 user:2'])
    .argument('<key...>', 'keys inside the prefix');
  add('ttl', 'print the remaining lifetime in seconds (-1: no expiry)', ['glueful cache:ttl session:abc'])
    .argument('<key>', 'key inside the prefix');
  add('expire', "set a key's lifetime ('never' removes the expiry)", ['glueful cache:expire session:abc 30m', 'glueful cache:expire config:app never'])
    .argument('<key>', 'key inside the prefix')
    .argument('<ttl>', "seconds, a duration like 15m, or 'never'");
  add('purge', 'delete the keys matching a glob pattern, inside the prefix', [
    "glueful cache:purge 'user:*' --dry-run",
    "glueful cache:purge 'session:??' --force",
  ])
    .argument('<pattern>', 'glob: * ? [abc] [^a] [a-z], \\ escapes')
    .option('--dry-run', 'count and show a sample; delete nothing')
    .option('-f, --force', 'do not ask for confirmation')
    .option('--sample <n>', 'how many matching keys to show', '10');
  add('clear', 'delete every key under the prefix (and nothing else), or the keys of tags', [
    'glueful cache:clear --dry-run',
    'glueful cache:clear --force',
    'glueful cache:clear --tag users --force',
    'glueful cache:clear --category users --force',
    'glueful cache:clear --prune-tags',
    'glueful cache:clear --flush-database 0 --force   # the WHOLE database, foreign keys too',
  ])
    .option('--tag <tag>', 'only keys with this tag (repeatable)', collect)
    .option('--tags <list>', 'only keys with any of these comma-separated tags')
    .option('--dry-run', 'count and show a sample; delete nothing')
    .option('-f, --force', 'do not ask for confirmation')
    .option('--sample <n>', 'how many keys to show with --dry-run', '10')
    .option('--category <name>', 'only keys of a tag category (users, permissions, config, ...)')
    .option('--prune-tags', 'only drop tag-index entries whose keys are gone')
    .option('--flush-database <n>', 'empty the whole database <n> (FLUSHDB), not just the prefix; needs --force');
  add('status', 'show whether the store is reachable, its latency and size', [
    'glueful cache:status',
    'glueful cache:status --detailed --json',
    'glueful cache:status --fail-on-alert   # for cron / CI',
  ])
    .option('-d, --detailed', 'add capabilities, effective config and alerts')
    .option('--fail-on-alert', 'exit 7 when an alert fires');
  add('warmup', 'run the warmup strategies declared in the config (cron-safe)', [
    'glueful cache:warmup --list',
    'glueful cache:warmup',
    'glueful cache:warmup --category config --dry-run',
    'glueful cache:warmup --strategy countries,menus --refresh-ahead 0.8',
    'glueful cache:warmup --background   # detach, log to .cache/glueful-warmup.log',
  ])
    .option('--list', 'show the registered strategies')
    .option('--strategy <names>', 'only these strategies (comma-separated)')
    .option('--category <name>', 'only strategies of this category')
    .option('--dry-run', 'count what would be written; write nothing')
    .option('--concurrency <n>', 'strategies run at the same time', '2')
    .option('--refresh-ahead <ratio>', 'only rewarm entries missing or past this fraction of their TTL')
    .option('--wait', 'wait for a running warmup instead of exiting')
    .option('--background', 'detach and return at once (writes a pid and a log file)')
    .option('--log-file <path>', 'log of a --background run')
    .option('--pid-file <path>', 'pid file of a --background run');
}

function buildProgram(): Command {
  return new Command('glueful')
    .description('Inspect and manage Glueful caches: file, Redis and Memcached stores')
    .version(VERSION, '-V, --version')
    .option('-c, --config <path>', 'config file (default: search cache.config.* up to the project root)')
    .option('-s, --store <name>', 'store to use (default: the config default)')
    .option('-p, --prefix <prefix>', "key prefix (default: the config prefix; '' for none)")
    .option('--json', 'print one JSON document for scripts')
    .option('-q, --quiet', 'print only results and errors')
    .option('-v, --verbose', 'print stack traces on errors')
    .addOption(new Option('--no-color', 'disable colour (NO_COLOR is honoured too)'))
    .addHelpText('after', EXIT_CODES)
    .showSuggestionAfterError(true)
    .exitOverride();
}

async function execute(name: string, cmd: Command, out: Output, signal: AbortSignal): Promise<number> {
  const globals = cmd.optsWithGlobals<GlobalOptions>();
  const options = cmd.opts();
  const ctx = createContext(out, globals, signal);
  try {
    const module = await COMMANDS[name]!();
    const result = await module.run(ctx, cmd.processedArgs.flat() as string[], options);
    if (out.json) out.printJson(module.toJson ? module.toJson(result) : result);
    else await module.print(out, result);
    return module.exitCode?.(result, options) ?? ExitCode.OK;
  } finally {
    await ctx.dispose();
  }
}

function report(out: Output, error: unknown): number {
  const code = exitCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (out.json) {
    const type = error instanceof CacheError ? error.name : 'Error';
    const done = error instanceof PartialFailureError ? { done: error.done } : {};
    out.printJson({ error: { code, type, message, ...done } });
  }
  out.error(message);
  if (out.verbose && error instanceof Error && error.stack) out.info(error.stack);
  return code;
}

/**
 * When the reader of stdout or stderr goes away (`| head`, `less` quit
 * early) the next write fails with EPIPE. Stop at once and quietly, with
 * the status a process killed by SIGPIPE has (as cat and redis-cli end):
 * nobody is left to read the rest.
 */
function endQuietlyOnBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    process.exit(error.code === 'EPIPE' ? ExitCode.BROKEN_PIPE : ExitCode.UNEXPECTED);
  });
}

/** Runs the CLI with `argv` (process.argv form) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  endQuietlyOnBrokenPipe(process.stdout);
  endQuietlyOnBrokenPipe(process.stderr);
  const wantsJson = argv.includes('--json');
  let out = new Output({ json: wantsJson });
  const controller = new AbortController();
  const onInterrupt = (): void => {
    if (controller.signal.aborted) process.exit(ExitCode.INTERRUPTED);
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  let code: number = ExitCode.OK;
  const program = buildProgram();
  declare(program, async (name, cmd) => {
    const g = cmd.optsWithGlobals<GlobalOptions>();
    out = new Output({ json: g.json, quiet: g.quiet, verbose: g.verbose, color: g.color });
    code = await execute(name, cmd, out, controller.signal);
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed its own message (or the help / version).
      code = error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    } else {
      code = report(out, error);
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  return code;
}

void main(process.argv).then((code) => {
  process.exitCode = code;
});
