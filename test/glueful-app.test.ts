/**
 * Dropped into a real Glueful application layout (composer.json requiring
 * glueful/framework, the framework's stock .env), the tool sees the app's
 * cache with no configuration of its own: storage/cache/ flat, keys as the
 * app's drivers store them (CACHE_PREFIX is not a store prefix), .env read
 * as Glueful's env() reads it, against the file store, real Redis and real
 * memcached. PHP reads what the CLI wrote, with real `php`.
 *
 * The framework itself cannot be installed here (Packagist is out of reach):
 * the PHP side below follows its FileCacheDriver format as documented in
 * shared/reference (md5 file names, `json:` values and meta).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gluefulEnvValue } from '../src/config/glueful-app.js';
import { md5Hex } from '../src/core/md5.js';
import { glueful } from './helpers/cli.js';
import { HOST, redisCli, startMemcachedSasl, startRedis, type ServerHandle } from './helpers/servers.js';

/** The cache lines of glueful/framework v1.76's .env.example, as an app copies them to .env. */
const STOCK_ENV = `APP_NAME=Glueful
REDIS_HOST=127.0.0.1
REDIS_PASSWORD=null
REDIS_PORT=6379
REDIS_DB=1
CACHE_DRIVER=file    # file, redis, memcached, array
CACHE_PREFIX=glueful:
CACHE_TTL=3600
`;

function makeApp(env = STOCK_ENV): { root: string; cwd: string; cache: string } {
  const root = mkdtempSync(join(tmpdir(), 'glueful-app-'));
  writeFileSync(join(root, 'composer.json'), JSON.stringify({ name: 'acme/shop', require: { php: '^8.2', 'glueful/framework': '^1.76' } }));
  writeFileSync(join(root, '.env'), env);
  mkdirSync(join(root, 'storage', 'cache'), { recursive: true });
  mkdirSync(join(root, 'public'));
  return { root, cwd: join(root, 'public'), cache: join(root, 'storage', 'cache') };
}

function php(code: string): string {
  try {
    return execFileSync('php', ['-r', code], { encoding: 'utf8' });
  } catch (error) {
    throw new Error(`php is needed for these tests (apt-get install php-cli): ${(error as Error).message}`);
  }
}

