/**
 * Every error the tool reports, and the exit code each maps to.
 * Commands and services throw these; only the entry point turns them into
 * a message on stderr and a process exit code.
 */

/** The documented exit codes (README: "Exit codes"). */
export const ExitCode = {
  OK: 0,
  UNEXPECTED: 1,
  USAGE: 2,
  CONFIG: 3,
  NOT_FOUND: 4,
  UNREACHABLE: 5,
  UNSUPPORTED: 6,
  PARTIAL: 7,
  /** Ctrl-C (SIGINT): 128 + 2. */
  INTERRUPTED: 130,
  /** SIGTERM (systemd, Kubernetes, `timeout`): 128 + 15. */
  TERMINATED: 143,
  /** The reader of our output went away (`| head`): 128 + SIGPIPE, as cat and redis-cli end. */
  BROKEN_PIPE: 141,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class: a one-line message an operator can act on, plus an exit code. */
export class CacheError extends Error {
  readonly exitCode: ExitCodeValue = ExitCode.UNEXPECTED;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad argument, key, TTL or option (exit 2). */
export class UsageError extends CacheError {
  override readonly exitCode = ExitCode.USAGE;
}

/** Invalid or unreadable configuration (exit 3). */
export class ConfigError extends CacheError {
  override readonly exitCode = ExitCode.CONFIG;
}

/** The key does not exist (or has expired) (exit 4). */
export class KeyNotFoundError extends CacheError {
  override readonly exitCode = ExitCode.NOT_FOUND;
  constructor(readonly key: string) {
    super(`key not found: ${key}`);
  }
}

/**
 * The store could not be reached, refused us, or timed out (exit 5).
 * `done`, when given, says what is known of work that was sent before the
 * store went (nothing confirmed, some of it unknown).
 */
export class StoreUnavailableError extends CacheError {
  override readonly exitCode = ExitCode.UNREACHABLE;
  readonly done?: Record<string, unknown>;
  constructor(message: string, options?: { cause?: unknown; done?: Record<string, unknown> }) {
    super(message, options);
    if (options?.done) this.done = options.done;
  }
}

/** The operation needs a capability the configured store lacks (exit 6). */
export class NotSupportedError extends CacheError {
  override readonly exitCode = ExitCode.UNSUPPORTED;
  constructor(driver: string, what: string, hint?: string) {
    super(`${what} is not supported by the ${driver} store${hint ? ` (${hint})` : ''}`);
  }
}

/** Some of the work was done and some failed; `done` says how much (exit 7). */
export class PartialFailureError extends CacheError {
  override readonly exitCode = ExitCode.PARTIAL;
  constructor(
    message: string,
    readonly done: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The operator interrupted the command (Ctrl-C, exit 130; SIGTERM, exit 143)
 * or declined a prompt (exit 130). `done` says what was done before stopping.
 */
export class InterruptedError extends CacheError {
  override readonly exitCode: ExitCodeValue;
  constructor(
    message: string,
    readonly done: Record<string, unknown> = {},
    options?: { cause?: unknown; signal?: 'SIGINT' | 'SIGTERM' },
  ) {
    super(message, options);
    this.exitCode = options?.signal === 'SIGTERM' ? ExitCode.TERMINATED : ExitCode.INTERRUPTED;
  }
}

/**
 * True for our errors — also those of a part of the CLI bundled apart (the
 * edge purge service is required on first use from a file of its own, with
 * its own copy of these classes, which instanceof would not recognise).
 */
export function isCacheError(error: unknown): error is CacheError {
  return error instanceof CacheError || (error instanceof Error && typeof (error as { exitCode?: unknown }).exitCode === 'number');
}

/** The exit code for anything thrown: ours carry one, the rest are unexpected. */
export function exitCodeOf(error: unknown): ExitCodeValue {
  return isCacheError(error) ? error.exitCode : ExitCode.UNEXPECTED;
}

/**
 * The InterruptedError for work stopped by an aborted signal: the entry
 * aborts with the signal's name as the reason, so SIGTERM gives 143 and
 * anything else (Ctrl-C) 130.
 */
export function interruptedBy(signal: AbortSignal, message: string, done: Record<string, unknown> = {}): InterruptedError {
  return new InterruptedError(message, done, { signal: signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT' });
}
