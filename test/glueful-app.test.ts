/**
 * Dropped into a Glueful application laid out as composer lays it out (the
 * skeleton's composer.json, .env from its .env.example, config/, the
 * framework under vendor/glueful/framework/ and in
 * vendor/composer/installed.json: test/helpers/glueful-app-fixture.ts), the
 * tool uses what the app's own `php glueful cache:*` use, with no
 * configuration of its own: the store CACHE_DRIVER names (redis when unset),
 * the framework package's storage/cache/ flat, Redis from REDIS_* with the
 * database selected only when > 0, no fallback for an unreachable server,
 * keys as the app's drivers store them (CACHE_PREFIX is not a store
 * prefix), .env read as Glueful's env() reads it — against the file store,
 * real Redis and real memcached. Real `php` plays the app (what CacheFactory
 * and FileCacheDriver do: see the fixture), from the app root and from
 * public/.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gluefulEnvValue } from '../src/config/glueful-app.js';
import { md5Hex } from '../src/core/md5.js';
import { glueful } from './helpers/cli.js';
import { makeGluefulApp, SKELETON_ENV, type GluefulAppFixture } from './helpers/glueful-app-fixture.js';
import { freePort, HOST, redisCli, startMemcachedSasl, startRedis, type ServerHandle } from './helpers/servers.js';

const apps: GluefulAppFixture[] = [];
afterAll(() => apps.forEach((app) => app.cleanup()));
function makeApp(options: Parameters<typeof makeGluefulApp>[0] = {}): GluefulAppFixture {
  const app = makeGluefulApp(options);
  apps.push(app);
  return app;
}
/** The skeleton's .env with some lines changed (`KEY=value`; `KEY=` with nothing after removes the line). */
function envWith(changes: Record<string, string | null>): string {
  let text = SKELETON_ENV;
  for (const [key, value] of Object.entries(changes)) {
    const line = new RegExp(`^${key}=.*$\\n?`, 'm');
    text = value === null ? text.replace(line, '') : line.test(text) ? text.replace(line, `${key}=${value}\n`) : `${text}${key}=${value}\n`;
  }
  return text;
}

