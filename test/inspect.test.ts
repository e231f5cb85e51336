/**
 * cache:inspect on real stores filled with prefixes of known counts, sizes
 * and TTLs: groups with ids folded, exact figures without sampling, estimates
 * with --sample, partial results on a budget, the biggest keys, CSV; on the
 * file store, Redis (standalone and cluster) and memcached.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { groupOf, sniffFormat } from '../src/core/inspect.js';
import { glueful, tempProject } from './helpers/cli.js';
import { HOST, redisCli, startMemcached, startRedis, startRedisCluster, type ServerHandle } from './helpers/servers.js';

let redis: ServerHandle;
let memcached: ServerHandle;
let cluster: ServerHandle[];
beforeAll(async () => {
  [redis, memcached, cluster] = await Promise.all([startRedis(), startMemcached(), startRedisCluster()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([redis, memcached, ...(cluster ?? [])].map((s) => s?.stop()));
});

describe('grouping', () => {
  it('folds numbers, hex hashes and UUIDs into {id}', () => {
    expect(groupOf('user:123:profile', 2)).toBe('user:{id}');
    expect(groupOf('session:9f86d081884c7d65', 2)).toBe('session:{id}');
    expect(groupOf('order:6ba7b810-9dad-11d1-80b4-00c04fd430c8:items', 3)).toBe('order:{id}:items');
    expect(groupOf('config:app', 2)).toBe('config:app');
    expect(groupOf('plain', 2)).toBe('plain');
  });

  it('folds the ids the framework puts inside names: uniqid(), uuids, hashes after _ or -', () => {
    expect(groupOf('connection_test_6753c0e2a1b4f', 2)).toBe('connection_test_{id}');
    expect(groupOf('health_check_6753c0e2a1b4f', 2)).toBe('health_check_{id}');
    expect(groupOf('lock_6753c0e2a1b4f1.23456789', 2)).toBe('lock_{id}');
    expect(groupOf('user_6ba7b810-9dad-11d1-80b4-00c04fd430c8:profile', 2)).toBe('user_{id}:profile');
    expect(groupOf('rate_limit:api:9f86d081884c7d65a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 3)).toBe('rate_limit:api:{id}');
    expect(groupOf('report_2024_q3', 1)).toBe('report_{id}_q3');
    expect(groupOf('user_profiles:v2', 2)).toBe('user_profiles:v2');
    expect(groupOf('stampede_lock:user:12', 3)).toBe('stampede_lock:user:{id}');
  });
});

describe('formats from the first bytes', () => {
  it('text never passes for a compressed value, and few random bytes do', () => {
    const printable = (n: number) => Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(Math.random() * 95))).join('');
    for (let i = 0; i < 5000; i++) expect(sniffFormat(Buffer.from(printable(1 + (i % 16))))).not.toMatch(/lz4|lzf|zstd|gzip/);
    let named = 0;
    for (let i = 0; i < 5000; i++) if (/lz4|lzf/.test(sniffFormat(randomBytes(16))!)) named++;
    // A CRC-8 match (1 in 256) with a length under 512 MiB (1 in 8) and literals: about 2 in 5000.
    expect(named).toBeLessThan(25);
  });
});

const stores: Array<[string, () => Record<string, string>]> = [
  ['file', () => ({})],
  ['redis', () => ({ CACHE_DRIVER: 'redis', REDIS_HOST: HOST, REDIS_PORT: String(redis.port) })],
  ['memcached', () => ({ CACHE_DRIVER: 'memcached', MEMCACHED_HOST: HOST, MEMCACHED_PORT: String(memcached.port) })],
];

describe.each(stores)('cache:inspect on %s', (name, env) => {
  const project = tempProject();
  afterAll(() => project.cleanup());
  const cli = (args: string[], input?: string) => glueful(args, { cwd: project.dir, env: env(), input });
  const inspect = async (args: string[] = []) => JSON.parse((await cli(['cache:inspect', '--json', ...args])).stdout);

  beforeAll(async () => {
    await cli(['cache:clear', '--force']);
    // 40 users with a 30 min TTL, 12 sessions without, one big report: known counts, TTLs, sizes.
    const writes: Array<Promise<unknown>> = [];
    for (let i = 0; i < 40; i++) writes.push(cli(['cache:set', `user:${1000 + i}`, `{"name":"user ${i}"}`, '--json-value', '--ttl', '30m']));
    for (let i = 0; i < 12; i++) writes.push(cli(['cache:set', `session:${(0xabcdef00 + i).toString(16)}`, 'x'.repeat(200)]));
    writes.push(cli(['cache:set', 'report:big', '-'], 'r'.repeat(50_000)));
    await Promise.all(writes);
  }, 60_000);

  it('groups exactly without sampling, biggest first, with TTL spread and formats', async () => {
    const r = await inspect(['--top', '2']);
    expect(r).toMatchObject({ keys: 53, measured: 53, estimated: false, partial: false });
    const by = Object.fromEntries(r.groups.map((g: { group: string }) => [g.group, g]));
    expect(by['user:{id}']).toMatchObject({ keys: 40, ttl: { '<1h': 40, none: 0 } });
    expect(by['session:{id}']).toMatchObject({ keys: 12, ttl: { none: 12 } });
    expect(by['report:big']).toMatchObject({ keys: 1 });
    expect(r.groups[0].group).toBe('report:big');
    expect(by['report:big'].bytes).toBeGreaterThanOrEqual(50_000);
    expect(by['session:{id}'].bytes).toBeGreaterThanOrEqual(12 * 200);
    expect(r.top.map((k: { key: string }) => k.key)[0]).toBe('report:big');
    expect(r.top).toHaveLength(2);
    expect(by['user:{id}'].formats).toEqual({ json: 40 }); // memcached too: the value says json, as cache:get does
    const shares = r.groups.reduce((t: number, g: { share: number }) => t + g.share, 0);
    expect(shares).toBeGreaterThan(0.999);
    expect(shares).toBeLessThan(1.001);
  });

  it.skipIf(name === 'file')('--sample measures one key in n and marks the figures as estimates', async () => {
    const r = await inspect(['--sample', '4']);
    expect(r).toMatchObject({ estimated: true, keysEstimated: false, keys: 53 });
    expect(r.measured).toBeLessThan(20);
    const users = r.groups.find((g: { group: string }) => g.group === 'user:{id}');
    expect(users.keys).toBe(40);
  });

  it.runIf(name === 'file')('--sample reads one entry in n of the listing: key counts are estimates too', async () => {
    const r = await inspect(['--sample', '4']);
    // 53 .meta files, every 4th of the listing read: 14 keys, each standing for 4.
    expect(r).toMatchObject({ estimated: true, keysEstimated: true, measured: 14, keys: 56 });
    expect(r.groups.reduce((t: number, g: { keys: number }) => t + g.keys, 0)).toBe(56);
    for (const g of r.groups) expect(g.keys % 4).toBe(0);
    const human = await cli(['cache:inspect', '--sample', '4']);
    expect(human.stderr + human.stdout).toMatch(/~56 keys, ~[\d.]+ \w+ .*one entry in 4 read: key counts and figures are estimates/);
  });

  it('a pattern narrows it; --csv prints the groups', async () => {
    expect((await inspect(['user:*'])).keys).toBe(40);
    const csv = (await cli(['cache:inspect', 'session:*', '--csv'])).stdout.trim().split('\n');
    expect(csv[0]).toBe('group,keys,bytes,share,ttl none,ttl <1m,ttl <1h,ttl <1d,ttl longer,formats');
    expect(csv[1]).toMatch(/^session:\{id\},12,\d+,1,12,0,0,0,0,/);
  });
});

describe('cache:inspect on a Redis Cluster and with a budget', () => {
  it('every master is walked; a tiny budget ends partial', async () => {
    const project = tempProject();
    try {
      const env = { CACHE_DRIVER: 'redis', REDIS_HOST: HOST, REDIS_PORT: String(cluster[0]!.port) };
      const { writeFileSync } = await import('node:fs');
      const { join } = await import('node:path');
      writeFileSync(join(project.dir, 'cache.config.json'), JSON.stringify({ default: 'redis', stores: { redis: { cluster: cluster.map((n) => `${HOST}:${n.port}`) } } }));
      for (let i = 0; i < 30; i++) await glueful(['cache:set', `item:${i}`, `v${i}`], { cwd: project.dir, env });
      const r = JSON.parse((await glueful(['cache:inspect', '--json'], { cwd: project.dir })).stdout);
      expect(r.groups).toEqual([expect.objectContaining({ group: 'item:{id}', keys: 30, measured: 30 })]);
      const partial = JSON.parse((await glueful(['cache:inspect', '--json', '--budget', '0.001'], { cwd: project.dir })).stdout);
      expect(partial.partial).toBe(true);
      expect(partial.keys).toBeLessThanOrEqual(30);
    } finally {
      project.cleanup();
    }
  });
});

describe('cache:inspect on a distributed ring', () => {
  it('walks each node on its own server: per-node figures that add up to the merged ones; a node down is named, exit 7', async () => {
    const nodes = await Promise.all([startRedis(), startRedis()]);
    const project = tempProject();
    try {
      const { writeFileSync } = await import('node:fs');
      const { join } = await import('node:path');
      const config = { prefix: 'ring_', distributed: { enabled: true, nodes: nodes.map((n) => ({ driver: 'redis', host: HOST, port: n.port, timeout: 1 })), health: { max_failures: 100 } } };
      writeFileSync(join(project.dir, 'cache.config.json'), JSON.stringify(config));
      const { createStore, loadConfig } = await import('../src/index.js');
      const { store } = await createStore(await loadConfig({ cwd: project.dir, env: {} }));
      await store.setMultiple(Array.from({ length: 60 }, (_, i) => [`item:${i}`, 'v'.repeat(100)] as [string, string]));
      await store.set('config:app', { name: 'demo' });
      await store.dispose();

      const result = await glueful(['cache:inspect', '--json'], { cwd: project.dir });
      expect(result.code, result.stderr).toBe(0);
      const r = JSON.parse(result.stdout);
      expect(r.groups.map((g: { group: string; keys: number }) => [g.group, g.keys])).toEqual([['item:{id}', 60], ['config:app', 1]]);
      expect(r.nodes.map((n: { node: string }) => n.node)).toEqual(nodes.map((n) => `redis://${HOST}:${n.port}`));
      const dbsize = nodes.map((n) => Number(redisCli(n.port, ['dbsize'])));
      expect(r.nodes.map((n: { keys: number }) => n.keys)).toEqual(dbsize); // each node's own keys, counted on its server
      expect(dbsize.every((n) => n > 0)).toBe(true);
      expect(r.nodes.reduce((t: number, n: { bytes: number }) => t + n.bytes, 0)).toBe(r.bytes);

      await nodes[1]!.kill();
      const down = await glueful(['cache:inspect', '--json'], { cwd: project.dir });
      expect(down.code).toBe(7);
      const partial = JSON.parse(down.stdout);
      expect(partial.partial).toBe(true);
      expect(partial.nodes[0]).toMatchObject({ keys: dbsize[0] });
      expect(partial.nodes[1].error).toMatch(new RegExp(`${HOST}:${nodes[1]!.port}`));
    } finally {
      project.cleanup();
      await Promise.all(nodes.map((n) => n.stop()));
    }
  }, 60_000);
});

describe('cache:inspect names memcached values as the other stores do', () => {
  it('json: values php-memcached stored plain, FastLZ- or zlib-compressed are json, json+fastlz, json+zlib', async () => {
    const project = tempProject();
    try {
      const big = JSON.stringify({ rows: Array.from({ length: 300 }, (_, i) => ({ id: i, name: `row ${i}` })) });
      execFileSync('php', ['-r', `
        $m = new Memcached(); $m->addServer('127.0.0.1', ${memcached.port});
        $m->set('mc:small', 'json:' . json_encode(['a' => 1]));
        $m->set('mc:fastlz', 'json:' . ${JSON.stringify(big)});
        $m->setOption(Memcached::OPT_COMPRESSION_TYPE, Memcached::COMPRESSION_ZLIB);
        $m->set('mc:zlib', 'json:' . ${JSON.stringify(big)});
        $m->set('mc:php', 'php:' . serialize(new stdClass()));
        $m->set('mc:text', 'hello');
        $m->set('mc:count', 42);`]);
      const env = { CACHE_DRIVER: 'memcached', MEMCACHED_HOST: HOST, MEMCACHED_PORT: String(memcached.port), CACHE_PREFIX: '' };
      const run = await glueful(['cache:inspect', 'mc:*', '--depth', '2', '--json'], { cwd: project.dir, env });
      expect(run.code).toBe(0);
      const formats = Object.fromEntries(JSON.parse(run.stdout).groups.map((g: { group: string; formats: object }) => [g.group, g.formats]));
      expect(formats).toEqual({
        'mc:small': { json: 1 },
        'mc:fastlz': { 'json+fastlz': 1 },
        'mc:zlib': { 'json+zlib': 1 },
        'mc:php': { php: 1 },
        'mc:text': { string: 1 },
        'mc:count': { long: 1 },
      });
      const got = JSON.parse((await glueful(['cache:get', 'mc:fastlz', '--json'], { cwd: project.dir, env })).stdout);
      expect(got).toMatchObject({ format: 'json', compression: 'fastlz' });
    } finally {
      project.cleanup();
    }
  });
});
