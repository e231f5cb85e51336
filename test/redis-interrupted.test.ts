/**
 * A Redis server that dies or freezes in the middle of a purge: the command
 * exits non-zero saying how many keys it had deleted, and running it again
 * finishes the job.
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, tempProject, type CliResult } from './helpers/cli.js';
import { HOST, redisCli, startRedis, type ServerHandle } from './helpers/servers.js';

const KEYS = 400_000;
let project: ReturnType<typeof tempProject>;
beforeAll(() => {
  project = tempProject();
});
afterAll(() => project.cleanup());

function purge(port: number): { done: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, 'cache:purge', 'user:*', '--force'], {
    cwd: project.dir,
    env: cleanEnv({ CACHE_DRIVER: 'redis', REDIS_HOST: HOST, REDIS_PORT: String(port), REDIS_TIMEOUT: '1' }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return { done: new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr }))) };
}

/**
 * Waits until the purge has visibly deleted a few steps' worth, and a moment
 * more, so the CLI has received those steps' replies before the server goes.
 */
async function untilDeleting(port: number, total: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Number(redisCli(port, ['dbsize'])) > total - 10_000) {
    if (Date.now() > deadline) throw new Error('the purge never started deleting');
    await sleep(5);
  }
  await sleep(20);
}

async function populated(): Promise<ServerHandle> {
  const server = await startRedis(['--enable-debug-command', 'yes']);
  redisCli(server.port, ['debug', 'populate', String(KEYS), 'glueful_user', '8']);
  redisCli(server.port, ['set', 'foreign', 'keep']);
  return server;
}

describe('redis: a purge interrupted by the server', () => {
  it('killed: non-zero exit with the count deleted so far', async () => {
    const server = await populated();
    try {
      const run = purge(server.port);
      await untilDeleting(server.port, KEYS + 1);
      await server.kill();
      const result = await run.done;
      expect(result.code).toBe(7);
      expect(result.stderr).toMatch(/^glueful: error: stopped after deleting \d+ keys( and up to \d+ more whose delete was sent but never answered)?: cannot use redis at 127\.0\.0\.1:\d+: /);
      const deleted = Number(/stopped after deleting (\d+) keys/.exec(result.stderr)![1]);
      expect(deleted).toBeGreaterThan(0);
      expect(deleted).toBeLessThan(KEYS);
    } finally {
      await server.stop();
    }
  });

  it('frozen: fails within the timeout, and a second run finishes the job', async () => {
    const server = await populated();
    try {
      const run = purge(server.port);
      await untilDeleting(server.port, KEYS + 1);
      server.process.kill('SIGSTOP');
      const started = Date.now();
      const result = await run.done;
      expect(Date.now() - started).toBeLessThan(4000);
      server.process.kill('SIGCONT');
      expect(result.code).toBe(7);
      expect(result.stderr).toMatch(/stopped after deleting \d+ keys( and up to \d+ more whose delete was sent but never answered)?: .*timed out after 1s/);
      const again = purge(server.port);
      expect((await again.done).code).toBe(0);
      expect(redisCli(server.port, ['dbsize'])).toBe('1');
      expect(redisCli(server.port, ['get', 'foreign'])).toBe('keep');
    } finally {
      server.process.kill('SIGCONT');
      await server.stop();
    }
  });
});
