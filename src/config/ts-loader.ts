/**
 * Loads a TypeScript config file on Node 20, which cannot run TypeScript.
 * The TypeScript compiler costs ~0.5 s to load, and cron and CI scripts call
 * the CLI thousands of times, so the transpiled module is kept beside the
 * config (`.<name>.glueful.mjs`, so its imports resolve as the original's)
 * and reused while the source's hash is unchanged.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as TypeScript from 'typescript';
import { ConfigError } from '../core/errors.js';

const HEADER = '// glueful-cache: transpiled from ';

/** The cached module's path for a config file. */
export function compiledPath(filepath: string): string {
  return join(dirname(filepath), `.${basename(filepath)}.glueful.mjs`);
}

async function transpile(filepath: string, source: string): Promise<string> {
  let ts: typeof TypeScript;
  try {
    const module = (await import('typescript')) as { default?: typeof TypeScript } & typeof TypeScript;
    ts = module.default ?? module;
  } catch (error) {
    throw new ConfigError(`cannot load ${filepath}: the 'typescript' package is needed for .ts config files`, {
      cause: error,
    });
  }
  const { outputText, diagnostics } = ts.transpileModule(source, {
    fileName: filepath,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, sourceMap: false },
  });
  const problem = diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (problem) {
    const text = ts.flattenDiagnosticMessageText(problem.messageText, ' ');
    throw new ConfigError(`cannot load ${filepath}: ${text}`);
  }
  return outputText;
}

/** A cosmiconfig loader for `.ts` / `.mts` files, with the transpile cache. */
export async function loadTypeScriptConfig(filepath: string, content?: string): Promise<unknown> {
  const source = content ?? (await readFile(filepath, 'utf8'));
  const hash = createHash('sha256').update(source).digest('hex');
  const target = compiledPath(filepath);
  const header = `${HEADER}${basename(filepath)} ${hash}\n`;
  const cached = await readFile(target, 'utf8').catch(() => '');
  if (!cached.startsWith(header)) {
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, header + (await transpile(filepath, source)), { mode: 0o600 });
    await rename(tmp, target);
  }
  const module = (await import(`${pathToFileURL(target).href}?${hash.slice(0, 16)}`)) as { default?: unknown };
  return module.default;
}
