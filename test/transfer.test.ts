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
async function open(name: string, prefix = PREFIX): Promise<CacheStore> {
  const { loadConfig } = await import('../src/config/load.js');
  const config = await loadConfig({ configPath: join(project.dir, 'cache.config.json') });
  const { store } = await createStore({ ...config, prefix }, name);
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
type Export = ReturnType<typeof records>;

function records(ndjson: string) {
  const [header, ...lines] = ndjson.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const byKey = new Map<string, Record<string, unknown>>();
  const stored = new Map<string, Record<string, unknown>>();
  for (const { serializer, compression, flags, ...record } of lines) {
    byKey.set(record.key as string, record);
    stored.set(record.key as string, { serializer, compression, flags });
  }
  return { header: header!, byKey, stored };
}

/** The same records, TTLs within a second (each counted from its export's time). */
function expectSame(first: Export, second: Export): void {
  const [a, b] = [first.byKey, second.byKey];
  const later = ((second.header.time as number) - (first.header.time as number)) / 1000;
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [key, record] of a) {
    const other = { ...b.get(key)! };
    if (typeof other.ttl === 'number') other.ttl += later;
    const { ttl, ...rest } = record;
    const { ttl: otherTtl, ...otherRest } = other;
    expect(otherRest, key).toEqual(rest);
    if (ttl === undefined) expect(otherTtl, key).toBeUndefined();
    // Each store keeps whole seconds and each export reads them at its own (millisecond) time: either
    // side may be up to a second short, so the two agree within a second each way, not better.
    else expect(Math.abs((otherTtl as number) - (ttl as number)), key).toBeLessThan(2);
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
    expectSame(first, second);

    // memcached keeps no sorted sets of its own kind: the rest goes on.
    const withoutZset = { ...second, byKey: new Map([...second.byKey].filter(([k]) => k !== 'board')) };
    const intoMemcached = await importInto('memcached', 'redis.ndjson.gz');
    expect(intoMemcached.code, intoMemcached.stderr).toBe(0);
    const third = await exportOf('memcached', 'memcached.ndjson');
    expect(third.byKey.get('big')).toBeDefined();
    expect(third.byKey.get('board')).toBeDefined();
    expectSame(withoutZset, { ...third, byKey: new Map([...third.byKey].filter(([k]) => k !== 'board')) });

    const intoFile = await importInto('file2', 'memcached.ndjson');
    expect(intoFile.code, intoFile.stderr).toBe(0);
    const fourth = await exportOf('file2', 'file2.ndjson');
    expectSame(third, fourth);
  });
});

/** php with a phpredis client `$r` set up as the app's `phpredis` store (igbinary + lz4), and U, the class of PHP_OBJECT. */
function phpRedis(code: string): string {
  const setup = `class U { private $id; protected $role; public $name; function id() { return $this->id; } function role() { return $this->role; } }
    $r = new Redis(); $r->connect('${HOST}', ${redis2.port});
    $r->setOption(Redis::OPT_SERIALIZER, Redis::SERIALIZER_IGBINARY); $r->setOption(Redis::OPT_COMPRESSION, Redis::COMPRESSION_LZ4);
    function gf($v) { if (str_starts_with($v, 'json:')) return json_decode(substr($v, 5), true); if (str_starts_with($v, 'php:')) return unserialize(substr($v, 4)); return $v; }`;
  return execFileSync('php', ['-r', setup + code], { encoding: 'utf8' });
}

/** php with a php-memcached client `$m` on the test server (its defaults: FastLZ over 2000 bytes). */
function phpMemcached(code: string): string {
  return execFileSync('php', ['-r', `$m = new Memcached(); $m->addServer('${HOST}', ${memcached.port}); ${code}`], { encoding: 'utf8' });
}

