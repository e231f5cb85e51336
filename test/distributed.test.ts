/**
 * The distributed store over three real redis-server and three real
 * memcached nodes: ring balance and stability, placement agreement between
 * processes, failover when a node dies mid-load and rejoin after
 * recovery_time, fan-out that never hides an unreachable node.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheStore } from '../src/core/contract.js';
import { loadDriver } from '../src/drivers/registry.js';
import { NamespacedStore } from '../src/core/namespaced-store.js';
import { HashRing } from '../src/drivers/distributed/hash-ring.js';
import { DistributedDriver, type DistributedDriverOptions } from '../src/drivers/distributed/index.js';
import { loadConfig } from '../src/config/load.js';
import { createStore } from '../src/store.js';
import { glueful, tempProject } from './helpers/cli.js';
import { HOST, redisCli, startMemcached, startRedis, type ServerHandle } from './helpers/servers.js';
import { runStoreContract } from './helpers/store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'glueful-distributed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const stores: CacheStore[] = [];
afterAll(async () => {
  await Promise.all(stores.map((s) => s.dispose()));
});

function distributed(options: Partial<DistributedDriverOptions> & Pick<DistributedDriverOptions, 'nodes'>, prefix = 'd:'): CacheStore {
  const store = new NamespacedStore(
    new DistributedDriver({ stateFile: join(dir, `health-${Math.random()}.json`), ...options }, { loadDriver }),
    { name: 'distributed', prefix },
  );
  stores.push(store);
  return store;
}

describe('the ring', () => {
  const ids = ['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379', 'redis://10.0.0.3:6379'];

  it('spreads 100 k keys within ±10% of each node\'s weighted share at 150 virtual nodes', () => {
    const ring = new HashRing([{ id: ids[0]!, weight: 1 }, { id: ids[1]!, weight: 1 }, { id: ids[2]!, weight: 2 }], 150);
    const counts = [0, 0, 0];
    for (let i = 0; i < 100_000; i++) counts[ring.walk(`user:${i}`, 1)[0]!]!++;
    const expected = [25_000, 25_000, 50_000];
    counts.forEach((c, i) => expect(Math.abs(c - expected[i]!) / expected[i]!).toBeLessThan(0.1));
  });

  it('removing one of N nodes moves only its keys: no more than 1/N + 2%', () => {
    const three = new HashRing(ids.map((id) => ({ id, weight: 1 })), 150);
    const two = new HashRing(ids.slice(0, 2).map((id) => ({ id, weight: 1 })), 150);
    let moved = 0;
    for (let i = 0; i < 100_000; i++) {
      const key = `k:${i}`;
      const before = ids[three.walk(key, 1)[0]!];
      const after = ids[two.walk(key, 1)[0]!];
      if (before !== after) {
        moved++;
        expect(before).toBe(ids[2]); // keys move only off the removed node
      }
    }
    expect(moved / 100_000).toBeLessThanOrEqual(1 / 3 + 0.02);
  });
});

describe('on three redis nodes', () => {
  let nodes: ServerHandle[];
  beforeAll(async () => {
    nodes = await Promise.all([startRedis(), startRedis(), startRedis()]);
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });
  const spec = () => nodes.map((n) => ({ driver: 'redis', host: HOST, port: n.port, timeout: 0.5 }));

  runStoreContract('distributed (3 redis nodes)', { create: async (prefix) => distributed({ nodes: spec() }, prefix) });

  it('places keys the same way in another process (the CLI) as in this one', async () => {
    const project = tempProject();
    try {
      writeFileSync(
        join(project.dir, 'cache.config.json'),
        JSON.stringify({ prefix: 'agree:', distributed: { enabled: true, nodes: spec() } }),
      );
      for (let i = 0; i < 30; i++) expect((await glueful(['cache:set', `k${i}`, `v${i}`], { cwd: project.dir })).code).toBe(0);
      const ring = new HashRing(spec().map((n) => ({ id: `redis://${HOST}:${n.port}`, weight: 1 })), 150);
      for (let i = 0; i < 30; i++) {
        const owner = nodes[ring.walk(`agree:k${i}`, 1)[0]!]!;
        expect(redisCli(owner.port, ['get', `agree:k${i}`])).toBe(`json:"v${i}"`);
      }
      const status = JSON.parse((await glueful(['cache:status', '--json'], { cwd: project.dir })).stdout);
      expect(status.driver).toBe('distributed');
      expect(status.nodes).toHaveLength(3);
      expect(status.nodes.map((n: { state: string }) => n.state)).toEqual(['up', 'up', 'up']);
    } finally {
      project.cleanup();
    }
  });

  it('the seed\'s distributed block as written: the ring is the store even with default: redis; its keys take effect or say why not', async () => {
    const project = tempProject();
    try {
      // The shape the seed prints under "Distributed Cache Configuration" (nodes without a driver use `default`).
      const seed = {
        default: 'redis',
        prefix: 'seed:',
        distributed: {
          enabled: true,
          replication: 'consistent-hashing',
          strategies: { 'consistent-hashing': { virtual_nodes: 150, hash_function: 'md5' }, 'round-robin': { sticky_sessions: true } },
          nodes: nodes.map((n, i) => ({ id: `cache-${i + 1}`, host: HOST, port: n.port, weight: 1, role: i === 0 ? 'primary' : 'replica' })),
          failover: { enabled: true, timeout: 1, retry_after: 30 },
          health: { enabled: true, check_interval: 30, timeout: 1, max_failures: 3, recovery_time: 60 },
        },
      };
      writeFileSync(join(project.dir, 'cache.config.json'), JSON.stringify(seed));
      for (let i = 0; i < 30; i++) expect((await glueful(['cache:set', `k${i}`, `v${i}`], { cwd: project.dir })).code).toBe(0);
      const ring = new HashRing(nodes.map((_, i) => ({ id: `cache-${i + 1}`, weight: 1 })), 150);
      const holders = new Set<number>();
      for (let i = 0; i < 30; i++) {
        const owner = ring.walk(`seed:k${i}`, 1)[0]!;
        holders.add(owner);
        expect(redisCli(nodes[owner]!.port, ['get', `seed:k${i}`])).toBe(`json:"v${i}"`);
      }
      expect(holders.size).toBe(3); // spread over the ring, not all on one node
      const result = await glueful(['cache:status', '--json'], { cwd: project.dir });
      expect(result.stderr).toBe(''); // every key of the seed's block is known: no "unknown setting" warning
      const status = JSON.parse(result.stdout);
      expect(status).toMatchObject({ store: 'distributed', driver: 'distributed' });
      expect(status.nodes.map((n: { node: string }) => n.node)).toEqual(['cache-1', 'cache-2', 'cache-3']);
      expect(status.notices).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^distributed\.health\.check_interval does not apply here: a command has no background thread/),
          expect.stringMatching(/^distributed\.nodes\[0\]\.role does not apply here/),
        ]),
      );
      expect((await glueful(['cache:status'], { cwd: project.dir })).stdout).toMatch(/Settings that do not apply here\n {2}distributed\./);
    } finally {
      project.cleanup();
    }
  });

  runStoreContract('distributed round-robin (3 redis nodes)', {
    create: async (prefix) => distributed({ nodes: spec(), placement: 'round-robin' }, prefix),
  });
  runStoreContract('distributed round-robin, not sticky (3 redis nodes)', {
    create: async (prefix) => distributed({ nodes: spec(), placement: 'round-robin', stickySessions: false }, prefix),
  });

  it('round-robin across processes: writes take turns over the nodes, every process finds every key, an overwrite leaves no stale copy', async () => {
    const project = tempProject();
    try {
      const config = { prefix: 'rr:', distributed: { enabled: true, replication: 'round-robin', strategies: { 'round-robin': { sticky_sessions: false } }, nodes: spec() } };
      writeFileSync(join(project.dir, 'cache.config.json'), JSON.stringify(config));
      // 4 processes at once, 6 keys each.
      const writers = Array.from({ length: 4 }, (_, w) =>
        (async () => {
          for (let i = 0; i < 6; i++) expect((await glueful(['cache:set', `w${w}:k${i}`, `v${w}.${i}`], { cwd: project.dir })).code).toBe(0);
        })(),
      );
      await Promise.all(writers);
      const perNode = nodes.map((n) => Number(redisCli(n.port, ['eval', "return #redis.call('scan', 0, 'match', 'rr:*', 'count', 10000)[2]", '0'])));
      expect(perNode.reduce((a, b) => a + b, 0)).toBe(24); // one copy of each key
      for (const count of perNode) expect(count).toBeGreaterThanOrEqual(4); // spread, not piled on one node
      const read = await glueful(['cache:get', 'w3:k5'], { cwd: project.dir });
      expect(read.stdout).toBe('v3.5\n');
      // Overwritten from another process: the old copy is gone wherever it was.
      expect((await glueful(['cache:set', 'w0:k0', 'new'], { cwd: project.dir })).code).toBe(0);
      expect((await glueful(['cache:get', 'w0:k0'], { cwd: project.dir })).stdout).toBe('new\n');
      const copies = nodes.filter((n) => redisCli(n.port, ['exists', 'rr:w0:k0']) === '1');
      expect(copies).toHaveLength(1);
      const status = JSON.parse((await glueful(['cache:status', '--json'], { cwd: project.dir })).stdout);
      expect(status.info.mode).toBe('distributed (round-robin)');
      expect(status.keys).toBe(24);
      // The spread: each node's share of the keys the ring holds (its whole database, as status counts per node).
      const sizes = nodes.map((n) => Number(redisCli(n.port, ['dbsize'])));
      const total = sizes.reduce((a, b) => a + b, 0);
      expect(status.nodes.map((n: { share: string }) => n.share)).toEqual(sizes.map((c) => `${((c / total) * 100).toFixed(1)}%`));
    } finally {
      project.cleanup();
    }
  });

  it('a node killed during writes: writes go on elsewhere after max_failures; it rejoins after recovery_time', async () => {
    const victim = await startRedis();
    const port = victim.port;
    const store = distributed({ nodes: [...spec(), { driver: 'redis', host: HOST, port, timeout: 0.3 }], maxFailures: 2, recoveryTime: 2 }, 'fo:');
    let failed = 0;
    let written = 0;
    for (let i = 0; i < 400; i++) {
      if (i === 100) await victim.kill();
      try {
        await store.set(`k${i}`, i);
        written++;
      } catch {
        failed++;
      }
    }
    // Only the writes that met the dead node before it was taken out failed.
    expect(failed).toBeLessThanOrEqual(2);
    expect(written).toBe(400 - failed);
    const stats = await store.getStats();
    expect(stats.nodes!.find((n) => n.node === `redis://${HOST}:${port}`)).toMatchObject({ state: 'down' });
    const restarted = await startRedis([], { port });
    try {
      await sleep(2100);
      await store.set('after-recovery', 1);
      for (let i = 0; i < 50; i++) await store.set(`again${i}`, i);
      expect(Number(redisCli(port, ['dbsize']))).toBeGreaterThan(0);
      expect((await store.getStats()).nodes!.every((n) => n.state === 'up')).toBe(true);
    } finally {
      await restarted.stop();
    }
  });

  it('a fan-out with a node down is exit 7 naming the node, never a silent partial success', async () => {
    const lonely = await startRedis();
    const port = lonely.port;
    const project = tempProject();
    try {
      writeFileSync(
        join(project.dir, 'cache.config.json'),
        JSON.stringify({ distributed: { enabled: true, nodes: [...spec(), { driver: 'redis', host: HOST, port }], health: { timeout: 0.5 } } }),
      );
      await lonely.kill();
      const result = await glueful(['cache:purge', '*', '--force'], { cwd: project.dir });
      expect(result.code).toBe(7);
      expect(result.stderr).toMatch(new RegExp(`reached 3 of 4 nodes; failed: redis://127\\.0\\.0\\.1:${port}`));
      // status still draws the ring, marks the dead node, and exits 7 rather than calling the store unreachable
      const status = await glueful(['cache:status', '--json'], { cwd: project.dir });
      expect(status.code).toBe(7);
      const report = JSON.parse(status.stdout);
      expect(report).toMatchObject({ healthy: true, unreachable: [`redis://${HOST}:${port}`] });
      expect(report.nodes.map((n: { state: string }) => n.state)).toEqual(['up', 'up', 'up', 'down']);
      expect(report.alerts.join('\n')).toMatch(new RegExp(`node redis://127\\.0\\.0\\.1:${port} is down`));
    } finally {
      project.cleanup();
      await lonely.stop();
    }
  });
});

/** A set's exit code and what it said besides its one "stored" line (nothing, when all went well). */
const stored = (result: { code: number | null; stderr: string }) => ({ code: result.code, stderr: result.stderr.replace(/^stored '[^']*' \(.*\)\n/, '') });

/**
 * The seed's "Distributed Cache Configuration" block, verbatim: PHP's
 * `config/distributed_cache.php` written in our config syntax (a
 * cache.config.ts, env() as Glueful's), `'failover' => true` and all. Only
 * the nodes' addresses come from the environment, on real servers.
 */
function seedBlock(replication: string): string {
  return `const env = (key: string, fallback: unknown) => process.env[key] ?? fallback;

// config/distributed_cache.php
export default {
  distributed: {
    enabled: env('DISTRIBUTED_CACHE_ENABLED', false),

    nodes: [
      {
        host: env('CACHE_NODE1_HOST', '192.168.1.10'),
        port: env('CACHE_NODE1_PORT', 6379),
        weight: 100,
        role: 'primary',
      },
      {
        host: env('CACHE_NODE2_HOST', '192.168.1.11'),
        port: env('CACHE_NODE2_PORT', 6379),
        weight: 100,
        role: 'replica',
      },
      {
        host: env('CACHE_NODE3_HOST', '192.168.1.12'),
        port: env('CACHE_NODE3_PORT', 6379),
        weight: 50,
        role: 'replica',
      },
    ],

    replication: '${replication}',
    failover: true,

    strategies: {
      'consistent-hashing': {
        virtual_nodes: 150,
        hash_function: 'md5',
      },
      'round-robin': {
        sticky_sessions: true,
      },
    },

    health: {
      enabled: true,
      check_interval: 30,
      timeout: 5,
      max_failures: 3,
      recovery_time: 300,
    },
  },
};
`;
}

/** glueful/framework's own `distributed` block (config/cache.php), with CACHE_REPLICATION_STRATEGY given and a third node. */
function frameworkBlock(strategy: string): string {
  return `const env = (key: string, fallback: unknown) => process.env[key] ?? fallback;

export default {
  distributed: {
    enabled: env('DISTRIBUTED_CACHE_ENABLED', false),
    strategy: env('CACHE_REPLICATION_STRATEGY', 'consistent-hashing'),
    replicas: env('CACHE_REPLICAS', 2),
    failover: {
      enabled: env('CACHE_FAILOVER_ENABLED', true),
      timeout: env('CACHE_FAILOVER_TIMEOUT', 5),
      retry_after: env('CACHE_FAILOVER_RETRY', 30),
    },
    nodes: [
      { id: 'cache-01', driver: 'redis', host: env('REDIS_HOST_1', '127.0.0.1'), port: env('REDIS_PORT_1', 6379), password: env('REDIS_PASSWORD_1', null), weight: 1 },
      { id: 'cache-02', driver: 'redis', host: env('REDIS_HOST_2', '127.0.0.1'), port: env('REDIS_PORT_2', 6380), password: env('REDIS_PASSWORD_2', null), weight: 1 },
      { id: 'cache-03', driver: 'redis', host: env('REDIS_HOST_3', '127.0.0.1'), port: env('REDIS_PORT_3', 6381), password: env('REDIS_PASSWORD_3', null), weight: 1 },
    ],
  },
};
`.replace("env('CACHE_REPLICATION_STRATEGY', 'consistent-hashing')", `env('CACHE_REPLICATION_STRATEGY', '${strategy}')`);
}

describe.each([
  { shape: "the seed's block (failover => true)", block: seedBlock, ids: (ports: number[]) => ports.map((p) => `redis://${HOST}:${p}`), weights: [100, 100, 50], replicas: 0 },
  { shape: "the framework's block (failover.{enabled,timeout,retry_after}, replicas 2)", block: frameworkBlock, ids: () => ['cache-01', 'cache-02', 'cache-03'], weights: [1, 1, 1], replicas: 2 },
])('$shape', ({ block, ids, weights, replicas }) => {
  const servers: ServerHandle[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it.each(['consistent-hashing', 'round-robin'])('%s: the CLI and the library work, keys land where the ring says, a killed node is failed over and reported', async (placement) => {
    const nodes = await Promise.all([startRedis(), startRedis(), startRedis()]);
    servers.push(...nodes);
    const ports = nodes.map((n) => n.port);
    const project = tempProject();
    let store: CacheStore | undefined;
    try {
      writeFileSync(join(project.dir, 'cache.config.ts'), block(placement));
      const env: Record<string, string> = { DISTRIBUTED_CACHE_ENABLED: 'true' };
      ports.forEach((port, i) => Object.assign(env, { [`CACHE_NODE${i + 1}_HOST`]: HOST, [`CACHE_NODE${i + 1}_PORT`]: String(port), [`REDIS_HOST_${i + 1}`]: HOST, [`REDIS_PORT_${i + 1}`]: String(port) }));
      const cli = (args: string[]) => glueful(args, { cwd: project.dir, env });
      // The same configuration in this process (what the CLI loads), for the many small operations;
      // the config file reads process.env itself, so the nodes' variables are set while it loads.
      const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
      Object.assign(process.env, env);
      try {
        store = (await createStore(await loadConfig({ cwd: project.dir, env: process.env }))).store;
      } finally {
        for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
      }
      expect(store.location).not.toMatch(/192\.168|:638[01]\b|:6379\b/);

      expect(stored(await cli(['cache:set', 'k0', 'v0']))).toEqual({ code: 0, stderr: '' });
      for (let i = 1; i < 24; i++) await store.set(`k${i}`, `v${i}`);
      const status = await cli(['cache:status', '--json']);
      expect(status.code, status.stderr).toBe(0);
      const report = JSON.parse(status.stdout);
      // Round-robin writes each key once (replicas are for the ring); status counts every copy.
      const perKey = placement === 'round-robin' ? 1 : 1 + replicas;
      expect(report).toMatchObject({ store: 'distributed', healthy: true, unreachable: [], keys: 24 * perKey });
      expect(report.nodes.map((n: { node: string; weight: number }) => [n.node, n.weight])).toEqual(ids(ports).map((id, i) => [id, weights[i]]));
      /** The keys each node holds (one SCAN per node). */
      const held = (of: ServerHandle[]) => of.map((n) => new Set(redisCli(n.port, ['--scan', '--pattern', 'glueful_*']).split('\n').filter(Boolean)));
      const before = held(nodes);
      const copies = (key: string) => before.filter((keys) => keys.has(`glueful_${key}`)).length;
      if (placement === 'consistent-hashing') {
        const ring = new HashRing(ids(ports).map((id, i) => ({ id, weight: weights[i]! })), 150);
        for (let i = 0; i < 24; i++) {
          expect(before[ring.walk(`glueful_k${i}`, 1)[0]!]!.has(`glueful_k${i}`)).toBe(true);
          expect(copies(`k${i}`)).toBe(perKey);
        }
      } else {
        for (let i = 0; i < 24; i++) expect(copies(`k${i}`)).toBe(1);
        for (const keys of before) expect(keys.size).toBeGreaterThan(0); // taking turns
      }
      expect(await cli(['cache:get', 'k3'])).toMatchObject({ code: 0, stdout: 'v3\n' });

      // One node dies.
      await nodes[2]!.kill();
      const survivors = nodes.slice(0, 2);
      // Writes go on: a key whose node is dead goes to the next one, and is read back.
      expect(stored(await cli(['cache:set', 'after0', 'a0']))).toEqual({ code: 0, stderr: '' });
      expect(await cli(['cache:get', 'after0'])).toMatchObject({ code: 0, stdout: 'a0\n' });
      for (let i = 1; i < 16; i++) await store.set(`after${i}`, `a${i}`);
      const kept = held(survivors);
      for (let i = 0; i < 16; i++) {
        expect(await store.get(`after${i}`)).toBe(`a${i}`);
        expect(kept.some((keys) => keys.has(`glueful_after${i}`))).toBe(true);
      }
      // The keys that lived on the survivors are all still read; with replicas, every key is.
      for (let i = 0; i < 24; i++) {
        const onSurvivor = kept.some((keys) => keys.has(`glueful_k${i}`));
        expect({ key: i, value: await store.get(`k${i}`) }).toEqual({ key: i, value: onSurvivor ? `v${i}` : undefined });
        if (perKey > 1) expect(onSurvivor).toBe(true);
      }
      // Health: the dead node has left the ring after max_failures (3), and status names it: exit 7, never a silent success.
      const after = await cli(['cache:status', '--json']);
      expect(after.code).toBe(7);
      const health = JSON.parse(after.stdout);
      expect(health.unreachable).toEqual([ids(ports)[2]]);
      expect(health.nodes[2].state).toBe('down');
      expect(health.nodes[2].failures).toBeGreaterThanOrEqual(3);
    } finally {
      await store?.dispose();
      project.cleanup();
    }
  });
});

describe('a distributed setting of an unexpected type', () => {
  it.each([
    [{ failover: 5 }, /^glueful: error: invalid configuration: distributed\.failover: expected true or false or an object, got 5$/],
    [{ failover: 'sometimes' }, /distributed\.failover: expected true or false or an object, got "sometimes"$/],
    [{ health: true }, /distributed\.health: expected an object, got true$/],
    [{ strategies: { 'consistent-hashing': 'md5' } }, /distributed\.strategies\.consistent-hashing: expected an object, got "md5"$/],
    [{ nodes: ['127.0.0.1:6379'] }, /distributed\.nodes\[0\]: expected an object \(\{ host, port, driver\?, weight\?, id\? \}\), got "127\.0\.0\.1:6379"$/],
    [{ nodes: [{ host: '127.0.0.1', port: 6379, weight: 'heavy' }] }, /distributed\.nodes\[0\]\.weight: expected a number from 0\.01 to 1000, got "heavy"$/],
  ])('%j is one line, exit 3, naming the key and what it accepts', async (bad, message) => {
    const project = tempProject();
    try {
      const distributed = { enabled: true, nodes: [{ host: HOST, port: 6379 }], ...bad };
      writeFileSync(join(project.dir, 'cache.config.json'), JSON.stringify({ distributed }));
      const result = await glueful(['cache:get', 'k'], { cwd: project.dir });
      expect(result.code).toBe(3);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr.trim()).toMatch(message);
      expect(result.stderr).not.toMatch(/TypeError|Cannot read properties/);
    } finally {
      project.cleanup();
    }
  });

  it('a health state file of another shape is no record, never a crash (a node failing is recorded over it)', async () => {
    const project = tempProject();
    const [node, gone] = await Promise.all([startRedis(), startRedis()]);
    await gone.stop();
    try {
      const state = join(project.dir, 'health.json');
      const nodes = [{ host: HOST, port: node.port }, { host: HOST, port: gone.port }];
      writeFileSync(join(project.dir, 'cache.config.json'), JSON.stringify({ distributed: { enabled: true, nodes, state_file: 'health.json' } }));
      const dead = `redis://${HOST}:${gone.port}`;
      for (const text of ['{"nodes": 5}', '{"nodes": "x"}', `{"nodes": {"${dead}": null}}`, 'null', '[1,2]', `{"${dead}": {"failures": "many", "downSince": {}}}`]) {
        writeFileSync(state, text);
        const result = await glueful(['cache:status', '--json'], { cwd: project.dir });
        expect({ text, code: result.code, stderr: result.stderr }).toEqual({ text, code: 7, stderr: '' });
        expect(JSON.parse(result.stdout).unreachable).toEqual([dead]);
        // Recorded afresh: counted failures (ping and figures), not yet out of the ring (max_failures 3).
        expect(JSON.parse(readFileSync(state, 'utf8')).nodes[dead]).toEqual({ failures: expect.any(Number), downSince: 0 });
      }
    } finally {
      project.cleanup();
      await node.stop();
    }
  });
});

describe('on three memcached nodes', () => {
  let nodes: ServerHandle[];
  beforeAll(async () => {
    nodes = await Promise.all([startMemcached(), startMemcached(), startMemcached()]);
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  runStoreContract('distributed (3 memcached nodes)', {
    create: async (prefix) => distributed({ nodes: nodes.map((n) => ({ driver: 'memcached', host: HOST, port: n.port, timeout: 1 })) }, prefix),
  });
});
