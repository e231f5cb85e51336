/**
 * A walk's per-entry file work on a thread of its own (a worker thread), so
 * it overlaps with what the main thread does meanwhile on two cores:
 *
 * - `probe` (cache:inspect): each value file's size and first 16 bytes, as
 *   probeValue() of index.ts (open, read, close; an fstat only for a value
 *   bigger than the read), without updating access times where allowed,
 *   while the main thread reads and parses the next `.meta` files.
 * - `read` (cache:purge, a clear with a prefix): each `.meta` file's bytes,
 *   as readSmallSync() of walk.ts, while the main thread parses and
 *   matches the last batch (the open, read and close calls are most of a
 *   purge's time before its unlinks).
 * - `unlink` (cache:clear and cache:purge): each entry's files, as
 *   FileDriver.deleteSync (the meta first, so readers miss the entry at
 *   once, then the value, then a score map when there is one), while the
 *   main thread prepares the next batch (unlinker.ts; the entries come in
 *   inode order, see inode-order.ts).
 *
 * Unlinks run one at a time or PARALLEL at once (libuv's pool), whichever
 * proves faster here. Where an unlink costs only CPU (a file not written
 * back yet; a file system that frees blocks without waiting), several at
 * once only contend for the folder's lock: 1.5-2x slower. Where it waits on
 * the disk for the blocks it frees (~65 µs here: ext4 mounted with
 * `discard`, files on disk, as a cache's files are after half a minute),
 * the wait is outside the folder's lock, and eight at once took half the
 * time of one after another (and of `find -delete`). So a walk times
 * TRIAL entries each way (the second only when the first took over
 * QUICK_US each: below, the lock is all there is) and keeps the faster,
 * trying again every RETRY entries, as the files it meets may change.
 *
 * Paths cross as one string joined by NUL; answers as typed arrays
 * (transferred, not copied). Started and spoken to through thread-client.ts.
 */
import { ThreadClient } from './thread-client.js';

// Plain JavaScript run by the worker (CommonJS, as `node -e`). Keep it self-contained.
const SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const PROBE = Buffer.alloc(4096);
const HEAD = 16;
// Without updating access times where the kernel allows it, as openForRead() of walk.ts.
let flags = fs.constants.O_RDONLY | (fs.constants.O_NOATIME || 0);
function open(path) {
  try {
    return fs.openSync(path, flags);
  } catch (error) {
    if (error.code !== 'EPERM' || flags === fs.constants.O_RDONLY) throw error;
    flags = fs.constants.O_RDONLY;
    return fs.openSync(path, flags);
  }
}

// What fn makes of a file opened for reading; undefined when it cannot be opened or read.
function reading(path, fn) {
  let fd;
  try {
    fd = open(path);
  } catch {
    return undefined;
  }
  try {
    return fn(fd);
  } catch {
    return undefined;
  } finally {
    try { fs.closeSync(fd); } catch {}
  }
}

function probe(paths) {
  const sizes = new Float64Array(paths.length);
  const heads = new Uint8Array(paths.length * HEAD);
  const lengths = new Uint8Array(paths.length);
  for (let i = 0; i < paths.length; i++) {
    sizes[i] = reading(paths[i], (fd) => {
      const read = fs.readSync(fd, PROBE, 0, PROBE.length, 0);
      lengths[i] = Math.min(HEAD, read);
      heads.set(PROBE.subarray(0, lengths[i]), i * HEAD);
      return read < PROBE.length ? read : fs.fstatSync(fd).size;
    }) ?? -1;
  }
  return { sizes, heads, lengths };
}

// Every file's bytes one after another in one buffer (grown as needed, transferred), and where
// each ends; -1 for a file gone or unreadable (readMetaFileSync() counts that as no entry).
const SCRATCH = Buffer.alloc(64 * 1024);
function read(paths) {
  let out = Buffer.allocUnsafeSlow(paths.length * 256);
  let at = 0;
  const ends = new Float64Array(paths.length);
  for (let i = 0; i < paths.length; i++) {
    const bytes = reading(paths[i], (fd) => {
      const n = fs.readSync(fd, SCRATCH, 0, SCRATCH.length, 0);
      return n < SCRATCH.length ? SCRATCH.subarray(0, n) : fs.readFileSync(fd);
    });
    ends[i] = -1;
    if (!bytes) continue;
    if (at + bytes.length > out.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(out.length * 2, at + bytes.length));
      out.copy(bigger, 0, 0, at);
      out = bigger;
    }
    at += bytes.copy(out, at);
    ends[i] = at;
  }
  return { data: new Uint8Array(out.buffer, 0, at), ends };
}

