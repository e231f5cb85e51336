/**
 * cache:warmup when things go wrong, on real servers and a real child
 * process: signals (SIGINT, SIGTERM), Redis out of memory, the warmup's
 * connection cut, the server killed, a memcached of a pool dying with the
 * bookkeeping keys, the overlap lease. Each case checks the exit code, that
 * the report came out, and the counts against what the server holds after.
 */
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { glueful, startGlueful, tempProject, type CliResult } from './helpers/cli.js';
import { failOver } from './helpers/faults.js';
import { HOST, redisCli, startMemcached, startRedis, startSentinel, type ServerHandle } from './helpers/servers.js';

const ENTRIES = 200_000;
let project: ReturnType<typeof tempProject>;
let source: string;

beforeAll(() => {
  project = tempProject();
  source = join(project.dir, 'entries.ndjson');
  const lines: string[] = [];
  for (let i = 0; i < ENTRIES; i++) lines.push(`{"key":"w:${i}","value":"value number ${i} of the warmup"}`);
  writeFileSync(source, lines.join('\n') + '\n');
  writeFileSync(
    join(project.dir, 'cache.config.json'),
    JSON.stringify({ prefix: '', warmup: { strategies: [{ name: 'bulk', type: 'file', path: source }] } }),
  );
});
afterAll(() => project.cleanup());

const redisEnv = (port: number) => ({ CACHE_DRIVER: 'redis', REDIS_HOST: HOST, REDIS_PORT: String(port), REDIS_TIMEOUT: '2' });

/** Keys matching a glob on a Redis server, counted by SCAN. */
function redisCount(port: number, pattern = 'w:*'): number {
  const script = "local n, c = 0, '0' repeat local r = redis.call('SCAN', c, 'MATCH', ARGV[1], 'COUNT', 10000) c = r[1] n = n + #r[2] until c == '0' return n";
  return Number(redisCli(port, ['eval', script, '0', pattern]));
}

/** Polls until `ready` holds (bounded). */
async function until(ready: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(20);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const report = (result: CliResult) => JSON.parse(result.stdout) as any;

describe('on Redis', () => {
  let redis: ServerHandle;
  beforeAll(async () => {
    redis = await startRedis();
  });
  // The test's own redis-server on a free port: emptied between cases, never anyone's data.
  afterEach(() => void redisCli(redis.port, ['flushdb']));
  afterAll(() => redis.stop());

  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`${signal} mid-warmup: exit ${code}, the report printed, its count what Redis holds`, async () => {
      const run = startGlueful(['cache:warmup', '--json'], { cwd: project.dir, env: redisEnv(redis.port) });
      await until(() => Number(redisCli(redis.port, ['dbsize'])) >= 20_000);
      const sent = Date.now();
      run.child.kill(signal);
      const result = await run.done;
      expect(Date.now() - sent).toBeLessThan(5_000);
      expect(result.code).toBe(code);
      const data = report(result);
      expect(data.interrupted).toBe(signal);
      expect(data.warmed).toBeGreaterThan(0);
      expect(data.warmed).toBeLessThan(ENTRIES);
      expect(data.warmed).toBe(redisCount(redis.port));
      expect(result.stderr).not.toMatch(/unexpected|at .*\.js:\d+/);
    });
  }

  it('SIGTERM mid-purge: exit 143 with the count deleted, which is what left Redis', async () => {
    redisCli(redis.port, ['eval', "for i = 1, 300000 do redis.call('SET', 'p:' .. i, 'json:1') end return 1", '0']);
    redisCli(redis.port, ['set', 'foreign', 'keep']);
    const run = startGlueful(['cache:purge', 'p:*', '--force', '--json'], { cwd: project.dir, env: redisEnv(redis.port) });
    await until(() => Number(redisCli(redis.port, ['dbsize'])) < 290_000, 20_000);
    run.child.kill('SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(143);
    const { error } = report(result);
    expect(error.code).toBe(143);
    expect(error.done.deleted).toBe(300_000 - redisCount(redis.port, 'p:*'));
    expect(redisCli(redis.port, ['get', 'foreign'])).toBe('keep');
    expect(result.stderr).toMatch(/interrupted: [\d,]+ keys deleted before stopping; run again to finish/);
  });

  it('Ctrl-C in human output says it was interrupted and how far it got', async () => {
    const run = startGlueful(['cache:warmup'], { cwd: project.dir, env: redisEnv(redis.port) });
    await until(() => Number(redisCli(redis.port, ['dbsize'])) >= 20_000);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(130);
    const warmed = redisCount(redis.port).toLocaleString('en-US');
    expect(result.stderr).toContain(`interrupted (Ctrl-C): ${warmed} entries warmed before stopping; run again to finish`);
  });

  it('out of memory (noeviction): exit 7 with the stored count; failed bookkeeping is a warning', async () => {
    const used = Number(/used_memory:(\d+)/.exec(redisCli(redis.port, ['info', 'memory']))![1]);
    redisCli(redis.port, ['config', 'set', 'maxmemory-policy', 'noeviction']);
    redisCli(redis.port, ['config', 'set', 'maxmemory', String(used + 4 * 1024 * 1024)]);
    try {
      const result = await glueful(['cache:warmup', '--json'], { cwd: project.dir, env: redisEnv(redis.port), timeoutMs: 60_000 });
      expect(result.code).toBe(7);
      const data = report(result);
      const stored = redisCount(redis.port);
      expect(stored).toBeGreaterThan(1000);
      expect(data.warmed).toBe(stored);
      expect(data.failed).toBe(ENTRIES - stored);
      expect(JSON.stringify(data.warnings)).toMatch(/warmup:last_run/);
      expect(result.stderr).not.toMatch(/unexpected/);
    } finally {
      redisCli(redis.port, ['config', 'set', 'maxmemory', '0']);
    }
  });

  it('the warmup connection cut (CLIENT KILL): exit 7, counts bracket what Redis holds, a rerun completes', async () => {
    const run = startGlueful(['cache:warmup', '--json'], { cwd: project.dir, env: redisEnv(redis.port) });
    await until(() => Number(redisCli(redis.port, ['dbsize'])) >= 20_000);
    redisCli(redis.port, ['client', 'kill', 'type', 'normal', 'skipme', 'yes']);
    const result = await run.done;
    expect(result.code).toBe(7);
    const data = report(result) as Record<string, number>;
    const stored = redisCount(redis.port);
    expect(data.warmed).toBeLessThanOrEqual(stored);
    expect(stored).toBeLessThanOrEqual(data.warmed! + data.unknown!);
    expect(stored).toBeLessThan(ENTRIES);
    const rerun = await glueful(['cache:warmup', '--json'], { cwd: project.dir, env: redisEnv(redis.port), timeoutMs: 60_000 });
    expect(rerun.code).toBe(0);
    expect(redisCount(redis.port)).toBe(ENTRIES);
  });
});