const apps: string[] = [];
afterAll(() => apps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('a Glueful application on the file store', () => {
  let app: ReturnType<typeof makeApp>;
  beforeAll(() => {
    app = makeApp();
    apps.push(app.root);
  });
  const cli = (args: string[], env: Record<string, string> = {}) => glueful(args, { cwd: app.cwd, env });

  it('finds the app from a subdirectory and says so in status', async () => {
    const status = JSON.parse((await cli(['cache:status', '--json'])).stdout);
    expect(status).toMatchObject({ store: 'file', location: app.cache, prefix: '', app: { root: app.root, name: 'acme/shop', envFile: join(app.root, '.env') } });
    expect((await cli(['cache:status'])).stdout).toMatch(new RegExp(`App +Glueful app acme/shop at ${app.root} \\(settings from ${app.root}/\\.env\\)`));
  });

  it('reads entries the app wrote, by the keys the app uses (CACHE_PREFIX is not a store prefix)', async () => {
    php(`$dir = ${JSON.stringify(app.cache + '/')}; $key = 'session:abc'; $h = md5($key);
      file_put_contents($dir . $h . '.cache', 'json:' . json_encode(['user' => 7]));
      file_put_contents($dir . $h . '.meta', 'json:' . json_encode(['key' => $key, 'created' => time(), 'expires' => time() + 600, 'ttl' => 600]));`);
    const got = JSON.parse((await cli(['cache:get', 'session:abc', '--json'])).stdout);
    expect(got).toMatchObject({ key: 'session:abc', value: { user: 7 }, format: 'json' });
    expect(got.ttl).toBeGreaterThan(590);
  });

  it('writes entries the app reads: flat storage/cache/{md5}.cache and .meta', async () => {
    expect((await cli(['cache:set', 'config:app', '{"name":"shop"}', '--json-value', '--ttl', '1h'])).code).toBe(0);
    expect(existsSync(join(app.cache, `${md5Hex('config:app')}.cache`))).toBe(true);
    const read = php(`$dir = ${JSON.stringify(app.cache + '/')}; $h = md5('config:app');
      $meta = json_decode(substr(file_get_contents($dir . $h . '.meta'), 5), true);
      $value = json_decode(substr(file_get_contents($dir . $h . '.cache'), 5), true);
      echo json_encode(['key' => $meta['key'], 'ttl' => $meta['ttl'], 'live' => $meta['expires'] > time(), 'value' => $value]);`);
    expect(JSON.parse(read)).toEqual({ key: 'config:app', ttl: 3600, live: true, value: { name: 'shop' } });
  });

  it('cache:clear clears the app\'s entries', async () => {
    const cleared = JSON.parse((await cli(['cache:clear', '--force', '--json'])).stdout);
    expect(cleared).toMatchObject({ prefix: '', deleted: 2 });
    expect((await cli(['cache:get', 'session:abc'])).code).toBe(4);
  });

  it('our config file, the real environment and --prefix still win, in that order', async () => {
    writeFileSync(join(app.root, 'cache.config.json'), JSON.stringify({ prefix: 'tool_', stores: { file: { hash_levels: 1 } } }));
    try {
      const own = JSON.parse((await cli(['cache:status', '--json'])).stdout);
      expect(own).toMatchObject({ prefix: 'tool_', config: join(app.root, 'cache.config.json'), location: app.cache });
      const flagged = JSON.parse((await cli(['cache:status', '--json', '--prefix', 'flag_'])).stdout);
      expect(flagged.prefix).toBe('flag_');
      const env = JSON.parse((await cli(['cache:status', '--json'], { CACHE_DRIVER: 'array' })).stdout);
      expect(env.store).toBe('array');
    } finally {
      rmSync(join(app.root, 'cache.config.json'));
    }
  });
});

describe('a Glueful application on Redis and Memcached', () => {
  let redis: ServerHandle;
  let memcached: ServerHandle;
  beforeAll(async () => {
    [redis, memcached] = await Promise.all([startRedis(), startMemcachedSasl('app', 'mc-secret')]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), memcached?.stop()]);
  });

  it('REDIS_PASSWORD=null is no password; REDIS_DB and the inline comment are read; keys are unprefixed', async () => {
    const app = makeApp(STOCK_ENV.replace('REDIS_PORT=6379', `REDIS_PORT=${redis.port}`).replace('CACHE_DRIVER=file ', 'CACHE_DRIVER=redis'));
    apps.push(app.root);
    const set = await glueful(['cache:set', 'user:uuid:42', 'ada', '--ttl', '60'], { cwd: app.cwd });
    expect(set.stderr).not.toMatch(/error/);
    expect(set.code).toBe(0);
    expect(redisCli(redis.port, ['-n', '1', 'get', 'user:uuid:42'])).toBe('json:"ada"');
    const status = JSON.parse((await glueful(['cache:status', '--json'], { cwd: app.cwd })).stdout);
    expect(status).toMatchObject({ store: 'redis', location: `redis://${HOST}:${redis.port}/1`, prefix: '' });
  });

  it('MEMCACHED_USERNAME / MEMCACHED_PASSWORD (the framework\'s names) reach a SASL memcached', async () => {
    const env = `CACHE_DRIVER=memcached\nMEMCACHED_HOST=${HOST}\nMEMCACHED_PORT=${memcached.port}\nMEMCACHED_USERNAME=app\nMEMCACHED_PASSWORD="mc-secret"\n`;
    const app = makeApp(env);
    apps.push(app.root);
    expect((await glueful(['cache:set', 'k', 'v'], { cwd: app.cwd })).code).toBe(0);
    const got = await glueful(['cache:get', 'k'], { cwd: app.cwd });
    expect(got).toMatchObject({ code: 0, stdout: 'v\n' });
  });
});

describe("Glueful's env() values", () => {
  it('reads true/false/null/empty, with or without parentheses, any case', () => {
    expect(['true', '(true)', 'TRUE', 'false', '(False)', 'null', '(null)', 'NULL', 'empty', '(empty)', 'value', ''].map(gluefulEnvValue)).toEqual([
      'true', 'true', 'true', 'false', 'false', undefined, undefined, undefined, '', '', 'value', '',
    ]);
  });
});

