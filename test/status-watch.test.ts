/**
 * cache:status --watch: one logfmt line per tick into a pipe, one JSON line
 * per tick with --json, a block redrawn in place on a pseudo-terminal, per
 * node on a store of several servers; Ctrl-C (SIGINT) ends it with exit 0.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, tempProject } from './helpers/cli.js';
import { freePort, HOST, startMemcached, startRedis, type ServerHandle } from './helpers/servers.js';

let project: ReturnType<typeof tempProject>;
let redis: ServerHandle;
let memcached: ServerHandle[];
beforeAll(async () => {
  project = tempProject();
  [redis, ...memcached] = await Promise.all([startRedis(), startMemcached(), startMemcached()]);
});
afterAll(async () => {
  await Promise.all([redis, ...memcached].map((s) => s?.stop()));
  project?.cleanup();
});

/** Runs a command for `ms`, then sends SIGINT as Ctrl-C would; returns its output and exit code. */
function interrupted(command: string, args: string[], ms: number, env: Record<string, string>, cwd = project.dir): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...cleanEnv(env), TERM: 'xterm' } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    setTimeout(() => child.kill('SIGINT'), ms);
    const guard = setTimeout(() => child.kill('SIGKILL'), ms + 10_000);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout });
    });
  });
}
const onRedis = () => ({ CACHE_DRIVER: 'redis', REDIS_HOST: HOST, REDIS_PORT: String(redis.port) });

describe('cache:status --watch', () => {
  it('into a pipe: one logfmt line per tick; Ctrl-C exits 0', async () => {
    const { code, stdout } = await interrupted(process.execPath, [BIN, 'cache:status', '--watch', '0.2'], 1500, onRedis());
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.length).toBeLessThanOrEqual(9);
    for (const line of lines) expect(line).toMatch(/^time=\S+Z store=redis node=store up=1 ops_per_sec=\d+ memory_bytes=\d+ clients=\d+ evictions=\d+ keys=\d+ latency_ms=[\d.]+$/);
    expect(stdout).not.toMatch(/\x1b\[/);
  });

  it('with --json: one JSON document per line per tick', async () => {
    const { code, stdout } = await interrupted(process.execPath, [BIN, 'cache:status', '--watch', '0.2', '--json'], 1200, onRedis());
    expect(code).toBe(0);
    const ticks = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks[0]).toMatchObject({ store: 'redis', rows: [{ node: 'store', up: true }] });
  });

  it('a store that does not answer is marked down with the reason, each tick', async () => {
    const env = { CACHE_DRIVER: 'redis', REDIS_HOST: HOST, REDIS_PORT: String(await freePort()), CACHE_FALLBACK: 'false' };
    const logs = await interrupted(process.execPath, [BIN, 'cache:status', '--watch', '0.2'], 1200, env);
    expect(logs.code).toBe(0);
    const lines = logs.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(/^time=\S+Z store=redis node=store up=0 error="cannot use redis at 127\.0\.0\.1:\d+: connection refused"$/);
    const json = await interrupted(process.execPath, [BIN, 'cache:status', '--watch', '0.2', '--json'], 1000, env);
    expect(JSON.parse(json.stdout.trim().split('\n')[0]!).rows).toEqual([expect.objectContaining({ node: 'store', up: false, error: expect.stringMatching(/connection refused$/) })]);
  });

  it('per node on a store of several servers', async () => {
    const sub = tempProject();
    try {
      writeFileSync(join(sub.dir, 'cache.config.json'), JSON.stringify({ default: 'memcached', stores: { memcached: { servers: memcached.map((m) => `${HOST}:${m.port}`) } } }));
      const { code, stdout } = await interrupted(process.execPath, [BIN, 'cache:status', '--watch', '0.3'], 1000, {}, sub.dir);
      expect(code).toBe(0);
      for (const m of memcached) expect(stdout).toContain(`node=${HOST}:${m.port}`);
    } finally {
      sub.cleanup();
    }
  });

  it('on a terminal: a header and a table, redrawn in place (cursor back, clear)', async () => {
    const cli = [process.execPath, BIN, 'cache:status', '-w', '0.2'].map((a) => `'${a}'`).join(' ');
    const { code, stdout } = await interrupted('script', ['-qefc', `stty cols 120 rows 30 2>/dev/null; ${cli}`, '/dev/null'], 1500, { ...onRedis(), NO_COLOR: '1' });
    expect(code).toBe(0);
    expect(stdout).toMatch(/redis \(redis:\/\/127\.0\.0\.1:\d+\/0\) every 0\.2s .* Ctrl-C to stop/);
    expect(stdout).toMatch(/node +ops\/s +hit +memory +clients +evicted +keys +latency/);
    expect(stdout).toMatch(/\x1b\[3F\x1b\[J/); // back three lines and clear: the block is redrawn
  });

  it('--watch with --format or --detailed is a usage error; a bad interval too', async () => {
    for (const args of [['--watch', '--detailed'], ['--watch', '1', '--format', 'prometheus'], ['--watch', 'soon']]) {
      const { code } = await interrupted(process.execPath, [BIN, 'cache:status', ...args], 5000, onRedis());
      expect(code).toBe(2);
    }
  });
});
