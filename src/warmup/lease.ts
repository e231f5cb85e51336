/**
 * The warmup's overlap lock, held as a lease: a short-lived entry renewed
 * while the run is alive, so a run that died (kill -9, a lost machine), or a
 * copy of its lock that a failover carried to a promoted replica, frees the
 * lock within one lease instead of blocking every warmup for an hour.
 *
 * The entry's value names its holder, `{"host","pid","startedAt","token"}`
 * (stored as Glueful `json:`), so a skipped run can say who holds it, and a
 * run on the same host can take over at once from a holder whose process is
 * gone. Renewal reads the entry and extends it only while it still carries
 * our token; between that read and the EXPIRE another run could take an
 * expired lease, which costs at most one overlapping run, never a lost entry.
 */
import { hostname } from 'node:os';
import type { CacheStore } from '../core/contract.js';

/** Who holds a lease, as its entry says. */
export interface LeaseHolder {
  host: string;
  pid: number;
  /** ISO time the holder's run started. */
  startedAt: string;
  token: string;
}

/** The holder of a lock another run keeps, and for how long the lease lasts without renewal. */
export interface HeldBy {
  /** Null when the entry names no holder (an earlier version's plain token). */
  holder: LeaseHolder | null;
  /** Seconds the lease has left (-1: no expiry; null: unknown on this store). */
  ttl: number | null;
}

/** How to take a lease. */
export interface LeaseOptions {
  /** Seconds the lease outlives its last renewal. */
  ttl: number;
  /** Wait for the holder to finish instead of giving up at once. */
  wait?: boolean;
  signal?: AbortSignal;
}

function isHolder(value: unknown): value is LeaseHolder {
  const v = value as Partial<LeaseHolder> | null;
  return typeof v === 'object' && v !== null && typeof v.token === 'string' && typeof v.pid === 'number' && typeof v.host === 'string';
}

/** True when `pid` is a live process on this machine (EPERM: alive, someone else's). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lease this run holds. */
export class Lease {
  private timer: NodeJS.Timeout | undefined;
  /** Renewal problems, for the report (a renewal that fails does not stop the run). */
  readonly problems: string[] = [];

  private constructor(
    private readonly store: CacheStore,
    private readonly key: string,
    readonly holder: LeaseHolder,
    private readonly ttl: number,
  ) {}

  /**
   * Takes the lease at `key`, or says who holds it. A holder on this host
   * whose process is gone is replaced at once.
   */
  static async acquire(store: CacheStore, key: string, options: LeaseOptions): Promise<Lease | HeldBy> {
    const holder: LeaseHolder = { host: hostname(), pid: process.pid, startedAt: new Date().toISOString(), token: globalThis.crypto.randomUUID() };
    for (;;) {
      if (await store.setNx(key, holder, { ttl: options.ttl })) {
        const lease = new Lease(store, key, holder, options.ttl);
        lease.keepAlive();
        return lease;
      }
      const current = await store.get(key);
      if (isHolder(current) && current.host === holder.host && !isAlive(current.pid)) {
        await store.deleteIfValue(key, current);
        continue;
      }
      if (!options.wait || options.signal?.aborted) {
        const ttl = store.capabilities.ttlRead ? await store.ttl(key) : null;
        return { holder: isHolder(current) ? current : null, ttl: ttl ?? null };
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Renews the lease every third of its TTL while the run goes on. */
  private keepAlive(): void {
    const every = Math.max(1, Math.floor(this.ttl / 3)) * 1000;
    this.timer = setInterval(() => void this.renew(), every);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    try {
      const current = await this.store.get(this.key);
      if (isHolder(current) && current.token === this.holder.token) await this.store.expire(this.key, this.ttl);
      else if (!this.problems.length) this.problems.push(`the overlap lock ${this.key} was lost (expired or taken) during the run`);
    } catch (error) {
      if (this.problems.length < 3) this.problems.push(`renewing the overlap lock failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Stops renewing and deletes the entry if it is still ours; a failure is returned, never thrown. */
  async release(): Promise<string | undefined> {
    clearInterval(this.timer);
    try {
      await this.store.deleteIfValue(this.key, this.holder);
      return undefined;
    } catch (error) {
      return `releasing the overlap lock failed (it expires by itself within ${this.ttl}s): ${error instanceof Error ? error.message : String(error)}`;
    }
  }
}
