/**
 * Walking a Glueful file-cache directory: every `.meta` file (shard
 * directories listed many at a time, a flat directory streamed), and the
 * live entries they describe.
 */
import type { Dir, Dirent } from 'node:fs';
import { closeSync, constants, openSync, readFileSync, readSync } from 'node:fs';
import { opendir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScanOptions } from '../../core/contract.js';

/** The `.meta` document, as Glueful writes it plus our optional fields. */
export interface Meta {
  key?: string;
  created: number;
  expires: number;
  ttl: number;
  tags?: string[];
}

/** Unix time in seconds, as the meta documents use. */
export const now = (): number => Math.floor(Date.now() / 1000);
/** True for a file that is not there (ENOENT). */
export const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException)?.code === 'ENOENT';
const READ_CONCURRENCY = 128;
const DIR_CONCURRENCY = 64;
/** Names a flat directory's listing takes per call. */
const LIST_BUFFER = 1024;
const SHARD = /^[0-9a-f]{2}$/;

/** Reused by readSmallSync(): meta documents are a few hundred bytes. */
const SCRATCH = Buffer.alloc(64 * 1024);

/**
 * Reads a small file into SCRATCH with three calls (open, read, close: no
 * fstat, as readFile does) and no hop to libuv's threads: its length there;
 * the whole file when it did not fit; null when it is gone. Synchronous on
 * purpose: a walk reads thousands of these from the page cache, where each
 * async call costs more than the read itself.
 */
