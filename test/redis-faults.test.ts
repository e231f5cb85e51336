/**
 * cache:purge and cache:clear through the real CLI while the Redis server
 * fails under them: stalled past the timeout, its connections cut, killed,
 * and (on a cluster) its slots moving between masters. Every run ends in
 * bounded time, without a stack trace, with an exit code and counts that
 * agree with what the server holds afterwards: deleted <= keys gone <=
 * deleted + unknown. A second run finishes the job.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import slotOf from 'cluster-key-slot';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, glueful, tempProject, type CliResult } from './helpers/cli.js';
import type { BulkInput } from '../src/core/contract.js';
import { NamespacedStore } from '../src/core/namespaced-store.js';
import { RedisDriver } from '../src/drivers/redis/index.js';
import { adminCommand, countMatching, cutClients, dbsize, moveSlots, restartRedis, slotsOf, stall, until, untilDbsizeAtMost } from './helpers/faults.js';
import { HOST, REDIS_DEBUG, startRedis, startRedisCluster, type ServerHandle } from './helpers/servers.js';

const KEYS = 300_000;
let project: ReturnType<typeof tempProject>;
const servers: ServerHandle[] = [];
beforeAll(() => {
  project = tempProject();
});
afterAll(() => project.cleanup());
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

const env = (port: number) => ({ CACHE_DRIVER: 'redis', REDIS_HOST: HOST, REDIS_PORT: String(port), REDIS_TIMEOUT: '1' });

/** Starts the CLI at once (so the test can act on the server while it runs); settles when it exits. */
function start(args: string[], environment: Record<string, string>, timeoutMs = 20_000): Promise<CliResult & { elapsed: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: project.dir, env: cleanEnv(environment) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, elapsed: Date.now() - started });
    }),
  );
}

/** The counts of a failed --json run: `done` of its error document. */
function doneOf(result: CliResult): { deleted: number; unknown?: number } {
  const document = JSON.parse(result.stdout) as { error: { code: number; done: { deleted: number; unknown?: number } } };
  expect(document.error.code).toBe(result.code);
  return document.error.done;
}

/** What a failed run must satisfy: exit 7, no stack trace, and the printed count agreeing with the JSON one. */
function expectPartial(result: CliResult): { deleted: number; unknown: number } {
  expect(result.code, result.stderr).toBe(7);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  const done = doneOf(result);
  expect(result.stderr).toMatch(new RegExp(`stopped after deleting ${done.deleted} keys`));
  if (done.unknown) expect(result.stderr).toMatch(new RegExp(`up to ${done.unknown} more`));
  return { deleted: done.deleted, unknown: done.unknown ?? 0 };
}

/** The keys gone from the server agree with what the run said: deleted <= gone <= deleted + unknown. */
function expectAgrees(done: { deleted: number; unknown: number }, gone: number): void {
  expect(gone).toBeGreaterThanOrEqual(done.deleted);
  expect(gone).toBeLessThanOrEqual(done.deleted + done.unknown);
}

async function populated(extra: string[] = []): Promise<ServerHandle> {
  const server = await startRedis([...REDIS_DEBUG, ...extra]);
  servers.push(server);
  await adminCommand(server.port, ['DEBUG', 'POPULATE', KEYS, 'glueful_user', 8]);
  await adminCommand(server.port, ['SET', 'foreign', 'keep']);
  return server;
}

/** A rerun finishes the job and leaves the foreign key. */
async function expectRerunFinishes(port: number): Promise<void> {
  const again = await glueful(['cache:purge', 'user:*', '--force', '--json'], { cwd: project.dir, env: env(port), timeoutMs: 30_000 });
  expect(again.code, again.stderr).toBe(0);
  expect(await countMatching(port, 'glueful_user:*')).toBe(0);
  expect(String(await adminCommand(port, ['GET', 'foreign']))).toBe('keep');
}