describe('memcached (values PHP wrote compressed) → Redis with the app\'s phpredis igbinary + lz4', () => {
  it('copies them, and PHP reads every copied value through phpredis', async () => {
    const p = 'mc_';
    phpMemcached(`$m->set('${p}big', 'json:' . json_encode(['text' => str_repeat('abcde', 1000)]));
      $m->setOption(Memcached::OPT_COMPRESSION_TYPE, Memcached::COMPRESSION_ZLIB); $m->set('${p}zbig', 'json:' . json_encode(str_repeat('xyz12', 2000)));
      $m->set('${p}small', 'json:' . json_encode(['name' => 'Ada']));
      $m->set('${p}php', 'php:' . ${JSON.stringify(PHP_OBJECT).replace(/\\u0000/g, '\\0').replace(/\$/g, '\\$')});
      $m->set('${p}n', 42); $m->set('other:key', 'not ours');`);
    const before = await cli(['-p', p, '--store', 'memcached', 'cache:export']);
    const source = records(before.stdout);
    expect(source.stored.get('big')).toMatchObject({ compression: 'fastlz' });
    expect(source.stored.get('zbig')).toMatchObject({ compression: 'zlib' });

    const copy = await cli(['-p', p, 'cache:copy', '--from', 'memcached', '--to', 'phpredis', '--json']);
    expect(copy.code, copy.stderr).toBe(0);
    expect(JSON.parse(copy.stdout)).toMatchObject({ exported: 5, imported: 5, failed: 0, unknown: 0 });
    expect(redisCli(redis2.port, ['exists', 'other:key'])).toBe('0');

    const read = JSON.parse(phpRedis(`$u = gf($r->get('${p}php'));
      echo json_encode(['big' => gf($r->get('${p}big')), 'zbig' => gf($r->get('${p}zbig')), 'small' => gf($r->get('${p}small')),
        'php' => [get_class($u), $u->id(), $u->role(), $u->name]]);`));
    expect(read).toEqual({ big: { text: 'abcde'.repeat(1000) }, zbig: 'xyz12'.repeat(2000), small: { name: 'Ada' }, php: ['U', 5, 'admin', 'Ada'] });
    expect(redisCli(redis2.port, ['get', `${p}n`])).toBe('42');

    const after = records((await cli(['-p', p, '--store', 'phpredis', 'cache:export'])).stdout);
    expectSame(source, after);
    expect(after.stored.get('big')).toMatchObject({ compression: 'lz4', serializer: 'igbinary' });

    // And back into memcached under another prefix: php-memcached reads it (compressed as the store is configured).
    const back = await cli(['-p', 'back_', '--store', 'memcached', 'cache:import', '-'], (await cli(['-p', p, '--store', 'phpredis', 'cache:export'])).stdout);
    expect(back.code, back.stderr).toBe(0);
    const fromMemcached = JSON.parse(phpMemcached(`class U { private $id; function id() { return $this->id; } }
      echo json_encode(['zbig' => json_decode(substr($m->get('back_zbig'), 5)), 'php' => unserialize(substr($m->get('back_php'), 4))->id(), 'n' => $m->get('back_n')]);`));
    expect(fromMemcached).toEqual({ zbig: 'xyz12'.repeat(2000), php: 5, n: '42' });
  });
});

