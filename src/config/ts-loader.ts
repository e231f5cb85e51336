/**
 * Loads a TypeScript config file on Node 20, which cannot run TypeScript.
 * The TypeScript compiler costs ~0.5 s to load, and cron and CI scripts call
 * the CLI thousands of times, so the transpiled module is kept beside the
 * config (`.<name>.glueful.cjs`, so its imports resolve as the original's)
 * and reused while the source's hash is unchanged. It is CommonJS because
 * require() starts faster than the ES module loader on Node 20.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
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
  const cached = await readFile(target, 'utf8').catch(() => '');
  if (!cached.startsWith(header)) {
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, header + (await transpile(filepath, source)), { mode: 0o600 });
    await rename(tmp, target);
  }
  const load = createRequire(target);
  delete load.cache[target]; // the same process may load an edited config again
  const module = load(target) as { default?: unknown };
  return module.default ?? module;
}