describe('entries the app can still use (the PHP side runs as nobody)', () => {
  /** Runs php as nobody:nogroup, as PHP-FPM runs as its own user. */
  const phpAsApp = (code: string): string =>
    execFileSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'php', '-r', `set_error_handler(function ($n, $m) { fwrite(STDERR, $m); exit(1); }); ${code}`], { encoding: 'utf8' });
  /** The app's folders as a deploy leaves them: the tree readable, storage/ owned by the app's user. */
  const handToApp = (app: ReturnType<typeof makeApp>) => {
    execFileSync('chmod', ['0755', app.root]);
    execFileSync('chown', ['-R', 'nobody:nogroup', join(app.root, 'storage')]);
    execFileSync('chmod', ['0755', join(app.root, 'storage'), app.cache]);
  };
  const asRoot = process.getuid?.() === 0;

  it.runIf(asRoot || process.env.CI)('as root, new entries take the cache directory\'s owner and its entries\' mode', async () => {
    expect(asRoot).toBe(true); // CI runs as root; this test needs it to change owners
    const app = makeApp();
    apps.push(app.root);
    handToApp(app);
    // The app writes first, as it does: its entries are 0644 here.
    phpAsApp(`$d = ${JSON.stringify(app.cache + '/')}; $h = md5('config:a'); umask(022);
      file_put_contents($d.$h.'.cache', 'json:1'); file_put_contents($d.$h.'.meta', 'json:'.json_encode(['key'=>'config:a','created'=>time(),'expires'=>0,'ttl'=>0]));`);
    expect((await glueful(['cache:set', 'session:new', '{"v":2}', '--json-value'], { cwd: app.cwd })).code).toBe(0);
    const base = join(app.cache, md5Hex('session:new'));
    for (const file of [`${base}.cache`, `${base}.meta`]) {
      const info = statSync(file);
      expect({ uid: info.uid, gid: info.gid, mode: info.mode & 0o777 }).toEqual({ uid: 65534, gid: 65534, mode: 0o644 });
    }
    // The app reads it, and replaces it with its own set() (write + rename as nobody).
    const read = phpAsApp(`$d = ${JSON.stringify(app.cache + '/')}; $h = md5('session:new');
      echo file_get_contents($d.$h.'.cache'); $t = $d.$h.'.cache.tmp'; file_put_contents($t, 'json:3'); var_dump(rename($t, $d.$h.'.cache'));`);
    expect(read).toBe('json:{"v":2}bool(true)\n');
    const status = JSON.parse((await glueful(['cache:status', '--json'], { cwd: app.cwd })).stdout);
    expect(status.info.unreadableByApp).toBe(0);
    expect(status.alerts).toEqual([]);
  });

  it.runIf(asRoot || process.env.CI)('status warns about entries the app\'s user cannot read; permission sets the mode', async () => {
    expect(asRoot).toBe(true);
    const app = makeApp();
    apps.push(app.root);
    handToApp(app);
    // An entry left by an older CLI: root's own, 0600.
    const base = join(app.cache, md5Hex('old'));
    writeFileSync(`${base}.cache`, 'json:1', { mode: 0o600 });
    writeFileSync(`${base}.meta`, `json:${JSON.stringify({ key: 'old', created: 1, expires: 0, ttl: 0 })}`, { mode: 0o600 });
    const status = JSON.parse((await glueful(['cache:status', '--json'], { cwd: app.cwd })).stdout);
    expect(status.info.unreadableByApp).toBe(1);
    expect(status.alerts).toEqual([expect.stringMatching(/^1 entries cannot be read by the directory's owner \(uid 65534\), the app's user/)]);
    writeFileSync(join(app.root, 'cache.config.json'), JSON.stringify({ stores: { file: { permission: '0664' } } }));
    await glueful(['cache:set', 'shared', 'v'], { cwd: app.cwd });
    expect(statSync(join(app.cache, `${md5Hex('shared')}.cache`)).mode & 0o777).toBe(0o664);
  });

  it('a directory the tool creates itself stays private (0700, files 0600)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glueful-private-'));
    apps.push(dir);
    writeFileSync(join(dir, 'package.json'), '{}');
    await glueful(['cache:set', 'k', 'v'], { cwd: dir });
    const cache = join(dir, '.cache', 'glueful-cache');
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    const h = md5Hex('glueful_k');
    expect(statSync(join(cache, h.slice(0, 2), h.slice(2, 4), `${h.slice(4)}.cache`)).mode & 0o777).toBe(0o600);
  });
});