describe('Redis killed mid-warmup', () => {
  it('exit 7 (or 5) within a bounded time, the report printed; after a restart a rerun completes', async () => {
    const redis = await startRedis();
    try {
      const run = startGlueful(['cache:warmup', '--json'], { cwd: project.dir, env: redisEnv(redis.port) });
      await until(() => Number(redisCli(redis.port, ['dbsize'])) >= 20_000);
      await redis.kill();
      const result = await run.done;
      expect([5, 7]).toContain(result.code);
      const data = report(result) as Record<string, number>;
      expect(data.warmed).toBeGreaterThan(0);
      expect(data.warmed! + data.failed! + data.unknown!).toBeLessThanOrEqual(ENTRIES + 1);
      expect(JSON.stringify(data)).toMatch(/ECONNRESET|closed|refused|lost|unreachable|cannot use/i);
      const again = await startRedis([], { port: redis.port });
      try {
        const rerun = await glueful(['cache:warmup', '--json'], { cwd: project.dir, env: redisEnv(again.port), timeoutMs: 60_000 });
        expect(rerun.code).toBe(0);
        expect(redisCount(again.port)).toBe(ENTRIES);
      } finally {
        await again.stop();
      }
    } finally {
      await redis.stop().catch(() => undefined);
    }
  });
});

