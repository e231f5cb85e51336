/**
 * cache:export / cache:import between stores of different kinds, on real
 * servers: the round trip is exact (export → import into an empty store of
 * another kind → export gives the same records, TTLs within a second) for
 * strings, numbers, arrays, objects, `php:` objects, binary, counters,
 * sorted sets, tagged keys and values PHP wrote compressed; real PHP
 * (phpredis, php-memcached) reads every imported value; keys outside the
 * prefix are never touched on either side.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheStore } from '../src/core/contract.js';
import { createStore } from '../src/store.js';
import { glueful, tempProject } from './helpers/cli.js';
import { HOST, redisCli, startMemcached, startRedis, startRedisCluster, type ServerHandle } from './helpers/servers.js';

const PREFIX = 'app_';
let redis: ServerHandle;
let redis2: ServerHandle;
let memcached: ServerHandle;
let cluster: ServerHandle[];
let project: ReturnType<typeof tempProject>;
const opened: CacheStore[] = [];

/** The stores the CLI knows (cache.config.json) and the tests seed through the library. */
function storeDefinitions() {
  return {
    file: { driver: 'file', path: join(project.dir, 'file-cache') },
    file2: { driver: 'file', path: join(project.dir, 'file-cache-2') },
    redis: { driver: 'redis', host: HOST, port: redis.port },
    // The app's phpredis settings: values written through igbinary + lz4, as the seed's production config.
    phpredis: { driver: 'redis', host: HOST, port: redis2.port, options: { serializer: 'igbinary', compression: 'lz4' } },
    memcached: { driver: 'memcached', host: HOST, port: memcached.port, options: { compression: true } },
    cluster: { driver: "redis", cluster: cluster.map((n) => `${HOST}:${n.port}`) },
  };
}

beforeAll(async () => {
  [redis, redis2, memcached, cluster] = await Promise.all([startRedis(), startRedis(), startMemcached(), startRedisCluster()]);
  project = tempProject();
  writeFileSync(join(project.dir, 'cache.config.json'), JSON.stringify({ default: 'file', prefix: PREFIX, stores: storeDefinitions() }));
}, 60_000);
afterAll(async () => {
  await Promise.all(opened.map((s) => s.dispose()));
  await Promise.all([redis, redis2, memcached, ...(cluster ?? [])].map((s) => s?.stop()));
  project?.cleanup();
});

/** A store through the library, with the configuration the CLI reads. */
async function open(name: string): Promise<CacheStore> {
  const { loadConfig } = await import('../src/config/load.js');
  const config = await loadConfig({ configPath: join(project.dir, 'cache.config.json') });
  const { store } = await createStore(config, name);
  opened.push(store);
  return store;
}

const cli = (args: string[], input?: string) => glueful(args, { cwd: project.dir, input, timeoutMs: 30_000 });

/** PHP's serialize() of an object with private and protected properties. */
const PHP_OBJECT = execFileSync('php', ['-r', 'class U { private $id = 5; protected $role = "admin"; public $name = "Ada"; } echo serialize(new U);'], { encoding: 'utf8' });
const BINARY = Buffer.from([0, 255, 1, 2, 0xc3, 0x28, 10, 13]);

/** Every kind of value the round trip must keep. */
async function seed(store: CacheStore, tags: boolean, zset: boolean): Promise<void> {
  await store.set('str', 'hello ✓');
  await store.set('num', 42.5, { ttl: 600 });
  await store.set('arr', [1, 'two', { three: 3 }]);
  await store.set('obj', { a: { b: true, c: null }, text: 'line\nbreak' }, { ttl: 3600 });
  await store.setRaw('php', Buffer.from(`php:${PHP_OBJECT}`), { envelope: true });
  await store.setRaw('bin', BINARY, { envelope: true });
  await store.increment('counter', 7);
  await store.set('big', { text: 'glueful '.repeat(2000) });
  if (tags) await store.set('tagged', { id: 1 }, { ttl: 900, tags: ['users', 'team:1'] });
  if (zset) await store.zadd('board', [{ member: 'ada', score: 3 }, { member: 'bob', score: 1.5 }]);
}

/** An export's records by key, without how the source held the bytes (serializer, compression, flags). */
function records(ndjson: string): { header: Record<string, unknown>; byKey: Map<string, Record<string, unknown>> } {
  const [header, ...lines] = ndjson.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const byKey = new Map<string, Record<string, unknown>>();
  for (const { serializer: _s, compression: _c, flags: _f, ...record } of lines) byKey.set(record.key as string, record);
  return { header: header!, byKey };
}