const PARALLEL = 8;
const TRIAL = 256;
const QUICK_US = 15;
const RETRY = 65536;
const EXTS = ['.meta', '.cache', '.zset'];
const said = (caught) => ({ code: caught.code, message: caught.message, syscall: caught.syscall, path: caught.path, errno: caught.errno });
// A score map is rare: asked first, as a failed unlink builds an exception; not at all
// where the main thread knows there is none ('none': it lists score maps by name).
let scoreMaps = 'look';
const wanted = (path, ext) => ext !== '.zset' || (scoreMaps === 'look' && fs.existsSync(path));

function unlinkInTurn(bases) {
  const removed = new Uint8Array(bases.length);
  let error;
  for (let i = 0; i < bases.length && !error; i++) {
    for (const ext of EXTS) {
      if (!wanted(bases[i] + ext, ext)) continue;
      try {
        fs.unlinkSync(bases[i] + ext);
        removed[i] = 1;
      } catch (caught) {
        if (caught.code !== 'ENOENT') {
          error = said(caught);
          break;
        }
      }
    }
  }
  return { removed, error };
}

// PARALLEL entries at a time, each entry's files in turn; after an error, no entry is
// started (those under way are finished: no value is left without its meta by the stop).
function unlinkAtOnce(bases, done) {
  const removed = new Uint8Array(bases.length);
  let error;
  let next = 0;
  let active = 0;
  const start = () => {
    while (active < PARALLEL && next < bases.length && !error) entry(next++, 0);
    if (active === 0) done({ removed, error });
  };
  const entry = (i, e) => {
    if (e === EXTS.length) return start();
    const path = bases[i] + EXTS[e];
    if (!wanted(path, EXTS[e])) return entry(i, e + 1);
    active++;
    fs.unlink(path, (caught) => {
      active--;
      if (!caught) removed[i] = 1;
      else if (caught.code !== 'ENOENT') error ??= said(caught);
      entry(i, e + 1);
    });
  };
  start();
}

// The way taken ('inTurn' or 'atOnce'); 'trying' both, 'settled' on the faster until RETRY
// entries have gone by, or 'fixed' as the main thread said; the trial's entries and µs each way.
let way = workerData.unlinks === 'parallel' ? 'atOnce' : 'inTurn';
let state = workerData.unlinks === 'auto' ? 'trying' : 'fixed';
let settled = 0;
const fresh = () => ({ inTurn: { n: 0, us: 0 }, atOnce: { n: 0, us: 0 } });
let trial = fresh();
const perEntry = (t) => t.us / t.n;

function weigh(taken, entries, us) {
  if (state === 'settled' && (settled += entries) >= RETRY) {
    [state, way, trial] = ['trying', 'inTurn', fresh()];
    return;
  }
  if (state !== 'trying') return;
  const t = trial[taken];
  t.n += entries;
  t.us += us;
  if (t.n < TRIAL) return;
  if (taken === 'inTurn' && perEntry(t) > QUICK_US) {
    way = 'atOnce';
    return;
  }
  way = taken === 'atOnce' && perEntry(trial.atOnce) < perEntry(trial.inTurn) ? 'atOnce' : 'inTurn';
  [state, settled] = ['settled', 0];
}

function unlinkAll(bases, done) {
  const taken = way;
  const started = process.hrtime.bigint();
  const finish = (answer) => {
    weigh(taken, bases.length, Number(process.hrtime.bigint() - started) / 1000);
    done(answer);
  };
  if (taken === 'atOnce') unlinkAtOnce(bases, finish);
  else finish(unlinkInTurn(bases));
}

