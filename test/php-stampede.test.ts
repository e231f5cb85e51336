/**
 * Issue 19: the library's remember() and a Glueful v1.76 app's
 * CacheHelper::rememberWithStampedeProtection() take the same lock
 * (`<CACHE_PREFIX>stampede_lock:<key>`, default prefix `glueful:`), so a
 * PHP process loading a value keeps the CLI's loader from running, and the
 * reverse. Real `php` holds the app's lock; on the app's file store and on
 * Redis. And protection follows the app's CACHE_STAMPEDE_PROTECTION (off
 * unless set), as the app's does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { Stampede } from '../src/stampede/stampede.js';
import { createStore } from '../src/store.js';
import { makeGluefulApp } from './helpers/glueful-app-fixture.js';
import { phpHoldingLock, runPhp, type PhpTarget } from './helpers/php-app-writer.js';
import { startRedis, type ServerHandle } from './helpers/servers.js';

let redis: ServerHandle;
const cleanups: Array<() => void> = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  cleanups.forEach((c) => c());
  await redis?.stop();
});

/** An app laid out as composer lays it out; the tool finds its store with no configuration. */
function app(kind: 'file' | 'redis', extraEnv = ''): { root: string; target: PhpTarget } {
  const env = kind === 'redis' ? `CACHE_DRIVER=redis\nREDIS_HOST=127.0.0.1\nREDIS_PORT=${redis.port}\nREDIS_DB=0\nCACHE_PREFIX=glueful:\n` : 'CACHE_DRIVER=file\nCACHE_PREFIX=glueful:\n';
  const made = makeGluefulApp({ env: env + extraEnv });
  cleanups.push(made.cleanup);
  return { root: made.root, target: kind === 'redis' ? { kind: 'redis', port: redis.port } : { kind: 'file', dir: made.runtimeCache } };
}

async function openApp(root: string) {
  const config = await loadConfig({ cwd: root, env: {} });
  const { store } = await createStore(config);
  return { config, store, stampede: new Stampede(store, config.stampede) };
}

describe.each(['file', 'redis'] as const)('stampede locks shared with the app on the %s store', (kind) => {
  it('while a PHP process holds glueful:stampede_lock:<key>, remember() waits for its value instead of loading', async () => {
    const { root, target } = app(kind, 'CACHE_STAMPEDE_PROTECTION=true\n');
    const { store, stampede } = await openApp(root);
    try {
      const key = `report:${kind}`;
      const holder = await phpHoldingLock(target, { prefix: 'glueful:', key, value: 'from-php', holdMs: 1200 });
      let loads = 0;
      const started = Date.now();
      const value = await stampede.remember(key, () => (loads++, 'from-node'), 60);
      await holder.done;
      expect(value).toBe('from-php');
      expect(loads).toBe(0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    } finally {
      await store.dispose();
    }
  });

  it('while remember() loads, the app cannot take the lock; the lock holds a uniqid(\'lock_\', true) token as the app writes it', async () => {
    const { root, target } = app(kind, 'CACHE_STAMPEDE_PROTECTION=true\n');
    const { store, stampede } = await openApp(root);
    try {
      const key = `menu:${kind}`;
      let release!: () => void;
      const loading = stampede.remember(key, () => new Promise<string>((r) => (release = () => r('from-node'))), 60);
      await new Promise((r) => setTimeout(r, 200));
      const seen = JSON.parse(
        await runPhp(target, `$lock = 'glueful:stampede_lock:${key}';
          echo json_encode(['raw' => $store->raw($lock), 'took' => $store->setNx($lock, uniqid('lock_', true), 60)]);`),
      );
      release();
      expect(await loading).toBe('from-node');
      expect(seen.took).toBe(false);
      expect(seen.raw).toMatch(/^json:"lock_[0-9a-f]{14}\.\d{8}"$/);
      expect(await runPhp(target, `var_export($store->raw('glueful:stampede_lock:${key}'));`)).toBe('NULL'); // released
    } finally {
      await store.dispose();
    }
  });
});

describe('stampede settings inside a Glueful app', () => {
  it('protection is off unless CACHE_STAMPEDE_PROTECTION says so; the lock prefix is CACHE_PREFIX, glueful: by default', async () => {
    const plain = await loadConfig({ cwd: app('file').root, env: {} });
    expect(plain.stampede).toMatchObject({ enabled: false, lockPrefix: 'glueful:' });
    const own = await loadConfig({ cwd: app('file', 'CACHE_STAMPEDE_PROTECTION=true\nCACHE_PREFIX=shop:\n').root, env: {} });
    expect(own.stampede).toMatchObject({ enabled: true, lockPrefix: 'shop:' });
    expect(own.prefix).toBe(''); // still not a key prefix
    const none = await loadConfig({ cwd: app('file', 'CACHE_PREFIX=null\n').root, env: {} });
    expect(none.stampede.lockPrefix).toBe('');
  });
});
