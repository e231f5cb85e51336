/**
 * A bulk write's file system calls on a thread of their own (a worker
 * thread), so that reading, parsing and encoding the next entries on the
 * main thread overlaps the writing of the last ones: in a warmup, the
 * kernel's work for each create and rename is most of the time, and a
 * single process doing both one after the other (the naive floor) leaves
 * that overlap on the table.
 *
 * One writer thread, not several: in a flat directory every create and
 * rename takes the folder's lock in the kernel, and two threads writing
 * there spent twice the system time here for no gain. The thread writes
 * each entry exactly as FileDriver.writeEntrySync does (both files to temp
 * names, the value renamed first, the meta last; a failure leaves the old
 * entry and no file of its own), synchronously and in order. A batch
 * crosses as one transferred buffer (values and metas, encoded by the main
 * thread) and the entries' paths: no copy and no object per entry.
 *
 * Started and spoken to through thread-client.ts (its source inlined:
 * node:worker_threads loads only for a bulk write large enough to use it).
 */
import { ThreadClient } from './thread-client.js';
import type { FilePolicy } from './ownership.js';

/** What the thread reports for one batch: errors as errno code and message, mapped by the driver. */
export interface ThreadOutcome {
  written: number;
  failed: number;
  errors: Array<{ code?: string; message: string }>;
  /** Set when an error means every further write fails too (the thread then attempts nothing more). */
  fatal?: { code?: string; message: string };
  /** Entries whose fate is unknown: the thread died while writing them. */
  unknown?: number;
}

/** One entry as the main thread prepared it: path without extension, encoded value, meta document. */
export interface PreparedEntry {
  base: string;
  value: Buffer | string;
  meta: string;
  /** False when no old meta can hold tags to keep (a fresh directory): the thread then skips looking. */
  checkOld: boolean;
}

// Plain JavaScript run by the worker (CommonJS, as `node -e`). Keep it
// self-contained: it sees nothing of this module but workerData.
const SOURCE = String.raw`
'use strict';
const { parentPort, workerData, threadId } = require('node:worker_threads');
const fs = require('node:fs');
const { dirname, sep } = require('node:path');
const { location, policy, pid, unavailable } = workerData;
const UNAVAILABLE = new Set(unavailable);
const dirs = new Set(workerData.dirs);
const root = location.endsWith(sep) ? location : location + sep;
let keepsMode;
let stopped = false;

function unlinkQuietly(path) {
  try { fs.unlinkSync(path); } catch {}
}

// ensureDir() of ownership.ts, synchronously: one mkdir per missing folder, never recursive.
function ensureDir(dir) {
  const missing = [];
  for (let at = dir; ; ) {
    if (fs.statSync(at, { throwIfNoEntry: false })) break;
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const path of missing) {
    try {
      fs.mkdirSync(path, { mode: policy.dirMode });
    } catch (error) {
      if (error.code === 'EEXIST' && fs.statSync(path, { throwIfNoEntry: false })?.isDirectory()) continue;
      throw error;
    }
    if (path === location || path.startsWith(root)) {
      fs.chmodSync(path, policy.dirMode);
      if (policy.owner) fs.chownSync(path, policy.owner.uid, policy.owner.gid);
    }
  }
  dirs.add(dir);
}

// Temp names as leftovers.ts knows them (".tmp-{pid}-{rest}"), one for values and one for metas in
// each folder, used again for every entry: the thread writes one entry at a time, and a temp name
// is gone once renamed. On ext4 a fixed name keeps its index block of the folder the same entry
// after entry, where a fresh name per file dirties a block of its own: 0.9x the time (100 k entries,
// flat, measured). This thread's names (pid, threadId) are no one else's: one found in place is
// a leftover of our own failed clean-up or of a dead process that had this pid, and goes.
const own = sep + '.tmp-' + pid + '-w' + threadId.toString(36);
function openTemp(tmp) {
  try {
    return fs.openSync(tmp, 'wx', policy.fileMode);
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
    unlinkQuietly(tmp);
    return fs.openSync(tmp, 'wx', policy.fileMode);
  }
}

function writeTemp(tmp, bytes, start, end) {
  let fd;
  try {
    fd = openTemp(tmp);
    for (let at = start; at < end; ) at += fs.writeSync(fd, bytes, at, end - at);
    if (keepsMode === undefined) keepsMode = (fs.fstatSync(fd).mode & 0o777) === policy.fileMode;
    if (!keepsMode) fs.fchmodSync(fd, policy.fileMode);
    if (policy.owner) fs.fchownSync(fd, policy.owner.uid, policy.owner.gid);
    fs.closeSync(fd);
    fd = undefined;
    return tmp;
  } catch (error) {
    if (fd !== undefined) try { fs.closeSync(fd); } catch {}
    unlinkQuietly(tmp);
    throw error;
  }
}

// The old meta's tags stay with the key (as FileDriver.readMetaSync + writeEntrySync):
// the new meta with the union of both, or null when there is nothing to merge.
function merged(base, bytes, start, end) {
  const path = base + '.meta';
  if (!fs.statSync(path, { throwIfNoEntry: false })) return null;
  let text;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
  let old;
  try {
    old = JSON.parse(text.startsWith('json:') ? text.slice(5) : text);
  } catch {
    return null;
  }
  if (!old || typeof old !== 'object' || typeof old.expires !== 'number' || !old.tags?.length) return null;
  const next = JSON.parse(bytes.toString('utf8', start + 5, end));
  if (old.key !== undefined && old.key !== next.key) return null;
  if (old.expires > 0 && old.expires <= Math.floor(Date.now() / 1000)) return null;
  next.tags = [...new Set([...old.tags, ...(next.tags ?? [])])];
  return Buffer.from('json:' + JSON.stringify(next));
}

function writeEntry(dir, base, bytes, at, split, end, checkOld) {
  const mergedMeta = checkOld ? merged(base, bytes, split, end) : null;
  const valueTmp = writeTemp(dir + own + 'v', bytes, at, split);
  let metaTmp;
  try {
    metaTmp = mergedMeta ? writeTemp(dir + own + 'm', mergedMeta, 0, mergedMeta.length) : writeTemp(dir + own + 'm', bytes, split, end);
    fs.renameSync(valueTmp, base + '.cache');
  } catch (error) {
    unlinkQuietly(valueTmp);
    if (metaTmp) unlinkQuietly(metaTmp);
    throw error;
  }
  try {
    fs.renameSync(metaTmp, base + '.meta');
  } catch (error) {
    // Only a new name can need room in the folder: then no meta existed, and the value goes too.
    unlinkQuietly(metaTmp);
    if (!fs.existsSync(base + '.meta')) unlinkQuietly(base + '.cache');
    throw error;
  }
}

function dooms(code) {
  if (code === undefined || !UNAVAILABLE.has(code)) return false;
  if (code !== 'EACCES' && code !== 'EPERM') return true;
  try {
    fs.accessSync(location, fs.constants.W_OK | fs.constants.X_OK);
    return false;
  } catch {
    return true;
  }
}

parentPort.on('message', ({ id, bases, data, offsets }) => {
  const outcome = { id, written: 0, failed: 0, errors: [] };
  if (stopped) return parentPort.postMessage(outcome);
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const paths = bases.split('\0');
  for (let i = 0; i < paths.length; i++) {
    const base = paths[i];
    const dir = dirname(base);
    try {
      if (!dirs.has(dir)) ensureDir(dir);
      const at = offsets[i * 4], split = offsets[i * 4 + 1], end = offsets[i * 4 + 2];
      writeEntry(dir, base, bytes, at, split, end, offsets[i * 4 + 3] === 1);
      outcome.written++;
    } catch (error) {
      outcome.failed++;
      const said = { code: error.code, message: error.message };
      if (outcome.errors.length < 5) outcome.errors.push(said);
      // A folder removed meanwhile (a clear): the next entry there creates it again.
      if (error.code === 'ENOENT') dirs.delete(dir);
      if (dooms(error.code)) {
        outcome.fatal = said;
        stopped = true;
        break;
      }
    }
  }
  parentPort.postMessage(outcome);
});
parentPort.postMessage({ ready: true });
`;

