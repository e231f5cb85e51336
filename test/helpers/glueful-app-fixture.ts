/**
 * A Glueful application laid out as `composer create-project
 * glueful/api-skeleton` + `composer install` lay it out: the skeleton's
 * composer.json, `.env` copied from its `.env.example` (the cache lines),
 * its `config/cache.php` and `config/app.php` (the lines that matter here),
 * `storage/cache/.gitkeep`, `public/`, and the framework package under
 * `vendor/glueful/framework/` (its composer.json) listed in
 * `vendor/composer/installed.json` — or, for a path repository, somewhere
 * else that installed.json names.
 *
 * The framework's PHP code cannot be installed here (Packagist is out of
 * reach), so `php()` runs a small script placed at
 * `<framework>/src/Cache/`, doing what `php glueful cache:*` do there: the
 * driver is `CACHE_DRIVER` (default redis), Redis from `REDIS_*` with the
 * database selected only when `(int) REDIS_DB > 0`, and the file directory
 * `__DIR__ . '/../../storage' . '/cache/'` — the framework package's own —
 * with FileCacheDriver's flat `{md5}.cache` / `{md5}.meta` entries (`json:`
 * values). Settings come from the app's `.env` as Glueful's env() reads
 * them; the real environment wins, as Dotenv::createImmutable leaves it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/** The cache lines of the skeleton's (v1.49.1) .env.example, as create-project copies it to .env. */
export const SKELETON_ENV = `APP_NAME=Glueful
APP_ENV=development

# Redis Configuration
REDIS_HOST=127.0.0.1
REDIS_PASSWORD=null
REDIS_PORT=6379
REDIS_DB=1

# Cache Configuration
CACHE_DRIVER=file    # file, redis, memcached, array
CACHE_PREFIX=glueful:
CACHE_TTL=3600
`;

/** The skeleton's config/cache.php, its first lines (the rest is the stores, as in the framework). */
const SKELETON_CACHE_PHP = `<?php
return [
    // Default cache driver (file, redis, memcached)
    'default' => env('CACHE_DRIVER', 'file'),
    'prefix' => env('CACHE_PREFIX', 'glueful:'),
    'fallback_to_file' => env('CACHE_FALLBACK', true),
    'stores' => [
        'file' => [
            'driver' => 'file',
            'path' => env('CACHE_FILE_PATH', dirname(__DIR__) . '/storage/cache/'),
        ],
    ],
];
`;

function skeletonAppPhp(extraPaths: string): string {
  return `<?php
$basePath = dirname(__DIR__);

return [
    'env' => env('APP_ENV', 'development'),
    'paths' => [
        'base' => $basePath,
        'cache' => $basePath . '/storage/cache',
        'storage' => $basePath . '/storage',${extraPaths}
    ],
];
`;
}

/**
 * What php glueful cache:* do, for the tests: CacheFactory::create() without
 * the app's context, then the driver's get/set/delete. Usage:
 * php cache.php <app root> set <key> <json value> <ttl> | get <key> | delete <key> | dir
 *   | setmany <ndjson file> | getmany <file of keys, one a line>
 */
