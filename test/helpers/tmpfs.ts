/**
 * Small tmpfs mounts for disk-fault tests: a full disk that is really full,
 * a file system that is really read-only. Needs root (or CAP_SYS_ADMIN);
 * where mounting is refused the caller skips, except in CI where it fails.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A mounted tmpfs; `unmount` is safe to call twice. */
export interface Tmpfs {
  dir: string;
  /** Why mounting failed (then `dir` is an empty folder on the ordinary disk). */
  refused?: string;
  remount(mode: 'ro' | 'rw'): void;
  unmount(): void;
}

/** Mounts a tmpfs of `size` (e.g. '2m') on a fresh temp folder. Never throws: see `refused`. */
export function mountTmpfs(size: string): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'glueful-tmpfs-'));
  let mounted = false;
  let refused: string | undefined;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    mounted = true;
  } catch (error) {
    refused = String((error as { stderr?: Buffer }).stderr ?? error).trim() || 'mount failed';
  }
  return {
    dir,
    refused,
    remount(mode) {
      // A remount to read-only is refused (EBUSY) while a file is open for writing: retry briefly.
      for (let attempt = 0; ; attempt++) {
        try {
          execFileSync('mount', ['-o', `remount,${mode}`, dir], { stdio: 'pipe' });
          return;
        } catch (error) {
          if (attempt >= 50) throw error;
          execFileSync('sleep', ['0.05']);
        }
      }
    },
    unmount() {
      if (mounted) execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      mounted = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills the file system holding `dir` with one file until the disk is full; returns its path. */
export function fillDisk(dir: string, name = 'ballast'): string {
  const path = join(dir, name);
  try {
    writeFileSync(path, Buffer.alloc(64 * 1024 * 1024));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
  return path;
}

/** Every file below `dir`, with its size. */
export function listFiles(dir: string): Array<{ path: string; size: number }> {
  const out: Array<{ path: string; size: number }> = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.push({ path, size: statSync(path).size });
  }
  return out;
}

/** How a file-store directory looks on disk: pairs, values without meta, and writers' leftovers. */
export function census(dir: string): { values: number; metas: number; orphanValues: string[]; leftovers: string[] } {
  const paths = listFiles(dir).map((f) => f.path);
  const metas = new Set(paths.filter((p) => p.endsWith('.meta')));
  const values = paths.filter((p) => p.endsWith('.cache'));
  return {
    values: values.length,
    metas: metas.size,
    orphanValues: values.filter((p) => !metas.has(p.slice(0, -'.cache'.length) + '.meta')),
    leftovers: paths.filter((p) => /\.glock|\.tmp-/.test(p)),
  };
}
