/**
 * Environment variables as settings, with the names Glueful's PHP config
 * reads (the framework's own where they differ from the seed's). Values are
 * read as Glueful's env() reads them (`null` is unset, `empty` is ''). A bad
 * value is a ConfigError naming the variable.
 */
import { gluefulEnvValue } from './glueful-app.js';
import { optionalBool, optionalInt, optionalNumber } from './validate.js';

type Lookup = (name: string) => string | undefined;
type Raw = Record<string, unknown>;

/**
 * The section `key` of `target`, copied into it to be filled. A section of
 * another type (`distributed: true`) is left as it is for the validation to
 * name; what the variables would put there goes to a detached object.
 */
function section(target: Raw, key: string): Raw {
  const value = target[key];
  if (value !== undefined && value !== null && (typeof value !== 'object' || Array.isArray(value))) return {};
  const copy = { ...((value as Raw | null | undefined) ?? {}) };
  target[key] = copy;
  return copy;
}

function store(config: Raw, name: string): Raw {
  return section(section(config, 'stores'), name);
}

/** Called for each setting a variable set: its path (`stores.redis.host`) and the variable (cache:config shows them). */
export type OnSetting = (path: string, variable: string) => void;

/** Sets the setting at `path` (its last part is the key in `target`) when the variable gave a value. */
type Put = (target: Raw, path: string, variable: string, value: unknown) => void;

function putter(onSetting: OnSetting | undefined): Put {
  return (target, path, variable, value) => {
    if (value === undefined) return;
    target[path.slice(path.lastIndexOf('.') + 1)] = value;
    onSetting?.(path, variable);
  };
}

/**
 * The environment variables of the built-in edge providers' settings, after
 * each provider's own tools (Cloudflare's, Fastly's CLI, Akamai's .edgerc
 * variables). They fill a provider of that type wherever it is declared.
 */
export const EDGE_PROVIDER_ENV: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  varnish: { servers: 'VARNISH_SERVERS' },
  cloudflare: { zone_id: 'CLOUDFLARE_ZONE_ID', api_token: 'CLOUDFLARE_API_TOKEN' },
  fastly: { service_id: 'FASTLY_SERVICE_ID', api_token: 'FASTLY_API_TOKEN' },
  bunny: { api_key: 'BUNNY_API_KEY', pull_zone_id: 'BUNNY_PULL_ZONE_ID' },
  akamai: { host: 'AKAMAI_HOST', client_token: 'AKAMAI_CLIENT_TOKEN', client_secret: 'AKAMAI_CLIENT_SECRET', access_token: 'AKAMAI_ACCESS_TOKEN' },
};

/** Glueful's EDGE_CACHE_* variables and the providers' credentials, over `edge`. */
function applyEdge(config: Raw, env: Lookup, put: Put): void {
  if (config.edge !== undefined && config.edge !== null && (typeof config.edge !== 'object' || Array.isArray(config.edge))) return;
  const edge: Raw = { ...((config.edge as Raw | undefined) ?? {}) };
  put(edge, 'edge.provider', 'EDGE_CACHE_PROVIDER', env('EDGE_CACHE_PROVIDER') || undefined);
  put(edge, 'edge.default_ttl', 'EDGE_CACHE_TTL', optionalInt('EDGE_CACHE_TTL', env('EDGE_CACHE_TTL') || undefined, 0, 31_536_000));
  put(edge, 'edge.enabled', 'EDGE_CACHE_ENABLED', optionalBool('EDGE_CACHE_ENABLED', env('EDGE_CACHE_ENABLED')));
  if (edge.providers !== undefined && edge.providers !== null && (typeof edge.providers !== 'object' || Array.isArray(edge.providers))) return;
  const providers: Raw = { ...((edge.providers as Raw | undefined) ?? {}) };
  // A built-in whose variables are set exists even when the config does not name it.
  for (const [type, variables] of Object.entries(EDGE_PROVIDER_ENV)) {
    if (!(type in providers) && Object.values(variables).some((v) => env(v))) providers[type] = {};
  }
  for (const [name, declared] of Object.entries(providers)) {
    if (declared === null || typeof declared !== 'object' || Array.isArray(declared)) continue;
    const entry = declared as Raw;
    const type = typeof entry.type === 'string' ? entry.type : entry.module === undefined && entry.provider === undefined ? name : undefined;
    const variables = type === undefined ? undefined : EDGE_PROVIDER_ENV[type];
    if (!variables) continue;
    const filled: Raw = { ...entry };
    for (const [key, variable] of Object.entries(variables)) {
      const value = env(variable) || undefined;
      put(filled, `edge.providers.${name}.${key}`, variable, key === 'servers' ? value?.split(',').map((s) => s.trim()).filter(Boolean) : value);
    }
    providers[name] = filled;
  }
  if (Object.keys(providers).length) edge.providers = providers;
  if (Object.keys(edge).length) config.edge = edge;
}

