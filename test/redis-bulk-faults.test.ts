/**
 * The Redis bulk write (the mass-insertion path warmups use) when the
 * server fails under it: killed, failed over by Sentinel, out of memory,
 * stalled, its connections cut. The write always ends, within the store's
 * timeout, with counts that agree with what the server holds afterwards:
 * written <= keys on the server <= written + unknown.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BulkInput, BulkWriteResult, CacheStore } from '../src/core/contract.js';
import { PartialFailureError, StoreUnavailableError } from '../src/core/errors.js';
import { NamespacedStore } from '../src/core/namespaced-store.js';
import { RedisDriver, type RedisDriverOptions } from '../src/drivers/redis/index.js';
import {
  cutClients,
  dbsize,
  failOver,
  killWhen,
  restartRedis,
  setMaxmemory,
  stall,
  untilDbsizeAtLeast,
  untilReplicated,
  usedMemory,
} from './helpers/faults.js';
import { HOST, REDIS_DEBUG, startRedis, startSentinel, type ServerHandle } from './helpers/servers.js';

const ENTRIES = 200_000;
const servers: ServerHandle[] = [];
const stores: CacheStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.dispose()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function redis(extra: string[] = []): Promise<ServerHandle> {
  const server = await startRedis(extra);
  servers.push(server);
  return server;
}

function store(options: RedisDriverOptions): CacheStore {
  const created = new NamespacedStore(new RedisDriver({ timeout: 1, ...options }), { name: 'redis', prefix: 'w:' });
  stores.push(created);
  return created;
}

function* entries(count = ENTRIES): Iterable<BulkInput> {
  for (let i = 0; i < count; i++) yield [`k:${i}`, i, { ttl: 3600 }];
}

/** The write's outcome, or its error, and how long it took; fails the test when it does not end within `ms`. */
async function bounded(write: Promise<BulkWriteResult>, ms: number): Promise<{ result?: BulkWriteResult; error?: unknown; elapsed: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the bulk write did not end within ${ms} ms`)), ms);
  });
  try {
    const result = await Promise.race([write, hang]);
    return { result, elapsed: Date.now() - started };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('the bulk write did not end')) throw error;
    return { error, elapsed: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** The counts a failed write reports. */
function countsOf(error: unknown): { written: number; failed: number; unknown: number } {
  expect(error).toBeInstanceOf(PartialFailureError);
  const done = (error as PartialFailureError).done as { written: number; failed: number; unknown: number };
  expect(done).toEqual({ written: expect.any(Number), failed: expect.any(Number), unknown: expect.any(Number) });
  expect(done.written + done.failed + done.unknown).toBeLessThanOrEqual(ENTRIES);
  return done;
}

describe('redis bulk write: faults', () => {
  it('kill -9 mid-write: an error with counts, never a silent end; the counts agree with the server after restart', async () => {
    // appendfsync always: what the server confirmed is on disk, so a restart shows it.
    const server = await redis(['--appendonly', 'yes', '--appendfsync', 'always']);
    const write = store({ port: server.port }).setMultiple(entries());
    const [outcome] = await Promise.all([bounded(write, 10_000), killWhen(server, () => untilDbsizeAtLeast(server.port, 40_000))]);
    expect(outcome.error, 'the write must fail').toBeDefined();
    const done = countsOf(outcome.error);
    expect(done.written).toBeGreaterThan(0);
    expect((outcome.error as Error).message).toMatch(/stopped after writing \d+ entries.*cannot use redis at 127\.0\.0\.1:\d+: the connection was closed/);
    const again = await restartRedis(server);
    servers.push(again);
    const held = await dbsize(again.port);
    expect(held).toBeGreaterThanOrEqual(done.written);
    expect(held).toBeLessThanOrEqual(done.written + done.unknown);
  });

  it('a stalled server (DEBUG SLEEP 2.5 s, timeout 1 s) ends the write with an error within the timeout', async () => {
    const server = await redis(REDIS_DEBUG);
    const write = bounded(store({ port: server.port }).setMultiple(entries()), 8000);
    await untilDbsizeAtLeast(server.port, 40_000);
    const sleeping = await stall(server.port, 2.5);
    const stalled = Date.now();
    const outcome = await write;
    expect(Date.now() - stalled).toBeLessThan(2400);
    const done = countsOf(outcome.error);
    expect((outcome.error as Error).message).toMatch(/timed out after 1s/);
    await sleeping.over;
    // Commands the server had read before the stall still run after it.
    const held = await dbsize(server.port);
    expect(held).toBeGreaterThanOrEqual(done.written);
    expect(held).toBeLessThanOrEqual(done.written + done.unknown);
  });

  it('connections cut (CLIENT KILL) mid-write: an error with counts that agree with the server', async () => {
    const server = await redis();
    const write = bounded(store({ port: server.port }).setMultiple(entries()), 8000);
    await untilDbsizeAtLeast(server.port, 40_000);
    await cutClients(server.port);
    const outcome = await write;
    const done = countsOf(outcome.error);
    const held = await dbsize(server.port);
    expect(held).toBeGreaterThanOrEqual(done.written);
    expect(held).toBeLessThanOrEqual(done.written + done.unknown);
  });

  it('out of memory (maxmemory + noeviction): the refused entries are counted as failed and the write goes on to the end', async () => {
    const server = await redis();
    await setMaxmemory(server.port, (await usedMemory(server.port)) + 4 * 1024 * 1024);
    const outcome = await bounded(store({ port: server.port }).setMultiple(entries(100_000)), 10_000);
    expect(outcome.error).toBeUndefined();
    const result = outcome.result!;
    expect(result.written).toBeGreaterThan(0);
    expect(result.failed).toBeGreaterThan(0);
    expect(result.written + result.failed).toBe(100_000);
    expect(result.unknown ?? 0).toBe(0);
    expect(result.errors[0]).toMatch(/^-?OOM /);
    expect(await dbsize(server.port)).toBe(result.written);
  });

  it('nothing written before the server went: a StoreUnavailableError that still gives the counts', async () => {
    const server = await redis(REDIS_DEBUG);
    const target = store({ port: server.port });
    await target.getKeyCount(); // ioredis connected, so only the mass-insert socket meets the stall
    const sleeping = await stall(server.port, 2);
    const outcome = await bounded(target.setMultiple(entries(10_000)), 3000);
    expect(outcome.error).toBeInstanceOf(StoreUnavailableError);
    expect((outcome.error as Error).message).toMatch(/timed out after 1s \(\d+ sent without a reply, which may or may not be stored\)/);
    const done = (outcome.error as { done?: { written: number; failed: number; unknown: number } }).done;
    expect(done).toMatchObject({ written: 0, failed: 0 });
    expect(done!.unknown).toBeGreaterThan(0);
    await sleeping.over;
    expect(await dbsize(server.port)).toBeLessThanOrEqual(1 + done!.unknown);
  });
});

describe('redis bulk write: Sentinel failover mid-write', () => {
  it('the master killed at ~30 %: an error with counts, never silence; the promoted replica holds no more than was sent', async () => {
    const master = await redis();
    const replica = await redis(['--replicaof', HOST, String(master.port)]);
    await untilReplicated(replica.port);
    const sentinel = await startSentinel(master.port, 'mymaster', 500);
    servers.push(sentinel);
    const write = store({ sentinels: [`${HOST}:${sentinel.port}`], name: 'mymaster' }).setMultiple(entries());
    const [outcome, promoted] = await Promise.all([
      bounded(write, 10_000),
      untilDbsizeAtLeast(master.port, ENTRIES * 0.3).then(() => failOver(master, sentinel.port)),
    ]);
    expect(promoted).toBe(replica.port);
    const done = countsOf(outcome.error);
    expect(done.written).toBeGreaterThan(0);
    // Replication is asynchronous: the replica may lack the last confirmed writes, never hold more than was sent.
    expect(await dbsize(replica.port)).toBeLessThanOrEqual(done.written + done.unknown);
  });
});
