/**
 * cache:status's latency and its alert: several round trips after the
 * connection is up (median and p99), and --fail-on-alert only when the
 * store itself is slow, not when this process waited for a CPU once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureLatency, quantile } from '../src/core/latency.js';
import { glueful, tempProject } from './helpers/cli.js';
import { HOST, startMemcached, type ServerHandle } from './helpers/servers.js';

/** A ping whose successive round trips take the given milliseconds (then the last, forever). */
function scripted(times: number[]): () => Promise<number> {
  let i = 0;
  return async () => times[Math.min(i++, times.length - 1)]!;
}

describe('measureLatency', () => {
  it('leaves out the first round trip (the connection opening) and reports the median and p99', async () => {
    const latency = await measureLatency(scripted([80, 0.3, 36, 0.2, 0.4, 0.3, 0.25]), { samples: 6 });
    expect(latency).toEqual({ p25Ms: 0.25, medianMs: 0.3, p99Ms: 36, samples: 6 });
  });

  it('a store slow on every round trip stays slow; waits for a CPU on half of them do not make a fast one slow', async () => {
    expect((await measureLatency(scripted([15]), { samples: 9 })).p25Ms).toBe(15);
    const busy = await measureLatency(scripted([50, 0.2, 14, 0.3, 16, 0.2, 22, 0.3, 12, 0.4]), { samples: 9 });
    expect([busy.p25Ms, busy.medianMs]).toEqual([0.3, 0.4]);
  });

  it('stops at the time budget, after the minimum number of samples', async () => {
    const slow = async () => {
      await new Promise((r) => setTimeout(r, 20));
      return 20;
    };
    const latency = await measureLatency(slow, { samples: 100, budgetMs: 50, minSamples: 3 });
    expect(latency.samples).toBeGreaterThanOrEqual(3);
    expect(latency.samples).toBeLessThanOrEqual(6);
  });

  it('quantile is the nearest rank', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.99)).toBe(4);
  });
});

let memcached: ServerHandle;
let project: ReturnType<typeof tempProject>;
beforeAll(async () => {
  memcached = await startMemcached();
  project = tempProject();
});
afterAll(async () => {
  await memcached?.stop();
  project?.cleanup();
});

/** Keeps `n` CPU-bound processes running, as a busy machine has. */
function busy(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'const end = Date.now() + 30000; while (Date.now() < end);'], { stdio: 'ignore' }));
}

describe('cache:status --fail-on-alert on a busy machine', () => {
  for (const [store, env] of [
    ['memcached', () => ({ CACHE_DRIVER: 'memcached', MEMCACHED_HOST: HOST, MEMCACHED_PORT: String(memcached.port) })],
    ['file', () => ({ CACHE_DRIVER: 'file' })],
  ] as const) {
    it(`a healthy ${store} store: 10 of 10 runs exit 0, with a median and p99 in --json`, async () => {
      const burners = busy(2);
      try {
        const runs = [];
        for (let i = 0; i < 10; i++) runs.push(await glueful(['cache:status', '--fail-on-alert', '--json'], { cwd: project.dir, env: env() }));
        expect(runs.map((r) => [r.code, JSON.parse(r.stdout).alerts])).toEqual(Array(10).fill([0, []]));
        const data = JSON.parse(runs[0]!.stdout);
        expect(data.latencyMs).toBeTypeOf('number');
        expect(data.latencyP99Ms).toBeGreaterThanOrEqual(data.latencyMs);
        expect(data.latencyP25Ms).toBeLessThanOrEqual(data.latencyMs);
        expect(data.latencySamples).toBeGreaterThanOrEqual(5);
      } finally {
        for (const b of burners) b.kill('SIGKILL');
      }
    }, 60_000);
  }
});

/** A loopback proxy to `port` that holds every reply `delayMs`: a store that is slow on every round trip. */
function slowProxy(port: number, delayMs: number): Promise<{ port: number; server: Server }> {
  const server = createServer((client) => {
    const upstream = createConnection({ host: HOST, port });
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => setTimeout(() => client.write(d), delayMs));
    const end = () => (client.destroy(), upstream.destroy());
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  return new Promise((resolve) => server.listen(0, HOST, () => resolve({ port: (server.address() as { port: number }).port, server })));
}

describe('cache:status --fail-on-alert on a slow store', () => {
  it('still fires: every round trip over 10 ms is exit 7, with the figures in the alert', async () => {
    const proxy = await slowProxy(memcached.port, 15);
    try {
      const env = { CACHE_DRIVER: 'memcached', MEMCACHED_HOST: HOST, MEMCACHED_PORT: String(proxy.port) };
      const result = await glueful(['cache:status', '--fail-on-alert', '--json'], { cwd: project.dir, env });
      expect(result.code).toBe(7);
      const data = JSON.parse(result.stdout);
      expect(data.latencyP25Ms).toBeGreaterThan(10);
      expect(data.alerts).toEqual([expect.stringMatching(/^response time over 10 ms on even the fastest quarter of \d+ round trips \(p25 [\d.]+ ms, median [\d.]+ ms\)$/)]);
    } finally {
      proxy.server.close();
    }
  }, 30_000);
});