/** The same records, TTLs within a second. */
function expectSame(a: Map<string, Record<string, unknown>>, b: Map<string, Record<string, unknown>>): void {
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [key, record] of a) {
    const other = b.get(key)!;
    const { ttl, ...rest } = record;
    const { ttl: otherTtl, ...otherRest } = other;
    expect(otherRest, key).toEqual(rest);
    if (ttl === undefined) expect(otherTtl, key).toBeUndefined();
    else expect(Math.abs((otherTtl as number) - (ttl as number)), key).toBeLessThanOrEqual(1);
  }
}

async function exportOf(store: string, file: string): Promise<ReturnType<typeof records>> {
  const result = await cli(['--store', store, 'cache:export', '--output', join(project.dir, file)]);
  expect(result.code, result.stderr).toBe(0);
  return records(file.endsWith('.gz') ? execFileSync('gunzip', ['-c', join(project.dir, file)], { encoding: 'utf8' }) : readFileSync(join(project.dir, file), 'utf8'));
}

async function importInto(store: string, file: string, extra: string[] = []) {
  const result = await cli(['--store', store, 'cache:import', join(project.dir, file), '--json', ...extra]);
  return { ...result, data: JSON.parse(result.stdout) as Record<string, unknown> };
}

describe('file → Redis → memcached → file', () => {
  it('every kind of value comes back the same, and each export names its source', async () => {
    await seed(await open('file'), true, true);
    const first = await exportOf('file', 'file.ndjson');
    expect(first.header).toMatchObject({ glueful: 'cache-export', version: 1, store: 'file', driver: 'file', prefix: PREFIX, pattern: '*' });
    expect(first.byKey.get('php')).toMatchObject({ format: 'php', php: PHP_OBJECT, value: { __class: 'U', id: 5, role: 'admin', name: 'Ada' } });
    expect(first.byKey.get('bin')).toMatchObject({ format: 'raw', encoding: 'base64', value: BINARY.toString('base64') });
    expect(first.byKey.get('counter')).toMatchObject({ format: 'integer', value: 7 });
    expect(first.byKey.get('board')).toMatchObject({ type: 'zset', value: [{ member: 'bob', score: 1.5 }, { member: 'ada', score: 3 }] });
    expect(first.byKey.get('tagged')).toMatchObject({ tags: ['team:1', 'users'] });
    expect(first.byKey.get('obj')!.ttl).toBeGreaterThan(3590);

    // A foreign key in the target, outside the prefix, and one inside it the export does not hold.
    redisCli(redis.port, ['set', 'other_app:key', 'theirs']);
    const intoRedis = await importInto('redis', 'file.ndjson');
    expect(intoRedis.code, intoRedis.stderr).toBe(0);
    expect(intoRedis.data).toMatchObject({ imported: first.byKey.size, failed: 0, unknown: 0, badLines: 0 });
    expect(redisCli(redis.port, ['get', 'other_app:key'])).toBe('theirs');
    expect(redisCli(redis.port, ['type', `${PREFIX}board`])).toBe('zset');
    expect(redisCli(redis.port, ['smembers', '_gf_tag:users'])).toBe(`${PREFIX}tagged`);
    const second = await exportOf('redis', 'redis.ndjson.gz');
    expect(second.header).toMatchObject({ store: 'redis', driver: 'redis' });
    expectSame(first.byKey, second.byKey);

    // memcached keeps no sorted sets of its own kind: the rest goes on.
    const { board: _board, ...withoutZset } = Object.fromEntries(second.byKey);
    const intoMemcached = await importInto('memcached', 'redis.ndjson.gz');
    expect(intoMemcached.code, intoMemcached.stderr).toBe(0);
    const third = await exportOf('memcached', 'memcached.ndjson');
    expect(third.byKey.get('big')).toBeDefined();
    const { board: memcachedBoard, ...thirdRest } = Object.fromEntries(third.byKey);
    expect(memcachedBoard).toBeDefined();
    expectSame(new Map(Object.entries(withoutZset)), new Map(Object.entries(thirdRest)));

    const intoFile = await importInto('file2', 'memcached.ndjson');
    expect(intoFile.code, intoFile.stderr).toBe(0);
    const fourth = await exportOf('file2', 'file2.ndjson');
    expectSame(third.byKey, fourth.byKey);
  });
});
