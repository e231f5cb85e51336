/**
 * Stampede protection: when a value is missing (or about to expire), one
 * caller computes it while the others wait for (or keep serving) the result,
 * across processes and hosts, not just inside one process.
 *
 * The lock is the one a Glueful app's CacheHelper takes, so this library and
 * the app exclude each other: a store entry written with setNx under
 * `<lockPrefix>stampede_lock:{key}` (early refresh:
 * `<lockPrefix>stampede_refresh:{key}`), where lockPrefix is the app's
 * CACHE_PREFIX (its CacheHelper::key() prefix, `glueful:` by default; the
 * store's own key prefix comes on top, and is empty inside an app). The value
 * looks like the app's: `uniqid('lock_', true)` (`lock_` + 13 hex digits of
 * the time + `d.dddddddd`), plain `uniqid()` for a refresh. Only the holder
 * releases it, with the store's atomic compare-and-delete (see
 * CacheStore.deleteIfEquals; the app's own release is a get then a delete).
 * A holder that dies lets its lock expire after `lockTtl`. Callers in one
 * process share one load.
 */
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CacheStore } from '../core/contract.js';

/** The stampede_protection settings (seconds, except retryInterval in ms). */
export interface StampedeSettings {
  /** Off: remember() loads without the cross-process lock (callers in one process still share a load). Default on. */
  enabled: boolean;
  /** Off: rememberWithEarlyExpiration() is plain remember(). Default on. */
  earlyExpiration: boolean;
  /** How long a lock lives if its holder dies. Default 60 s. */
  lockTtl: number;
  /** How long a caller waits for another's load before loading itself. Default 30 s. */
  maxWaitTime: number;
  /** Milliseconds between checks while waiting. Default 100. */
  retryInterval: number;
  /**
   * What the lock names start with: the Glueful app's CACHE_PREFIX (its
   * CacheHelper prefix, `glueful:` unless set), so the app's locks and ours
   * are the same entries. Default '' (no app).
   */
  lockPrefix: string;
}

const DEFAULTS: StampedeSettings = { enabled: true, earlyExpiration: true, lockTtl: 60, maxWaitTime: 30, retryInterval: 100, lockPrefix: '' };

/** PHP's uniqid(): the time as 8 hex digits of seconds and 5 of microseconds. */
function uniqid(prefix = ''): string {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const seconds = Math.floor(micros / 1e6);
  return `${prefix}${seconds.toString(16).padStart(8, '0')}${(micros % 1e6).toString(16).padStart(5, '0')}`;
}

/** PHP's uniqid('lock_', true): uniqid() plus a random `d.dddddddd`, as CacheHelper's lock values. */
export function lockToken(): string {
  return `${uniqid('lock_')}${randomInt(10)}.${String(randomInt(1e8)).padStart(8, '0')}`;
}

type Loader<T> = () => Promise<T> | T;

/** remember() with cross-process stampede protection. */
export class Stampede {
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly settings: StampedeSettings;

  constructor(
    private readonly store: CacheStore,
    settings: Partial<StampedeSettings> = {},
  ) {
    // A setting given as undefined keeps its default.
    this.settings = { ...DEFAULTS, ...Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) };
  }

  /** The value under `key`, loading it once (fleet-wide) when missing. */
  remember<T>(key: string, loader: Loader<T>, ttl: number): Promise<T> {
    return this.shared(`remember:${key}`, () => (this.settings.enabled ? this.rememberOnce(key, loader, ttl) : this.rememberUnlocked(key, loader, ttl)));
  }

  /** remember() with protection turned off (stampede_protection.enabled: false): no lock across processes. */
  private async rememberUnlocked<T>(key: string, loader: Loader<T>, ttl: number): Promise<T> {
    const hit = await this.store.getEntry(key);
    if (hit) return hit.decoded.value as T;
    const value = await loader();
    await this.store.set(key, value, { ttl });
    return value;
  }

  /**
   * Like remember(), and once less than (1 − threshold) of the TTL is left,
   * exactly one caller refreshes the value while the others keep getting the
   * current one (Glueful: refresh when 0 < remaining ≤ ttl × (1 − threshold)).
   */
  async rememberWithEarlyExpiration<T>(key: string, loader: Loader<T>, ttl: number, threshold = 0.8): Promise<T> {
    if (!this.settings.enabled || !this.settings.earlyExpiration) return this.remember(key, loader, ttl);
    const entry = await this.store.getEntry(key);
    if (!entry) return this.remember(key, loader, ttl);
    const remaining = await this.store.ttl(key);
    if (remaining !== null && remaining > 0 && remaining <= ttl * (1 - threshold)) {
      void this.shared(`refresh:${key}`, () => this.refresh(key, loader, ttl)).catch(() => undefined);
    }
    return entry.decoded.value as T;
  }

  /** Resolves when every load and background refresh this process started has finished. */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight.values()]);
  }

  /** Runs `work` once per name in this process; concurrent callers share its promise. */
  private shared<T>(name: string, work: () => Promise<T>): Promise<T> {
    const running = this.inflight.get(name);
    if (running) return running as Promise<T>;
    const job = work().finally(() => this.inflight.delete(name));
    this.inflight.set(name, job);
    return job;
  }

  private async rememberOnce<T>(key: string, loader: Loader<T>, ttl: number): Promise<T> {
    const hit = await this.store.getEntry(key);
    if (hit) return hit.decoded.value as T;
    const deadline = Date.now() + this.settings.maxWaitTime * 1000;
    for (;;) {
      const loaded = await this.withLock(`${this.settings.lockPrefix}stampede_lock:${key}`, lockToken(), async () => {
        // Another process may have finished between our miss and our lock.
        const again = await this.store.getEntry(key);
        if (again) return { value: again.decoded.value as T };
        const value = await loader();
        await this.store.set(key, value, { ttl });
        return { value };
      });
      if (loaded) return loaded.value;
      await sleep(this.settings.retryInterval);
      const waited = await this.store.getEntry(key);
      if (waited) return waited.decoded.value as T;
      if (Date.now() >= deadline) {
        // The holder is too slow (or gone): compute it ourselves, as Glueful does.
        const value = await loader();
        await this.store.set(key, value, { ttl });
        return value;
      }
    }
  }

  private async refresh<T>(key: string, loader: Loader<T>, ttl: number): Promise<void> {
    await this.withLock(`${this.settings.lockPrefix}stampede_refresh:${key}`, uniqid(), async () => {
      await this.store.set(key, await loader(), { ttl });
      return { value: undefined };
    });
  }

  /** Runs `work` holding the lock `lockKey` (holding `token`); null when another holder has it. */
  private async withLock<R>(lockKey: string, token: string, work: () => Promise<R>): Promise<R | null> {
    if (!(await this.store.setNx(lockKey, token, { ttl: this.settings.lockTtl }))) return null;
    try {
      return await work();
    } finally {
      await this.store.deleteIfValue(lockKey, token).catch(() => undefined);
    }
  }
}
