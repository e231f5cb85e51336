/**
 * Loads a TypeScript config file on Node 20, which cannot run TypeScript.
 * The TypeScript compiler costs ~0.5 s to load, and cron and CI scripts call
 * the CLI thousands of times, so the transpiled module is kept beside the
 * config (`.<name>.glueful.cjs`, so its imports resolve as the original's)
 * and reused while the source's hash is unchanged. It is CommonJS because
 * require() starts faster than the ES module loader on Node 20.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import Module from 'node:module';
import { basename, dirname, join } from 'node:path';
import type * as TypeScript from 'typescript';
import { ConfigError } from '../core/errors.js';
import { md5Hex } from '../core/md5.js';

const HEADER = '// glueful-cache: transpiled from ';

/** The cached module's path for a config file. */
export function compiledPath(filepath: string): string {
  return join(dirname(filepath), `.${basename(filepath)}.glueful.cjs`);
}

async function loadCompiler(filepath: string): Promise<typeof TypeScript> {
  try {
    const module = (await import('typescript')) as { default?: typeof TypeScript } & typeof TypeScript;
    return module.default ?? module;
  } catch (error) {
    throw new ConfigError(`cannot load ${filepath}: the 'typescript' package is needed for .ts config files`, {
      cause: error,
    });
  }
}

async function transpile(filepath: string, source: string): Promise<string> {
  const ts = await loadCompiler(filepath);
  const { outputText, diagnostics } = ts.transpileModule(source, {
    fileName: filepath,
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      sourceMap: false,
    },
  });
  const problem = diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (problem) {
    const text = ts.flattenDiagnosticMessageText(problem.messageText, ' ');
    throw new ConfigError(`cannot load ${filepath}: ${text}`);
  }
  return outputText;
}

/** Loads a `.ts` / `.mts` module (a config file, a warmup strategy) through the transpile cache. */
export async function loadTypeScriptModule(filepath: string): Promise<unknown> {
  const source = await readFile(filepath, 'utf8');
  const hash = md5Hex(source);
  const target = compiledPath(filepath);
  const header = `${HEADER}${basename(filepath)} ${hash}\n`;
  let code = await readFile(target, 'utf8').catch(() => '');
  if (!code.startsWith(header)) {
    code = header + (await transpile(filepath, source));
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, code, { mode: 0o600 });
    await rename(tmp, target);
  }
  const module = requireCompiled(filepath, target, code) as { default?: unknown };
  return module.default ?? module;
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
  module.require = ((id: string) => (id === PACKAGE && own ? load(own) : load(id))) as NodeJS.Require;
  try {
    module._compile(code, target);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError(`cannot load ${filepath}: ${reason}`, { cause: error });
  }
  return module.exports;
}
