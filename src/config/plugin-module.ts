/**
 * Loads a plugin a config declares by module: a local path (.js, .cjs,
 * .mjs, .ts, relative to the config file) or a package name. The module's
 * default export (or the module itself) is the plugin; `accepts` checks its
 * shape. Every failure is one ConfigError naming where it was declared.
 */
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { loadTypeScriptModule } from './ts-loader.js';

/**
 * Loads `specifier` from `baseDir`. `where` names the declaration in
 * messages; `expected` says what the default export should be.
 */
export async function loadPluginModule<T>(
  specifier: string,
  baseDir: string,
  where: string,
  accepts: (value: unknown) => value is T,
  expected: string,
): Promise<T> {
  const local = specifier.startsWith('.') || isAbsolute(specifier);
  const path = local ? resolve(baseDir, specifier) : specifier;
  let loaded: unknown;
  try {
    if (/\.m?ts$/.test(path)) loaded = await loadTypeScriptModule(path);
    else {
      const load = createRequire(join(baseDir, 'noop.js'));
      const module = load(path) as { default?: unknown };
      loaded = module.default ?? module;
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError(`${where}: cannot load module '${specifier}': ${reason}`, { cause: error });
  }
  if (!accepts(loaded)) throw new ConfigError(`${where}: module '${specifier}' does not export ${expected}`);
  return loaded;
}
