/**
 * The distributed store over three real redis-server and three real
 * memcached nodes: ring balance and stability, placement agreement between
 * processes, failover when a node dies mid-load and rejoin after
 * recovery_time, fan-out that never hides an unreachable node.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheStore } from '../src/core/contract.js';
import { loadDriver } from '../src/drivers/registry.js';
import { NamespacedStore } from '../src/core/namespaced-store.js';
import { HashRing } from '../src/drivers/distributed/hash-ring.js';
import { DistributedDriver, type DistributedDriverOptions } from '../src/drivers/distributed/index.js';
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