const RUNTIME_PHP = `<?php
[$_, $root, $op] = $argv;
// The app's .env as Glueful reads it (Dotenv immutable: the real environment wins).
foreach (@file($root . '/.env', FILE_IGNORE_NEW_LINES) ?: [] as $line) {
    if (!preg_match('/^\\s*(?:export\\s+)?([A-Za-z_][A-Za-z0-9_]*)\\s*=\\s*(.*)$/', $line, $m)) continue;
    $v = trim($m[2]);
    if ($v !== '' && ($v[0] === '"' || $v[0] === "'")) $v = substr($v, 1, strpos($v, $v[0], 1) - 1);
    else $v = trim(preg_replace('/\\s#.*$/', '', $v));
    if (getenv($m[1]) === false) $_ENV[$m[1]] = $v;
}
foreach (getenv() as $k => $v) $_ENV[$k] = $v;
function env($key, $default = null) {
    $value = $_ENV[$key] ?? false;
    if ($value === false) return $default;
    switch (strtolower($value)) {
        case 'true': case '(true)': return true;
        case 'false': case '(false)': return false;
        case 'null': case '(null)': return null;
        case 'empty': case '(empty)': return '';
    }
    return $value;
}
$driver = (string) env('CACHE_DRIVER', 'redis');
$dir = __DIR__ . '/../../storage' . '/cache/';
if ($op === 'dir') { echo realpath($dir) ?: $dir; exit; }
if ($driver === 'redis') {
    $redis = new Redis();
    if (!$redis->connect(env('REDIS_HOST', '127.0.0.1'), (int) env('REDIS_PORT', 6379), min((float) env('REDIS_TIMEOUT', 2.5), 1.0))) exit(5);
    $password = env('REDIS_PASSWORD');
    if (is_string($password) && $password !== '') $redis->auth($password);
    $database = (int) env('REDIS_DB', 0);
    if ($database > 0) $redis->select($database);
    $key = $argv[3];
    if ($op === 'set') { $ttl = (int) $argv[5]; $v = 'json:' . $argv[4]; $ttl > 0 ? $redis->setex($key, $ttl, $v) : $redis->set($key, $v); }
    if ($op === 'get') { $v = $redis->get($key); echo $v === false ? 'MISS' : json_encode(json_decode(substr($v, 5))); }
    if ($op === 'delete') $redis->del($key);
    exit;
}
if ($driver !== 'file') { fwrite(STDERR, "Unsupported cache type: $driver\\n"); exit(3); }
if (!is_dir($dir)) mkdir($dir, 0755, true);
// FileCacheDriver::set: the .meta first, then the .cache, each SecureSerializer's json: text.
function file_set($dir, $key, $json, $ttl) {
    $h = md5($key);
    $now = time();
    file_put_contents($dir . $h . '.meta', 'json:' . json_encode(['key' => $key, 'created' => $now, 'expires' => $ttl > 0 ? $now + $ttl : 0, 'ttl' => $ttl]));
    file_put_contents($dir . $h . '.cache', 'json:' . $json);
}
// FileCacheDriver::get: both files there, the meta not expired, then the value ([found, value]).
function file_get($dir, $key) {
    $h = md5($key);
    $meta = @file_get_contents($dir . $h . '.meta');
    $value = @file_get_contents($dir . $h . '.cache');
    $m = $meta === false ? null : json_decode(substr($meta, 5), true);
    $live = is_array($m) && ((int) ($m['expires'] ?? 0) === 0 || (int) $m['expires'] >= time());
    if ($value === false || !$live || substr($value, 0, 5) !== 'json:') return [false, null];
    return [true, json_decode(substr($value, 5), true)];
}
if ($op === 'set') file_set($dir, $argv[3], $argv[4], (int) $argv[5]);
if ($op === 'get') { [$found, $v] = file_get($dir, $argv[3]); echo $found ? json_encode($v) : 'MISS'; }
if ($op === 'delete') { $h = md5($argv[3]); @unlink($dir . $h . '.cache'); @unlink($dir . $h . '.meta'); }
// setMultiple from NDJSON lines {"key","value","ttl"}; getMultiple of a file of keys, one NDJSON line each.
if ($op === 'setmany') foreach (file($argv[3], FILE_IGNORE_NEW_LINES) as $line) { $e = json_decode($line, true); file_set($dir, $e['key'], json_encode($e['value']), (int) ($e['ttl'] ?? 0)); }
if ($op === 'getmany') foreach (file($argv[3], FILE_IGNORE_NEW_LINES) as $key) { [$found, $v] = file_get($dir, $key); echo json_encode($found ? ['key' => $key, 'value' => $v] : ['key' => $key, 'miss' => true]), "\n"; }
`;

