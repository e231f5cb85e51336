/**
 * cache:import / cache:copy when things go wrong, on real servers: a target
 * out of reach is exit 5 with nothing changed; a source dying part-way, a
 * target dying part-way, bad input lines and Ctrl-C each give the exit code
 * their rule says, with counts that match what the target really holds;
 * an interrupted copy rerun with --only-missing finishes the job.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheStore } from '../src/core/contract.js';
import { createStore } from '../src/store.js';
import { glueful, startGlueful, tempProject } from './helpers/cli.js';
import { freePort, HOST, redisCli, startRedis, waitForPort, type ServerHandle } from './helpers/servers.js';

const ENTRIES = 150_000;
let project: ReturnType<typeof tempProject>;
let deadPort: number;
const servers: ServerHandle[] = [];
const opened: CacheStore[] = [];

beforeAll(async () => {
  project = tempProject();
  deadPort = await freePort();
});
afterAll(async () => {
  await Promise.all(opened.map((s) => s.dispose().catch(() => undefined)));
  await Promise.all(servers.map((s) => s.stop()));
  project?.cleanup();
});

function configure(stores: Record<string, unknown>): void {
  writeFileSync(join(project.dir, 'cache.config.json'), JSON.stringify({ default: 'source', prefix: 'mv_', fallback_to_file: false, stores }));
}

async function redisServer(extra: string[] = []): Promise<ServerHandle> {
  const server = await startRedis(extra);
  servers.push(server);
  return server;
}

/** `ENTRIES` small entries under the prefix, through the bulk path. */
async function fill(port: number, entries = ENTRIES): Promise<void> {
  const { store } = await createStore({ default: 'r', prefix: 'mv_', fallbackToFile: false, stores: { r: { driver: 'redis', host: HOST, port } } }, 'r');
  opened.push(store);
  const result = await store.setMultiple(Array.from({ length: entries }, (_, i) => [`item:${i}`, { i, pad: 'x'.repeat(40) }] as const));
  expect(result.written).toBe(entries);
}

/** Keys the server holds (each test's servers are its own: all of them are under the prefix). */
function held(port: number): number {
  return Number(redisCli(port, ['dbsize']));
}

const cli = (args: string[], input?: string) => glueful(args, { cwd: project.dir, input, timeoutMs: 60_000 });
const json = (stdout: string) => JSON.parse(stdout) as Record<string, number | string | undefined>;

describe('nothing changed', () => {
  it('a target out of reach is exit 5, before anything is read', async () => {
    const source = await redisServer();
    redisCli(source.port, ['set', 'mv_a', 'json:1']);
    configure({ source: { driver: 'redis', host: HOST, port: source.port }, dead: { driver: 'redis', host: HOST, port: deadPort, timeout: 0.5 } });
    const copy = await cli(['cache:copy', '--from', 'source', '--to', 'dead', '--json']);
    expect(copy.code).toBe(5);
    expect(json(copy.stdout)).toMatchObject({ error: { code: 5 } });
    writeFileSync(join(project.dir, 'one.ndjson'), '{"key":"a","value":1}\n');
    const imported = await cli(['--store', 'dead', 'cache:import', join(project.dir, 'one.ndjson')]);
    expect(imported.code).toBe(5);
    expect(redisCli(source.port, ['get', 'mv_a'])).toBe('json:1');
  });
});