function readIntoScratch(path: string): number | Buffer | null {
  let fd: number;
  try {
    fd = openForRead(path);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  try {
    const bytes = readSync(fd, SCRATCH, 0, SCRATCH.length, 0);
    if (bytes < SCRATCH.length) return bytes;
  } finally {
    closeSync(fd);
  }
  try {
    return readFileSync(path);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

/** Open flags of a walk's reads: O_NOATIME until the kernel refuses it (see openForRead()). */
let readFlags = constants.O_RDONLY | (constants.O_NOATIME ?? 0);

/**
 * Opens a file for reading without updating its access time where the
 * kernel allows it (the file's owner, or root): on relatime mounts the
 * first read of a new file writes its inode back, and a walk that reads
 * every entry then writes every inode, journal and all, racing the unlinks
 * of a clear. The app's own user reading a cache written by another gets
 * EPERM: then plain reads from there on.
 */
export function openForRead(path: string): number {
  try {
    return openSync(path, readFlags);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM' || readFlags === constants.O_RDONLY) throw error;
    readFlags = constants.O_RDONLY;
    return openSync(path, readFlags);
  }
}

/** A small file's content and size (see readIntoScratch()); null when it is gone. */
export function readSmallSync(path: string): { text: string; bytes: number } | null {
  const read = readIntoScratch(path);
  if (read === null) return null;
  return typeof read === 'number' ? { text: SCRATCH.toString('utf8', 0, read), bytes: read } : { text: read.toString('utf8'), bytes: read.length };
}

/**
 * A small file's bytes, copied out of the scratch buffer: a copy of a few
 * hundred bytes comes from Node's shared buffer pool, where readFileSync()
 * allocates a buffer of its own per file (memory the garbage collector
 * frees late). Null when gone.
 */
export function readBytesSync(path: string): Buffer | null {
  const read = readIntoScratch(path);
  return typeof read === 'number' ? Buffer.from(SCRATCH.subarray(0, read)) : read;
}

/** A `.meta` file's document and size; null when it is gone or not one (unreadable counts as not one). */
export function readMetaFileSync(path: string): { meta: Meta; bytes: number } | null {
  let found;
  try {
    found = readSmallSync(path);
  } catch {
    return null;
  }
  const meta = found && parseMeta(found.text);
  return meta ? { meta, bytes: found!.bytes } : null;
}

/** Reads a `.meta` document (`json:` + JSON, or bare JSON); null when it is not one. */
export function parseMeta(text: string): Meta | null {
  try {
    const meta = JSON.parse(text.startsWith('json:') ? text.slice(5) : text) as Meta;
    return typeof meta === 'object' && meta !== null && typeof meta.expires === 'number' ? meta : null;
  } catch {
    return null;
  }
}

/** True once a meta's `expires` (unix seconds, 0 = never) has passed. */
export const isExpired = (meta: Meta, at = now()): boolean => meta.expires > 0 && meta.expires <= at;

/** The directory walk of one cache directory. */
export class FileWalker {
  constructor(
    private readonly location: string,
    private readonly levels: number,
    private readonly ioError: (error: unknown) => Error,
  ) {}

  /**
   * Every `.meta` file below the directory, in batches. Shard directories are
   * listed many at a time (a 2-level layout can hold 65,536 of them, and one
   * readdir after another is what makes a naive walk slow); a flat directory
   * is streamed, since it may hold millions of names.
   */
  metaFiles(): AsyncIterable<string[]> {
    return this.files((name) => name.endsWith('.meta'));
  }

  /**
   * Every file below the directory (entry directories only) whose name
   * passes `wanted`, in batches. Depth first, one shard directory's
   * subdirectories at a time: the 65,536 paths of a 2-level layout are never
   * all in memory at once (they outlived many collections and made the heap
   * the garbage collector keeps larger).
   */
  async *files(wanted: (name: string) => boolean): AsyncIterable<string[]> {
    if (this.levels === 0) {
      yield* this.streamFlat(wanted);
      return;
    }
    yield* this.below(this.location, this.levels, wanted);
  }

  /** The wanted files `depth` levels of shard directories below `dir`; the last level's directories listed DIR_CONCURRENCY at a time. */
  private async *below(dir: string, depth: number, wanted: (name: string) => boolean): AsyncIterable<string[]> {
    const shards: string[] = [];
    for (const e of await this.list(dir)) if (e.isDirectory() && SHARD.test(e.name)) shards.push(join(dir, e.name));
    if (depth > 1) {
      for (const shard of shards) yield* this.below(shard, depth - 1, wanted);
      return;
    }
    for (let i = 0; i < shards.length; i += DIR_CONCURRENCY) {
      const group = shards.slice(i, i + DIR_CONCURRENCY);
      const listed = await Promise.all(group.map((d) => this.list(d)));
      const paths: string[] = [];
      listed.forEach((entries, j) => {
        for (const e of entries) if (e.isFile() && wanted(e.name)) paths.push(join(group[j]!, e.name));
      });
      if (paths.length) yield paths;
    }
  }

  private async list(dir: string): Promise<Dirent[]> {
    try {
      return await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return [];
      throw this.ioError(error);
    }
  }

  /**
   * The flat directory, READ_CONCURRENCY wanted names at a time. Its entries
   * are taken with Dir.readSync(), which lists LIST_BUFFER names per call
   * into the handle's buffer and hands them out without a call: the async
   * iterator cost a promise and a microtask per name, more than the listing.
   */
  private async *streamFlat(wanted: (name: string) => boolean): AsyncIterable<string[]> {
    let handle;
    try {
      handle = await opendir(this.location, { bufferSize: LIST_BUFFER });
    } catch (error) {
      if (isMissing(error)) return;
      throw this.ioError(error);
    }
    try {
      for (;;) {
        const batch: string[] = [];
        let dirent: Dirent | null = null;
        while (batch.length < READ_CONCURRENCY && (dirent = this.nextName(handle)) !== null) {
          if (dirent.isFile() && wanted(dirent.name)) batch.push(join(this.location, dirent.name));
        }
        if (batch.length) yield batch;
        if (dirent === null) return;
        // A turn of the event loop per batch, as the async listing gave: signals, timers, other threads' answers.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  private nextName(handle: Dir): Dirent | null {
    try {
      return handle.readSync();
    } catch (error) {
      throw this.ioError(error);
    }
  }

  /**
   * Live entries (key, meta, the meta's size), in batches; see
   * readSmallSync() for why synchronous reads. With `every` above 1, only
   * one `.meta` in `every` of the listing is read (a sample).
   */
  async *entries(options: ScanOptions = {}, every = 1): AsyncIterable<Array<{ key: string; meta: Meta; metaBytes: number }>> {
    let listed = 0;
    for await (const all of this.metaFiles()) {
      const paths = every > 1 ? all.filter(() => listed++ % every === 0) : all;
      for (let i = 0; i < paths.length; i += READ_CONCURRENCY) {
        if (options.signal?.aborted) return;
        const at = now();
        const live: Array<{ key: string; meta: Meta; metaBytes: number }> = [];
        for (const path of paths.slice(i, i + READ_CONCURRENCY)) {
          const found = readMetaFileSync(path);
          if (found && typeof found.meta.key === 'string' && !isExpired(found.meta, at)) live.push({ key: found.meta.key, meta: found.meta, metaBytes: found.bytes });
        }
        yield live;
      }
    }
  }
}