/** How the variables apply. */
export interface EnvironmentOptions {
  /**
   * Inside a Glueful application the variables mean what the app's own
   * `php glueful cache:*` make of them (CacheFactory without the app's
   * context, glueful/framework v1.76): CACHE_PREFIX is only its
   * CacheHelper's prefix, never a store's; CACHE_FALLBACK and CACHE_FILE_PATH
   * are never read; REDIS_DB and REDIS_TIMEOUT are cast as PHP casts them.
   */
  gluefulApp?: boolean;
  /** Where a variable that does not apply is explained (cache:status shows them). */
  notices?: string[];
  /** Told of every setting a variable set. */
  onSetting?: OnSetting;
}

/** PHP's `(float)` of a string: its leading number, else 0 ("2.5s" is 2.5, "abc" is 0). */
export function phpFloat(text: string): number {
  const match = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(text);
  return match ? Number(match[0]) : 0;
}

/**
 * REDIS_DB and REDIS_TIMEOUT as CacheFactory reads them (CacheFactory.php
 * lines 50-57, 77-82): `(int) REDIS_DB` is selected only when > 0 (any other
 * text is database 0, with no SELECT); the connect timeout is
 * `min((float) REDIS_TIMEOUT, 1.0)`, and phpredis waits
 * default_socket_timeout (60 s) when that is 0.
 */
function applyAppRedis(redis: Raw, env: Lookup, notices: string[], put: Put): void {
  const db = env('REDIS_DB');
  if (db !== undefined && db !== '') {
    const database = Math.max(0, Math.trunc(phpFloat(db)));
    if (!/^\s*\d+\s*$/.test(db)) notices.push(`REDIS_DB=${db} is database ${database} for the app ((int) cast; it selects a database only when > 0)`);
    put(redis, 'stores.redis.database', 'REDIS_DB', database);
  }
  // Unset, it is 2.5: the connect timeout is then 1 s (the app's defaults say so).
  const text = env('REDIS_TIMEOUT');
  if (text === undefined || text === '') return;
  const timeout = phpFloat(text);
  if (timeout >= 0.001 && timeout <= 3600) put(redis, 'stores.redis.timeout', 'REDIS_TIMEOUT', timeout);
  put(redis, 'stores.redis.connect_timeout', 'REDIS_TIMEOUT', timeout > 0 ? Math.min(timeout, 1) : 60);
}

const APP_IGNORED: Readonly<Record<string, string>> = {
  CACHE_FALLBACK: "the app's cache:* commands never fall back to files for an unreachable server (config/cache.php's fallback_to_file is read only with the app's context, and only for an unknown driver); set fallback_to_file in our config file to fall back anyway",
  CACHE_FALLBACK_FILE: "the framework does not read it, and its cache:* commands never fall back to files; set fallback_to_file in our config file to fall back anyway",
  CACHE_FILE_PATH: "the framework never reads it: its file store is the framework package's storage/cache/; set stores.file.path in our config file to use another directory",
};