/** Settings the thread needs: where, how files and folders are made, what errors doom the directory. */
export interface WriterSettings {
  location: string;
  policy: FilePolicy;
  /** Folders known to exist. */
  dirs: Iterable<string>;
  /** Errno codes that may mean the directory takes no more writes. */
  unavailable: Iterable<string>;
}

/** The main thread's side of the writer thread. */
export class WriterThread {
  private constructor(private readonly thread: ThreadClient<ThreadOutcome>) {}

  /** Starts the thread; it becomes `ready` a few tens of ms later (callers write inline meanwhile). */
  static async start(settings: WriterSettings): Promise<WriterThread> {
    const workerData = {
      location: settings.location,
      policy: settings.policy,
      pid: process.pid,
      dirs: [...settings.dirs],
      unavailable: [...settings.unavailable],
    };
    // It holds a batch's paths at a time (the bytes are a transferred buffer, outside its heap):
    // a small heap keeps the run's peak memory down at a million entries.
    const resourceLimits = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 };
    return new WriterThread(await ThreadClient.start<ThreadOutcome>({ name: 'writer thread', source: SOURCE, workerData, resourceLimits }));
  }

  /** True once the thread runs and takes batches. */
  get ready(): boolean {
    return this.thread.ready;
  }

  /** True once the thread has stopped for good (it never does unless something is badly wrong). */
  get dead(): boolean {
    return this.thread.dead;
  }

  /** Hands a batch to the thread; resolves with its outcome once written (if the thread dies, what it was writing is unknown). */
  write(entries: readonly PreparedEntry[]): Promise<ThreadOutcome> {
    const { data, offsets } = pack(entries);
    const bases = entries.map((e) => e.base).join('\0');
    return this.thread
      .request({ bases, data, offsets }, [data.buffer as ArrayBuffer])
      .catch((error: Error) => ({ written: 0, failed: 0, errors: [], unknown: entries.length, fatal: { message: error.message } }));
  }

  /** Stops the thread (every batch handed to it has been answered by then). */
  close(): Promise<void> {
    return this.thread.close();
  }
}

/**
 * The batch's values and metas in one buffer of its own (transferred, not
 * copied), and for each entry where its value and meta start and end and
 * whether to look for an old meta.
 */
function pack(entries: readonly PreparedEntry[]): { data: Uint8Array; offsets: Float64Array } {
  let room = 0;
  for (const e of entries) room += Buffer.byteLength(e.value) + Buffer.byteLength(e.meta);
  const data = Buffer.allocUnsafeSlow(Math.max(room, 1));
  const offsets = new Float64Array(entries.length * 4);
  let at = 0;
  entries.forEach((e, i) => {
    offsets[i * 4] = at;
    at += typeof e.value === 'string' ? data.write(e.value, at) : e.value.copy(data, at);
    offsets[i * 4 + 1] = at;
    at += data.write(e.meta, at);
    offsets[i * 4 + 2] = at;
    offsets[i * 4 + 3] = e.checkOld ? 1 : 0;
  });
  return { data: new Uint8Array(data.buffer, 0, at), offsets };
}
