/**
 * Whether a cache directory can be used at all, told apart from "not
 * created yet". A missing directory whose parent is a writable folder on a
 * disk is normal (the first write creates it: reads are misses). These are
 * not, and no command should pretend otherwise (a read would say "not
 * found", a clear "deleted 0"):
 *
 * - a dangling symbolic link on the way (mkdir says EEXIST, stat ENOENT);
 * - a file where a folder should be (ENOTDIR);
 * - a pseudo filesystem (/proc, /sys, cgroup): mkdir there fails with
 *   ENOENT even though the parent exists, which sends Node's
 *   `mkdir({ recursive: true })` into an endless loop;
 * - a missing directory under a read-only or unwritable parent.
 *
 * A directory that exists on a read-only mount stays readable: only writes
 * (and cache:status, which checks writability) report it.
 */
import { accessSync, constants, lstatSync, readlinkSync, statfsSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { StoreUnavailableError } from '../../core/errors.js';

/** `ready`: the directory exists; `absent`: it does not, and the first write can create it. */
export type LocationState = 'ready' | 'absent';

/** statfs() magic numbers of filesystems that hold no files of ours (linux/magic.h). */
const PSEUDO_FILESYSTEMS = new Map<number, string>([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x1cd1, 'devpts'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
]);

const codeOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException)?.code;

/** The one-line error for a location that cannot hold a cache. */
export function unusable(location: string, why: string, cause?: unknown): StoreUnavailableError {
  return new StoreUnavailableError(`cannot use the cache directory ${location}: ${why}`, { cause });
}

/** The call's result, or the error it threw (these checks branch on the errno). */
function attempt<T>(call: () => T): T | NodeJS.ErrnoException {
  try {
    return call();
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
}

function refusePseudo(location: string, dir: string): void {
  const found = attempt(() => statfsSync(dir));
  const type = found instanceof Error ? undefined : PSEUDO_FILESYSTEMS.get(Number(found.type));
  if (type) throw unusable(location, `${dir} is on a ${type} filesystem, which cannot hold files`);
}

/** Throws the reason a missing `path` can never be created (a dangling link, a file in the way). */
function refuseBlocked(location: string, path: string): void {
  const found = attempt(() => lstatSync(path));
  const link = found instanceof Error ? null : found;
  if (link?.isSymbolicLink()) {
    const read = attempt(() => readlinkSync(path));
    const target = read instanceof Error ? '?' : read;
    throw unusable(location, `${path} is a symbolic link to ${target}, which does not exist (ENOENT)`);
  }
  if (link && !link.isDirectory()) throw unusable(location, `${path} is a file, not a directory (ENOTDIR)`);
}

/**
 * Where `location` stands; throws a StoreUnavailableError (exit 5) when it
 * can never hold a cache. A few stat calls, synchronous: they run once per
 * command (callers keep a `ready` answer), and a single-key command then
 * needs no thread-pool round trip (nor the fs/promises module) at all.
 */
export async function checkLocation(location: string): Promise<LocationState> {
  let path = location;
  for (;;) {
    const found: Stats | NodeJS.ErrnoException = attempt(() => statSync(path));
    if (!(found instanceof Error)) {
      if (!found.isDirectory()) throw unusable(location, `${path} is a file, not a directory (ENOTDIR)`);
      refusePseudo(location, path);
      if (path === location) return 'ready';
      // The nearest existing folder must let us create the rest.
      const denied = attempt(() => accessSync(path, constants.W_OK | constants.X_OK));
      if (denied instanceof Error) throw unusable(location, `it does not exist and cannot be created in ${path}: ${describeDenied(codeOf(denied))}`, denied);
      return 'absent';
    }
    const code = codeOf(found);
    if (code === 'ENOTDIR') {
      path = dirname(path); // a file further up: the next round names it
      continue;
    }
    if (code === 'EACCES' || code === 'EPERM') throw unusable(location, `${path} cannot be reached by this user (${code})`, found);
    if (code !== 'ENOENT') throw unusable(location, describeDenied(code), found);
    refuseBlocked(location, path);
    const parent = dirname(path);
    if (parent === path) throw unusable(location, 'no part of the path exists', found);
    path = parent;
  }
}

/** Why a write failed, in words, for an errno an operator meets on a cache directory. */
export function describeDenied(code: string | undefined): string {
  switch (code) {
    case 'EROFS':
      return 'the file system is read-only (EROFS)';
    case 'EACCES':
    case 'EPERM':
      return `this user (uid ${process.getuid?.() ?? '?'}) may not write there (${code})`;
    case 'ENOSPC':
      return 'the disk is full (ENOSPC)';
    case 'EDQUOT':
      return "this user's disk quota is used up (EDQUOT)";
    case 'ENOTDIR':
      return 'a file is in the way of a folder (ENOTDIR)';
    case 'ELOOP':
      return 'a loop of symbolic links (ELOOP)';
    default:
      return code ?? 'unknown error';
  }
}
