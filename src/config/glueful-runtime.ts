/**
 * Where a Glueful application really keeps its cache. Read from
 * glueful/framework v1.76.0: `php glueful cache:*` and the `cache.store`
 * service call `CacheFactory::create()` without the application context
 * (src/Container/Providers/CoreProvider.php:189-193), and without a context
 * every config lookup is its default (CacheFactory.php:196-203):
 *
 * - the driver is `env('CACHE_DRIVER', 'redis')` (line 44): redis when the
 *   variable is unset, whatever config/cache.php says;
 * - the file directory is `app.paths.storage_path` — never read without a
 *   context — else `__DIR__ . '/../../storage'`, plus `/cache/` (line 170):
 *   the framework package's own `storage/cache/`, wherever composer put it;
 * - an unreachable Redis or Memcached throws: no file fallback (the fallback
 *   is reached only for an unknown driver name, and reads false anyway).
 *
 * The app's CacheHelper (tags, stampede locks) calls it with the context
 * (src/Helpers/CacheHelper.php:35): its driver is config/cache.php's
 * `default` (`CACHE_DRIVER`, default `file`) and its file directory
 * `app.paths.storage_path` when the app defines it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

const PACKAGE = 'glueful/framework';

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The app's vendor directory: composer.json's `config.vendor-dir`, else `vendor`. */
export function vendorDirOf(root: string): string {
  const composer = readJson(join(root, 'composer.json'));
  const configured = isObject(composer) && isObject(composer.config) ? composer.config['vendor-dir'] : undefined;
  return typeof configured === 'string' && configured !== '' ? resolve(root, configured) : join(root, 'vendor');
}

/** Where the framework package is, and how that was found. */
export interface FrameworkLocation {
  dir: string;
  /** `vendor/composer/installed.json`, `vendor/glueful/framework`, or `the app itself` (the framework's own checkout). */
  from: string;
  /** False when nothing is there: composer install has not run (the directory is where it would be). */
  installed: boolean;
}

/**
 * The framework package of the app at `root`: where installed.json says it
 * was installed (install-path is relative to vendor/composer/; composer 1
 * lists no path, the package is then vendor/<name>), else
 * vendor/glueful/framework.
 */
export function findFramework(root: string): FrameworkLocation {
  const composer = readJson(join(root, 'composer.json'));
  if (isObject(composer) && composer.name === PACKAGE) return { dir: root, from: 'the app itself', installed: true };
  const vendor = vendorDirOf(root);
  const installed = readJson(join(vendor, 'composer', 'installed.json'));
  const packages = Array.isArray(installed) ? installed : isObject(installed) && Array.isArray(installed.packages) ? installed.packages : [];
  const entry = (packages as unknown[]).find((p): p is Record<string, unknown> => isObject(p) && p.name === PACKAGE);
  if (entry) {
    const path = typeof entry['install-path'] === 'string' ? resolve(vendor, 'composer', entry['install-path']) : join(vendor, PACKAGE);
    if (existsSync(path)) return { dir: path, from: `${join(vendor, 'composer', 'installed.json')}`, installed: true };
  }
  const dir = join(vendor, PACKAGE);
  return { dir, from: dir, installed: existsSync(dir) };
}

/** The framework's file cache directory: `<package>/src/Cache/../../storage/cache/`. */
export function frameworkCacheDir(framework: FrameworkLocation): string {
  return join(framework.dir, 'storage', 'cache');
}

/** config/cache.php's `default`, as the skeleton writes it: `env('CACHE_DRIVER', 'file')` or a literal. */
export function configuredDefault(root: string, env: (name: string) => string | undefined): string {
  let text = '';
  try {
    text = readFileSync(join(root, 'config', 'cache.php'), 'utf8');
  } catch {
    return env('CACHE_DRIVER') || 'file';
  }
  const viaEnv = /['"]default['"]\s*=>\s*env\(\s*['"]CACHE_DRIVER['"]\s*,\s*['"]([\w-]+)['"]\s*\)/.exec(text);
  if (viaEnv) return env('CACHE_DRIVER') || viaEnv[1]!;
  const literal = /['"]default['"]\s*=>\s*['"]([\w-]+)['"]/.exec(text);
  return literal ? literal[1]! : env('CACHE_DRIVER') || 'file';
}

