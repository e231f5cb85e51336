/**
 * Whose files a cache directory holds, so that entries this tool writes
 * stay the application's own. PHP-FPM runs as its own user (www-data);
 * operators run the CLI as root or a deploy user. An entry the app cannot
 * read is a miss for it, which it then deletes, and its own set() over an
 * entry it cannot replace fails.
 *
 * So new files and folders follow the cache directory: the mode of its
 * existing entries (or the `permission` setting, as Laravel's file store
 * has), and, when running as root, the directory's owner and group. A
 * directory this tool creates itself stays private (0700, files 0600).
 */
import type { Stats } from 'node:fs';
import { access, chmod, chown, mkdir, opendir, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, join, sep } from 'node:path';

/** How new files and folders are made. */
export interface FilePolicy {
  fileMode: number;
  dirMode: number;
  /** Set when running as root in a directory someone else owns: new files are given to them. */
  owner?: { uid: number; gid: number };
}

/** Folder bits for a file mode: search permission wherever read is given. */
export const dirModeFor = (fileMode: number): number => fileMode | ((fileMode & 0o444) >> 2);

/** The mode of one existing entry (the first `.cache` file found, one shard deep at most). */
async function sampleMode(dir: string, depth: number): Promise<number | null> {
  let handle;
  try {
    handle = await opendir(dir);
  } catch {
    return null;
  }
  for await (const entry of handle) {
    if (entry.isFile() && entry.name.endsWith('.cache')) return (await stat(join(dir, entry.name))).mode & 0o777;
    if (entry.isDirectory() && depth > 0 && /^[0-9a-f]{2}$/.test(entry.name)) {
      const found = await sampleMode(join(dir, entry.name), depth - 1);
      if (found !== null) return found;
    }
  }
  return null;
}

/** The policy for a cache directory, from what it already holds. */
export async function policyFor(location: string, levels: number, permission?: number): Promise<FilePolicy> {
  const dir = await stat(location).catch(() => null);
  if (!dir) {
    const fileMode = permission ?? 0o600;
    return { fileMode, dirMode: permission === undefined ? 0o700 : dirModeFor(fileMode) };
  }
  // Without entries to copy, the directory's own read/write bits (0755 -> 0644, 0775 -> 0664).
  const fileMode = permission ?? (await sampleMode(location, levels)) ?? (dir.mode & 0o666);
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot && (dir.uid !== 0 || dir.gid !== 0) ? { uid: dir.uid, gid: dir.gid } : undefined;
  return { fileMode, dirMode: (dir.mode & 0o777) | dirModeFor(fileMode), owner };
}

/** Gives a new file or folder the policy's mode (umask aside) and owner. */
export async function apply(path: string, policy: FilePolicy, mode: number): Promise<void> {
  await chmod(path, mode);
  if (policy.owner) await chown(path, policy.owner.uid, policy.owner.gid);
}

/**
 * Creates the folders down to `dir` that are missing, one mkdir each: the
 * cache directory and its shards follow the policy (folders above it only
 * get its mode). Never `recursive: true`: where mkdir fails with ENOENT
 * although the parent exists (/proc), Node's recursive mkdir retries forever.
 */
export async function ensureDir(dir: string, root: string, policy: FilePolicy): Promise<void> {
  const missing: string[] = [];
  for (let at = dir; ; ) {
    if (await stat(at).then(() => true, () => false)) break;
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  const inside = (path: string) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
  for (const path of missing) {
    try {
      await mkdir(path, { mode: policy.dirMode });
    } catch (error) {
      // Another writer made it meanwhile; anything else there (a dangling link, a file) is an error.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && (await stat(path).then((s) => s.isDirectory(), () => false))) continue;
      throw error;
    }
    // The cache directory itself, when this tool creates it, stays as policyFor() chose.
    if (inside(path)) await apply(path, policy, policy.dirMode);
  }
}

/** True when the user owning `dir` (the app's user) can read a file with these stats. */
export function readableBy(owner: Stats, file: Stats): boolean {
  if (owner.uid === 0) return true; // a root-owned cache directory: its readers are root
  if (file.uid === owner.uid) return (file.mode & 0o400) !== 0;
  if (file.gid === owner.gid) return (file.mode & 0o040) !== 0;
  return (file.mode & 0o004) !== 0;
}

/** True when this process can replace entries in `dir` (write and search it). */
export const canReplaceIn = (dir: string): Promise<boolean> => access(dir, constants.W_OK | constants.X_OK).then(() => true, () => false);
