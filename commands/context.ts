/**
 * What every command handler receives: the output, the global flags, an
 * abort signal for Ctrl-C, and the configuration and store, resolved on
 * first use (a command that needs no store never loads a driver).
 */
import { loadConfig } from '../src/config/load.js';
import { ConfigError, StoreUnavailableError } from '../src/core/errors.js';
import type { FallbackInfo } from '../src/core/store-factory.js';
import type { ResolvedConfig } from '../src/config/schema.js';
import type { CacheStore } from '../src/core/contract.js';
import { createStore } from '../src/store.js';
import type { Output } from '../src/output/output.js';

/** The flags every command accepts. */
export interface GlobalOptions {
  config?: string;
  store?: string;
  prefix?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  /** Tables at full width (--wide). */
  wide?: boolean;
  color?: boolean;
  strictConfig?: boolean;
  allowFallback?: boolean;
}

/** What the entry knows about the command before it runs. */
export interface ContextOptions {
  /** The command will write or delete entries: it may not do so on a fallback store unless allowed. */
  changesData?: boolean;
}

/** Handed to every command's run(). */
export interface CommandContext {
  readonly out: Output;
  readonly globals: GlobalOptions;
  readonly signal: AbortSignal;
  config(): Promise<ResolvedConfig>;
  store(): Promise<CacheStore>;
  /** True once store() had to fall back to the file store. */
  readonly fellBack: boolean;
  /** The store that was wanted and why it was out of reach, once store() fell back. */
  readonly fallback: FallbackInfo | undefined;
  dispose(): Promise<void>;
}

/** A command module: run() returns data, print() renders it for people. */
export interface CommandModule<Result = unknown> {
  run(ctx: CommandContext, args: string[], options: Record<string, unknown>): Promise<Result>;
  print(out: Output, result: Result): Promise<void> | void;
  /** A non-zero exit code for a result that is not a plain success. */
  exitCode?(result: Result, options: Record<string, unknown>): number;
  /** The --json document, when it is not the result itself. */
  toJson?(result: Result): unknown;
}

/** Builds the context for one invocation. */
export function createContext(out: Output, globals: GlobalOptions, signal: AbortSignal, options: ContextOptions = {}): CommandContext {
  let config: Promise<ResolvedConfig> | undefined;
  let store: Promise<CacheStore> | undefined;
  let fallback: FallbackInfo | undefined;
  const ctx: CommandContext = {
    out,
    globals,
    signal,
    get fellBack() {
      return fallback !== undefined;
    },
    get fallback() {
      return fallback;
    },
    config() {
      config ??= loadConfig({ configPath: globals.config }).then((c) => {
        if (globals.strictConfig && c.warnings.length) {
          throw new ConfigError(`${c.warnings.join('; ')} (--strict-config)`);
        }
        for (const warning of c.warnings) out.warn(warning);
        if (out.verbose) for (const notice of c.notices) out.info(`note: ${notice}`);
        return globals.prefix === undefined ? c : { ...c, prefix: globals.prefix };
      });
      return config;
    },
    store() {
      store ??= ctx.config().then(async (c) => {
        // Warnings wait for the verdict: a refused fallback is said once, by the error.
        const warnings: string[] = [];
        const created = await createStore(c, globals.store ?? c.default, { onWarning: (m) => warnings.push(m) });
        fallback = created.fallback;
        if (fallback && options.changesData && !globals.allowFallback) {
          await created.store.dispose();
          throw new StoreUnavailableError(
            `${fallback.reason}; nothing changed: the fallback file store (${created.store.location}) is not the ${fallback.wanted} store ` +
              'this command was meant for (pass --allow-fallback to act on it anyway)',
          );
        }
        for (const warning of warnings) out.warn(warning);
        return created.store;
      });
      return store;
    },
    async dispose() {
      if (store) await (await store.catch(() => null))?.dispose();
    },
  };
  return ctx;
}