/** How the fixture is built. */
export interface GluefulAppOptions {
  /** The .env text; default the skeleton's. */
  env?: string;
  /**
   * Where composer put the framework: `vendor` (vendor/glueful/framework, the
   * usual) or `path` (a path repository at packages/framework, as
   * installed.json's install-path says; nothing under vendor/glueful).
   */
  framework?: 'vendor' | 'path';
  /** Extra lines inside config/app.php's `paths` (e.g. a `storage_path`). */
  appPaths?: string;
}

/** A Glueful app on disk. */
export interface GluefulAppFixture {
  root: string;
  /** public/, to run commands from a subfolder. */
  public: string;
  /** The framework package's directory. */
  framework: string;
  /** The directory php glueful cache:* keep file entries in: the framework package's storage/cache/. */
  runtimeCache: string;
  /** <app>/storage/cache/ (config/cache.php's intention, where earlier versions of this tool wrote). */
  appCache: string;
  /** Runs the app-side script (see RUNTIME_PHP) with extra environment. */
  php(args: string[], env?: Record<string, string>): string;
  cleanup(): void;
}

/** Builds a Glueful app as composer lays it out. */
export function makeGluefulApp(options: GluefulAppOptions = {}): GluefulAppFixture {
  const root = mkdtempSync(join(tmpdir(), 'glueful-app-'));
  const skeleton = JSON.parse(`{
    "name": "glueful/api-skeleton", "type": "project",
    "require": { "php": "^8.3", "glueful/framework": "^1.76.0", "glueful/users": "^2.3.2" },
    "autoload": { "psr-4": { "App\\\\": "app/" } }, "bin": ["glueful"],
    "config": { "sort-packages": true, "optimize-autoloader": true }
  }`) as object;
  writeFileSync(join(root, 'composer.json'), JSON.stringify(skeleton, null, 4));
  writeFileSync(join(root, '.env'), options.env ?? SKELETON_ENV);
  mkdirSync(join(root, 'config'));
  writeFileSync(join(root, 'config', 'cache.php'), SKELETON_CACHE_PHP);
  writeFileSync(join(root, 'config', 'app.php'), skeletonAppPhp(options.appPaths ?? ''));
  for (const dir of ['public', 'storage/cache', 'storage/logs', 'vendor/composer']) mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, 'storage', 'cache', '.gitkeep'), '');
  writeFileSync(join(root, 'public', 'index.php'), "<?php\nrequire __DIR__ . '/../vendor/autoload.php';\n");

  const framework = options.framework === 'path' ? join(root, 'packages', 'framework') : join(root, 'vendor', 'glueful', 'framework');
  mkdirSync(join(framework, 'src', 'Cache'), { recursive: true });
  writeFileSync(join(framework, 'composer.json'), JSON.stringify({ name: 'glueful/framework', type: 'library', require: { php: '^8.3' } }, null, 4));
  writeFileSync(join(framework, 'src', 'Cache', 'fixture-runtime.php'), RUNTIME_PHP);
  const installPath = relative(join(root, 'vendor', 'composer'), framework);
  const installed = {
    packages: [
      { name: 'glueful/users', version: '2.3.2', type: 'glueful-extension', 'install-path': '../glueful/users' },
      { name: 'glueful/framework', version: '1.76.0', version_normalized: '1.76.0.0', type: 'library', 'install-path': installPath },
    ],
    dev: true,
    'dev-package-names': [],
  };
  writeFileSync(join(root, 'vendor', 'composer', 'installed.json'), JSON.stringify(installed, null, 4));

  const script = join(framework, 'src', 'Cache', 'fixture-runtime.php');
  return {
    root,
    public: join(root, 'public'),
    framework,
    runtimeCache: join(framework, 'storage', 'cache'),
    appCache: join(root, 'storage', 'cache'),
    php(args, env = {}) {
      try {
        return execFileSync('php', [script, root, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env }, maxBuffer: 64 * 1024 * 1024 });
      } catch (error) {
        throw new Error(`php is needed for these tests (apt-get install php-cli php-redis): ${(error as Error).message}`);
      }
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
