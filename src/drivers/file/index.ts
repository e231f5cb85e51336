/**
 * The File store: Glueful's on-disk cache format, so a directory the PHP app
 * writes is one this tool reads, purges and clears, and the reverse.
 *
 * Layout: `{md5(key)}.cache` holds the encoded value, `{md5(key)}.meta`
 * holds `json:{"key","created","expires","ttl"}` (unix seconds, expires 0 =
 * never). `hash_levels` N puts each entry under N directories of two hex
 * characters (0 = Glueful's flat default, 1 = its shard layout). Tags live
 * in the meta document as an extra `tags` field the PHP driver ignores.
 * Names are hashes, so no key can escape the directory.
 */
import { access, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { closeSync, constants, existsSync, fchmodSync, fchownSync, fstatSync, lstatSync, openSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { decodeCounter, encodeCounter } from '../../core/codec.js';
import type { BulkEntry, BulkOptions, BulkWriteResult, CacheDriver, DeleteResult, DriverStats, DriverTraits, ScanOptions, SortedSets, TagIndex } from '../../core/contract.js';
import { sniffFormat, type KeyFacts } from '../../core/inspect.js';
import { PartialFailureError, StoreUnavailableError, UsageError } from '../../core/errors.js';
import { globToRegExp } from '../../core/glob.js';
import { md5Hex } from '../../core/md5.js';
import { emulatedSortedSets, parseScoreMap, serializeScoreMap } from '../../core/score-map.js';
import { IoThread, type Probed, type ScoreMaps } from './io-thread.js';
import { Unlinker } from './unlinker.js';
import { InodeOrder } from './inode-order.js';
import { WriterThread, type PreparedEntry, type ThreadOutcome } from './bulk-writer.js';
import { withFileLock } from './lock.js';
import { isLeftoverName, isOrphanValue, removeIfStale, staleToken } from './leftovers.js';
import { checkLocation, describeDenied, unusable } from './location.js';
import { canReplaceIn, ensureDir, policyFor, readableBy, type FilePolicy } from './ownership.js';
import { FileWalker, isExpired, isMissing, now, openForRead, parseMeta, readBytesSync, readMetaFileSync, readSmallSync, type Meta } from './walk.js';

/** Driver name constant. */
export const DRIVER_NAME = 'file';

/** Options of the File store. */
export interface FileDriverOptions {
  /** Cache directory; created (0700) on first write when it does not exist. */
  path: string;
  /**
   * Mode of new entries (0o664...). Default: the mode of the directory's
   * existing entries, so they stay readable by the app that owns it.
   */
  permission?: number;
  /** Directory levels of two hex characters each: 0 flat (Glueful default), 1 shard, 2 (default)... */
  hashLevels?: number;
  /** Seconds between automatic prune passes triggered by writes; 0 turns them off. Default 3600. */
  cleanupFrequency?: number;
  /** How long a write waits for an entry's lock, ms. Default 5000. */
  lockTimeoutMs?: number;
}

const TRAITS: DriverTraits = { persistent: true, shared: false, maxKeyBytes: Infinity };

const PRUNE_STAMP = '.glueful-prune';
/** Entries a bulk write writes synchronously between two turns of the event loop. */
const SYNC_CHUNK = 256;
/** Entries after which a bulk write hands the rest to a writer thread (see bulk-writer.ts): below, its start costs more than it saves. */
const THREAD_AFTER = 1000;
/** Entries a clear of every entry lists before it unlinks them in inode order (24 bytes each, see inode-order.ts). */
const RUN = 1 << 20;
/** Up to this many entries in a directory, a bulk write lists them rather than looking for an old meta per entry. */
const KNOWN_MAX = 10_000;
/** Where a bulk write must look for an old meta: the entries listed when its writer thread started (null: too many), and whether it wrote tags since. */
interface OldMetas {
  known: Set<string> | null;
  tagged: boolean;
}
/** Batches handed to the writer thread and not answered yet, at most (memory stays bounded at any count). */
const THREAD_IN_FLIGHT = 2;
/** Chunks of `.meta` files the I/O thread reads ahead of a purge's matching (see metaChunks). */
const READS_AHEAD = 2;
/** How long, and for how many keys, metas read by a scan are kept for describe() and readMany(). */
const RECENT_MS = 5000;
const RECENT_MAX = 16384;
/** Errors that mean the cache directory as a whole takes no more writes (see dooms()). */
const ERRNO_UNAVAILABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOTDIR', 'ELOOP', 'EIO']);
const errnoOf = (error: unknown): string | undefined =>
  (error as NodeJS.ErrnoException)?.code ?? ((error as { cause?: NodeJS.ErrnoException })?.cause?.code);

/** The Glueful-format file store. */
export class FileDriver implements CacheDriver {
  readonly driver = DRIVER_NAME;
  readonly traits = TRAITS;
  readonly location: string;
  /** emulated tags: kept in each entry's .meta document, where the PHP driver ignores them. */
  readonly tags: TagIndex = {
    kind: 'emulated',
    add: (key, tags) => this.addTags(key, tags),
    members: (tag, options) => this.tagMembers(tag, options),
    drop: (tags) => this.dropTags(tags),
    names: (options) => this.tagNames(options),
  };

  /** Sorted sets as Glueful's file driver keeps them: a `{md5}.zset` score map beside a key-less `.meta`. */
  readonly sortedSets: SortedSets = emulatedSortedSets({
    read: (key) => this.readScores(this.base(key)),
    write: (key, scores) => this.writeScores(this.base(key), key, scores),
    locked: (key, work) => this.locked(this.base(key), work),
  });

  private readonly levels: number;
  /** The directory, normalised, ending in a separator. */
  private readonly root: string;
  private readonly lockTimeoutMs: number;
  private readonly cleanupFrequency: number;
  private pruneChecked = false;
  /** Set once the directory was seen to exist and be usable (see usable()). */
  private ready = false;
  private readonly walker: FileWalker;
  private readonly permission?: number;
  /** How new files and folders are made, worked out on the first write. */
  private policy?: Promise<FilePolicy>;
  /** Folders known to exist (bulk writes create each once). */
  private readonly dirs = new Set<string>();
  /** Whether open() with the policy's mode gives that mode (the umask takes nothing), found on the first write. */
  private umaskKeepsMode?: boolean;
  /** MD5 hex by node:crypto, loaded by the first bulk write or describe (see md5ForBulk). */
  private bulkHash?: (key: string) => string;
  /** Keys described so far (the I/O thread starts past THREAD_AFTER). */
  private described = 0;
  /** The I/O thread (io-thread.ts), once started and running. */
  private io?: IoThread;
  private ioStart?: Promise<IoThread | undefined>;
  /** Metas a scan just read, for describe() (see remember()). */
  private readonly recent = new Map<string, { meta: Meta; metaBytes: number; at: number }>();

  constructor(options: FileDriverOptions) {
    this.location = options.path;
    this.root = join(this.location, sep);
    this.levels = options.hashLevels ?? 2;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 5000;
    this.cleanupFrequency = options.cleanupFrequency ?? 3600;
    this.permission = options.permission;
    this.walker = new FileWalker(this.location, this.levels, (error) => this.ioError(error));
  }

  /** The path of an entry without extension. */
  private base(key: string): string {
    return this.pathOf(md5Hex(key));
  }

  /** The path of the entry whose key hashes to `hash` (as join() would make it, without its cost per key). */
  private pathOf(hash: string): string {
    let path = this.root;
    for (let i = 0; i < this.levels; i++) path += hash.slice(i * 2, i * 2 + 2) + sep;
    return path + hash.slice(this.levels * 2);
  }

  /** Synchronous, as the single-key reads below: one small file, no thread-pool round trip (see get()). */
  private async readMeta(base: string, key: string): Promise<Meta | null> {
    try {
      const meta = parseMeta(readFileSync(`${base}.meta`, 'utf8'));
      // A meta for another key would be an md5 collision: treat as missing.
      return meta && (meta.key === undefined || meta.key === key) && !isExpired(meta) ? meta : null;
    } catch (error) {
      if (isMissing(error)) return null;
      throw this.ioError(error);
    }
  }

  private ioError(error: unknown): Error {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && ERRNO_UNAVAILABLE.has(code)) return unusable(this.location, describeDenied(code), error);
    return error as Error;
  }

  /**
   * Throws a StoreUnavailableError when the directory can never hold a cache
   * (a dangling link, /proc, a file in the way: see location.ts), so reads
   * do not answer "not found" for it. Remembered once the directory exists.
   */
  private async usable(): Promise<void> {
    if (this.ready) return;
    if ((await checkLocation(this.location)) === 'ready') this.ready = true;
  }

  /** Writes a file by temp + rename, so readers see the old or the new content, never half. */
  private async writeAtomic(path: string, data: Buffer | string): Promise<void> {
    const tmp = await this.writeTemp(path, data);
    try {
      await rename(tmp, path);
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      throw this.ioError(error);
    }
  }

  /** Writes `data` to a new temp file beside `path` and returns its name; on failure none is left. */
  private async writeTemp(path: string, data: Buffer | string): Promise<string> {
    const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    const policy = await this.filePolicy();
    try {
      // The directory exists: every write happens under locked(), which creates it.
      const handle = await open(tmp, 'w', policy.fileMode);
      try {
        await handle.writeFile(data);
        await handle.chmod(policy.fileMode); // open() applied the umask
        if (policy.owner) await handle.chown(policy.owner.uid, policy.owner.gid);
      } finally {
        await handle.close();
      }
      return tmp;
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      throw this.ioError(error);
    }
  }

  private filePolicy(): Promise<FilePolicy> {
    this.policy ??= policyFor(this.location, this.levels, this.permission);
    return this.policy;
  }

  private async locked<T>(base: string, work: () => Promise<T>): Promise<T> {
    await this.usable();
    try {
      await ensureDir(dirname(base), this.location, await this.filePolicy());
    } catch (error) {
      // ENOENT from mkdir under a parent that exists: the location changed under us (see location.ts).
      if (errnoOf(error) === 'ENOENT') this.ready = false;
      throw this.ioError(error);
    }
    try {
      return await withFileLock(`${base}.glock`, { timeoutMs: this.lockTimeoutMs, staleMs: 10_000 }, work);
    } catch (error) {
      throw this.ioError(error); // the lock's own files hit the same full disk or read-only mount
    }
  }

  /**
   * Writes an entry as a pair: both files go to temp names first, and only
   * when both are complete are they renamed into place (renames take no
   * space). A write that fails (full disk, quota) leaves the old entry and
   * no file of its own; a value never stands without its meta document.
   */
  private async writeEntry(base: string, key: string, value: Buffer, ttl: number, tags?: string[]): Promise<void> {
    const created = now();
    const meta: Meta = { key, created, expires: ttl > 0 ? created + ttl : 0, ttl };
    if (tags?.length) meta.tags = tags;
    const valueTmp = await this.writeTemp(`${base}.cache`, value);
    let metaTmp: string | undefined;
    try {
      metaTmp = await this.writeTemp(`${base}.meta`, 'json:' + JSON.stringify(meta));
      await rename(valueTmp, `${base}.cache`);
    } catch (error) {
      await Promise.all([valueTmp, metaTmp].map((p) => p && unlink(p).catch(() => undefined)));
      throw this.ioError(error);
    }
    try {
      await rename(metaTmp, `${base}.meta`);
    } catch (error) {
      // Only a new name can need room in the folder: then no meta existed, and the value goes too.
      await unlink(metaTmp).catch(() => undefined);
      if (!(await access(`${base}.meta`).then(() => true, () => false))) await unlink(`${base}.cache`).catch(() => undefined);
      throw this.ioError(error);
    }
    await this.maybePrune();
  }

  /**
   * The value's bytes. Entry files are small and read whole, synchronously:
   * a promise read costs a thread-pool round trip per call (and loading
   * fs/promises), which is most of what a `cache:get` spends here.
   */
  async get(key: string): Promise<Buffer | null> {
    await this.usable();
    const base = this.base(key);
    if (!(await this.readMeta(base, key))) return null;
    try {
      return readFileSync(`${base}.cache`);
    } catch (error) {
      if (isMissing(error)) return null;
      throw this.ioError(error);
    }
  }

  /**
   * Values and TTLs of several keys (cache:export); `bytes` null for a
   * sorted set. The meta as the scan that listed the key just read it (see
   * remember()), else from disk; then the value. Synchronous, a chunk at a
   * time, as getMany.
   */
  async readMany(keys: string[]): Promise<Array<{ bytes: Buffer | null; ttl: number } | null>> {
    await this.usable();
    return inChunks(keys, (key) => this.readEntrySync(key));
  }

  private readEntrySync(key: string): { bytes: Buffer | null; ttl: number } | null {
    const base = this.base(key);
    const seen = this.recentMeta(key);
    const meta = seen === undefined ? this.readMetaSync(base, key) : seen && seen.meta;
    if (!meta) return null;
    const ttl = meta.expires === 0 ? -1 : Math.max(0, meta.expires - now());
    try {
      // Null for a meta without a value: a sorted set (`.zset`) or an entry being deleted.
      return { bytes: readBytesSync(`${base}.cache`), ttl };
    } catch (error) {
      throw this.ioError(error);
    }
  }

  /** Synchronous reads a chunk at a time: any number of keys, never more than one file open. */
  async getMany(keys: string[]): Promise<Array<Buffer | null>> {
    await this.usable();
    return inChunks(keys, (key) => this.getSync(key));
  }

  private getSync(key: string): Buffer | null {
    const base = this.base(key);
    if (!this.readMetaSync(base, key)) return null;
    try {
      return readFileSync(`${base}.cache`);
    } catch (error) {
      if (isMissing(error)) return null;
      throw this.ioError(error);
    }
  }

  /**
   * Bulk write, stopping soon once an error says every further write fails
   * too (full disk, quota, read-only, the directory not writable), instead
   * of grinding through the rest of the stream. Counts are exact: `written`
   * entries are whole and readable, `failed` were attempted and not stored
   * (their old value, if any, is kept), the rest were not attempted.
   *
   * Each entry is written with synchronous calls (see writeEntrySync), one
   * after another: in a flat directory every create and rename takes the
   * folder's lock in the kernel, so parallel writes gain nothing, and each
   * async call costs a hop to libuv's threads. Past THREAD_AFTER entries
   * those calls move to one writer thread (bulk-writer.ts), in order, while
   * this thread reads and encodes the next batch. No per-entry lock file is
   * taken (it tripled the calls per entry): like the PHP app's writes, two
   * writers of one key each rename whole files, and the last rename wins.
   */
  async setMany(batches: AsyncIterable<BulkEntry[]>): Promise<BulkWriteResult> {
    await this.usable();
    const result: BulkWriteResult = { written: 0, failed: 0, errors: [] };
    let fatal: Error | undefined;
    let seen = 0;
    let thread: WriterThread | undefined;
    let hash: ((key: string) => string) | undefined;
    const old: OldMetas = { known: null, tagged: false };
    const answers: Array<Promise<ThreadOutcome>> = [];
    const take = (outcome: ThreadOutcome) => {
      result.written += outcome.written;
      result.failed += outcome.failed;
      if (outcome.unknown) result.unknown = (result.unknown ?? 0) + outcome.unknown;
      for (const error of outcome.errors) if (result.errors.length < 5) result.errors.push(this.threadError(error).message);
      if (outcome.fatal) fatal ??= this.threadError(outcome.fatal);
    };
    try {
      stream: for await (const batch of batches) {
        const policy = await this.filePolicy();
        seen += batch.length;
        if (!thread && seen > THREAD_AFTER) {
          thread = await WriterThread.start({ location: this.location, policy, dirs: this.dirs, unavailable: ERRNO_UNAVAILABLE });
          hash ??= this.bulkHash ??= await md5ForBulk();
          // An old meta with tags to keep can only be one listed now, or one this write made with
          // tags. (Another process's entry written meanwhile is the race of two writers on one
          // key: the last rename wins, see above.)
          old.known = await this.knownEntries();
        }
        // Inline until the thread is up (a few tens of ms), a chunk at a time. A thread that died is
        // not replaced by inline writes: its write() answers with the fatal error, and the run stops.
        let i = 0;
        while (i < batch.length && !thread?.ready && !thread?.dead) {
          const chunk = batch.slice(i, i + SYNC_CHUNK);
          if (chunk.some((e) => e.tags?.length)) old.tagged = true;
          fatal = await this.writeChunk(chunk, policy, result);
          if (fatal) break stream;
          i += SYNC_CHUNK;
          // Between chunks: signals, progress, other I/O and the thread's start get their turn.
          await turn();
        }
        if (i < batch.length) {
          answers.push(thread!.write(this.prepare(batch.slice(i), hash!, old)));
          while (answers.length >= THREAD_IN_FLIGHT) {
            take(await answers.shift()!);
            if (fatal) break stream;
          }
        }
        // Not while the thread writes: prune takes entry locks, the bulk writer does not.
        if (result.written && !thread) await this.maybePrune();
      }
    } finally {
      // Counts are exact: every batch handed over is answered (the thread attempts nothing after a fatal error).
      while (answers.length) take(await answers.shift()!);
      await thread?.close();
    }
    if (thread && result.written && !fatal) await this.maybePrune();
    if (!fatal) return result;
    const { written, failed } = result;
    const unknown = result.unknown ?? 0;
    if (written === 0 && unknown === 0) throw new StoreUnavailableError(`${(fatal as Error).message}: nothing was written (${failed} entries failed)`, { cause: fatal });
    throw new PartialFailureError(
      `${(fatal as Error).message}: stopped after writing ${written} entries (${failed} failed, the rest not attempted)`,
      { written, failed, unknown },
      { cause: fatal },
    );
  }

  /** Writes entries inline (see writeEntrySync); returns the error that dooms the rest, if one does. */
  private async writeChunk(chunk: readonly BulkEntry[], policy: FilePolicy, result: BulkWriteResult): Promise<Error | undefined> {
    for (const entry of chunk) {
      const base = this.base(entry.key);
      try {
        if (!this.dirs.has(dirname(base))) await this.folder(dirname(base), policy);
        const value = typeof entry.value === 'string' ? Buffer.from(entry.value) : entry.value;
        this.writeEntrySync(base, entry.key, value, entry.ttl, policy, entry.tags);
        result.written++;
      } catch (error) {
        result.failed++;
        if (result.errors.length < 5) result.errors.push(error instanceof Error ? error.message : String(error));
        // A folder removed meanwhile (a clear): the next chunk creates it again.
        if (errnoOf(error) === 'ENOENT') this.dirs.delete(dirname(base));
        if (await this.dooms(error)) return error as Error;
      }
    }
    return undefined;
  }

  /**
   * Entries as the writer thread takes them: paths (node:crypto's MD5, a
   * quarter of the JavaScript one's cost here, worth loading for a bulk
   * write), values, meta documents as writeEntrySync makes them, and
   * whether an old meta may hold tags to keep (see setMany).
   */
  private prepare(entries: readonly BulkEntry[], hash: (key: string) => string, old: OldMetas): PreparedEntry[] {
    const created = now();
    return entries.map(({ key, value, ttl, tags }) => {
      const md5 = hash(key);
      const base = this.pathOf(md5);
      const checkOld = old.known === null || old.tagged || old.known.has(md5);
      if (tags?.length) old.tagged = true;
      return { base, value, meta: metaDocument(key, created, ttl, tags), checkOld };
    });
  }

  /**
   * The entries (the MD5 their names spell) the directory holds, when there
   * are at most KNOWN_MAX; null when more. A bulk write into a directory
   * of a few entries (a fresh one, or the warmup's own lease and records)
   * then looks for an old meta, whose tags it must keep, only where one can
   * be (see setMany), not once per entry.
   */
  private async knownEntries(): Promise<Set<string> | null> {
    const known = new Set<string>();
    for await (const paths of this.walker.metaFiles()) {
      // By the name's MD5 (shard folders and file name), whatever the spelling of the path before it.
      for (const path of paths) known.add(path.slice(0, -'.meta'.length).split(sep).slice(-(this.levels + 1)).join(''));
      if (known.size > KNOWN_MAX) return null;
    }
    return known;
  }

  /** An error the writer thread reported, as the inline path would have thrown it. */
  private threadError(said: { code?: string; message: string }): Error {
    return this.ioError(Object.assign(new Error(said.message), { code: said.code }));
  }

  /** Creates a folder of entries (and those above it) when missing, and remembers it. */
  private async folder(dir: string, policy: FilePolicy): Promise<void> {
    try {
      await ensureDir(dir, this.location, policy);
    } catch (error) {
      // ENOENT from mkdir under a parent that exists: the location changed under us (see location.ts).
      if (errnoOf(error) === 'ENOENT') this.ready = false;
      throw this.ioError(error);
    }
    this.dirs.add(dir);
  }

  /**
   * writeEntry() with synchronous calls, for bulk writes: the old meta is
   * read for its tags (one failed open for a new key), then both files are
   * written to temp names and renamed into place, the value first. Same
   * guarantees: a failed write leaves the old entry and no file of its own.
   */
  private writeEntrySync(base: string, key: string, value: Buffer, ttl: number, policy: FilePolicy, tags?: readonly string[]): void {
    const old = this.readMetaSync(base, key);
    const merged = old?.tags?.length ? [...new Set([...old.tags, ...(tags ?? [])])] : tags;
    const valueTmp = this.writeTempSync(`${base}.cache`, value, policy);
    let metaTmp: string | undefined;
    try {
      metaTmp = this.writeTempSync(`${base}.meta`, metaDocument(key, now(), ttl, merged), policy);
      renameSync(valueTmp, `${base}.cache`);
    } catch (error) {
      for (const p of [valueTmp, metaTmp]) if (p) unlinkQuietly(p);
      throw this.ioError(error);
    }
    try {
      renameSync(metaTmp, `${base}.meta`);
    } catch (error) {
      // Only a new name can need room in the folder: then no meta existed, and the value goes too.
      unlinkQuietly(metaTmp);
      if (!existsSync(`${base}.meta`)) unlinkQuietly(`${base}.cache`);
      throw this.ioError(error);
    }
  }

  private readMetaSync(base: string, key: string): Meta | null {
    const path = `${base}.meta`;
    let found;
    try {
      // A new key (most of a warmup): a stat that returns nothing, where a failed
      // open would build an exception with its stack trace, ~20 µs of CPU each.
      if (!statSync(path, { throwIfNoEntry: false })) return null;
      found = readSmallSync(path);
    } catch (error) {
      throw this.ioError(error);
    }
    const meta = found && parseMeta(found.text);
    return meta && (meta.key === undefined || meta.key === key) && !isExpired(meta) ? meta : null;
  }

  /** writeTemp() with synchronous calls; the mode is set with fchmod only when the umask changed it. */
  private writeTempSync(path: string, data: Buffer | string, policy: FilePolicy): string {
    const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    let fd: number | undefined;
    try {
      fd = openSync(tmp, 'wx', policy.fileMode);
      writeFullSync(fd, data);
      this.umaskKeepsMode ??= (fstatSync(fd).mode & 0o777) === policy.fileMode;
      if (!this.umaskKeepsMode) fchmodSync(fd, policy.fileMode);
      if (policy.owner) fchownSync(fd, policy.owner.uid, policy.owner.gid);
      closeSync(fd);
      fd = undefined;
      return tmp;
    } catch (error) {
      if (fd !== undefined) closeQuietly(fd);
      unlinkQuietly(tmp);
      throw this.ioError(error);
    }
  }

  /** True when a failed write means the next ones fail too: EACCES only when it is the cache directory itself. */
  private async dooms(error: unknown): Promise<boolean> {
    const code = errnoOf(error);
    if (code === undefined || !ERRNO_UNAVAILABLE.has(code)) return false;
    if (code !== 'EACCES' && code !== 'EPERM') return true;
    return !(await canReplaceIn(this.location));
  }

  async set(key: string, value: Buffer, ttl: number, tags?: readonly string[]): Promise<void> {
    const base = this.base(key);
    await this.locked(base, async () => {
      // Tags stay with the key until invalidated, as Redis tag sets do.
      const old = await this.readMeta(base, key);
      const merged = [...new Set([...(old?.tags ?? []), ...(tags ?? [])])];
      await this.writeEntry(base, key, value, ttl, merged);
    });
  }

  async setNx(key: string, value: Buffer, ttl: number): Promise<boolean> {
    const base = this.base(key);
    return this.locked(base, async () => {
      if (await this.exists(base, key)) return false;
      await this.writeEntry(base, key, value, ttl);
      return true;
    });
  }

  private async exists(base: string, key: string): Promise<boolean> {
    if (!(await this.readMeta(base, key))) return false;
    return existsSync(`${base}.cache`);
  }

  /**
   * Synchronous unlinks a chunk at a time (any number of keys, no file
   * handles): the meta first, so readers miss the entry at once, then the
   * value and a sorted set's score map.
   */
  async delete(keys: readonly string[]): Promise<number> {
    return (await inChunks(keys, (key) => this.deleteSync(this.base(key)))).filter(Boolean).length;
  }

  /** Unlinks an entry's files, meta first; its score map only where `maps` is 'look' and one exists. True when a file was removed. */
  private deleteSync(base: string, maps: ScoreMaps = 'look'): boolean {
    let removed = false;
    for (const ext of ['.meta', '.cache', '.zset']) {
      // A score map is rare: asked first, as a failed unlink builds an exception (~20 µs of CPU each).
      if (ext === '.zset' && (maps === 'none' || !existsSync(base + ext))) continue;
      try {
        unlinkSync(base + ext);
        removed = true;
      } catch (error) {
        if (!isMissing(error)) throw this.ioError(error);
      }
    }
    return removed;
  }

  private async deleteOne(base: string): Promise<boolean> {
    return this.deleteSync(base);
  }

  async deleteIfEquals(key: string, value: Buffer): Promise<boolean> {
    const base = this.base(key);
    return this.locked(base, async () => {
      if (!(await this.readMeta(base, key))) return false;
      const current = await readFile(`${base}.cache`).catch(() => null);
      return current !== null && current.equals(value) ? this.deleteOne(base) : false;
    });
  }

  async has(key: string): Promise<boolean> {
    await this.usable();
    return this.exists(this.base(key), key);
  }

  async increment(key: string, by: number): Promise<number> {
    const base = this.base(key);
    return this.locked(base, async () => {
      const meta = await this.readMeta(base, key);
      const current = meta ? decodeCounter(await readFile(`${base}.cache`).catch(() => null)) : 0;
      if (current === null) throw new UsageError(`cannot increment '${key}': the value is not an integer`);
      const next = current + by;
      // Keep the key's remaining lifetime, as INCRBY does.
      const ttl = meta && meta.expires > 0 ? Math.max(1, meta.expires - now()) : 0;
      await this.writeEntry(base, key, encodeCounter(next), ttl, meta?.tags);
      return next;
    });
  }

  async ttl(key: string): Promise<number | null> {
    await this.usable();
    const base = this.base(key);
    const meta = await this.readMeta(base, key);
    if (!meta || !(await this.exists(base, key))) return null;
    return meta.expires === 0 ? -1 : Math.max(0, meta.expires - now());
  }

  async expire(key: string, ttl: number): Promise<boolean> {
    const base = this.base(key);
    return this.locked(base, async () => {
      const meta = await this.readMeta(base, key);
      if (!meta || !(await this.exists(base, key))) return false;
      const at = now();
      const next: Meta = { ...meta, key, expires: ttl > 0 ? at + ttl : 0, ttl: ttl > 0 ? ttl : 0 };
      await this.writeAtomic(`${base}.meta`, 'json:' + JSON.stringify(next));
      return true;
    });
  }

  async *scan(glob: string, options: ScanOptions = {}): AsyncIterable<string[]> {
    yield* this.sampleScan(glob, 1, options);
  }

  /** One `.meta` in `every`, in listing order (the names are hashes: an even spread of keys), read and matched. */
  async *sampleScan(glob: string, every: number, options: ScanOptions = {}): AsyncIterable<string[]> {
    const matcher = globToRegExp(glob);
    await this.usable();
    for await (const batch of this.walker.entries(options, every)) {
      const found = batch.filter((e) => matcher.test(e.key));
      if (!found.length) continue;
      this.remember(found);
      yield found.map((e) => e.key);
    }
  }

  /**
   * Keeps the metas a scan just read for describe() and readMany(), which
   * cache:inspect and cache:export call on each batch they are given: read
   * again, they were half their calls. Only for a moment and a few batches
   * (RECENT_MS, RECENT_MAX): an entry rewritten meanwhile shows the TTL it
   * had when listed, as a read of the meta just before the value's rewrite.
   */
  private remember(found: Array<{ key: string; meta: Meta; metaBytes: number }>): void {
    if (this.recent.size + found.length > RECENT_MAX) this.recent.clear();
    const at = Date.now();
    for (const { key, meta, metaBytes } of found) this.recent.set(key, { meta, metaBytes, at });
  }

  /** The meta of `key` as a scan just read it (taken: used once), null when it expired since; undefined when there is none. */
  private recentMeta(key: string): { meta: Meta; metaBytes: number } | null | undefined {
    const seen = this.recent.get(key);
    if (!seen) return undefined;
    this.recent.delete(key);
    if (Date.now() - seen.at >= RECENT_MS) return undefined;
    return isExpired(seen.meta) ? null : seen;
  }

  /** The meta of `key` and its size: as a scan just read it, else from disk. */
  private metaForDescribe(key: string): { meta: Meta; metaBytes: number } | null {
    const seen = this.recentMeta(key);
    if (seen !== undefined) return seen;
    const found = readMetaFileSync(`${this.base(key)}.meta`);
    if (!found || (found.meta.key !== undefined && found.meta.key !== key) || isExpired(found.meta)) return null;
    return { meta: found.meta, metaBytes: found.bytes };
  }

  private async addTags(key: string, tags: readonly string[]): Promise<void> {
    const base = this.base(key);
    await this.locked(base, async () => {
      const meta = await this.readMeta(base, key);
      if (!meta) return;
      const next: Meta = { ...meta, tags: [...new Set([...(meta.tags ?? []), ...tags])] };
      await this.writeAtomic(`${base}.meta`, 'json:' + JSON.stringify(next));
    });
  }

  private async *tagMembers(tag: string, options: ScanOptions = {}): AsyncIterable<string[]> {
    await this.usable();
    for await (const batch of this.walker.entries(options)) {
      const keys = batch.filter((e) => e.meta.tags?.includes(tag)).map((e) => e.key);
      if (keys.length) yield keys;
    }
  }

  /** Tag names, from the entries' meta documents (one walk). */
  private async *tagNames(options: ScanOptions = {}): AsyncIterable<string[]> {
    for await (const batch of this.walker.entries(options)) {
      const names = batch.flatMap((e) => e.meta.tags ?? []);
      if (names.length) yield names;
    }
  }

  private async dropTags(_tags: readonly string[]): Promise<void> {
    // Tags live inside the entries' meta documents: nothing left to drop.
  }

  private async readScores(base: string): Promise<Map<string, number>> {
    try {
      return parseScoreMap(await readFile(`${base}.zset`));
    } catch (error) {
      if (isMissing(error)) return new Map();
      throw this.ioError(error);
    }
  }

  private async writeScores(base: string, key: string, scores: Map<string, number>): Promise<void> {
    await this.writeAtomic(`${base}.zset`, serializeScoreMap(scores));
    const meta: Meta = { key, created: now(), expires: 0, ttl: 0 };
    await this.writeAtomic(`${base}.meta`, 'json:' + JSON.stringify(meta));
  }

  /**
   * Size on disk (value and meta files), TTL, and the format from the
   * value's first bytes. The metas first, synchronously, before anything is
   * awaited (as a scan just read them, see remember(): a caller may go on
   * scanning while this batch's values are probed); then the values: inline,
   * a chunk at a time, three calls per key (open, read, close; see
   * probeValue), or, once a walk has described more than THREAD_AFTER keys,
   * on the I/O thread (io-thread.ts) while this thread reads the next metas.
   * Any number of keys without running out of file handles.
   */
  async describe(keys: string[]): Promise<Array<KeyFacts | null>> {
    if (!this.ready) await this.usable();
    // Many keys (cache:inspect): node:crypto's MD5 is worth loading.
    const hash = (this.bulkHash ??= await md5ForBulk());
    const at = now();
    this.described += keys.length;
    if (this.described > THREAD_AFTER) this.startIoThread();
    const io = this.io?.ready ? this.io : undefined;
    if (!io) return inChunks(keys, (key) => this.describeOne(key, hash, at));
    const metas = keys.map((key) => this.metaForDescribe(key));
    const wanted = keys.flatMap((key, i) => (metas[i] ? [i] : []));
    const probed = await io.probe(wanted.map((i) => `${this.pathOf(hash(keys[i]!))}.cache`));
    const facts: Array<KeyFacts | null> = keys.map(() => null);
    wanted.forEach((i, j) => (facts[i] = this.factsOf(keys[i]!, metas[i]!, probed[j]!, at)));
    return facts;
  }

  private describeOne(key: string, hash: (key: string) => string, at: number): KeyFacts | null {
    const found = this.metaForDescribe(key);
    return found && this.factsOf(key, found, probeValue(`${this.pathOf(hash(key))}.cache`), at);
  }

  private factsOf(key: string, found: { meta: Meta; metaBytes: number }, value: Probed, at: number): KeyFacts | null {
    if (!value) return null;
    const { meta } = found;
    const ttl = meta.expires === 0 ? -1 : Math.max(0, meta.expires - at);
    return { key, bytes: value.size + found.metaBytes, ttl, format: sniffFormat(value.head) };
  }

  /** Starts the I/O thread once (it takes batches when ready; until then work goes inline). */
  private startIoThread(): void {
    if (this.ioStart) return;
    this.ioStart = IoThread.start().then(
      (thread) => (this.io = thread),
      () => undefined,
    );
  }

  /** Throws when the directory cannot take writes (cache:status then says why and exits 5). */
  async ping(): Promise<number> {
    const started = performance.now();
    await this.writable();
    return performance.now() - started;
  }

  /** A missing directory was checked for creatability by checkLocation; an existing one must be writable. */
  private async writable(): Promise<void> {
    if ((await checkLocation(this.location)) !== 'ready') return;
    this.ready = true;
    await access(this.location, constants.W_OK | constants.X_OK).catch((error: unknown) => {
      throw this.ioError(error);
    });
  }

  /**
   * Deletes the live entries whose key matches `glob`: each `.meta` read
   * once, and each match held with its inode number (RUN at most), then
   * unlinked in inode order (inode-order.ts): inline a chunk at a time as
   * delete(), past THREAD_AFTER entries on the I/O thread (unlinker.ts).
   * Expired entries and files that are not entries are left alone (prune()
   * removes expired ones), so the count is of keys a get() would have
   * found. Every key (`*`) is deleteEveryEntry(). First makes sure deletes
   * can work: on a read-only mount a clear or purge would otherwise find
   * nothing to fail on in an empty directory and say "deleted 0".
   */
  async deleteMatching(glob: string, options: BulkOptions = {}): Promise<DeleteResult> {
    await this.writable();
    if (glob === '*') return this.deleteEveryEntry(options);
    const matcher = globToRegExp(glob);
    const sampleSize = options.sampleSize ?? 10;
    const result: DeleteResult = { scanned: 0, matched: 0, deleted: 0, sample: [] };
    const unlinker = new Unlinker((base, maps) => this.deleteSync(base, maps), (error) => this.ioError(error));
    const report = () => options.onProgress?.({ scanned: result.scanned, matched: result.matched, deleted: unlinker.deleted });
    const listed = new InodeOrder();
    // The plain-JS MD5 until the walk proves long (node:crypto's is faster per key, and costs a load).
    let hash: (key: string) => string = md5Hex;
    let read = 0;
    try {
      for await (const { paths, metas } of this.metaChunks()) {
        if (options.signal?.aborted || unlinker.failure) break;
        const at = now();
        paths.forEach((path, i) => {
          const key = metas[i]?.key;
          if (typeof key !== 'string' || isExpired(metas[i]!, at) || !matcher.test(key)) return;
          // Only an entry where get() would find it: a .meta copied under another name is not ours to delete.
          const name = hash(key);
          if (path.slice(0, -'.meta'.length) !== this.pathOf(name) || !this.listEntry(path, name, listed)) return;
          result.scanned++;
          result.matched++;
          if (result.sample.length < sampleSize) result.sample.push(key);
        });
        if ((read += paths.length) > THREAD_AFTER) this.startIoThread();
        if (result.matched > THREAD_AFTER && hash === md5Hex) hash = this.bulkHash ??= await md5ForBulk();
        if (listed.count >= RUN) await this.unlinkInOrder(listed, unlinker, options, report, () => 'look');
        report();
        await turn();
      }
      if (!options.signal?.aborted) await this.unlinkInOrder(listed, unlinker, options, report, () => 'look');
    } finally {
      await unlinker.drain();
      report();
    }
    if (unlinker.failure) throw unlinker.failure;
    return { ...result, deleted: unlinker.deleted };
  }

  /**
   * Every entry of the directory, as Glueful's own clear() (which unlinks
   * every file below it) but by name only: `{md5}.meta` and its `.cache`,
   * and `.zset` score maps, at each entry's level. No `.meta` is read (only
   * the sample's few), so a clear costs about what `find -delete` does:
   * expired entries go too and are counted, while lock and temp files and
   * anything not named as an entry (a backup copy) stay. The entries are
   * listed (RUN at most), then unlinked in the order of their meta's inode
   * (inode-order.ts), each losing its meta first. A score map goes with its
   * entry when both were listed in one run; one left over is removed once
   * the walk ends, if its meta is gone by then (an entry written meanwhile
   * keeps it).
   */
  private async deleteEveryEntry(options: BulkOptions): Promise<DeleteResult> {
    const entryName = new RegExp(`^[0-9a-f]{${32 - 2 * this.levels}}\\.(?:meta|zset)$`);
    const sampleSize = options.sampleSize ?? 10;
    const result: DeleteResult = { scanned: 0, matched: 0, deleted: 0, sample: [] };
    const unlinker = new Unlinker((base, maps) => this.deleteSync(base, maps), (error) => this.ioError(error));
    const report = () => options.onProgress?.({ scanned: result.scanned, matched: result.matched, deleted: unlinker.deleted });
    const listed = new InodeOrder();
    // Names of score maps listed whose entry was not unlinked yet: their entry takes them along.
    const scoreMaps = new Set<string>();
    const mapsOf = (name: string): ScoreMaps => (scoreMaps.delete(name) ? 'look' : 'none');
    try {
      for await (const paths of this.walker.files((name) => entryName.test(name))) {
        if (options.signal?.aborted || unlinker.failure) break;
        for (const path of paths) {
          const name = this.nameOf(path);
          if (path.endsWith('.zset')) scoreMaps.add(name);
          else if (this.listEntry(path, name, listed)) {
            result.scanned++;
            if (result.sample.length < sampleSize) this.sampleKey(path, result.sample);
          }
        }
        result.matched = result.scanned;
        if (result.scanned > THREAD_AFTER) this.startIoThread();
        if (listed.count >= RUN) await this.unlinkInOrder(listed, unlinker, options, report, mapsOf);
        report();
        await turn();
      }
      if (!options.signal?.aborted) await this.unlinkInOrder(listed, unlinker, options, report, mapsOf);
    } finally {
      await unlinker.drain();
      report();
    }
    if (unlinker.failure) throw unlinker.failure;
    if (!options.signal?.aborted) this.dropScoreMaps(scoreMaps);
    return { ...result, deleted: unlinker.deleted };
  }

  /**
   * The walk's `.meta` documents (null: gone or not one), SYNC_CHUNK at a
   * time: read inline, or once the I/O thread runs, by it READS_AHEAD
   * chunks ahead while the caller matches the last (a read the thread could
   * not answer is done inline: reading twice is harmless).
   */
  private async *metaChunks(): AsyncIterable<{ paths: string[]; metas: Array<Meta | null> }> {
    const inline = (paths: string[]) => ({ paths, metas: paths.map((path) => readMetaFileSync(path)?.meta ?? null) });
    const ahead: Array<Promise<{ paths: string[]; metas: Array<Meta | null> }>> = [];
    try {
      for await (const listed of this.walker.metaFiles()) {
        for (let i = 0; i < listed.length; i += SYNC_CHUNK) {
          const paths = listed.slice(i, i + SYNC_CHUNK);
          const io = this.io?.ready ? this.io : undefined;
          if (!io) {
            while (ahead.length) yield await ahead.shift()!;
            yield inline(paths);
            continue;
          }
          const parsed = (texts: Array<string | null>) => ({ paths, metas: texts.map((text) => (text === null ? null : parseMeta(text))) });
          ahead.push(io.read(paths).then(parsed, () => inline(paths)));
          if (ahead.length >= READS_AHEAD) yield await ahead.shift()!;
        }
      }
      while (ahead.length) yield await ahead.shift()!;
    } finally {
      // A caller that stopped early: the reads under way end before the walk does.
      await Promise.allSettled(ahead);
    }
  }

  /** An entry's name: its MD5 in hex, the shard folders' part included. */
  private nameOf(path: string): string {
    return path.slice(0, -'.meta'.length).split(sep).slice(-(this.levels + 1)).join('');
  }

  /** Holds a listed `.meta`'s entry with its inode number; false when it is gone meanwhile. */
  private listEntry(path: string, name: string, listed: InodeOrder): boolean {
    let found;
    try {
      found = lstatSync(path, { throwIfNoEntry: false });
    } catch (error) {
      throw this.ioError(error);
    }
    if (!found) return false;
    listed.add(name, found.ino);
    return true;
  }

  /** Unlinks the entries held, in inode order, a chunk at a time; `mapsOf` says whether to look for an entry's score map. */
  private async unlinkInOrder(listed: InodeOrder, unlinker: Unlinker, options: BulkOptions, report: () => void, mapsOf: (name: string) => ScoreMaps): Promise<void> {
    for (const names of listed.take(SYNC_CHUNK)) {
      if (options.signal?.aborted || unlinker.failure) return;
      const none: string[] = [];
      const look: string[] = [];
      for (const name of names) (mapsOf(name) === 'none' ? none : look).push(this.pathOf(name));
      const io = this.io?.ready ? this.io : undefined;
      await unlinker.hand(io, none, 'none');
      await unlinker.hand(io, look, 'look');
      report();
      await turn();
    }
  }

  /** The key of a `.meta` about to be deleted, for a clear's sample (a meta unreadable or without a key gives none). */
  private sampleKey(path: string, sample: string[]): void {
    const key = readMetaFileSync(path)?.meta.key;
    if (typeof key === 'string') sample.push(key);
  }

  /** Score maps (their entries' names) a clear listed but did not unlink with an entry: removed where the entry's meta is gone. */
  private dropScoreMaps(names: Iterable<string>): void {
    for (const base of Array.from(names, (name) => this.pathOf(name))) {
      if (existsSync(`${base}.meta`)) continue;
      try {
        unlinkSync(`${base}.zset`);
      } catch (error) {
        if (!isMissing(error)) throw this.ioError(error);
      }
    }
  }

  async stats(): Promise<DriverStats> {
    await this.usable();
    let entries = 0;
    let expired = 0;
    let bytes = 0;
    let unreadable = 0;
    let leftovers = 0;
    let orphaned = 0;
    const owner = await stat(this.location).catch(() => null);
    const at = now();
    // One walk: entries, values without their meta, and writers' leftovers.
    for await (const paths of this.walker.files((name) => name.endsWith('.meta') || name.endsWith('.cache') || isLeftoverName(name))) {
      const listed = new Set(paths);
      const [found, orphans, stale] = await Promise.all([
        Promise.all(
          paths
            .filter((p) => p.endsWith('.meta'))
            .map(async (path) => ({
              meta: await readFile(path, 'utf8').then(parseMeta, () => null),
              cache: await stat(path.replace(/\.meta$/, '.cache')).catch(() => null),
            })),
        ),
        Promise.all(paths.filter((p) => p.endsWith('.cache')).map((p) => isOrphanValue(p, listed))),
        Promise.all(paths.filter((p) => isLeftoverName(p)).map((p) => staleToken(p))),
      ]);
      for (const { meta, cache } of found) {
        if (!meta || !cache) continue;
        if (isExpired(meta, at)) expired++;
        else entries++;
        bytes += cache.size;
        if (owner && !readableBy(owner, cache)) unreadable++;
      }
      orphaned += orphans.filter(Boolean).length;
      leftovers += stale.filter((t) => t !== null).length;
    }
    const replaceable = owner ? await canReplaceIn(this.location) : true;
    const warnings: string[] = [];
    if (leftovers) warnings.push(`${leftovers} temp or lock files left by interrupted writers (the next prune pass removes them)`);
    if (orphaned) warnings.push(`${orphaned} values without their .meta, left by interrupted writers (the next prune pass removes them)`);
    if (unreadable) {
      warnings.push(`${unreadable} entries cannot be read by the directory's owner (uid ${owner!.uid}), the app's user: it misses and deletes them`);
    }
    if (!replaceable) warnings.push(`this user (uid ${process.getuid?.()}) cannot replace entries in ${this.location}: writes will fail`);
    return {
      totalKeys: entries,
      bytes,
      info: { hashLevels: this.levels, expiredEntries: expired, leftoverFiles: leftovers + orphaned, unreadableByApp: unreadable },
      warnings: warnings.length ? warnings : undefined,
    };
  }

  /** Temp and lock files whose writer is gone (see file-leftovers.ts). */
  private async staleLeftovers(): Promise<string[]> {
    const stale: string[] = [];
    for await (const paths of this.walker.files(isLeftoverName)) {
      const tokens = await Promise.all(paths.map((p) => staleToken(p)));
      paths.forEach((p, i) => tokens[i] !== null && stale.push(p));
    }
    return stale;
  }

  /**
   * Removes expired entries (the PHP driver only drops them when read) and
   * the temp and lock files of writers that were killed mid-write.
   */
  async prune(): Promise<number> {
    await this.usable();
    let removed = 0;
    for (const path of await this.staleLeftovers()) if (await removeIfStale(path)) removed++;
    removed += await this.pruneOrphanValues();
    const at = now();
    for await (const paths of this.walker.metaFiles()) {
      for (const path of paths) {
        const base = path.slice(0, -'.meta'.length);
        const meta = await readFile(path, 'utf8').then(parseMeta, () => null);
        if (!meta || !isExpired(meta, at) || typeof meta.key !== 'string') continue;
        const key = meta.key;
        // Re-check under the lock: a writer may have just refreshed the entry.
        const gone = await this.locked(base, async () =>
          (await this.readMeta(base, key)) ? false : this.deleteOne(base),
        ).catch(() => false);
        if (gone) removed++;
      }
    }
    return removed;
  }

  /** Removes value files left without their meta (see leftovers.ts), re-checked under the entry's lock. */
  private async pruneOrphanValues(): Promise<number> {
    let removed = 0;
    for await (const paths of this.walker.files((name) => name.endsWith('.cache') || name.endsWith('.meta'))) {
      const listed = new Set(paths);
      for (const path of paths) {
        if (!path.endsWith('.cache') || !(await isOrphanValue(path, listed))) continue;
        const gone = await this.locked(path.slice(0, -'.cache'.length), async () =>
          (await isOrphanValue(path)) ? unlink(path).then(() => true, () => false) : false,
        ).catch(() => false);
        if (gone) removed++;
      }
    }
    return removed;
  }

  /** Runs prune() when `cleanupFrequency` seconds passed since the last one. */
  private async maybePrune(): Promise<void> {
    if (this.pruneChecked || this.cleanupFrequency <= 0) return;
    this.pruneChecked = true;
    const stamp = join(this.location, PRUNE_STAMP);
    const last = await stat(stamp).then((s) => s.mtimeMs, () => null);
    if (last !== null && Date.now() - last < this.cleanupFrequency * 1000) return;
    await this.writeAtomic(stamp, '').catch(() => undefined);
    if (last === null) return; // first write in a new directory: nothing to prune yet
    // Housekeeping: its failure is not the write's (which is done by now).
    await this.prune().catch(() => undefined);
  }

  async dispose(): Promise<void> {
    // No file handles are kept open between calls; the I/O thread, when one started, stops.
    const io = await this.ioStart;
    this.io = undefined;
    this.ioStart = undefined;
    await io?.close();
  }
}

/** A `.meta` document as Glueful writes it (our `tags` last, only when there are some). */
function metaDocument(key: string, created: number, ttl: number, tags?: readonly string[]): string {
  // JSON.stringify({ key, created, expires, ttl, tags? }), spelt out: a bulk write makes one per entry.
  // (A TTL that is not a finite number, from a custom strategy, gets JSON.stringify's own `null`.)
  if (!Number.isFinite(ttl)) return `json:${JSON.stringify({ key, created, expires: 0, ttl, ...(tags?.length ? { tags } : {}) })}`;
  const expires = ttl > 0 ? created + ttl : 0;
  const tagged = tags?.length ? `,"tags":${JSON.stringify(tags)}` : '';
  return `json:{"key":${JSON.stringify(key)},"created":${created},"expires":${expires},"ttl":${ttl}${tagged}}`;
}

/**
 * `one` over every key synchronously, SYNC_CHUNK keys between event-loop
 * turns: other work (a socket, a signal) runs between chunks, and at most
 * one file is open at a time.
 */
async function inChunks<T>(keys: readonly string[], one: (key: string) => T): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < keys.length; i += SYNC_CHUNK) {
    if (i > 0) await turn();
    for (const key of keys.slice(i, i + SYNC_CHUNK)) results.push(one(key));
  }
  return results;
}