// Batches are done one after another, in the order they came.
let queue = Promise.resolve();
parentPort.on('message', ({ id, kind, paths, maps }) => {
  const list = paths.split('\0');
  if (kind === 'probe') {
    queue = queue.then(() => {
      const answer = probe(list);
      parentPort.postMessage({ id, ...answer }, [answer.sizes.buffer, answer.heads.buffer, answer.lengths.buffer]);
    });
  } else if (kind === 'read') {
    queue = queue.then(() => {
      const answer = read(list);
      parentPort.postMessage({ id, ...answer }, [answer.data.buffer, answer.ends.buffer]);
    });
  } else {
    queue = queue.then(() => new Promise((resolve) => {
      scoreMaps = maps;
      unlinkAll(list, (answer) => {
        parentPort.postMessage({ id, ...answer }, [answer.removed.buffer]);
        resolve();
      });
    }));
  }
});
parentPort.postMessage({ ready: true });
`;

/** A value file's size and first bytes; null when it is gone or unreadable. */
export type Probed = { size: number; head: Buffer } | null;

/** Whether an unlink looks for each entry's score map (`.zset`), or knows there is none. */
export type ScoreMaps = 'look' | 'none';

/** An unlink batch's answer: per base whether a file of it was removed; the error that stopped it, if one did. */
export interface Unlinked {
  removed: Uint8Array;
  error?: NodeJS.ErrnoException;
}

type Answer =
  | { sizes: Float64Array; heads: Uint8Array; lengths: Uint8Array }
  | { data: Uint8Array; ends: Float64Array }
  | { removed: Uint8Array; error?: { code?: string; message: string } };

/** The main thread's side of the I/O thread. */
export class IoThread {
  private constructor(private readonly thread: ThreadClient<Answer>) {}

  /**
   * Starts the thread; it becomes `ready` a few tens of ms later.
   * `unlinks`: one at a time or several at once, whichever proves faster
   * (`auto`, see the header), or always one way.
   */
  static async start({ unlinks = 'auto' }: { unlinks?: 'auto' | 'in-turn' | 'parallel' } = {}): Promise<IoThread> {
    // It holds one batch of paths at a time: a small heap.
    const resourceLimits = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 32 };
    return new IoThread(await ThreadClient.start<Answer>({ name: 'file I/O thread', source: SOURCE, workerData: { unlinks }, resourceLimits }));
  }

  /** True once the thread runs and takes batches (callers work inline until then). */
  get ready(): boolean {
    return this.thread.ready;
  }

  /** True once the thread has stopped for good. */
  get dead(): boolean {
    return this.thread.dead;
  }

  /** Each value file's size and first 16 bytes (see probeValue() in index.ts). */
  async probe(paths: readonly string[]): Promise<Probed[]> {
    const answer = (await this.thread.request({ kind: 'probe', paths: paths.join('\0') })) as { sizes: Float64Array; heads: Uint8Array; lengths: Uint8Array };
    const heads = Buffer.from(answer.heads.buffer, answer.heads.byteOffset, answer.heads.byteLength);
    return paths.map((_, i) => (answer.sizes[i]! < 0 ? null : { size: answer.sizes[i]!, head: heads.subarray(i * 16, i * 16 + answer.lengths[i]!) }));
  }

  /** Each small file's text (see readSmallSync() of walk.ts); null for one gone or unreadable. */
  async read(paths: readonly string[]): Promise<Array<string | null>> {
    const answer = (await this.thread.request({ kind: 'read', paths: paths.join('\0') })) as { data: Uint8Array; ends: Float64Array };
    const data = Buffer.from(answer.data.buffer, answer.data.byteOffset, answer.data.byteLength);
    let from = 0;
    return paths.map((_, i) => {
      const end = answer.ends[i]!;
      if (end < 0) return null;
      const text = data.toString('utf8', from, end);
      from = end;
      return text;
    });
  }

  /**
   * Unlinks each entry's files (see FileDriver.deleteSync), its score map
   * only where `maps` is 'look' and one exists; starts no entry after the
   * first error other than a missing file. Rejects if the thread dies (what
   * it was unlinking is then unknown).
   */
  async unlink(bases: readonly string[], maps: ScoreMaps = 'look'): Promise<Unlinked> {
    const answer = (await this.thread.request({ kind: 'unlink', paths: bases.join('\0'), maps })) as { removed: Uint8Array; error?: { code?: string; message: string } };
    if (!answer.error) return { removed: answer.removed };
    const error: NodeJS.ErrnoException = Object.assign(new Error(answer.error.message), answer.error);
    return { removed: answer.removed, error };
  }

  /** Stops the thread (callers have their answers by then). */
  close(): Promise<void> {
    return this.thread.close();
  }
}
