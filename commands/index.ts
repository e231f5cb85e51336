/**
 * The `glueful` entry: builds the program from each command's own
 * declaration and runs the chosen command through commands/invoke.ts, which
 * renders its result and decides the exit code (as for the lean `cache:get`
 * entry, commands/fast-get.ts). `bin/glueful.cjs` calls main().
 */
import { Argument, Command, CommanderError, Help, InvalidArgumentError, Option, type OutputConfiguration } from 'commander';
import { ExitCode } from '../src/core/errors.js';
import { Output } from '../src/output/output.js';
import * as clear from './clear.js';
import { complete, completionScript, SHELLS, storeLookups, type Shell } from './completion.js';
import * as config from './config.js';
import * as copy from './copy.js';
import type { GlobalOptions } from './context.js';
import { optionName, type CommandSpec, type OptionSpec } from './define.js';
import * as del from './delete.js';
import * as expire from './expire.js';
import * as exporter from './export.js';
import * as get from './get.js';
import * as importer from './import.js';
import { endQuietlyOnBrokenPipe, execute, guard, report, type AnyCommand } from './invoke.js';
import * as inspect from './inspect.js';
import * as purge from './purge.js';
import * as set from './set.js';
import * as status from './status.js';
import * as ttl from './ttl.js';
import * as warmup from './warmup.js';

declare const __VERSION__: string;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

/** Every command, declared in its own module. */
const COMMANDS: AnyCommand[] = [get, set, del, ttl, expire, purge, clear, status, config, warmup, inspect, exporter, importer, copy];

const EXIT_CODES = `
Exit codes:
  0 ok  1 unexpected error  2 usage  3 configuration  4 key not found
  5 could not start (store unreachable, lock held; nothing changed)  6 not supported by this store
  7 partly done (the report says what was and was not)  130 interrupted (Ctrl-C)  143 terminated (SIGTERM)
  141 the reader of the output went away (| head): output ends quietly`;

const EXAMPLES = `
Examples:
  $ glueful cache:status                      is the store up, how fast, how full
  $ glueful cache:get user:1 --json           a value, its TTL and format, as JSON
  $ glueful cache:set greeting hello --ttl 15m
  $ glueful cache:purge 'user:*' --dry-run    what a purge would delete
  $ glueful cache:inspect --depth 1           where the memory goes
  $ glueful --store redis cache:clear --tag users --force
  $ glueful completion bash >> ~/.bashrc      tab completion (bash, zsh, fish)
  $ glueful cache:get --help                  a command's own options and examples`;

/** Commands that print tables (--wide applies). */
const TABLE_COMMANDS = new Set(['status', 'inspect', 'warmup', 'purge']);