/** Writes all of `data` (writeSync may write less than asked). */
function writeFullSync(fd: number, data: Buffer | string): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // closing after a failed write: nothing more to do
  }
}

/** MD5 hex of a key by node:crypto (loaded on first use: a short command never pays for it). */
async function md5ForBulk(): Promise<(key: string) => string> {
  const { createHash } = await import('node:crypto');
  return (key) => createHash('md5').update(key).digest('hex');
}

/** Reused by probeValue(): most values are this small, and then one read gives their size too. */
const PROBE = Buffer.alloc(4096);

/**
 * A value file's size and first 16 bytes (enough to tell `json:`, `php:`,
 * an integer); null when it is gone. Three calls for a value under 4 KB
 * (open, read, close: a short read of a regular file ends at its end), an
 * fstat for a bigger one.
 */
function probeValue(path: string): { size: number; head: Buffer } | null {
  let fd: number;
  try {
    fd = openForRead(path);
  } catch {
    return null;
  }
  try {
    const read = readSync(fd, PROBE, 0, PROBE.length, 0);
    const head = Buffer.from(PROBE.subarray(0, Math.min(16, read)));
    return { size: read < PROBE.length ? read : fstatSync(fd).size, head };
  } catch {
    return null;
  } finally {
    closeQuietly(fd);
  }
}

/** Lets signals, timers and other I/O run between two synchronous chunks. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Creates the File store driver. */
export function createDriver(options: FileDriverOptions): CacheDriver {
  if (!options.path) throw new UsageError('the file store needs a path');
  return new FileDriver(options);
}
