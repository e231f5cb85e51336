/**
 * A walk's second half on a thread of its own (a worker thread): while the
 * main thread reads and parses each `.meta` of a walk, this thread does what
 * the walk then needs done per entry, so the two halves overlap on two cores
 * rather than running one after the other:
 *
 * - `probe` (cache:inspect): each value file's size and first 16 bytes, as
 *   probeValue() of index.ts (open, read, close; an fstat only for a value
 *   bigger than the read), without updating access times where allowed.
 * - `unlink` (cache:clear and cache:purge): each entry's files, as
 *   FileDriver.deleteSync (the meta first, so readers miss the entry at
 *   once, then the value, then a score map when there is one), in order.
 *   Reading a meta needs no lock of the folder and an unlink does, so the
 *   halves barely wait on each other in the kernel.
 *
 * Paths cross as one string joined by NUL; answers as typed arrays
 * (transferred, not copied). The source is inlined (`eval: true`) as the
 * writer thread's (bulk-writer.ts): no extra file in the bundle, and
 * node:worker_threads loads only for a walk large enough to use it.
 */
import type { Worker } from 'node:worker_threads';

// Plain JavaScript run by the worker (CommonJS, as `node -e`). Keep it self-contained.
const SOURCE = String.raw`
'use strict';
const { parentPort } = require('node:worker_threads');
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

function probe(paths) {
  const sizes = new Float64Array(paths.length);
  const heads = new Uint8Array(paths.length * HEAD);
  const lengths = new Uint8Array(paths.length);
  for (let i = 0; i < paths.length; i++) {
    sizes[i] = -1;
    let fd;
    try {
      fd = open(paths[i]);
    } catch {
      continue;
    }
    try {
      const read = fs.readSync(fd, PROBE, 0, PROBE.length, 0);
      lengths[i] = Math.min(HEAD, read);
      heads.set(PROBE.subarray(0, lengths[i]), i * HEAD);
      sizes[i] = read < PROBE.length ? read : fs.fstatSync(fd).size;
    } catch {
      sizes[i] = -1;
    } finally {
      try { fs.closeSync(fd); } catch {}
    }
  }
  return { sizes, heads, lengths };
}

function unlinkAll(bases) {
  const removed = new Uint8Array(bases.length);
  let error;
  for (let i = 0; i < bases.length && !error; i++) {
    for (const ext of ['.meta', '.cache', '.zset']) {
      // A score map is rare: asked first, as a failed unlink builds an exception.
      if (ext === '.zset' && !fs.existsSync(bases[i] + ext)) continue;
      try {
        fs.unlinkSync(bases[i] + ext);
        removed[i] = 1;
      } catch (caught) {
        if (caught.code !== 'ENOENT') {
          error = { code: caught.code, message: caught.message, syscall: caught.syscall, path: caught.path, errno: caught.errno };
          break;
        }
      }
    }
  }
  return { removed, error };
}

parentPort.on('message', ({ id, kind, paths }) => {
  const list = paths.split('\0');
  if (kind === 'probe') {
    const answer = probe(list);
    parentPort.postMessage({ id, ...answer }, [answer.sizes.buffer, answer.heads.buffer, answer.lengths.buffer]);
  } else {
    const answer = unlinkAll(list);
    parentPort.postMessage({ id, ...answer }, [answer.removed.buffer]);
  }
});
parentPort.postMessage({ ready: true });
`;

/** A value file's size and first bytes; null when it is gone or unreadable. */
export type Probed = { size: number; head: Buffer } | null;

/** An unlink batch's answer: per base whether a file of it was removed; the error that stopped it, if one did. */
export interface Unlinked {
  removed: Uint8Array;
  error?: NodeJS.ErrnoException;
}

type Answer = { sizes: Float64Array; heads: Uint8Array; lengths: Uint8Array } | { removed: Uint8Array; error?: { code?: string; message: string } };

/** The main thread's side of the I/O thread. */
export class IoThread {
  /** True once the thread runs and takes batches (callers work inline until then). */
  ready = false;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (answer: Answer) => void; reject: (error: Error) => void }>();
  private died?: Error;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: Answer & { id?: number; ready?: boolean }) => {
      if (message.ready) return void (this.ready = true);
      const waiting = this.waiting.get(message.id!);
      this.waiting.delete(message.id!);
      waiting?.resolve(message);
      if (this.waiting.size === 0) this.worker.unref();
    });
    // Should never happen; if it does, the batches it held fail (an unlink batch's fate is then unknown).
    const fail = (error: Error) => {
      this.died ??= error;
      this.ready = false;
      for (const { reject } of this.waiting.values()) reject(new Error(`the file I/O thread stopped: ${error.message}`, { cause: error }));
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit ${code}`)));
    // Idle, it must not keep the process alive (a library user may never dispose the store);
    // with an answer awaited, it must (see send()).
    worker.unref();
  }

  /** Starts the thread; it becomes `ready` a few tens of ms later. */
  static async start(): Promise<IoThread> {
    const { Worker } = await import('node:worker_threads');
    // It holds one batch of paths at a time: a small heap.
    return new IoThread(new Worker(SOURCE, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 32 } }));
  }

  /** True once the thread has stopped for good. */
  get dead(): boolean {
    return this.died !== undefined;
  }

  private send(kind: 'probe' | 'unlink', paths: readonly string[]): Promise<Answer> {
    if (this.died) return Promise.reject(new Error(`the file I/O thread stopped: ${this.died.message}`, { cause: this.died }));
    const id = this.next++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, kind, paths: paths.join('\0') });
    });
  }

  /** Each value file's size and first 16 bytes (see probeValue() in index.ts). */
  async probe(paths: readonly string[]): Promise<Probed[]> {
    const answer = (await this.send('probe', paths)) as { sizes: Float64Array; heads: Uint8Array; lengths: Uint8Array };
    const heads = Buffer.from(answer.heads.buffer, answer.heads.byteOffset, answer.heads.byteLength);
    return paths.map((_, i) => (answer.sizes[i]! < 0 ? null : { size: answer.sizes[i]!, head: heads.subarray(i * 16, i * 16 + answer.lengths[i]!) }));
  }

  /** Unlinks each entry's files (see FileDriver.deleteSync), in order; stops at the first error other than a missing file. */
  async unlink(bases: readonly string[]): Promise<Unlinked> {
    const answer = (await this.send('unlink', bases)) as { removed: Uint8Array; error?: { code?: string; message: string } };
    if (!answer.error) return { removed: answer.removed };
    const error: NodeJS.ErrnoException = Object.assign(new Error(answer.error.message), answer.error);
    return { removed: answer.removed, error };
  }

  /** Stops the thread (callers have their answers by then). */
  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