describe('into a live target', () => {
  it('file → Redis Cluster: --dry-run writes nothing, --only-missing keeps what is there, foreign keys stay', async () => {
    const p = 'live_';
    const file = await open('file', p);
    await file.setMultiple(Array.from({ length: 500 }, (_, i) => [`item:${i}`, { i }, i % 2 ? { ttl: 600 } : {}] as const));
    await file.set('tagged', 1, { tags: ['live'] });
    const target = await open('cluster', '');
    const clusterExport = () => cli(['-p', p, '--store', 'cluster', 'cache:export']);
    await target.set(`${p}item:1`, 'kept', {});
    // Outside the prefix on the target: never touched.
    await target.setRaw('foreign:1', Buffer.from('theirs'), {});

    const dry = await cli(['-p', p, 'cache:copy', '--from', 'file', '--to', 'cluster', '--dry-run', '--only-missing', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, imported: 500, present: 1 });
    expect(records((await clusterExport()).stdout).byKey.size).toBe(1);

    const copy = await cli(['-p', p, 'cache:copy', '--from', 'file', '--to', 'cluster', '--only-missing', '--json']);
    expect(copy.code, copy.stderr).toBe(0);
    expect(JSON.parse(copy.stdout)).toMatchObject({ imported: 500, present: 1, failed: 0, unknown: 0 });
    const after = records((await clusterExport()).stdout).byKey;
    expect(after.size).toBe(501);
    expect(after.get('item:1')).toMatchObject({ value: 'kept' });
    expect(after.get('item:3')).toMatchObject({ value: { i: 3 } });
    expect(Math.abs((after.get('item:3')!.ttl as number) - (await file.ttl('item:3'))!)).toBeLessThanOrEqual(1);
    expect(after.get('item:2')!.ttl).toBeUndefined();
    expect(after.get('tagged')).toMatchObject({ tags: ['live'] });
    expect(await target.get('foreign:1')).toBe('theirs');

    // Without --only-missing the export's value wins.
    const again = await cli(['-p', p, 'cache:copy', '--from', 'file', '--to', 'cluster', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ imported: 501, present: 0 });
    expect(await target.get(`${p}item:1`)).toEqual({ i: 1 });
  });

  it('--delete-source (behind --force) deletes from the source only what the target holds the same', async () => {
    const p = 'move_';
    const source = await open('redis', p);
    await source.setMultiple(Array.from({ length: 200 }, (_, i) => [`k:${i}`, { i }] as const));
    await source.zadd('board', [{ member: 'a', score: 1 }]);
    redisCli(redis.port, ['set', 'elsewhere:1', 'stays']);
    const target = await open('file2', p);
    await target.set('k:7', 'different');
    const refused = await cli(['-p', p, 'cache:copy', '--from', 'redis', '--to', 'file2', '--delete-source']);
    expect(refused.code).toBe(2);
    expect(await source.getKeyCount()).toBe(201);

    const moved = await cli(['-p', p, 'cache:copy', '--from', 'redis', '--to', 'file2', '--only-missing', '--delete-source', '--force', '--json']);
    expect(moved.code, moved.stderr).toBe(7);
    expect(JSON.parse(moved.stdout)).toMatchObject({ imported: 200, present: 1, deletedFromSource: { deleted: 200, kept: 1, keptSample: ['k:7'] } });
    expect(await source.getKeyCount()).toBe(1);
    expect(await source.get('k:7')).toEqual({ i: 7 });
    expect(await target.get('k:7')).toBe('different');
    expect(await target.zrange('board', 0, -1)).toEqual([{ member: 'a', score: 1 }]);
    expect(redisCli(redis.port, ['get', 'elsewhere:1'])).toBe('stays');
  });

  it('TTLs count down from the export time, unless --keep-ttl-as-is; entries expired meanwhile are not written', async () => {
    const header = { glueful: 'cache-export', version: 1, store: 'x', prefix: 'ttl_', time: Date.now() - 100_000 };
    const lines = [header, { key: 'a', value: 1, ttl: 3600, format: 'json' }, { key: 'gone', value: 2, ttl: 50, format: 'json' }].map((l) => JSON.stringify(l)).join('\n');
    const counted = await cli(['-p', 'ttl_', '--store', 'redis', 'cache:import', '-', '--json'], lines);
    expect(JSON.parse(counted.stdout)).toMatchObject({ imported: 1, expired: 1 });
    const ttl = Number(redisCli(redis.port, ['ttl', 'ttl_a']));
    expect(ttl).toBeGreaterThanOrEqual(3498);
    expect(ttl).toBeLessThanOrEqual(3500);
    expect(redisCli(redis.port, ['exists', 'ttl_gone'])).toBe('0');
    const asIs = await cli(['-p', 'ttl_', '--store', 'redis', 'cache:import', '-', '--keep-ttl-as-is', '--json'], lines);
    expect(JSON.parse(asIs.stdout)).toMatchObject({ imported: 2, expired: 0 });
    expect(Number(redisCli(redis.port, ['ttl', 'ttl_a']))).toBeGreaterThanOrEqual(3599);
  });

  it('a cache:export file is a warmup file source: the header is skipped, the records warmed', async () => {
    const file = await open('file', 'warm_');
    await file.set('a', { v: 1 }, { ttl: 300 });
    await file.set('b', 'two');
    const exported = await cli(['-p', 'warm_', '--store', 'file', 'cache:export', '--output', join(project.dir, 'warm.ndjson.gz')]);
    expect(exported.code, exported.stderr).toBe(0);
    const warm = tempProject();
    try {
      writeFileSync(join(warm.dir, 'cache.config.json'), JSON.stringify({ default: 'redis', prefix: 'warmed_', stores: { redis: { host: HOST, port: redis.port } }, warmup: { strategies: [{ name: 'snapshot', type: 'file', path: join(project.dir, 'warm.ndjson.gz') }] } }));
      const run = await glueful(['cache:warmup', '--json'], { cwd: warm.dir });
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ warmed: 2, failed: 0 });
      expect(redisCli(redis.port, ['get', 'warmed_a'])).toBe('json:{"v":1}');
    } finally {
      warm.cleanup();
    }
  });
});