/**
 * `app.paths.storage_path` in the app's config/app.php, when it is defined:
 * its directory when the expression is a simple one (string literals,
 * `$basePath`, `__DIR__`, `dirname(__DIR__)`, `env('X', 'default')` joined
 * by `.`), else only the expression.
 */
export function storagePathOf(root: string, env: (name: string) => string | undefined): { expression: string; dir: string | null } | null {
  let text: string;
  try {
    text = readFileSync(join(root, 'config', 'app.php'), 'utf8');
  } catch {
    return null;
  }
  const match = /['"]storage_path['"]\s*=>\s*([^\n]+?)\s*,?\s*(?:\/\/[^\n]*)?$/m.exec(text);
  if (!match) return null;
  const expression = match[1]!;
  const configDir = join(root, 'config');
  const parts = expression.split(/\s*\.\s*(?=(?:[^'"]*['"][^'"]*['"])*[^'"]*$)/);
  let dir = '';
  for (const part of parts) {
    const literal = /^(['"])(.*)\1$/.exec(part);
    const fromEnv = /^env\(\s*['"](\w+)['"]\s*(?:,\s*(['"])(.*)\2\s*)?\)$/.exec(part);
    if (literal && !(literal[1] === '"' && literal[2]!.includes('$'))) dir += literal[2];
    else if (part === '$basePath' || part === 'dirname(__DIR__)' || part === "base_path($context)") dir += root;
    else if (part === '__DIR__') dir += configDir;
    else if (fromEnv && (env(fromEnv[1]!) ?? fromEnv[3]) !== undefined) dir += env(fromEnv[1]!) ?? fromEnv[3];
    else return { expression, dir: null };
  }
  return { expression, dir: dir && isAbsolute(dir) ? resolve(dir) : dir ? resolve(root, dir) : null };
}

/**
 * Counts the cache entries (`.meta` files) in a directory, flat or in up to
 * two levels of shard folders; stops at `limit`. 0 when it does not exist.
 */
export function countEntries(dir: string, limit = 100_000): number {
  let count = 0;
  const walk = (path: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (count >= limit) return;
      if (entry.isFile() && entry.name.endsWith('.meta')) count++;
      else if (entry.isDirectory() && depth < 2 && /^[0-9a-f]{2}$/.test(entry.name)) walk(join(path, entry.name), depth + 1);
    }
  };
  walk(dir, 0);
  return count;
}

/** What the app's own code does with its cache, for cache:status. */
export interface AppRuntime {
  /** The framework package. */
  framework: FrameworkLocation;
  /** The store php glueful cache:* use, and why. */
  driver: string;
  driverFrom: string;
  /** Their file directory. */
  cacheDir: string;
  /** The CacheHelper's store (tags, stampede locks): config/cache.php's default, and its directory. */
  helper: { driver: string; cacheDir: string };
  /** Other directories where cache entries of this app may lie, each with what it is. */
  candidates: Array<{ dir: string; what: string }>;
}

/** The app's runtime cache, from its files and its settings (`env`: the .env under the real environment). */
export function appRuntime(root: string, env: (name: string) => string | undefined): AppRuntime {
  const framework = findFramework(root);
  const cacheDir = frameworkCacheDir(framework);
  const cacheDriver = env('CACHE_DRIVER');
  const storagePath = storagePathOf(root, env);
  const helperDir = storagePath?.dir ? join(storagePath.dir, 'cache') : cacheDir;
  const candidates = [
    { dir: cacheDir, what: "php glueful cache:*'s directory (the framework package's storage/cache/)" },
    { dir: join(root, 'storage', 'cache'), what: "config/cache.php's file path, where earlier versions of glueful-cache wrote" },
    ...(env('CACHE_FILE_PATH') ? [{ dir: resolve(root, env('CACHE_FILE_PATH')!), what: 'CACHE_FILE_PATH (config/cache.php only: the framework never reads it)' }] : []),
    { dir: join(root, '.cache', 'glueful-cache'), what: "glueful-cache's own default directory outside an app" },
  ];
  const seen = new Set<string>();
  return {
    framework,
    driver: cacheDriver || 'redis',
    driverFrom: cacheDriver ? 'CACHE_DRIVER' : "CACHE_DRIVER is unset: CacheFactory's default",
    cacheDir,
    helper: { driver: configuredDefault(root, env), cacheDir: helperDir },
    candidates: candidates.filter((c) => !seen.has(resolve(c.dir)) && seen.add(resolve(c.dir))),
  };
}