/** Whether `command` (a cache:* command) does anything with the global option `option`. */
function honours(spec: CommandSpec | undefined, option: Option): boolean {
  const name = option.attributeName();
  if (name === 'version') return false;
  if (name === 'allowFallback') return spec?.changesData === true;
  if (name === 'wide') return spec !== undefined && TABLE_COMMANDS.has(spec.name);
  return true;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A list option's values: repeated, commas accepted, no empty item. */
const collectList = (value: string, previous: string[] = []): string[] => {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new InvalidArgumentError('an item of the list is empty');
  return [...previous, ...items];
};

/** The commander Option for a declared option, with what it may not be combined with. */
function optionOf(spec: CommandSpec, declared: OptionSpec): Option {
  const option = new Option(declared.flags, declared.description);
  if (declared.default !== undefined) option.default(declared.default);
  if (declared.repeatable) option.argParser(collect);
  if (declared.list) option.argParser(collectList);
  const name = declared.aliasOf ?? optionName(declared.flags);
  if (declared.aliasOf) {
    // The old spelling writes the new option's value (a list adds to it) and is left out of help.
    const target = declared.aliasOf;
    option.hideHelp();
    option.attributeName = () => target;
  }
  const against = new Set(spec.conflicts?.[name] ?? []);
  for (const [other, list] of Object.entries(spec.conflicts ?? {})) if (list.includes(name)) against.add(other);
  for (const group of spec.exclusive ?? []) if (group.includes(name)) for (const other of group) if (other !== name) against.add(other);
  if (against.size) option.conflicts([...against]);
  return option;
}

/** What runs a parsed command: the real handler, or a test's recorder. */
export type CommandAction = (module: AnyCommand, cmd: Command) => Promise<void>;

/**
 * The `glueful` program: global options, then the commands from their own
 * declarations — all of them, or with `only` just the one argv names (a
 * command run does not pay for declaring the other eight; help and
 * suggestions for a mistyped name get them all).
 */
export function buildProgram(action: CommandAction, output: OutputConfiguration = {}, only?: string): Command {
  const program = new Command('glueful')
    // commander's own errors look like ours: `glueful: error: ...`.
    .configureOutput({ outputError: (text, write) => write(`glueful: ${text}`), ...output })
    .description('Inspect and manage Glueful caches: file, Redis and Memcached stores')
    .version(VERSION, '-V, --version')
    .option('-c, --config <path>', 'config file (default: search cache.config.* up to the project root)')
    .option('-s, --store <name>', 'store to use (default: the config default)')
    .option('-p, --prefix <prefix>', "key prefix (default: the config prefix; '' for none)")
    .option('--json', 'print one JSON document for scripts')
    .option('-q, --quiet', 'print only results and errors')
    .option('-v, --verbose', 'print stack traces on errors, and the settings that do not apply')
    .option('--wide', 'tables at full width (default: the terminal width; 80 columns into a pipe)')
    .option('--strict-config', 'treat unknown settings as errors (exit 3), for CI')
    .option('--allow-fallback', 'let a command that changes data act on the fallback file store when the configured store is down')
    .addOption(new Option('--no-color', 'disable colour (NO_COLOR is honoured too)'))
    // A command's help lists the global options that command honours, under "Global Options".
    .configureHelp({
      showGlobalOptions: true,
      visibleGlobalOptions(cmd: Command): Option[] {
        const spec = COMMANDS.find((c) => `cache:${c.command.name}` === cmd.name())?.command;
        return Help.prototype.visibleGlobalOptions.call(this, cmd).filter((o) => honours(spec, o));
      },
    })
    .addHelpText('after', EXAMPLES + '\n' + EXIT_CODES)
    .showSuggestionAfterError(true)
    .exitOverride();
  for (const module of COMMANDS) {
    const spec = module.command;
    if (only !== undefined && spec.name !== only) continue;
    const cmd = program
      .command(`cache:${spec.name}`)
      .description(spec.description)
      .addHelpText('after', `\nExamples:\n${spec.examples.map((l) => `  $ ${l}`).join('\n')}\n`)
      .action((...args: unknown[]) => action(module, args[args.length - 1] as Command));
    for (const argument of spec.arguments ?? []) cmd.argument(argument.name, argument.description);
    for (const declared of spec.options ?? []) cmd.addOption(optionOf(spec, declared));
  }
  program
    .command('completion')
    .description('print the shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .addHelpText('after', '\nExamples:\n  $ source <(glueful completion bash)        # in ~/.bashrc\n  $ source <(glueful completion zsh)         # in ~/.zshrc, after compinit\n  $ glueful completion fish > ~/.config/fish/completions/glueful.fish\n')
    .action((shell: Shell) => {
      process.stdout.write(completionScript(shell));
    });
  return program;
}

/**
 * `glueful __complete <words...>`, which the completion scripts call on
 * each Tab: the candidates, one per line. Bounded to a second whatever the
 * store does; nothing on stderr (it would land on the operator's prompt).
 */
async function completeWords(words: string[]): Promise<number> {
  const deadline = new Promise<string[]>((resolve) => setTimeout(() => resolve([]), 1000).unref());
  const candidates = await Promise.race([complete(buildProgram(async () => undefined), words, storeLookups).catch(() => []), deadline]);
  // A store connection still opening must not keep the shell waiting: end as soon as the answer is out.
  await new Promise<void>((resolve) => process.stdout.write(candidates.map((c) => `${c}\n`).join(''), () => resolve()));
  process.exit(ExitCode.OK);
}

/** Runs the CLI with `argv` (process.argv form) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv[2] === '__complete') return completeWords(argv.slice(3));
  endQuietlyOnBrokenPipe(process.stdout);
  endQuietlyOnBrokenPipe(process.stderr);
  const wantsJson = argv.includes('--json');
  let out = new Output({ json: wantsJson });
  const { signal, release } = guard(() => out);
  let code: number = ExitCode.OK;
  // Declare only the command argv names — unless another argument could be one too (an option's value).
  const named = new Set(argv.slice(2).filter((a) => COMMANDS.some((c) => `cache:${c.command.name}` === a)));
  const only = named.size === 1 && !argv.includes('--help') && !argv.includes('-h') ? [...named][0]!.slice('cache:'.length) : undefined;
  const program = buildProgram(async (module, cmd) => {
    const g = cmd.optsWithGlobals<GlobalOptions>();
    out = new Output({ json: g.json, quiet: g.quiet, verbose: g.verbose, color: g.color, wide: g.wide });
    code = await execute({ module, args: cmd.processedArgs.flat() as string[], options: cmd.opts(), globals: g }, out, signal);
  }, {}, only);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed its own message (or the help / version); --json gets the usual error document too.
      code = error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
      if (code === ExitCode.USAGE && wantsJson) {
        out.printJson({ error: { code, type: 'UsageError', message: error.message.replace(/^error: /, '').split('\n')[0] } });
      }
    } else {
      code = report(out, error);
    }
  } finally {
    release();
  }
  return code;
}