describe('memcached pool and distributed ring', () => {
  const handles: ServerHandle[] = [];
  let ring: ReturnType<typeof tempProject>;
  beforeAll(async () => {
    handles.push(...(await Promise.all([startMemcached(), startMemcached(), startRedis(), startRedis()])));
    ring = tempProject();
    const [m1, m2, r1, r2] = handles;
    writeFileSync(
      join(ring.dir, 'cache.config.json'),
      JSON.stringify({
        prefix: 'ring_',
        stores: { source: { driver: 'redis', host: HOST, port: redis.port }, pool: { driver: 'memcached', servers: [`${HOST}:${m1!.port}`, `${HOST}:${m2!.port}`] } },
        distributed: { enabled: true, nodes: [{ driver: 'redis', host: HOST, port: r1!.port }, { driver: 'redis', host: HOST, port: r2!.port }] },
      }),
    );
  }, 30_000);
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.stop()));
    ring?.cleanup();
  });
  const run = (args: string[]) => glueful(args, { cwd: ring.dir, timeoutMs: 30_000 });

  it('Redis → a pool of two memcached servers → a ring of two Redis nodes: the same records, spread over each', async () => {
    const source = await open('redis', 'ring_');
    await source.setMultiple(Array.from({ length: 300 }, (_, i) => [`k:${i}`, { i }, { ttl: 900, tags: i % 3 ? [] : ['third'] }] as const));
    await source.setRaw('php', Buffer.from(`php:${PHP_OBJECT}`), {});
    const first = records((await run(['--store', 'source', 'cache:export'])).stdout);
    expect(first.byKey.size).toBe(301);

    const toPool = await run(['cache:copy', '--from', 'source', '--to', 'pool', '--json']);
    expect(toPool.code, toPool.stderr).toBe(0);
    expect(JSON.parse(toPool.stdout)).toMatchObject({ imported: 301, failed: 0 });
    const [m1, m2, r1, r2] = handles;
    const items = (port: number) => Number(execFileSync('php', ['-r', `$m = new Memcached(); $m->addServer('${HOST}', ${port}); echo array_values($m->getStats())[0]['curr_items'];`], { encoding: 'utf8' }));
    expect(items(m1!.port)).toBeGreaterThan(0);
    expect(items(m2!.port)).toBeGreaterThan(0);
    const pooled = records((await run(['--store', 'pool', 'cache:export'])).stdout);
    expectSame(first, pooled);

    const toRing = await run(['cache:copy', '--from', 'pool', '--to', 'distributed', '--json']);
    expect(toRing.code, toRing.stderr).toBe(0);
    expect(Number(redisCli(r1!.port, ['dbsize']))).toBeGreaterThan(0);
    expect(Number(redisCli(r2!.port, ['dbsize']))).toBeGreaterThan(0);
    // Each hop is compared with the one before it: a TTL may lose up to a second per hop.
    expectSame(pooled, records((await run(['--store', 'distributed', 'cache:export'])).stdout));
  });
});
