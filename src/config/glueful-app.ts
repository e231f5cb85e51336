/**
 * A Glueful application around the working directory, and what its own
 * configuration means for this tool. Facts from glueful/framework v1.76
 * (`config/cache.php`, `src/helpers.php`):
 *
 * - an app is a directory whose composer.json requires `glueful/framework`
 *   (or that has `config/cache.php`), with its settings in `.env`;
 * - its file store is `<app>/storage/cache/`, flat (no shard folders);
 * - its drivers store keys exactly as given: `CACHE_PREFIX` (default
 *   `glueful:`) is only used by its CacheHelper::key(), never by the stores,
 *   so it is not this tool's key prefix either;
 * - `fallback_to_file` defaults to true (`CACHE_FALLBACK`);
 * - its env() turns `true`/`(true)` into true, `false`/`(false)` into false,
 *   `null`/`(null)` into null and `empty`/`(empty)` into '' (any case), so
 *   `REDIS_PASSWORD=null` means no password.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** A Glueful application found from the working directory up. */
export interface GluefulApp {
  root: string;
  /** The composer package name, when composer.json has one. */
  name: string | null;
  /** The app's .env, when it has one. */
  envFile: string | null;
}

function composerOf(dir: string): { name?: string; require?: object; 'require-dev'?: object } | null {
  try {
    return JSON.parse(readFileSync(join(dir, 'composer.json'), 'utf8')) as { name?: string };
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

/** What an app's config/cache.php gives where nothing else is set, in this tool's config shape. */
export function gluefulDefaults(app: GluefulApp): Record<string, unknown> {
  return {
    prefix: '',
    fallback_to_file: true,
    // config/cache.php: env('CACHE_STAMPEDE_PROTECTION', false).
    stampede_protection: { enabled: false },
    stores: { file: { path: join(app.root, 'storage', 'cache'), hash_levels: 0 } },
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
