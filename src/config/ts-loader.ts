/**
 * Loads a TypeScript config file on Node 20, which cannot run TypeScript.
 * Types are stripped and imports turned into require() by sucrase (bundled
 * into dist/vendor-sucrase.cjs and loaded only on a transpile: ~40 ms, where
 * the TypeScript compiler took ~0.5 s and 23 MB of install). Cron and CI call
 * the CLI thousands of times, so the transpiled module is kept beside the
 * config (`.<name>.glueful.cjs`, so its imports resolve as the original's)
 * and reused while the source's hash is unchanged. It is CommonJS because
 * require() starts faster than the ES module loader on Node 20.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import Module from 'node:module';
import { basename, dirname, join } from 'node:path';
import type * as Sucrase from 'sucrase';
import { ConfigError } from '../core/errors.js';
import { md5Hex } from '../core/md5.js';

/** The transpiler's name is part of the cache's header: a module cached by another is made again. */
const HEADER = '// glueful-cache: transpiled (sucrase) from ';

/** The cached module's path for a config file. */
export function compiledPath(filepath: string): string {
  return join(dirname(filepath), `.${basename(filepath)}.glueful.cjs`);
}

/** A sucrase syntax error: its message ends in "(line:column)", and `loc` says the same. */
interface TranspileError extends Error {
  loc?: { line: number; column: number };
}

async function transpile(filepath: string, source: string): Promise<string> {
  // Bundled as CommonJS: its exports may sit on `default`.
  const module = (await import('sucrase')) as typeof Sucrase & { default?: typeof Sucrase };
  const { transform } = module.default ?? module;
  try {
    return transform(source, { transforms: ['typescript', 'imports'], filePath: filepath, disableESTransforms: true }).code;
  } catch (error) {
    const { loc, message } = error as TranspileError;
    const reason = String(message).replace(/^Error transforming [^:]*: /, '').replace(/ \(\d+:\d+\)$/, '');
    const where = loc ? `line ${loc.line}, column ${loc.column}: ` : '';
    throw new ConfigError(`cannot load ${filepath}: ${where}${reason}`, { cause: error });
  }
}

/** Loads a `.ts` / `.mts` module (a config file, a warmup strategy) through the transpile cache. */
export async function loadTypeScriptModule(filepath: string): Promise<unknown> {
  // Read synchronously: two small files on every start, where fs/promises and the thread pool
  // would cost more than the reads (and a Redis command never needs them otherwise).
  const source = readFileSync(filepath, 'utf8');
  const hash = md5Hex(source);
  const target = compiledPath(filepath);
  const header = `${HEADER}${basename(filepath)} ${hash}\n`;
  let code = readCompiled(target);
  if (!code.startsWith(header)) {
    code = header + (await transpile(filepath, source));
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, code, { mode: 0o600 });
    await rename(tmp, target);
  }
  const module = requireCompiled(filepath, target, code) as { default?: unknown };
  return module.default ?? module;
}

/** The cached transpiled module, or '' when there is none (or it cannot be read). */
function readCompiled(target: string): string {
  try {
    return readFileSync(target, 'utf8');
  } catch {
    return '';
  }
}

/** The name configs import the helpers by (`defineConfig`, `defineWarmupStrategy`). */
const PACKAGE = 'glueful-cache';

/**
 * This tool's own library (dist/index.cjs beside the running bundle). A
 * config's `import ... from 'glueful-cache'` gets it whether or not the
 * package is installed where the config is: installed globally, linked or
 * run by npx, the tool is nowhere in the project's node_modules.
 */
function ownLibrary(): string | null {
  const path = typeof __dirname === 'string' ? join(__dirname, 'index.cjs') : null;
  return path !== null && existsSync(path) ? path : null;
}

const identity = <T>(value: T): T => value;

/**
 * What `import ... from 'glueful-cache'` gives a config: the define*()
 * helpers configs use are identities, served without loading the library
 * (parsing it costs ~30 ms on each run); anything else a config imports
 * loads it on first use.
 */
function configFacade(loadLibrary: () => Record<string | symbol, unknown>): object {
  const helpers: Record<string | symbol, unknown> = { defineConfig: identity, defineWarmupStrategy: identity, defineEdgeProvider: identity };
  let library: Record<string | symbol, unknown> | undefined;
  return new Proxy(helpers, {
    get: (target, key) => (key in target ? target[key] : (library ??= loadLibrary())[key]),
    has: (target, key) => key in target || key in (library ??= loadLibrary()),
  });
}

/** Node's CommonJS internals used here (stable since Node 0.x; ts-node and pirates use them too). */
type ModuleInternals = typeof Module & { _nodeModulePaths(dir: string): string[] };
type CompilableModule = Module & { _compile(code: string, filename: string): void };

/**
 * Runs the transpiled module as CommonJS, fresh on every call (the same
 * process may load an edited config again), with `glueful-cache` resolved
 * to this tool's own library. Any failure is one line naming the config.
 */
function requireCompiled(filepath: string, target: string, code: string): unknown {
  const module = new Module(target) as CompilableModule;
  module.filename = target;
  module.paths = (Module as ModuleInternals)._nodeModulePaths(dirname(target));
  const own = ownLibrary();
  const load = module.require.bind(module);
  module.require = ((id: string) => (id === PACKAGE && own ? configFacade(() => load(own)) : load(id))) as NodeJS.Require;
  try {
    module._compile(code, target);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError(`cannot load ${filepath}: ${reason}`, { cause: error });
  }
  return module.exports;
}
