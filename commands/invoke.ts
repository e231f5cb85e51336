/**
 * One run of one command, the same whichever entry parsed argv: the full
 * program (commands/index.ts, commander) or the lean `cache:get` entry
 * (commands/fast-get.ts). Signals, the stalled-promise guard, the context,
 * rendering, the error report and the exit code live here once, so the two
 * entries cannot drift apart.
 */
import { CacheError, ExitCode, exitCodeOf, isCacheError, type PartialFailureError } from '../src/core/errors.js';
import type { Output } from '../src/output/output.js';
import { createContext, type CommandContext, type CommandModule, type GlobalOptions } from './context.js';
import type { CommandSpec } from './define.js';

// Each module types its own result and flags; the entry only passes them through.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = CommandModule<any> & { command: CommandSpec };

/** A parsed command line: the module, its arguments, its own options and the global ones. */
export interface Invocation {
  module: AnyCommand;
  args: string[];
  options: Record<string, unknown>;
  globals: GlobalOptions;
}

/** Runs a parsed command: its result rendered (or its JSON document), and its exit code. */
export async function execute({ module, args, options, globals }: Invocation, out: Output, signal: AbortSignal): Promise<number> {
  // A dry run changes nothing, so it may look at a fallback store; real changes may not (unless allowed).
  const changesData = (module.command.changesData ?? false) && !options.dryRun;
  const ctx = createContext(out, globals, signal, { changesData });
  try {
    const result = await module.run(ctx, args, options);
    if (out.json) {
      // A command that streamed its JSON as it went (status --watch) has no document left to print.
      const document = module.toJson ? module.toJson(result) : result;
      if (document !== undefined) out.printJson(withFallback(document, ctx));
    }
    else await module.print(out, result);
    return module.exitCode?.(result, options) ?? ExitCode.OK;
  } finally {
    await ctx.dispose();
  }
}

/** Every JSON document says when the store it worked on was the fallback, and why. */
function withFallback(document: unknown, ctx: CommandContext): unknown {
  const fallback = ctx.fallback;
  if (!fallback || typeof document !== 'object' || document === null || Array.isArray(document)) return document;
  return { ...document, fellBack: true, fallback };
}

/** Prints an error (and its JSON document with --json); returns its exit code. */
export function report(out: Output, error: unknown): number {
  const code = exitCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (out.json) {
    const type = isCacheError(error) ? error.name : 'Error';
    const done = isCacheError(error) && 'done' in error ? { done: (error as PartialFailureError).done } : {};
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
export function endQuietlyOnBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    process.exit(error.code === 'EPIPE' ? ExitCode.BROKEN_PIPE : ExitCode.UNEXPECTED);
  });
}

/** The process-wide watch over one run: signals and the stalled-promise guard. */
export interface Guard {
  /** Aborted (reason 'SIGINT' or 'SIGTERM') by the first signal. */
  signal: AbortSignal;
  /** Removes the handlers once the run is over. */
  release(): void;
}

/**
 * Installs the handlers every run has. The first SIGINT or SIGTERM asks the
 * command to stop and report what it did (the signal's name is the abort's
 * reason, for 130 or 143); a second one ends the process at once. `out`
 * gives the renderer in use when the guard fires.
 */
export function guard(out: () => Output): Guard {
  const controller = new AbortController();
  const onSignal = (name: 'SIGINT' | 'SIGTERM') => (): void => {
    if (controller.signal.aborted) process.exit(name === 'SIGTERM' ? ExitCode.TERMINATED : ExitCode.INTERRUPTED);
    controller.abort(name);
  };
  const onInterrupt = onSignal('SIGINT');
  const onTerminate = onSignal('SIGTERM');
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onTerminate);
  // Node exits, with status 0, once nothing is left to wait for — even while a command's promise
  // waits for an event that will never come (a lost connection nobody noticed). Never 0 for that.
  const onStalled = (): void => {
    process.exitCode = report(out(), new CacheError('the command stopped before it finished: it was left waiting for an answer that never came (a bug: run again with --verbose and report it); what it did is unconfirmed'));
  };
  process.once('beforeExit', onStalled);
  return {
    signal: controller.signal,
    release() {
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onTerminate);
      process.off('beforeExit', onStalled);
    },
  };
}