describe('a Sentinel failover mid-warmup', () => {
  it('exit 7 with counts, not silence; the rerun on the promoted master is not blocked by the copied lease and completes', async () => {
    const master = await startRedis();
    const replica = await startRedis(['--replicaof', HOST, String(master.port)]);
    const servers = [master, replica];
    try {
      await until(() => /master_link_status:up/.test(redisCli(replica.port, ['info', 'replication'])));
      const sentinel = await startSentinel(master.port, 'mymaster', 500);
      servers.push(sentinel);
      const dir = join(project.dir, 'sentinel');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'package.json'), '{}');
      const redis = { driver: 'redis', sentinels: [`${HOST}:${sentinel.port}`], name: 'mymaster', timeout: 2 };
      writeFileSync(join(dir, 'cache.config.json'), JSON.stringify({ prefix: '', default: 'redis', stores: { redis }, warmup: { strategies: [{ name: 'bulk', type: 'file', path: source }] } }));
      const run = startGlueful(['cache:warmup', '--json'], { cwd: dir });
      await until(() => Number(redisCli(master.port, ['dbsize'])) >= ENTRIES * 0.3);
      const promoted = await failOver(master, sentinel.port);
      expect(promoted).toBe(replica.port);
      const result = await run.done;
      expect(result.code).toBe(7);
      const data = report(result);
      expect(data.warmed).toBeGreaterThan(0);
      // Replication is asynchronous: the promoted replica may lack the last confirmed writes, never hold more than was sent.
      expect(redisCount(replica.port)).toBeLessThanOrEqual(data.warmed + data.unknown);
      // The dead run's lease was replicated; its holder (this host) is gone, so the rerun takes over at once.
      const rerun = await glueful(['cache:warmup', '--json'], { cwd: dir, timeoutMs: 60_000 });
      expect(rerun.code).toBe(0);
      expect(report(rerun).alreadyRunning).toBeUndefined();
      expect(redisCount(replica.port)).toBe(ENTRIES);
    } finally {
      await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
    }
  }, 90_000);
});

/** Sends one text-protocol command to a memcached and collects the reply up to `end`. */
function memcached(port: number, command: string, end: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, HOST, () => socket.write(command));
    let reply = '';
    socket.on('data', (d: Buffer) => {
      reply += d.toString('latin1');
      if (end.test(reply)) {
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on('error', reject);
  });
}

const itemCount = async (port: number) => Number(/STAT curr_items (\d+)/.exec(await memcached(port, 'stats\r\n', /END\r\n$/))![1]);
const warmKeys = async (port: number) => ((await memcached(port, 'lru_crawler metadump all\r\n', /END\r\n$/)).match(/^key=w%3A\d+ /gm) ?? []).length;

describe('a memcached of a pool dies holding the bookkeeping keys', () => {
  it('exit 7 with counts: what reached the live servers is reported as warmed', async () => {
    const pool = await Promise.all([startMemcached(), startMemcached(), startMemcached()]);
    try {
      const env = {};
      const servers = pool.map((s) => `${HOST}:${s.port}`);
      const dir = join(project.dir, 'pool');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'package.json'), '{}');
      writeFileSync(
        join(dir, 'cache.config.json'),
        JSON.stringify({ prefix: '', default: 'memcached', stores: { memcached: { driver: 'memcached', servers, timeout: 1 } }, warmup: { strategies: [{ name: 'bulk', type: 'file', path: source }] } }),
      );
      // Which server holds warmup:last_run: set it, then ask each.
      expect((await glueful(['cache:set', 'warmup:last_run', '1'], { cwd: dir, env })).code).toBe(0);
      const replies = await Promise.all(pool.map((s) => memcached(s.port, 'get warmup:last_run\r\n', /END\r\n$/)));
      const holder = pool[replies.findIndex((r) => r.startsWith('VALUE'))]!;
      const live = pool.filter((s) => s !== holder);
      const run = startGlueful(['cache:warmup', '--json'], { cwd: dir, env, timeoutMs: 120_000 });
      await until(async () => (await Promise.all(pool.map((s) => itemCount(s.port)))).reduce((a, b) => a + b, 0) >= 30_000);
      await holder.kill();
      const result = await run.done;
      expect(result.code).toBe(7);
      const data = report(result) as Record<string, number>;
      const onLive = (await Promise.all(live.map((s) => warmKeys(s.port)))).reduce((a, b) => a + b, 0);
      // What the dead server held before it died was confirmed too: warmed is at least what the live servers hold.
      expect(data.warmed).toBeGreaterThanOrEqual(onLive);
      expect(data.warmed! + data.failed! + data.unknown!).toBeLessThanOrEqual(ENTRIES + 1);
      expect(data.failed).toBeGreaterThan(0);
      expect(JSON.stringify(data.warnings)).toMatch(/warmup:last_run/);
    } finally {
      await Promise.all(pool.map((s) => s.stop().catch(() => undefined)));
    }
  }, 150_000);
});

