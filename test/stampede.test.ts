/**
 * Stampede protection with real concurrency: 50 callers spread over 4
 * processes ask for one missing key (and, later, one key past its
 * early-refresh threshold); the loader must run once. On the file store
 * and on real redis-server and memcached processes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NamespacedStore } from '../src/core/namespaced-store.js';
import { FileDriver } from '../src/drivers/file/index.js';
import { Stampede } from '../src/stampede/stampede.js';
import { HOST, startMemcached, startRedis, type ServerHandle } from './helpers/servers.js';

const library = resolve(import.meta.dirname, '../dist/index.cjs');
const dir = mkdtempSync(join(tmpdir(), 'glueful-stampede-'));
let redis: ServerHandle;
let memcached: ServerHandle;
beforeAll(async () => {
  [redis, memcached] = await Promise.all([startRedis(), startMemcached()]);
});
afterAll(async () => {
  await Promise.all([redis?.stop(), memcached?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

type StoreSpec = Record<string, unknown>;
const targets: Array<[string, () => StoreSpec]> = [
  ['file', () => ({ driver: 'file', path: join(dir, 'cache'), hashLevels: 1 })],
  ['redis', () => ({ driver: 'redis', host: HOST, port: redis.port })],
  ['memcached', () => ({ driver: 'memcached', host: HOST, port: memcached.port })],
];

/**
 * Runs `callers` concurrent calls in a child process. The loader counts its
 * runs in the store itself (an atomic increment) and takes 300 ms, so the
 * callers really overlap; prints the values they got.
 */
function child(store: StoreSpec, prefix: string, call: string, callers: number): Promise<unknown[]> {
  const script = `
    const { createStore, Stampede } = require(${JSON.stringify(library)});
    (async () => {
      const { store } = await createStore({ default: 's', prefix: ${JSON.stringify(prefix)}, fallbackToFile: false,
        stores: { s: ${JSON.stringify(store)} } });
      const stampede = new Stampede(store, { lockTtl: 10, maxWaitTime: 10, retryInterval: 20 });
      const loader = async () => {
        const run = await store.increment('loads');
        await new Promise((r) => setTimeout(r, 300));
        return 'computed-' + run;
      };
      const values = await Promise.all(Array.from({ length: ${callers} }, () => ${call}));
      process.stdout.write(JSON.stringify(values));
      await stampede.settle(); // a background refresh may still be running
      await store.dispose();
    })();`;
  return new Promise((res, rej) => {
    const proc = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d));
    proc.on('close', (code) => (code === 0 ? res(JSON.parse(out) as unknown[]) : rej(new Error(`child exited ${code}`))));
  });
}

async function fleet(store: StoreSpec, prefix: string, call: string): Promise<unknown[]> {
  const counts = [13, 13, 12, 12]; // 50 callers over 4 processes
  return (await Promise.all(counts.map((n) => child(store, prefix, call, n)))).flat();
}

describe.each(targets)('stampede protection on %s', (_name, spec) => {
  it('50 callers in 4 processes: the loader runs once, everyone gets its value', async () => {
    const prefix = `st${Date.now()}:`;
    const values = await fleet(spec(), prefix, "stampede.remember('expensive', loader, 60)");
    expect(values).toHaveLength(50);
    expect(new Set(values)).toEqual(new Set(['computed-1']));
    const { store } = await import('../src/store.js').then((m) =>
      m.createStore({ default: 's', prefix, fallbackToFile: false, stores: { s: spec() as never } }),
    );
    expect(await store.get('loads')).toBe(1);
    expect(await store.has('stampede_lock:expensive')).toBe(false); // released by its owner
    await store.dispose();
  });

  it('past the early-refresh threshold: one refresh, the others keep the current value', async () => {
    const prefix = `er${Date.now()}:`;
    const { createStore } = await import('../src/store.js');
    const { store } = await createStore({ default: 's', prefix, fallbackToFile: false, stores: { s: spec() as never } });
    await store.set('hot', 'old', { ttl: 10 }); // ttl 100 s with threshold 0.8 refreshes below 20 s left
    const values = await fleet(spec(), prefix, "stampede.rememberWithEarlyExpiration('hot', loader, 100, 0.8)");
    // Callers during the refresh keep the current value; a process that starts late (a loaded
    // machine) may already find the refreshed one. Nobody waits for a load, nobody loads twice.
    expect(values).toContain('old');
    expect(new Set(values.filter((v) => v !== 'old'))).toMatchObject(new Set(values.some((v) => v !== 'old') ? ['computed-1'] : []));
    // The refresh runs in the background of whichever caller won the lock; give it its 300 ms.
    await new Promise((r) => setTimeout(r, 100));
    const deadline = Date.now() + 3000;
    while ((await store.get('hot')) === 'old' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await store.get('loads')).toBe(1);
    expect(await store.get('hot')).toBe('computed-1');
    await store.dispose();
  });
});

describe('stampede protection in one process', () => {
  it('shares one in-flight load between concurrent callers', async () => {
    const store = new NamespacedStore(new FileDriver({ path: join(dir, 'local'), hashLevels: 0 }), { name: 'file', prefix: '' });
    const stampede = new Stampede(store, { retryInterval: 10 });
    let runs = 0;
    const loader = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 50));
      return runs;
    };
    const values = await Promise.all(Array.from({ length: 20 }, () => stampede.remember('k', loader, 60)));
    expect(runs).toBe(1);
    expect(new Set(values)).toEqual(new Set([1]));
  });
});

describe('the stampede_protection switches take effect', () => {
  const store = () => new NamespacedStore(new FileDriver({ path: join(dir, `switch-${Math.random()}`), hashLevels: 0 }), { name: 'file', prefix: '' });

  it('enabled: the loader runs under the cross-process lock; disabled: no lock is taken', async () => {
    for (const enabled of [true, false]) {
      const s = store();
      let locked: boolean | undefined;
      const value = await new Stampede(s, { enabled }).remember('k', async () => {
        locked = await s.has('stampede_lock:k');
        return 'v';
      }, 60);
      expect(value).toBe('v');
      expect(locked).toBe(enabled);
      expect(await s.get('k')).toBe('v');
    }
  });

  it('early_expiration.enabled: false makes rememberWithEarlyExpiration plain remember (no early refresh)', async () => {
    for (const earlyExpiration of [true, false]) {
      const s = store();
      await s.set('hot', 'old', { ttl: 10 }); // past the threshold of a 100 s TTL at 0.8
      const stampede = new Stampede(s, { earlyExpiration });
      let refreshed = 0;
      expect(await stampede.rememberWithEarlyExpiration('hot', () => (refreshed++, 'new'), 100, 0.8)).toBe('old');
      await stampede.settle();
      expect(refreshed).toBe(earlyExpiration ? 1 : 0);
    }
  });
});