describe('redis purge: the server fails part-way', () => {
  it('stalled past the timeout (DEBUG SLEEP): exit 7 within the timeout, the count agrees with the server after it wakes', async () => {
    const server = await populated();
    const run = start(['cache:purge', 'user:*', '--force', '--json'], env(server.port));
    await untilDbsizeAtMost(server.port, KEYS - 20_000);
    const sleeping = await stall(server.port, 2.5);
    const stalled = Date.now();
    const result = await run;
    expect(Date.now() - stalled).toBeLessThan(2400);
    const done = expectPartial(result);
    expect(result.stderr).toMatch(/timed out after 1s/);
    await sleeping.over;
    expectAgrees(done, KEYS - (await countMatching(server.port, 'glueful_user:*')));
    await expectRerunFinishes(server.port);
  });

  it('connections cut (CLIENT KILL): exit 7, the count agrees with the server', async () => {
    const server = await populated();
    const run = start(['cache:purge', 'user:*', '--force', '--json'], env(server.port));
    await untilDbsizeAtMost(server.port, KEYS - 20_000);
    await cutClients(server.port);
    const result = await run;
    const done = expectPartial(result);
    expectAgrees(done, KEYS - (await countMatching(server.port, 'glueful_user:*')));
    await expectRerunFinishes(server.port);
  });

  it('killed (kill -9, AOF fsync always): exit 7, the count agrees with the restarted server', async () => {
    const server = await populated(['--appendonly', 'yes', '--appendfsync', 'always']);
    // The populated keys reach the AOF only through a rewrite.
    await adminCommand(server.port, ['BGREWRITEAOF']);
    await until(async () => /aof_rewrite_in_progress:0[\s\S]*aof_rewrite_scheduled:0/.test(String(await adminCommand(server.port, ['INFO', 'persistence']))), 'AOF rewrite', 15_000, 50);
    const run = start(['cache:purge', 'user:*', '--force', '--json'], env(server.port));
    await untilDbsizeAtMost(server.port, KEYS - 20_000);
    await server.kill();
    const result = await run;
    const done = expectPartial(result);
    expect(result.stderr).toMatch(/the connection was closed/);
    const again = await restartRedis(server);
    servers.push(again);
    expect(await dbsize(again.port)).toBeGreaterThan(0);
    expectAgrees(done, KEYS - (await countMatching(again.port, 'glueful_user:*')));
    await expectRerunFinishes(again.port);
  });
});

