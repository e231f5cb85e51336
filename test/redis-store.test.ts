/**
 * The Redis store against real redis-server processes the harness starts:
 * the shared contract, then prefix isolation among foreign keys, Glueful PHP
 * tag sets, connection failures, fallback, ACL, TLS, Cluster and Sentinel.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheStore } from '../src/core/contract.js';
import { StoreUnavailableError } from '../src/core/errors.js';
import { NamespacedStore } from '../src/core/namespaced-store.js';
import { RedisDriver, type RedisDriverOptions } from '../src/drivers/redis/index.js';
import { glueful, tempProject } from './helpers/cli.js';
import {
  HOST,
  freePort,
  makeCertificates,
  redisCli,
  startRedis,
  startRedisCluster,
  startRedisTls,
  startSentinel,
  type ServerHandle,
  type TlsFiles,
} from './helpers/servers.js';
import { runStoreContract } from './helpers/store-contract.js';

const stores: CacheStore[] = [];
function redisStore(options: RedisDriverOptions, prefix = 'glueful_'): CacheStore {
  const store = new NamespacedStore(new RedisDriver({ timeout: 2, ...options }), { name: 'redis', prefix });
  stores.push(store);
  return store;
}

let plain: ServerHandle;
let project: ReturnType<typeof tempProject>;
beforeAll(async () => {
  plain = await startRedis();
  project = tempProject();
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.dispose()));
  await plain?.stop();
  project?.cleanup();
});

const cli = (args: string[], env: Record<string, string> = {}) =>
  glueful(args, { cwd: project.dir, env: { CACHE_DRIVER: 'redis', REDIS_HOST: HOST, REDIS_PORT: String(plain.port), ...env } });

runStoreContract('redis (standalone)', { create: async (prefix) => redisStore({ port: plain.port }, prefix) });

describe('redis: bulk writes (the mass-insertion path)', () => {
  it('keys and values whose UTF-8 length has more digits than their character count arrive whole', async () => {
    const store = redisStore({ port: plain.port, database: 9 }, 'bulk:');
    // Stored as 'json:"…"' (7 characters more): 99 and 999 characters that are 100 and 1000 bytes,
    // and a 9-character key ('bulk:ключ') of 13 bytes — each length header grows a digit.
    const entries: Array<[string, string, { ttl: number }]> = [
      ['ключ', `é${'x'.repeat(91)}`, { ttl: 60 }],
      ['k:999', `é${'x'.repeat(991)}`, { ttl: 60 }],
      ['k:emoji', '😀'.repeat(3), { ttl: 60 }],
      ['k:plain', 'plain', { ttl: 60 }],
    ];
    expect(`json:${JSON.stringify(entries[0]![1])}`.length).toBe(99);
    const result = await store.setMultiple(entries);
    expect(result).toMatchObject({ written: entries.length, failed: 0 });
    for (const [key, value] of entries) expect(await store.get(key)).toBe(value);
    const ttl = await store.ttl('ключ');
    expect(ttl).toBeGreaterThan(55);
    expect(ttl).toBeLessThanOrEqual(60);
  });
});

describe('redis: a shared database', () => {
  it('clear and purge touch only the prefix, never foreign keys', async () => {
    redisCli(plain.port, ['-n', '3', 'rpush', 'queues:default', 'job1', 'job2']);
    redisCli(plain.port, ['-n', '3', 'set', 'laravel_session:abc', 'x']);
    redisCli(plain.port, ['-n', '3', 'set', 'glueful_other', 'x']);
    redisCli(plain.port, ['-n', '3', 'set', 'glueful', 'x']);
    const store = redisStore({ port: plain.port, database: 3 }, 'glueful_app:');
    for (let i = 0; i < 2500; i++) await store.set(`user:${i}`, i);
    await store.set('post:1', 1);
    const purge = await cli(['cache:purge', 'user:*', '--force', '--json', '--prefix', 'glueful_app:'], { REDIS_DB: '3' });
    expect(purge.code).toBe(0);
    expect(JSON.parse(purge.stdout)).toMatchObject({ matched: 2500, deleted: 2500 });
    const clear = await cli(['cache:clear', '--force', '--json', '--prefix', 'glueful_app:'], { REDIS_DB: '3' });
    expect(JSON.parse(clear.stdout)).toMatchObject({ deleted: 1 });
    expect(redisCli(plain.port, ['-n', '3', 'llen', 'queues:default'])).toBe('2');
    expect(redisCli(plain.port, ['-n', '3', 'dbsize'])).toBe('4');
  });

  it('reads values the PHP app wrote: json:, php:, bare counters', async () => {
    redisCli(plain.port, ['set', 'user:uuid:1', 'json:{"name":"John"}']);
    redisCli(plain.port, ['set', 'obj', 'php:O:8:"stdClass":1:{s:1:"x";i:1;}']);
    redisCli(plain.port, ['incrby', 'rate_limit:ip', '41']);
    const php = redisStore({ port: plain.port }, '');
    expect(await php.get('user:uuid:1')).toEqual({ name: 'John' });
    expect(await php.get('obj')).toEqual({ __class: 'stdClass', x: 1 });
    expect(await php.increment('rate_limit:ip')).toBe(42);
  });

  it('invalidates tags the PHP app wrote with SADD _gf_tag:{tag}', async () => {
    redisCli(plain.port, ['set', 'php:user:1', 'json:1']);
    redisCli(plain.port, ['set', 'php:user:2', 'json:2']);
    redisCli(plain.port, ['sadd', '_gf_tag:php-users', 'php:user:1', 'php:user:2']);
    const result = await cli(['cache:clear', '--tag', 'php-users', '--force', '--json', '--prefix', '']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ deleted: 2, tags: ['php-users'] });
    expect(redisCli(plain.port, ['exists', 'php:user:1', 'php:user:2', '_gf_tag:php-users'])).toBe('0');
  });

  it('writes tags the PHP app can invalidate', async () => {
    await cli(['cache:set', 'tagged', 'v', '--tags', 'cli-tag', '--prefix', '']);
    expect(redisCli(plain.port, ['smembers', '_gf_tag:cli-tag'])).toBe('tagged');
  });

  it('--prune-tags drops tag members whose keys are gone, and nothing else', async () => {
    redisCli(plain.port, ['set', 'alive', 'json:1']);
    redisCli(plain.port, ['sadd', '_gf_tag:stale', 'alive', 'gone:1', 'gone:2']);
    const result = await cli(['cache:clear', '--prune-tags', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).prunedTagMembers).toBeGreaterThanOrEqual(2);
    expect(redisCli(plain.port, ['smembers', '_gf_tag:stale'])).toBe('alive');
    expect(redisCli(plain.port, ['get', 'alive'])).toBe('json:1');
  });

  it('--flush-database names the database and needs --force', async () => {
    redisCli(plain.port, ['-n', '5', 'set', 'foreign', 'x']);
    const env = { REDIS_DB: '5' };
    const noForce = await cli(['cache:clear', '--flush-database', '5'], env);
    expect(noForce.code).toBe(2);
    expect(noForce.stderr).toMatch(/empties the whole database, other applications' keys included: add --force/);
    const wrongDb = await cli(['cache:clear', '--flush-database', '0', '--force'], env);
    expect(wrongDb.code).toBe(2);
    expect(wrongDb.stderr).toMatch(/the store uses database 5, not 0: nothing was flushed/);
    expect(redisCli(plain.port, ['-n', '5', 'dbsize'])).toBe('1');
    const flushed = await cli(['cache:clear', '--flush-database', '5', '--force', '--json'], env);
    expect(JSON.parse(flushed.stdout).flushed).toEqual([`${HOST}:${plain.port}/5`]);
    expect(redisCli(plain.port, ['-n', '5', 'dbsize'])).toBe('0');
    const onFile = await glueful(['cache:clear', '--flush-database', '0', '--force'], { cwd: project.dir });
    expect(onFile.code).toBe(6);
    expect(onFile.stderr).toMatch(/flushing a whole database is not supported by the file store/);
  });

  it('ttl: -1 without expiry, exit 4 when missing (PHP answers 0 for both)', async () => {
    await cli(['cache:set', 'forever', 'v']);
    expect((await cli(['cache:ttl', 'forever'])).stdout).toBe('-1\n');
    expect((await cli(['cache:ttl', 'never-set'])).code).toBe(4);
  });

  it('status reports the server and the keys under the prefix', async () => {
    const result = await cli(['cache:status', '--json', '--detailed']);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout);
    expect(status).toMatchObject({ driver: 'redis', healthy: true, capabilities: { tags: 'native' } });
    expect(status.info).toMatchObject({ version: expect.stringMatching(/^\d+\./), role: 'master', maxMemoryPolicy: 'noeviction' });
    expect(status.info.latencyP99Ms).toBeTypeOf('number');
    expect(status.keys).toBeGreaterThan(0);
  });

  it('warns when the eviction policy can drop tag sets', async () => {
    redisCli(plain.port, ['config', 'set', 'maxmemory-policy', 'allkeys-lru']);
    try {
      const status = JSON.parse((await cli(['cache:status', '--json'])).stdout);
      expect(status.alerts.join('\n')).toMatch(/allkeys-lru .* can evict tag sets/);
      expect((await cli(['cache:status', '--fail-on-alert'])).code).toBe(7);
    } finally {
      redisCli(plain.port, ['config', 'set', 'maxmemory-policy', 'noeviction']);
    }
  });
});

describe('redis: connection failures are one line, exit 5, within the timeout', () => {
  it('refused', async () => {
    const port = await freePort();
    const started = Date.now();
    const result = await cli(['cache:get', 'k'], { REDIS_PORT: String(port), REDIS_TIMEOUT: '1' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result.code).toBe(5);
    expect(result.stderr).toBe(`glueful: error: cannot use redis at ${HOST}:${port}: connection refused\n`);
  });

  it('timed out (a server that accepts but never answers)', async () => {
    const frozen = await startRedis();
    frozen.process.kill('SIGSTOP');
    try {
      const started = Date.now();
      const result = await cli(['cache:get', 'k'], { REDIS_PORT: String(frozen.port), REDIS_TIMEOUT: '0.5' });
      expect(Date.now() - started).toBeLessThan(2500);
      expect(result.code).toBe(5);
      expect(result.stderr).toMatch(/cannot use redis at .*: timed out after 0\.5s/);
    } finally {
      frozen.process.kill('SIGCONT');
      await frozen.stop();
    }
  });

  describe('with a password and an ACL user', () => {
    let secured: ServerHandle;
    beforeAll(async () => {
      secured = await startRedis(['--requirepass', 'S3cretPass']);
      redisCli(secured.port, ['acl', 'setuser', 'app', 'on', '>AppPass9', '~*', '&*', '+@all'], ['-a', 'S3cretPass', '--no-auth-warning']);
    });
    afterAll(() => secured.stop());

    it('NOAUTH without a password', async () => {
      const result = await cli(['cache:get', 'k'], { REDIS_PORT: String(secured.port) });
      expect(result.code).toBe(5);
      expect(result.stderr).toMatch(/cannot use redis at .*: authentication required/);
    });

    it('a wrong password, never printed', async () => {
      const result = await cli(['cache:get', 'k', '--json'], { REDIS_PORT: String(secured.port), REDIS_PASSWORD: 'WrongPass1' });
      expect(result.code).toBe(5);
      expect(result.stderr).toMatch(/authentication failed/);
      expect(result.stderr + result.stdout).not.toContain('WrongPass1');
    });

    it('the right password, and an ACL user in a URL', async () => {
      expect((await cli(['cache:set', 'k', 'v'], { REDIS_PORT: String(secured.port), REDIS_PASSWORD: 'S3cretPass' })).code).toBe(0);
      const acl = redisStore({ url: `redis://app:AppPass9@${HOST}:${secured.port}/0` });
      expect(await acl.get('k')).toBe('v');
      const wrong = redisStore({ url: `redis://app:nope@${HOST}:${secured.port}/0` });
      const error = await wrong.get('k').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).not.toContain('nope');
    });
  });

  it('falls back to the file store with a warning when configured (a change only with --allow-fallback)', async () => {
    const port = await freePort();
    const result = await cli(['--allow-fallback', 'cache:set', 'fb', 'v', '--json'], {
      REDIS_PORT: String(port),
      REDIS_TIMEOUT: '0.5',
      CACHE_FALLBACK_FILE: 'true',
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: cannot use redis at .*: connection refused; falling back to the file store/);
    const status = await glueful(['cache:status', '--json'], {
      cwd: project.dir,
      env: { CACHE_DRIVER: 'redis', REDIS_PORT: String(port), REDIS_TIMEOUT: '0.5', CACHE_FALLBACK_FILE: 'true' },
    });
    // The configured store is down: status says so (exit 5) while showing the fallback it would use.
    expect(status.code).toBe(5);
    expect(JSON.parse(status.stdout)).toMatchObject({ driver: 'file', fellBack: true, healthy: false, fallback: { wanted: 'redis' } });
  });
});

describe('redis over TLS', () => {
  let tls: TlsFiles;
  let server: ServerHandle;
  beforeAll(async () => {
    tls = makeCertificates();
    server = await startRedisTls(tls);
  });
  afterAll(() => server.stop());

  it('connects with rediss:// and the CA', async () => {
    const store = redisStore({ url: `rediss://${HOST}:${server.port}`, tls: { ca: tls.ca } });
    await store.set('secure', 'yes');
    expect(await store.get('secure')).toBe('yes');
  });

  it('an untrusted certificate is a TLS failure, exit 5', async () => {
    const store = redisStore({ url: `rediss://${HOST}:${server.port}` });
    await expect(store.get('k')).rejects.toThrow(/cannot use redis at .*: TLS handshake failed/);
  });

  it('plain text against the TLS port fails within the timeout', async () => {
    const started = Date.now();
    const result = await cli(['cache:get', 'k'], { REDIS_PORT: String(server.port), REDIS_TIMEOUT: '1' });
    expect(result.code).toBe(5);
    expect(Date.now() - started).toBeLessThan(3500);
  });
});

describe('redis cluster (3 masters)', () => {
  let nodes: ServerHandle[];
  beforeAll(async () => {
    nodes = await startRedisCluster(3);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(stores.splice(0).map((s) => s.dispose()));
    await Promise.all(nodes.map((n) => n.stop()));
  });
  const seeds = () => nodes.map((n) => `${HOST}:${n.port}`);

  runStoreContract('redis (cluster)', { create: async (prefix) => redisStore({ cluster: seeds() }, prefix) });

  it('purges across every master and leaves foreign keys', async () => {
    const store = redisStore({ cluster: seeds() }, 'cl:');
    for (let i = 0; i < 3000; i += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, j) => store.set(`user:${i + j}`, i + j)));
    }
    redisCli(nodes[0]!.port, ['-c', 'set', 'foreign:1', 'x']);
    const perNode = nodes.map((n) => Number(redisCli(n.port, ['dbsize'])));
    expect(perNode.every((count) => count > 500)).toBe(true); // the keys really are spread
    const result = await store.deletePattern('user:*');
    expect(result).toMatchObject({ matched: 3000, deleted: 3000 });
    expect(redisCli(nodes[0]!.port, ['-c', 'get', 'foreign:1'])).toBe('x');
  });

  it('status shows one row per master', async () => {
    const status = await redisStore({ cluster: seeds() }).getStats();
    expect(status.nodes).toHaveLength(3);
    expect(status.info).toMatchObject({ mode: 'cluster', masters: 3 });
    writeFileSync(join(project.dir, 'cluster.json'), JSON.stringify({ default: 'redis', stores: { redis: { cluster: seeds() } } }));
    const human = await glueful(['cache:status', '--config', 'cluster.json'], { cwd: project.dir });
    expect(human.code).toBe(0);
    for (const node of nodes) expect(human.stdout).toContain(`${HOST}:${node.port}`);
  });
});

describe('redis sentinel', () => {
  let master: ServerHandle;
  let sentinel: ServerHandle;
  beforeAll(async () => {
    master = await startRedis();
    sentinel = await startSentinel(master.port);
  });
  afterAll(async () => {
    await sentinel.stop();
    await master.stop();
  });

  it('finds the master through the sentinel', async () => {
    const store = redisStore({ sentinels: [`${HOST}:${sentinel.port}`], name: 'mymaster' });
    await store.set('via-sentinel', 1);
    expect(redisCli(master.port, ['get', 'glueful_via-sentinel'])).toBe('json:1');
  });

  it('an unknown master name fails with exit-5 error', async () => {
    const store = redisStore({ sentinels: [`${HOST}:${sentinel.port}`], name: 'nosuchmaster' });
    await expect(store.get('k')).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
