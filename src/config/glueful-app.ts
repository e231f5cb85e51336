/**
 * A Glueful application around the working directory, and what its own
 * configuration means for this tool. Facts from glueful/framework v1.76
 * (`config/cache.php`, `src/helpers.php`, `src/Cache/CacheFactory.php`):
 *
 * - an app is a directory whose composer.json requires `glueful/framework`
 *   (or that has `config/cache.php`), with its settings in `.env`;
 * - its `php glueful cache:*` use the store CACHE_DRIVER names (redis when
 *   unset) and, for files, the framework package's own `storage/cache/`,
 *   flat (see glueful-runtime.ts); an unreachable server is an error there,
 *   never a fallback to files;
 * - its drivers store keys exactly as given: `CACHE_PREFIX` (default
 *   `glueful:`) is only used by its CacheHelper::key(), never by the stores,
 *   so it is not this tool's key prefix either;
 * - its env() turns `true`/`(true)` into true, `false`/`(false)` into false,
 *   `null`/`(null)` into null and `empty`/`(empty)` into '' (any case), so
 *   `REDIS_PASSWORD=null` means no password.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { AppRuntime } from './glueful-runtime.js';

/** A Glueful application found from the working directory up. */
export interface GluefulApp {
  root: string;
  /** The composer package name, when composer.json has one. */
  name: string | null;
  /** The app's .env, when it has one. */
  envFile: string | null;
}

function composerOf(dir: string): { name?: string; require?: object; 'require-dev'?: object } | null {
  const path = join(dir, 'composer.json');
  // Looked for in every folder up to /: asked first, as a failed read costs an exception each (start-up time).
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { name?: string };
  } catch {
    return null;
  }
}

/** The nearest directory at or above `cwd` that is a Glueful application, or null. */
export function findGluefulApp(cwd: string): GluefulApp | null {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const composer = composerOf(dir);
    const requires = { ...composer?.require, ...composer?.['require-dev'] };
    if ('glueful/framework' in requires || existsSync(join(dir, 'config', 'cache.php'))) {
      const envFile = join(dir, '.env');
      return { root: dir, name: composer?.name ?? null, envFile: existsSync(envFile) ? envFile : null };
    }
    if (dirname(dir) === dir) return null;
  }
}

/**
 * What the app's own `php glueful cache:*` use where nothing else is set, in
 * this tool's config shape: redis (CacheFactory's default driver), the
 * framework package's file directory, no prefix, no fallback, and the Redis
 * connect timeout min(2.5, 1) s.
 */
export function gluefulDefaults(runtime: Pick<AppRuntime, 'cacheDir'>): Record<string, unknown> {
  return {
    default: 'redis',
    prefix: '',
    fallback_to_file: false,
    // config/cache.php: env('CACHE_STAMPEDE_PROTECTION', false).
    stampede_protection: { enabled: false },
    stores: { file: { path: runtime.cacheDir, hash_levels: 0 }, redis: { connect_timeout: 1 } },
  };
}

const SPECIAL: Record<string, string | undefined> = { true: 'true', false: 'false', null: undefined, empty: '' };

/** A variable's value as Glueful's env() reads it (undefined for `null`). */
export function gluefulEnvValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const word = value.trim().toLowerCase().replace(/^\((true|false|null|empty)\)$/, '$1');
  return word in SPECIAL ? SPECIAL[word] : value;
}

/** The app's CacheHelper prefix (its stampede locks' names start with it): CACHE_PREFIX as env() reads it, `glueful:` when unset. */
export function gluefulHelperPrefix(value: string | undefined): string {
  return value === undefined ? 'glueful:' : (gluefulEnvValue(value) ?? '');
}