describe('redis cluster: purge, clear and bulk writes while slots move between masters', () => {
  const COUNT = 30_000;
  let nodes: ServerHandle[];
  let config: string;
  beforeAll(async () => {
    nodes = await startRedisCluster(3);
    config = join(project.dir, 'cluster.json');
    writeFileSync(config, JSON.stringify({ default: 'redis', stores: { redis: { cluster: nodes.map((n) => `${HOST}:${n.port}`), timeout: 2 } } }));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  /** Keys of the cluster matching a glob, every master counted with SCAN. */
  const matching = async (glob: string) => (await Promise.all(nodes.map((n) => countMatching(n.port, glob)))).reduce((a, b) => a + b, 0);
  const total = async () => (await Promise.all(nodes.map((n) => dbsize(n.port)))).reduce((a, b) => a + b, 0);

  /** Writes `count` keys straight to the masters that own them (pipelines per master). */
  async function populate(prefix: string, count: number): Promise<void> {
    const owner = new Map<number, number>();
    for (const node of nodes) for (const slot of await slotsOf(node.port)) owner.set(slot, node.port);
    const perPort = new Map<number, string[]>();
    for (let i = 0; i < count; i++) {
      const key = `${prefix}${i}`;
      const port = owner.get(slotOf(key))!;
      const keys = perPort.get(port);
      if (keys) keys.push(key);
      else perPort.set(port, [key]);
    }
    await Promise.all(
      [...perPort].map(async ([port, keys]) => {
        const client = new Redis({ host: HOST, port });
        for (let at = 0; at < keys.length; at += 5000) {
          const pipeline = client.pipeline();
          for (const key of keys.slice(at, at + 5000)) pipeline.set(key, 'json:1');
          await pipeline.exec();
        }
        client.disconnect();
      }),
    );
  }

  /** Moves `count` slots of the first master to the second while `work` runs, once it is under way. */
  async function reshardDuring<T>(work: Promise<T>, underWay: () => Promise<void>, count = 300): Promise<{ result: T; moved: number }> {
    await underWay();
    const slots = (await slotsOf(nodes[0]!.port)).slice(0, count);
    const [result, moved] = await Promise.all([work, moveSlots(nodes[0]!, nodes[1]!, slots, { masters: nodes, keysPerMigrate: 20 })]);
    return { result, moved };
  }

  async function cli(args: string[]): Promise<CliResult & { elapsed: number }> {
    return start([...args, '--config', config, '--force', '--json'], {}, 30_000);
  }

  it('cache:purge across a reshard: exit 0, every matching key gone, the count exact', async () => {
    await populate('glueful_pat:', COUNT);
    const before = await total();
    const { result, moved } = await reshardDuring(cli(['cache:purge', 'pat:*']), () => untilTotalAtMost(before - 2000));
    expect(moved).toBeGreaterThan(0);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const report = JSON.parse(result.stdout) as { deleted: number; matched: number };
    expect(await matching('glueful_pat:*')).toBe(0);
    expect(report.deleted).toBe(COUNT);
    expect(report.matched).toBeGreaterThanOrEqual(COUNT);
    expect(await total()).toBe(before - COUNT);
    // A rerun finds nothing left.
    const again = await cli(['cache:purge', 'pat:*']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ deleted: 0 });
  });

  it('cache:clear across a reshard back: exit 0, the prefix emptied, other keys kept', async () => {
    await populate('glueful_clear:', COUNT);
    await populate('other:', 1000);
    const before = await total();
    const slots = (await slotsOf(nodes[1]!.port)).slice(0, 300);
    const run = cli(['cache:clear']);
    await untilTotalAtMost(before - 2000);
    const moved = await moveSlots(nodes[1]!, nodes[2]!, slots, { masters: nodes, keysPerMigrate: 20 });
    const result = await run;
    expect(moved).toBeGreaterThan(0);
    expect(result.code, result.stderr).toBe(0);
    expect(await matching('glueful_*')).toBe(0);
    expect(await matching('other:*')).toBe(1000);
    expect(JSON.parse(result.stdout)).toMatchObject({ deleted: COUNT });
  });

  it('bulk writes during a reshard follow MOVED and ASK: every entry written, and on the cluster', async () => {
    const store = new NamespacedStore(new RedisDriver({ cluster: nodes.map((n) => `${HOST}:${n.port}`), timeout: 2 }), { name: 'redis', prefix: 'bulk:' });
    try {
      const entries = function* (): Iterable<BulkInput> {
        for (let i = 0; i < 20_000; i++) yield [`e:${i}`, i];
      };
      const before = await total();
      const slots = (await slotsOf(nodes[2]!.port)).slice(0, 300);
      const write = store.setMultiple(entries());
      await until(async () => (await total()) >= before + 2000, 'bulk write under way');
      const [result, moved] = await Promise.all([write, moveSlots(nodes[2]!, nodes[0]!, slots, { masters: nodes, keysPerMigrate: 20 })]);
      expect(moved).toBeGreaterThan(0);
      expect(result).toMatchObject({ written: 20_000, failed: 0 });
      expect(await matching('bulk:e:*')).toBe(20_000);
    } finally {
      await store.dispose();
    }
  });

  async function untilTotalAtMost(count: number): Promise<void> {
    await until(async () => (await total()) <= count, `cluster keys <= ${count}`, 20_000, 5);
  }
});

describe('redis cluster: a master killed during a purge', () => {
  it('exit 7 with counts that agree with the cluster once the master is back (AOF), and a rerun finishes', async () => {
    const nodes = await startRedisCluster(3, ['--appendonly', 'yes', '--appendfsync', 'always']);
    const live = [...nodes];
    try {
      const config = join(project.dir, 'cluster-kill.json');
      writeFileSync(config, JSON.stringify({ default: 'redis', stores: { redis: { cluster: nodes.map((n) => `${HOST}:${n.port}`), timeout: 2 } } }));
      const owner = new Map<number, Redis>();
      const clients = nodes.map((n) => new Redis({ host: HOST, port: n.port }));
      for (const [i, node] of nodes.entries()) for (const slot of await slotsOf(node.port)) owner.set(slot, clients[i]!);
      const pipelines = new Map(clients.map((c) => [c, c.pipeline()]));
      for (let i = 0; i < 30_000; i++) pipelines.get(owner.get(slotOf(`glueful_kill:${i}`))!)!.set(`glueful_kill:${i}`, 'json:1');
      await Promise.all([...pipelines.values()].map((p) => p.exec()));
      clients.forEach((c) => c.disconnect());
      const matching = async () => (await Promise.all(live.map((n) => countMatching(n.port, 'glueful_kill:*')))).reduce((a, b) => a + b, 0);
      let ended = false;
      const run = start(['cache:purge', 'kill:*', '--config', config, '--force', '--json'], {}, 30_000).finally(() => (ended = true));
      // DBSIZE, not a SCAN, while polling: the cluster holds only these keys.
      const held = async () => (await Promise.all(live.map((n) => dbsize(n.port)))).reduce((a, b) => a + b, 0);
      await until(async () => ended || (await held()) <= 25_000, 'the purge under way', 20_000, 5);
      expect(ended, 'the purge ended before the kill').toBe(false);
      await nodes[2]!.kill();
      live.pop();
      const result = await run;
      expect(result.elapsed).toBeLessThan(15_000);
      const done = expectPartial(result);
      live.push(await restartRedis(nodes[2]!));
      await until(async () => String(await adminCommand(live[2]!.port, ['CLUSTER', 'INFO'])).includes('cluster_state:ok'), 'cluster ok again', 20_000, 100);
      expectAgrees(done, 30_000 - (await matching()));
      const again = await start(['cache:purge', 'kill:*', '--config', config, '--force', '--json'], {}, 30_000);
      expect(again.code, again.stderr).toBe(0);
      expect(await matching()).toBe(0);
    } finally {
      await Promise.all(live.map((n) => n.stop()));
    }
  });
});
