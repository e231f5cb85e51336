/**
 * Files a writer leaves behind when it is killed mid-write, and when they
 * may go. Our names carry the writer's pid:
 *
 * - `{entry}.tmp-{pid}-{random}`: a value or meta being written, renamed
 *   into place when complete (see writeAtomic); the bulk writer thread's
 *   are `{folder}/.tmp-{pid}-w{thread}v` and `…m` (see bulk-writer.ts);
 * - `{entry}.glock.{pid}.{random}`: a lock claim, hard-linked to `.glock`;
 * - `{entry}.glock`: the lock itself; its content is `{pid} {ms} {random}`.
 *
 * One is stale when its writer is gone (no such pid on this host) or it is
 * older than MAX_AGE_MS whoever it names (a pid can be reused). Files of
 * other programs, the PHP driver's included, never match these names.
 *
 * And a value without its meta document (`{md5}.cache` alone): no reader
 * takes it for an entry, but it takes space. Our writers rename the pair in
 * one go and remove the value when the meta cannot follow; one killed
 * between the two renames, an older version of this tool, or a PHP writer
 * killed mid-write leaves one. It is an orphan once ORPHAN_AGE_MS old (a
 * PHP writer writes its meta right after the value).
 */
import { access, readFile, stat, unlink } from 'node:fs/promises';
import { isAlive } from './lock.js';

/** No write or lock is held this long; anything older was abandoned. */
export const MAX_AGE_MS = 10 * 60_000;

/** A value file this long without its meta is an orphan. */
export const ORPHAN_AGE_MS = 60_000;

const TEMP = /\.tmp-(\d+)-[0-9a-z]+$/;
const CLAIM = /\.glock\.(\d+)\.[0-9a-z]+$/;
const LOCK = /\.glock$/;

/** True for a name one of our writers could have left. */
export const isLeftoverName = (name: string): boolean => TEMP.test(name) || CLAIM.test(name) || LOCK.test(name);

/** The pid a leftover names (in its name, or for a lock in its content); null when unknown. */
async function ownerOf(path: string): Promise<number | null> {
  const named = TEMP.exec(path) ?? CLAIM.exec(path);
  if (named) return Number(named[1]);
  const content = await readFile(path, 'utf8').catch(() => '');
  const pid = Number(content.split(' ')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** The file's content when it is stale (the token to compare before removing), else null. */
export async function staleToken(path: string, at = Date.now()): Promise<string | null> {
  const info = await stat(path).catch(() => null);
  if (!info) return null;
  const owner = await ownerOf(path);
  const old = at - info.mtimeMs > MAX_AGE_MS;
  if (!old && owner !== null && isAlive(owner)) return null;
  // A lock without a readable owner is left to the lock's own timeout unless it is old.
  if (!old && owner === null) return null;
  return LOCK.test(path) ? await readFile(path, 'utf8').catch(() => null) : '';
}

/**
 * Removes a leftover if it is still stale. A lock is removed only while it
 * holds the same token (a live writer that took it meanwhile writes another).
 */
export async function removeIfStale(path: string): Promise<boolean> {
  const token = await staleToken(path);
  if (token === null) return false;
  if (LOCK.test(path) && (await readFile(path, 'utf8').catch(() => null)) !== token) return false;
  return unlink(path).then(
    () => true,
    () => false,
  );
}

/** The meta document's path for a value file's path. */
export const metaOf = (valuePath: string): string => valuePath.slice(0, -'.cache'.length) + '.meta';

/**
 * True when a `.cache` file has no `.meta` beside it and is old enough to
 * be an orphan. `listed`: paths listed with it, to spare a look-up when its
 * meta was among them.
 */
export async function isOrphanValue(path: string, listed?: ReadonlySet<string>, at = Date.now()): Promise<boolean> {
  if (listed?.has(metaOf(path))) return false;
  if (await access(metaOf(path)).then(() => true, () => false)) return false;
  const info = await stat(path).catch(() => null);
  return info !== null && at - info.mtimeMs > ORPHAN_AGE_MS;
}
