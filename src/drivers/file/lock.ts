/**
 * A cross-process lock for one cache entry: a lock file that only one
 * process can create. It is written under a unique name and then hard-linked
 * into place (link() fails if the name exists), so a lock file always holds
 * its owner's pid: a writer killed between "create" and "write the pid"
 * cannot leave an anonymous lock nobody dares to break. Node has no flock(), so the
 * PHP driver's `.cache.lock` (flock) and this lock do not exclude each other;
 * both sides still write by rename, so neither ever reads a torn file.
 *
 * A lock whose owner died (same host, pid gone) or that is older than
 * `staleMs` is broken, so a writer killed mid-write never wedges the entry.
 */
import { link, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreUnavailableError } from '../../core/errors.js';

/** Lock timing. */
export interface LockOptions {
  /** Give up after this long (ms). */
  timeoutMs: number;
  /** A lock older than this (ms) is considered abandoned. */
  staleMs: number;
}

/** True while a process with this pid exists (on this host). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function breakIfStale(path: string, staleMs: number): Promise<void> {
  let owner: string;
  let age: number;
  try {
    owner = await readFile(path, 'utf8');
    age = Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return; // released meanwhile
  }
  const pid = Number(owner.split(' ')[0]);
  const dead = Number.isInteger(pid) && pid > 0 && !isAlive(pid);
  // An empty lock (left by another tool) is given a second to be filled in.
  const anonymous = owner === '' && age > 1000;
  if (!dead && !anonymous && age < staleMs) return;
  // Only break the lock we judged: a fresh owner writes a different token.
  const again = await readFile(path, 'utf8').catch(() => null);
  if (again === owner) await unlink(path).catch(() => undefined);
}

/** Runs `work` holding the lock file at `path`. */
export async function withFileLock<T>(path: string, options: LockOptions, work: () => Promise<T>): Promise<T> {
  const token = `${process.pid} ${Date.now()} ${Math.random().toString(36).slice(2)}`;
  const deadline = Date.now() + options.timeoutMs;
  const claim = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 10)}`;
  try {
    await writeFile(claim, token, { mode: 0o600 });
  } catch (error) {
    // On a full disk the name is created and the token is not written: no empty claim stays behind.
    await unlink(claim).catch(() => undefined);
    throw error;
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(claim, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        if (Date.now() > deadline) {
          throw new StoreUnavailableError(`timed out after ${options.timeoutMs} ms waiting for the lock ${path}`);
        }
        await breakIfStale(path, options.staleMs);
        await sleep(Math.min(2 + attempt * 2, 25) + Math.random() * 5);
      }
    }
  } finally {
    await unlink(claim).catch(() => undefined);
  }
  try {
    return await work();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}