describe('the overlap lease', () => {
  let redis: ServerHandle;
  let dir: string;
  const env = () => redisEnv(redis.port);
  beforeAll(async () => {
    redis = await startRedis();
    dir = join(project.dir, 'lease');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{}');
    const slow = { name: 'slow', type: 'command', command: process.execPath, args: ['-e', 'setTimeout(() => console.log(JSON.stringify({key:"slow",value:1})), 4000)'] };
    writeFileSync(join(dir, 'cache.config.json'), JSON.stringify({ prefix: '', warmup: { lock_ttl: 3, strategies: [slow] } }));
  });
  afterEach(() => void redisCli(redis.port, ['flushdb']));
  afterAll(() => redis.stop());

  it('a second run while the first is alive exits 5 naming the holder; the lease is renewed while it runs', async () => {
    const first = startGlueful(['cache:warmup'], { cwd: dir, env: env() });
    await until(() => redisCli(redis.port, ['exists', 'warmup:lock']) === '1');
    const second = await glueful(['cache:warmup', '--json'], { cwd: dir, env: env() });
    expect(second.code).toBe(5);
    const held = report(second) as { alreadyRunning: boolean; heldBy: { holder: { pid: number; host: string; startedAt: string }; ttl: number } };
    expect(held.alreadyRunning).toBe(true);
    expect(held.heldBy.holder.pid).toBe(first.child.pid);
    expect(Date.parse(held.heldBy.holder.startedAt)).toBeGreaterThan(Date.now() - 10_000);
    // Past its 3 s TTL the lease is still there: renewed.
    await sleep(3_500);
    expect(redisCli(redis.port, ['exists', 'warmup:lock'])).toBe('1');
    expect(Number(redisCli(redis.port, ['ttl', 'warmup:lock']))).toBeLessThanOrEqual(3);
    const human = await glueful(['cache:warmup'], { cwd: dir, env: env() });
    expect(human.stderr).toMatch(new RegExp(`already running: pid ${first.child.pid} on \\S+, since 20\\d\\d-`));
    expect((await first.done).code).toBe(0);
    expect(redisCli(redis.port, ['exists', 'warmup:lock'])).toBe('0');
  });

  it('a holder killed with -9 frees the lease within its TTL', async () => {
    const first = startGlueful(['cache:warmup'], { cwd: dir, env: env() });
    await until(() => redisCli(redis.port, ['exists', 'warmup:lock']) === '1');
    first.child.kill('SIGKILL');
    await first.done;
    // The dead pid is on this host: the next run takes over at once.
    const started = Date.now();
    const next = await glueful(['cache:warmup', '--json'], { cwd: dir, env: env() });
    expect(next.code).toBe(0);
    expect(report(next).warmed).toBe(1);
    // The 4 s strategy plus start-up: no wait for the lease to lapse.
    expect(Date.now() - started).toBeLessThan(7_500);
  });

  it('a lease copied from another host (a failover) lapses within its TTL', async () => {
    const holder = { host: 'elsewhere.example', pid: 4242, startedAt: new Date().toISOString(), token: 't' };
    redisCli(redis.port, ['set', 'warmup:lock', `json:${JSON.stringify(holder)}`, 'EX', '2']);
    const blocked = await glueful(['cache:warmup', '--json'], { cwd: dir, env: env() });
    expect(blocked.code).toBe(5);
    expect((report(blocked) as { heldBy: { holder: { host: string } } }).heldBy.holder.host).toBe('elsewhere.example');
    await sleep(2_500);
    expect((await glueful(['cache:warmup'], { cwd: dir, env: env() })).code).toBe(0);
  });
});

describe('cache:delete of several keys with a server of the pool gone', () => {
  it('exit 7 naming the keys not deleted; the others are gone', async () => {
    const pool = await Promise.all([startMemcached(), startMemcached()]);
    const dir = join(project.dir, 'delete');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{}');
    const servers = pool.map((s) => `${HOST}:${s.port}`);
    writeFileSync(join(dir, 'cache.config.json'), JSON.stringify({ prefix: '', default: 'memcached', stores: { memcached: { driver: 'memcached', servers, timeout: 1 } } }));
    try {
      const keys = Array.from({ length: 12 }, (_, i) => `d:${i}`);
      for (const key of keys) expect((await glueful(['cache:set', key, 'v'], { cwd: dir })).code).toBe(0);
      const onFirst = (await Promise.all(keys.map((k) => memcached(pool[0]!.port, `get ${k}\r\n`, /END\r\n$/)))).map((r) => r.startsWith('VALUE'));
      await pool[1]!.kill();
      const result = await glueful(['cache:delete', ...keys, '--json'], { cwd: dir });
      expect(result.code).toBe(7);
      const error = report(result).error;
      expect(error.done.deleted).toBe(onFirst.filter(Boolean).length);
      expect(error.done.failed.sort()).toEqual(keys.filter((_, i) => !onFirst[i]).sort());
      for (const key of keys.filter((_, i) => onFirst[i])) expect(await memcached(pool[0]!.port, `get ${key}\r\n`, /END\r\n$/)).toBe('END\r\n');
    } finally {
      await Promise.all(pool.map((s) => s.stop().catch(() => undefined)));
    }
  });
});