/** Returns a copy of the raw config with the environment's settings applied over it. */
export function applyEnvironment(raw: Raw, lookup: Lookup, options: EnvironmentOptions = {}): Raw {
  const env: Lookup = (name) => gluefulEnvValue(lookup(name));
  const put = putter(options.onSetting);
  const config: Raw = { ...raw };
  put(config, 'default', 'CACHE_DRIVER', env('CACHE_DRIVER') || undefined);
  if (options.gluefulApp) {
    for (const [name, why] of Object.entries(APP_IGNORED)) {
      if (env(name) !== undefined) options.notices?.push(`${name} does not apply here: ${why}`);
    }
  } else {
    put(config, 'prefix', 'CACHE_PREFIX', env('CACHE_PREFIX'));
    // The framework reads CACHE_FALLBACK; the seed names it CACHE_FALLBACK_FILE.
    put(config, 'fallback_to_file', 'CACHE_FALLBACK', optionalBool('CACHE_FALLBACK', env('CACHE_FALLBACK')));
    put(config, 'fallback_to_file', 'CACHE_FALLBACK_FILE', optionalBool('CACHE_FALLBACK_FILE', env('CACHE_FALLBACK_FILE')));
    if (env('CACHE_FILE_PATH')) put(store(config, 'file'), 'stores.file.path', 'CACHE_FILE_PATH', env('CACHE_FILE_PATH'));
  }

  const redisVars = ['REDIS_HOST', 'REDIS_PORT', 'REDIS_PASSWORD', 'REDIS_DB', 'REDIS_TIMEOUT'];
  if (redisVars.some((v) => env(v) !== undefined) || config.default === 'redis') {
    const redis = store(config, 'redis');
    put(redis, 'stores.redis.host', 'REDIS_HOST', env('REDIS_HOST') || undefined);
    put(redis, 'stores.redis.port', 'REDIS_PORT', optionalInt('REDIS_PORT', env('REDIS_PORT') || undefined, 1, 65535));
    put(redis, 'stores.redis.password', 'REDIS_PASSWORD', env('REDIS_PASSWORD') || undefined);
    if (options.gluefulApp) {
      applyAppRedis(redis, env, options.notices ?? [], put);
    } else {
      put(redis, 'stores.redis.database', 'REDIS_DB', optionalInt('REDIS_DB', env('REDIS_DB') || undefined, 0, 1_000_000));
      put(redis, 'stores.redis.timeout', 'REDIS_TIMEOUT', optionalNumber('REDIS_TIMEOUT', env('REDIS_TIMEOUT') || undefined, 0.001, 3600));
    }
  }
  const memcachedVars = ['MEMCACHED_HOST', 'MEMCACHED_PORT', 'MEMCACHED_USERNAME', 'MEMCACHED_PASSWORD'];
  if (memcachedVars.some((v) => env(v) !== undefined) || config.default === 'memcached') {
    const memcached = store(config, 'memcached');
    put(memcached, 'stores.memcached.host', 'MEMCACHED_HOST', env('MEMCACHED_HOST') || undefined);
    put(memcached, 'stores.memcached.port', 'MEMCACHED_PORT', optionalInt('MEMCACHED_PORT', env('MEMCACHED_PORT') || undefined, 1, 65535));
    put(memcached, 'stores.memcached.username', 'MEMCACHED_USERNAME', env('MEMCACHED_USERNAME') || undefined);
    put(memcached, 'stores.memcached.password', 'MEMCACHED_PASSWORD', env('MEMCACHED_PASSWORD') || undefined);
  }

  // Glueful's `array` store (in-process, for tests) needs no settings.
  if (config.default === 'array') store(config, 'array');

  const flag = (name: string, variable: string): void => {
    const value = optionalBool(variable, env(variable));
    if (value !== undefined) put(section(config, name), `${name}.enabled`, variable, value);
  };
  flag('stampede_protection', 'CACHE_STAMPEDE_PROTECTION');
  flag('tagging', 'CACHE_TAGS'); // Glueful's name for enable_tags
  flag('tagging', 'CACHE_TAGGING_ENABLED');
  flag('distributed', 'DISTRIBUTED_CACHE_ENABLED');
  const stampede = (key: string, variable: string, value: unknown): void => {
    if (value !== undefined) put(section(config, 'stampede_protection'), `stampede_protection.${key}`, variable, value);
  };
  stampede('lock_ttl', 'CACHE_STAMPEDE_LOCK_TTL', optionalNumber('CACHE_STAMPEDE_LOCK_TTL', env('CACHE_STAMPEDE_LOCK_TTL') || undefined, 1, 86400));
  stampede('max_wait_time', 'CACHE_STAMPEDE_MAX_WAIT', optionalNumber('CACHE_STAMPEDE_MAX_WAIT', env('CACHE_STAMPEDE_MAX_WAIT') || undefined, 0, 3600));
  const early = optionalBool('CACHE_EARLY_EXPIRATION', env('CACHE_EARLY_EXPIRATION'));
  const threshold = optionalNumber('CACHE_EARLY_EXPIRATION_THRESHOLD', env('CACHE_EARLY_EXPIRATION_THRESHOLD') || undefined, 0, 1);
  if (early !== undefined || threshold !== undefined) {
    const expiration = section(section(config, 'stampede_protection'), 'early_expiration');
    put(expiration, 'stampede_protection.early_expiration.enabled', 'CACHE_EARLY_EXPIRATION', early);
    put(expiration, 'stampede_protection.early_expiration.threshold', 'CACHE_EARLY_EXPIRATION_THRESHOLD', threshold);
  }
  applyEdge(config, env, put);
  const replicas = optionalInt('CACHE_REPLICAS', env('CACHE_REPLICAS') || undefined, 0, 16);
  if (replicas !== undefined) put(section(config, 'distributed'), 'distributed.replicas', 'CACHE_REPLICAS', replicas);
  return config;
}