describe('partly done', () => {
  it('bad lines are skipped and named: exit 7, the good ones written', async () => {
    const target = await redisServer();
    configure({ source: { driver: 'redis', host: HOST, port: target.port } });
    const input = ['{"key":"a","value":1}', 'not json', '{"value":2}', '{"key":"b","value":"two","ttl":-1}', '{"key":"c","value":[3],"format":"json"}'].join('\n');
    const result = await cli(['cache:import', '-', '--json'], input);
    expect(result.code).toBe(7);
    expect(json(result.stdout)).toMatchObject({ imported: 2, badLines: 3, failed: 0 });
    expect(held(target.port)).toBe(2);
  });

  it('a value over the size limit is refused alone: exit 7, every other entry written', async () => {
    const target = await redisServer();
    configure({ source: { driver: 'redis', host: HOST, port: target.port } });
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ key: `k:${i}`, value: i === 1500 ? 'x'.repeat(2 * 1024 * 1024) : { i }, format: 'json' }));
    writeFileSync(join(project.dir, 'big.ndjson'), lines.join('\n'));
    const result = await cli(['cache:import', join(project.dir, 'big.ndjson'), '--json']);
    expect(result.code, result.stderr).toBe(7);
    expect(json(result.stdout)).toMatchObject({ imported: 2999, failed: 1, unknown: 0 });
    expect(held(target.port)).toBe(2999);
    expect(redisCli(target.port, ['exists', 'mv_k:1500'])).toBe('0');
  });

  it('the source dying part-way: exit 7, and the count is what the target holds', async () => {
    const [source, target] = [await redisServer(), await redisServer()];
    await fill(source.port);
    configure({ source: { driver: 'redis', host: HOST, port: source.port, timeout: 0.5 }, target: { driver: 'redis', host: HOST, port: target.port } });
    const running = startGlueful(['cache:copy', '--from', 'source', '--to', 'target', '--json'], { cwd: project.dir, timeoutMs: 60_000 });
    while (held(target.port) === 0) await sleep(5);
    await source.kill();
    const result = await running.done;
    expect(result.code, result.stderr).toBe(7);
    const report = json(result.stdout);
    expect(report.stopped).toMatch(/source/);
    expect(report.imported).toBeGreaterThan(0);
    expect(report.imported).toBeLessThan(ENTRIES);
    expect(held(target.port)).toBe(report.imported);
  });

  it('the target dying part-way: exit 7; the target holds what was confirmed, at most the unknown ones more', async () => {
    const source = await redisServer();
    await fill(source.port);
    // The target writes every change to its append-only file before answering, so a restart shows what it confirmed.
    const target = await redisServer(['--appendonly', 'yes', '--appendfsync', 'always']);
    configure({ source: { driver: 'redis', host: HOST, port: source.port }, target: { driver: 'redis', host: HOST, port: target.port, timeout: 0.5 } });
    const running = startGlueful(['cache:copy', '--from', 'source', '--to', 'target', '--json'], { cwd: project.dir, timeoutMs: 60_000 });
    // Well past the first keys: with every write fsynced before its answer, a busy disk can hold
    // back the first thousand answers, and then nothing is confirmed yet (imported 0, all unknown).
    while (held(target.port) < 20_000) await sleep(5);
    await target.kill();
    const result = await running.done;
    expect(result.code, result.stderr).toBe(7);
    const report = json(result.stdout) as Record<string, number>;
    expect(report.imported).toBeGreaterThan(0);
    const restarted = spawn('redis-server', ['--port', String(target.port), '--bind', HOST, '--dir', target.dir, '--appendonly', 'yes', '--save', ''], { stdio: 'ignore' });
    try {
      await waitForPort(target.port);
      while (redisCli(target.port, ['ping']) !== 'PONG') await sleep(20);
      await sleep(200);
      const after = held(target.port);
      expect(after).toBeGreaterThanOrEqual(report.imported!);
      expect(after).toBeLessThanOrEqual(report.imported! + report.unknown!);
    } finally {
      restarted.kill('SIGKILL');
    }
  });
});

describe('interrupted', () => {
  it('Ctrl-C says how far it got (exit 130); a rerun with --only-missing finishes the job', async () => {
    const [source, target] = [await redisServer(), await redisServer()];
    // Fewer entries: the rerun writes one by one (SET NX), slower than the bulk path.
    const entries = 60_000;
    await fill(source.port, entries);
    configure({ source: { driver: 'redis', host: HOST, port: source.port }, target: { driver: 'redis', host: HOST, port: target.port } });
    const running = startGlueful(['cache:copy', '--from', 'source', '--to', 'target', '--json'], { cwd: project.dir, timeoutMs: 60_000 });
    while (held(target.port) === 0) await sleep(5);
    running.child.kill('SIGINT');
    const result = await running.done;
    expect(result.code, result.stderr).toBe(130);
    const first = json(result.stdout) as Record<string, number>;
    expect(first).toMatchObject({ interrupted: 'SIGINT', failed: 0, unknown: 0 });
    expect(first.imported).toBeLessThan(entries);
    expect(held(target.port)).toBe(first.imported);

    const rerun = await cli(['cache:copy', '--from', 'source', '--to', 'target', '--only-missing', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(json(rerun.stdout)).toMatchObject({ imported: entries - first.imported!, present: first.imported });
    expect(held(target.port)).toBe(entries);
  });
});
