/**
 * The lean entry for the command run most often from scripts and hooks:
 * `glueful cache:get <key>`, optionally with `--json` and `--raw`. It is
 * bundled on its own (dist/glueful-get.cjs: no commander, no other command)
 * and writes its output with write(2), so one read of one key starts in
 * little more than node does.
 *
 * Only a command line this entry reads exactly as commander would is taken;
 * main() returns undefined for anything else (another option, a flag
 * spelled twice, `--`, help), and bin/glueful.cjs then runs the full
 * program. What runs after the parse is the same code the full program
 * runs (commands/invoke.ts), so output, errors and exit codes are the same;
 * test/fast-get.test.ts holds the parse to commander's.
 */
import { Output } from '../src/output/output.js';
import { directStdio } from '../src/output/direct-stdio.js';
import type { GlobalOptions } from './context.js';
import { optionName, type CommandSpec } from './define.js';
import * as get from './get.js';
import { endQuietlyOnBrokenPipe, execute, guard, report, type Invocation } from './invoke.js';

const NAME = `cache:${get.command.name}`;

/** cache:get's own switches (options without a value or a default), by flag. */
const SWITCHES = new Map<string, string>(
  ((get.command as CommandSpec).options ?? [])
    .filter((o) => /^--[a-z][a-z-]*$/.test(o.flags) && o.default === undefined && !o.repeatable && !o.list && !o.aliasOf)
    .map((o) => [o.flags, optionName(o.flags)]),
);

/**
 * The invocation for `args` (argv without node and the script) when it is
 * `cache:get <key>` with at most `--json` (anywhere) and cache:get's own
 * switches (after the command), each at most once; else null.
 */
export function parseFastGet(args: readonly string[]): Invocation | null {
  const at = args.indexOf(NAME);
  if (at < 0 || args.lastIndexOf(NAME) !== at) return null;
  const globals: GlobalOptions = { color: true };
  const options: Record<string, boolean> = {};
  let key: string | undefined;
  for (const [i, arg] of args.entries()) {
    if (i === at) continue;
    if (arg === '--json' && !globals.json) globals.json = true;
    else if (i > at && SWITCHES.has(arg) && !options[SWITCHES.get(arg)!]) options[SWITCHES.get(arg)!] = true;
    else if (i > at && key === undefined && !arg.startsWith('-')) key = arg;
    else return null;
  }
  return key === undefined ? null : { module: get, args: [key], options, globals };
}

/** Runs `glueful cache:get ...` (process.argv form); undefined when argv is not for this entry. */
export async function main(argv: string[]): Promise<number | undefined> {
  const invocation = parseFastGet(argv.slice(2));
  if (!invocation) return undefined;
  const { json, quiet, verbose, color, wide } = invocation.globals;
  const stdout = directStdio(1, () => {
    endQuietlyOnBrokenPipe(process.stdout);
    return process.stdout;
  });
  const stderr = directStdio(2, () => {
    endQuietlyOnBrokenPipe(process.stderr);
    return process.stderr;
  });
  // Output writes and reads isTTY (and columns, undefined here: no table) of these, nothing else.
  const out = new Output({ json, quiet, verbose, color, wide, stdout: stdout as NodeJS.WriteStream, stderr: stderr as NodeJS.WriteStream });
  const { signal, release } = guard(() => out);
  try {
    return await execute(invocation, out, signal);
  } catch (error) {
    return report(out, error);
  } finally {
    release();
  }
}