describe('a Glueful application on the file store (the skeleton\'s CACHE_DRIVER=file)', () => {
  let app: GluefulAppFixture;
  beforeAll(() => {
    app = makeApp();
  });
  const cli = (args: string[], env: Record<string, string> = {}) => glueful(args, { cwd: app.public, env });

  it('finds the app from public/ and from its root; the location is the framework package\'s storage/cache/, as php glueful cache:* use', async () => {
    for (const cwd of [app.public, app.root]) {
      const status = JSON.parse((await glueful(['cache:status', '--json'], { cwd })).stdout);
      expect(status).toMatchObject({
        store: 'file',
        location: app.runtimeCache,
        prefix: '',
        app: { root: app.root, name: 'glueful/api-skeleton', envFile: join(app.root, '.env'), runtime: { driver: 'file', driverFrom: 'CACHE_DRIVER', cacheDir: app.runtimeCache } },
      });
    }
    const text = (await cli(['cache:status'])).stdout;
    expect(text).toMatch(new RegExp(`App +Glueful app glueful/api-skeleton at ${app.root} \\(settings from ${app.root}/\\.env\\)`));
    expect(text).toMatch(new RegExp(`Location +${app.runtimeCache}\\n`));
    expect(text).toMatch(new RegExp(`Framework +${app.framework} \\(from ${app.root}/vendor/composer/installed\\.json\\)`));
  });

  it('sees what the app wrote: cache:get finds it, cache:status counts it, cache:clear removes it for the app too', async () => {
    app.php(['set', 'session:abc', '{"user":7}', '600']);
    app.php(['set', 'config:app', '"shop"', '0']);
    for (const cwd of [app.public, app.root]) {
      const got = JSON.parse((await glueful(['cache:get', 'session:abc', '--json'], { cwd })).stdout);
      expect(got).toMatchObject({ key: 'session:abc', value: { user: 7 }, format: 'json' });
      expect(got.ttl).toBeGreaterThan(590);
    }
    expect(JSON.parse((await cli(['cache:status', '--json'])).stdout).keys).toBe(2);
    const cleared = await cli(['cache:clear', '--force', '--json']);
    expect(cleared.code).toBe(0);
    expect(JSON.parse(cleared.stdout)).toMatchObject({ prefix: '', deleted: 2 });
    // The app itself no longer has them.
    expect(app.php(['get', 'session:abc'])).toBe('MISS');
    expect(app.php(['get', 'config:app'])).toBe('MISS');
  });

  it('writes entries the app reads: flat {md5}.cache and .meta in the framework package\'s storage/cache/', async () => {
    expect((await glueful(['cache:set', 'config:app', '{"name":"shop"}', '--json-value', '--ttl', '1h'], { cwd: app.root })).code).toBe(0);
    expect(existsSync(join(app.runtimeCache, `${md5Hex('config:app')}.cache`))).toBe(true);
    expect(app.php(['get', 'config:app'])).toBe('{"name":"shop"}');
    await cli(['cache:delete', 'config:app']);
  });

  it('at scale, both ways: 10 k entries the tool imports are read by the app\'s driver, and 10 k the app writes are exported by the tool', { timeout: 180_000 }, async () => {
    const count = 10_000;
    const value = (i: number): unknown =>
      [{ id: i, name: `user ${i}`, roles: ['a', 'b'] }, `text ${i} — ünïcödé "quoted"`, i, [i, i + 0.5], true][i % 5];
    const ttl = (i: number) => (i % 2 ? 3600 : undefined);
    const work = mkdtempSync(join(tmpdir(), 'glueful-scale-'));
    try {
      const lines = (prefix: string) => Array.from({ length: count }, (_, i) => JSON.stringify({ key: `${prefix}:${i}`, value: value(i), ttl: ttl(i) })).join('\n') + '\n';
      writeFileSync(join(work, 'ours.ndjson'), lines('ours'));
      const imported = await glueful(['cache:import', join(work, 'ours.ndjson'), '--json'], { cwd: app.root });
      expect(imported.code, imported.stderr).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({ imported: count, failed: 0 });
      writeFileSync(join(work, 'keys'), Array.from({ length: count }, (_, i) => `ours:${i}`).join('\n') + '\n');
      const read = app.php(['getmany', join(work, 'keys')]).trim().split('\n').map((l) => JSON.parse(l) as { key: string; value?: unknown; miss?: true });
      expect(read).toHaveLength(count);
      expect(read.filter((r) => r.miss).map((r) => r.key)).toEqual([]);
      read.forEach((r, i) => expect(r, r.key).toEqual({ key: `ours:${i}`, value: value(i) }));

      writeFileSync(join(work, 'app.ndjson'), lines('app'));
      app.php(['setmany', join(work, 'app.ndjson')]);
      const exported = await glueful(['cache:export', 'app:*', '--output', '-'], { cwd: app.root });
      expect(exported.code, exported.stderr).toBe(0);
      const records = exported.stdout.trim().split('\n').slice(1).map((l) => JSON.parse(l) as { key: string; value: unknown; ttl?: number });
      expect(records).toHaveLength(count);
      const byKey = new Map(records.map((r) => [r.key, r]));
      for (let i = 0; i < count; i++) {
        const record = byKey.get(`app:${i}`);
        expect(record?.value, `app:${i}`).toEqual(value(i));
        if (ttl(i)) expect(record?.ttl).toBeGreaterThan(3500);
        else expect(record?.ttl).toBeUndefined();
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
      // The later tests walk this directory: leave it as it was.
      for (const prefix of ['ours', 'app']) {
        for (let i = 0; i < count; i++) for (const ext of ['.cache', '.meta']) rmSync(join(app.runtimeCache, md5Hex(`${prefix}:${i}`) + ext), { force: true });
      }
    }
  });

  it('status warns about entries in another candidate directory (left in <app>/storage/cache/ by earlier versions of this tool)', async () => {
    const base = join(app.appCache, md5Hex('old:entry'));
    writeFileSync(`${base}.cache`, 'json:1');
    writeFileSync(`${base}.meta`, `json:${JSON.stringify({ key: 'old:entry', created: 1, expires: 0, ttl: 0 })}`);
    try {
      const result = await cli(['cache:status', '--json']);
      expect(result.code).toBe(0);
      const status = JSON.parse(result.stdout);
      expect(status.otherCacheDirs).toEqual([{ dir: app.appCache, entries: 1, what: expect.stringContaining('earlier versions of glueful-cache') }]);
      expect(status.alerts.filter((a: string) => a.includes('cache entries'))).toEqual([expect.stringContaining(`${app.appCache} holds 1 cache entries this tool does not see`)]);
      expect((await cli(['cache:status'])).stdout).toMatch(new RegExp(`Alerts\\n {2}! ${app.appCache} holds 1 cache entries`));
      expect((await cli(['cache:status', '--fail-on-alert'])).code).toBe(7);
    } finally {
      rmSync(`${base}.cache`);
      rmSync(`${base}.meta`);
    }
  });

  it('our config file, the real environment and --prefix still win, in that order', async () => {
    writeFileSync(join(app.root, 'cache.config.json'), JSON.stringify({ prefix: 'tool_', stores: { file: { hash_levels: 1 } } }));
    try {
      const own = JSON.parse((await cli(['cache:status', '--json'])).stdout);
      expect(own).toMatchObject({ prefix: 'tool_', config: join(app.root, 'cache.config.json'), location: app.runtimeCache });
      const flagged = JSON.parse((await cli(['cache:status', '--json', '--prefix', 'flag_'])).stdout);
      expect(flagged.prefix).toBe('flag_');
      const env = JSON.parse((await cli(['cache:status', '--json'], { CACHE_DRIVER: 'array' })).stdout);
      expect(env.store).toBe('array');
    } finally {
      rmSync(join(app.root, 'cache.config.json'));
    }
  });

  it('finds the framework wherever vendor/composer/installed.json says composer put it (a path repository)', async () => {
    const pathApp = makeApp({ framework: 'path' });
    pathApp.php(['set', 'k', '"from-php"', '0']);
    expect(existsSync(join(pathApp.root, 'vendor', 'glueful'))).toBe(false);
    const got = await glueful(['cache:get', 'k'], { cwd: pathApp.public });
    expect(got).toMatchObject({ code: 0, stdout: 'from-php\n' });
    const status = JSON.parse((await glueful(['cache:status', '--json'], { cwd: pathApp.root })).stdout);
    expect(status.location).toBe(join(pathApp.root, 'packages', 'framework', 'storage', 'cache'));
  });

  it('app.paths.storage_path, which php glueful cache:* never read (no app context), moves only the CacheHelper\'s files: status says so', async () => {
    const custom = makeApp({ appPaths: "\n        'storage_path' => $basePath . '/var/storage', // CacheHelper only" });
    custom.php(['set', 'k', '"cli"', '0']);
    expect((await glueful(['cache:get', 'k'], { cwd: custom.public })).stdout).toBe('cli\n');
    const status = JSON.parse((await glueful(['cache:status', '--json'], { cwd: custom.public })).stdout);
    const helperDir = join(custom.root, 'var', 'storage', 'cache');
    expect(status).toMatchObject({ location: custom.runtimeCache, app: { runtime: { cacheDir: custom.runtimeCache, helper: { driver: 'file', cacheDir: helperDir } } } });
    expect(status.appNotes).toEqual([expect.stringContaining(`another store: file at ${helperDir}`)]);
  });

  it('before composer install: status says the framework is missing and where its directory would be', async () => {
    const bare = makeApp();
    rmSync(join(bare.root, 'vendor'), { recursive: true });
    const status = JSON.parse((await glueful(['cache:status', '--json'], { cwd: bare.public })).stdout);
    expect(status.location).toBe(join(bare.root, 'vendor', 'glueful', 'framework', 'storage', 'cache'));
    expect(status.appNotes).toEqual([expect.stringMatching(/^glueful\/framework is not installed .*run composer install/)]);
  });

  it('CACHE_FILE_PATH and CACHE_FALLBACK, which the framework never reads, change nothing and status says why', async () => {
    const other = mkdtempSync(join(tmpdir(), 'glueful-elsewhere-'));
    const envApp = makeApp({ env: envWith({ CACHE_FILE_PATH: other, CACHE_FALLBACK: 'true' }) });
    try {
      envApp.php(['set', 'k', '1', '0']);
      expect((await glueful(['cache:get', 'k'], { cwd: envApp.public })).code).toBe(0);
      const status = JSON.parse((await glueful(['cache:status', '--json'], { cwd: envApp.public })).stdout);
      expect(status.location).toBe(envApp.runtimeCache);
      expect(status.notices).toEqual(expect.arrayContaining([expect.stringMatching(/^CACHE_FILE_PATH does not apply here/), expect.stringMatching(/^CACHE_FALLBACK does not apply here/)]));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('a Glueful application on Redis and Memcached', () => {
  let redis: ServerHandle;
  let memcached: ServerHandle;
  let noSelect: ServerHandle;
  beforeAll(async () => {
    [redis, memcached, noSelect] = await Promise.all([startRedis(), startMemcachedSasl('app', 'mc-secret'), startRedis(['--rename-command', 'SELECT', ''])]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), memcached?.stop(), noSelect?.stop()]);
  });

  it('CACHE_DRIVER unset: the app\'s cache:* use Redis (the framework\'s default), database REDIS_DB; so does the tool, and status names the CacheHelper\'s file store', async () => {
    const app = makeApp({ env: envWith({ CACHE_DRIVER: null, REDIS_PORT: String(redis.port), REDIS_DB: '3' }) });
    app.php(['set', 'user:uuid:42', '{"name":"ada"}', '60']);
    expect(redisCli(redis.port, ['-n', '3', 'get', 'user:uuid:42'])).toBe('json:{"name":"ada"}');
    for (const cwd of [app.public, app.root]) {
      const got = await glueful(['cache:get', 'user:uuid:42', '--json'], { cwd });
      expect(got.code, got.stderr).toBe(0);
      expect(JSON.parse(got.stdout).value).toEqual({ name: 'ada' });
    }
    const result = await glueful(['cache:status', '--json'], { cwd: app.public });
    const status = JSON.parse(result.stdout);
    expect(status).toMatchObject({ store: 'redis', location: `redis://${HOST}:${redis.port}/3`, keys: 1 });
    expect(status.app.runtime).toMatchObject({ driver: 'redis', driverFrom: expect.stringMatching(/CACHE_DRIVER is unset/), helper: { driver: 'file', cacheDir: app.runtimeCache } });
    expect(status.appNotes).toEqual([expect.stringMatching(/^this tool follows php glueful cache:\*, which use redis \(CACHE_DRIVER is unset.*config\/cache\.php's default is file\).*CacheHelper.*another store: file at /)]);
    const text = (await glueful(['cache:status'], { cwd: app.public })).stdout;
    expect(text).toMatch(/php glueful cache:\* +redis \(CACHE_DRIVER is unset: CacheFactory's default\)/);
    expect(text).toMatch(new RegExp(`App CacheHelper +file at ${app.runtimeCache} \\(config/cache\\.php\\)`));
    // The CacheHelper's store is one flag away.
    app.php(['set', 'helper:entry', '1', '0'], { CACHE_DRIVER: 'file' });
    expect((await glueful(['cache:get', 'helper:entry', '--store', 'file'], { cwd: app.public })).stdout).toBe('1\n');
  });

  it('the app\'s Redis down: exit 5 for status and for reads, never a file store that says healthy (CACHE_FALLBACK=true or not)', async () => {
    const dead = await startRedis();
    const port = dead.port;
    await dead.stop();
    for (const fallback of [null, 'true']) {
      const app = makeApp({ env: envWith({ CACHE_DRIVER: 'redis', REDIS_PORT: String(port), CACHE_FALLBACK: fallback }) });
      const status = await glueful(['cache:status', '--json'], { cwd: app.public });
      expect(status.code).toBe(5);
      expect(JSON.parse(status.stdout)).toMatchObject({ store: 'redis', healthy: false, fellBack: false, error: expect.stringMatching(new RegExp(`cannot use redis at 127\\.0\\.0\\.1:${port}: connection refused`)) });
      const got = await glueful(['cache:get', 'k'], { cwd: app.root });
      expect(got.code).toBe(5);
      expect(got.stderr).not.toMatch(/falling back/);
      const clear = await glueful(['cache:clear', '--force'], { cwd: app.public });
      expect(clear.code).toBe(5);
      expect(existsSync(app.runtimeCache)).toBe(false); // no file store was created or cleared instead
    }
  });

  it('REDIS_DB=0 selects nothing (a server without SELECT works, as for the app); REDIS_DB=-1 and other text are database 0, as (int) casts them', async () => {
    for (const db of ['0', '-1', 'none']) {
      const app = makeApp({ env: envWith({ CACHE_DRIVER: 'redis', REDIS_PORT: String(noSelect.port), REDIS_DB: db }) });
      app.php(['set', `db:${db}`, '"x"', '60']);
      const got = await glueful(['cache:get', `db:${db}`], { cwd: app.public });
      expect({ code: got.code, stdout: got.stdout, stderr: got.stderr }).toEqual({ code: 0, stdout: 'x\n', stderr: '' });
      const status = JSON.parse((await glueful(['cache:status', '--json'], { cwd: app.public })).stdout);
      expect(status).toMatchObject({ healthy: true, location: `redis://${HOST}:${noSelect.port}/0` });
      if (db !== '0') expect(status.notices).toEqual(expect.arrayContaining([`REDIS_DB=${db} is database 0 for the app ((int) cast; it selects a database only when > 0)`]));
    }
  });

  it('the connect timeout is bounded at 1 s, as CacheFactory bounds it (REDIS_TIMEOUT=5, a server whose listen queue is full)', async () => {
    const port = await freePort();
    const script = join(tmpdir(), `glueful-full-backlog-${port}.php`);
    // A listening socket that never accepts, backlog 0: once its queue is full, connects hang (SYNs dropped).
    writeFileSync(script, `<?php $c = stream_context_create(['socket' => ['backlog' => 0]]);
      $s = stream_socket_server('tcp://127.0.0.1:${port}', $n, $m, STREAM_SERVER_BIND | STREAM_SERVER_LISTEN, $c); echo "ready\\n"; sleep(60);`);
    const listener = spawn('php', [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const held: Socket[] = [];
    try {
      await new Promise((resolve) => listener.stdout.once('data', resolve));
      for (let i = 0; i < 4; i++) held.push(connect(port, HOST).on('error', () => undefined));
      await sleep(200);
      const app = makeApp({ env: envWith({ CACHE_DRIVER: 'redis', REDIS_PORT: String(port), REDIS_TIMEOUT: '5' }) });
      // The app itself gives up after 1 s.
      let started = Date.now();
      expect(() => app.php(['get', 'k'])).toThrow();
      expect(Date.now() - started).toBeLessThan(2500);
      started = Date.now();
      const status = await glueful(['cache:status', '--json'], { cwd: app.public });
      const elapsed = Date.now() - started;
      expect(status.code).toBe(5);
      expect(JSON.parse(status.stdout).error).toMatch(/timed out after 1s/);
      expect(elapsed).toBeGreaterThan(900);
      expect(elapsed).toBeLessThan(3000); // 1 s + process start; 5 s before
      const config = JSON.parse((await glueful(['cache:status', '--json', '--detailed'], { cwd: app.public })).stdout).effectiveConfig;
      expect(config.stores.redis).toMatchObject({ timeout: 5, connect_timeout: 1 });
    } finally {
      held.forEach((socket) => socket.destroy());
      listener.kill('SIGKILL');
      rmSync(script, { force: true });
    }
  });

  it('REDIS_PASSWORD=null is no password; REDIS_DB and the inline comment are read; keys are unprefixed', async () => {
    const app = makeApp({ env: envWith({ REDIS_PORT: String(redis.port), CACHE_DRIVER: 'redis    # file, redis, memcached, array' }) });
    const set = await glueful(['cache:set', 'user:uuid:43', 'ada', '--ttl', '60'], { cwd: app.public });
    expect(set.stderr).not.toMatch(/error/);
    expect(set.code).toBe(0);
    expect(redisCli(redis.port, ['-n', '1', 'get', 'user:uuid:43'])).toBe('json:"ada"');
    expect(app.php(['get', 'user:uuid:43'])).toBe('"ada"');
    const status = JSON.parse((await glueful(['cache:status', '--json'], { cwd: app.public })).stdout);
    // CACHE_DRIVER is set: the CacheHelper uses the same store, nothing to explain.
    expect(status).toMatchObject({ store: 'redis', location: `redis://${HOST}:${redis.port}/1`, prefix: '', appNotes: [] });
  });

  it('MEMCACHED_USERNAME / MEMCACHED_PASSWORD (config/cache.php\'s names) reach a SASL memcached', async () => {
    const env = `CACHE_DRIVER=memcached\nMEMCACHED_HOST=${HOST}\nMEMCACHED_PORT=${memcached.port}\nMEMCACHED_USERNAME=app\nMEMCACHED_PASSWORD="mc-secret"\n`;
    const app = makeApp({ env });
    expect((await glueful(['cache:set', 'k', 'v'], { cwd: app.public })).code).toBe(0);
    const got = await glueful(['cache:get', 'k'], { cwd: app.public });
    expect(got).toMatchObject({ code: 0, stdout: 'v\n' });
  });

  it('DISTRIBUTED_CACHE_ENABLED in the app\'s .env (config/cache.php\'s ring, which cache:* never use) does not turn the ring on', async () => {
    const app = makeApp({ env: envWith({ CACHE_DRIVER: 'redis', REDIS_PORT: String(redis.port), DISTRIBUTED_CACHE_ENABLED: 'true', CACHE_REPLICAS: '2' }) });
    const result = await glueful(['cache:status', '--json'], { cwd: app.public });
    expect(result.code, result.stderr).toBe(0);
    const status = JSON.parse(result.stdout);
    expect(status.store).toBe('redis');
    expect(status.notices).toEqual(expect.arrayContaining([expect.stringMatching(/^DISTRIBUTED_CACHE_ENABLED \/ CACHE_REPLICAS do not apply here/)]));
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
  /** The app's folders as a deploy leaves them: the tree readable, the framework's storage/ owned by the app's user (it created it). */
  const handToApp = (app: GluefulAppFixture) => {
    execFileSync('chmod', ['-R', 'a+rX', app.root]);
    mkdirSync(app.runtimeCache, { recursive: true });
    execFileSync('chown', ['-R', 'nobody:nogroup', join(app.framework, 'storage')]);
    execFileSync('chmod', ['0755', join(app.framework, 'storage'), app.runtimeCache]);
  };
  const asRoot = process.getuid?.() === 0;

  it.runIf(asRoot || process.env.CI)('as root, new entries take the cache directory\'s owner and its entries\' mode', async () => {
    expect(asRoot).toBe(true); // CI runs as root; this test needs it to change owners
    const app = makeApp();
    handToApp(app);
    const cache = app.runtimeCache;
    // The app writes first, as it does: its entries are 0644 here.
    phpAsApp(`$d = ${JSON.stringify(cache + '/')}; $h = md5('config:a'); umask(022);
      file_put_contents($d.$h.'.cache', 'json:1'); file_put_contents($d.$h.'.meta', 'json:'.json_encode(['key'=>'config:a','created'=>time(),'expires'=>0,'ttl'=>0]));`);
    expect((await glueful(['cache:set', 'session:new', '{"v":2}', '--json-value'], { cwd: app.public })).code).toBe(0);
    const base = join(cache, md5Hex('session:new'));
    for (const file of [`${base}.cache`, `${base}.meta`]) {
      const info = statSync(file);
      expect({ uid: info.uid, gid: info.gid, mode: info.mode & 0o777 }).toEqual({ uid: 65534, gid: 65534, mode: 0o644 });
    }
    // The app reads it, and replaces it with its own set() (write + rename as nobody).
    const read = phpAsApp(`$d = ${JSON.stringify(cache + '/')}; $h = md5('session:new');
      echo file_get_contents($d.$h.'.cache'); $t = $d.$h.'.cache.tmp'; file_put_contents($t, 'json:3'); var_dump(rename($t, $d.$h.'.cache'));`);
    expect(read).toBe('json:{"v":2}bool(true)\n');
    const status = JSON.parse((await glueful(['cache:status', '--json'], { cwd: app.public })).stdout);
    expect(status.info.unreadableByApp).toBe(0);
    // (A busy machine may add the latency alert of a slow disk.)
    expect(status.alerts.filter((a: string) => !/^response time/.test(a))).toEqual([]);
  });

  it.runIf(asRoot || process.env.CI)('status warns about entries the app\'s user cannot read; permission sets the mode', async () => {
    expect(asRoot).toBe(true);
    const app = makeApp();
    handToApp(app);
    // An entry left by an older CLI: root's own, 0600.
    const base = join(app.runtimeCache, md5Hex('old'));
    writeFileSync(`${base}.cache`, 'json:1', { mode: 0o600 });
    writeFileSync(`${base}.meta`, `json:${JSON.stringify({ key: 'old', created: 1, expires: 0, ttl: 0 })}`, { mode: 0o600 });
    const status = JSON.parse((await glueful(['cache:status', '--json'], { cwd: app.public })).stdout);
    expect(status.info.unreadableByApp).toBe(1);
    expect(status.alerts.filter((a: string) => !/^response time/.test(a))).toEqual([expect.stringMatching(/^1 entries cannot be read by the directory's owner \(uid 65534\), the app's user/)]);
    writeFileSync(join(app.root, 'cache.config.json'), JSON.stringify({ stores: { file: { permission: '0664' } } }));
    await glueful(['cache:set', 'shared', 'v'], { cwd: app.public });
    expect(statSync(join(app.runtimeCache, `${md5Hex('shared')}.cache`)).mode & 0o777).toBe(0o664);
  });

  it('a directory the tool creates itself stays private (0700, files 0600)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glueful-private-'));
    try {
      writeFileSync(join(dir, 'package.json'), '{}');
      await glueful(['cache:set', 'k', 'v'], { cwd: dir });
      const cache = join(dir, '.cache', 'glueful-cache');
      expect(statSync(cache).mode & 0o777).toBe(0o700);
      const h = md5Hex('glueful_k');
      expect(statSync(join(cache, h.slice(0, 2), h.slice(2, 4), `${h.slice(4)}.cache`)).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
