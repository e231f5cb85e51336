/**
 * Bulk writes the way Redis documents mass insertion: commands pre-encoded as
 * RESP into large buffers on one socket of their own, replies only counted.
 * A loop of ioredis pipelines reaches ~0.3x of redis-benchmark here; this
 * keeps the server busy instead of the client.
 *
 * Every SET and SADD answers with one line (+OK, :n or -ERR), so replies
 * are counted by line; errors are kept (a few) and counted. Memory stays
 * bounded: the writer waits for 'drain' and for replies to catch up.
 *
 * Every wait also wakes when the connection closes or errors, and a server
 * silent for the store's timeout while replies are owed (a stall, DEBUG
 * SLEEP, a frozen process) fails the write: it never hangs, and never ends
 * quietly with entries unsent.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { BulkEntry, BulkWriteResult } from '../../core/contract.js';
import type { RespTarget } from './resp.js';

/** Where and how to open the raw connection (the same as the small RESP connection's). */
export type MassInsertTarget = RespTarget;

const CHUNK_BYTES = 256 * 1024;
/** Commands sent but not yet answered before the writer waits. */
const MAX_UNANSWERED = 50_000;

/** How many decimal digits a non-negative integer has. */
function digitCount(n: number): number {
  let digits = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    digits++;
  }
  return digits;
}

/** Writes a non-negative integer as ASCII digits; returns the new offset. */
function writeDigits(b: Buffer, o: number, n: number): number {
  const end = o + digitCount(n);
  for (let p = end - 1; p >= o; p--) {
    b[p] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

/** Writes `$<length>\r\n<text>\r\n` for a string; returns the new offset. */
function writeBulkString(b: Buffer, o: number, text: string): number {
  return (text.length <= SHORT && writeAsciiBulkString(b, o, text)) || writeUtf8BulkString(b, o, text);
}

/** Strings up to this length are tried as ASCII first. */
const SHORT = 256;

/**
 * writeBulkString for a short ASCII string: the characters copied one by one,
 * which costs a fraction of a Buffer.write call (keys and most values of a
 * bulk write are short). Returns 0 at the first character that is not ASCII
 * (then nothing it wrote counts).
 */
function writeAsciiBulkString(b: Buffer, o: number, text: string): number {
  const n = text.length;
  const start = o + digitCount(n) + 3;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 127) return 0;
    b[start + i] = c;
  }
  b[o] = 36; // $
  o = writeDigits(b, o + 1, n);
  b[o] = 13;
  b[o + 1] = 10;
  o = start + n;
  b[o] = 13;
  b[o + 1] = 10;
  return o + 2;
}

/**
 * writeBulkString for any string, scanning it once: the text is written
 * where its header would end were it ASCII (its UTF-8 length then equals
 * its UTF-16 length), and moved along in the rare case its UTF-8 length has
 * more digits.
 */
function writeUtf8BulkString(b: Buffer, o: number, text: string): number {
  const guess = digitCount(text.length);
  const start = o + guess + 3;
  const written = b.write(text, start, 'utf8');
  const digits = digitCount(written);
  if (digits !== guess) b.copyWithin(start + digits - guess, start, start + written);
  b[o] = 36; // $
  o = writeDigits(b, o + 1, written);
  b[o++] = 13;
  b[o++] = 10;
  o += written;
  b[o++] = 13;
  b[o++] = 10;
  return o;
}

const SET_WITH_TTL = Buffer.from('*5\r\n$3\r\nSET\r\n');
const SET_PLAIN = Buffer.from('*3\r\n$3\r\nSET\r\n');

/** Encodes commands as RESP straight into large buffers (no per-command allocations). */
class RespChunks {
  private buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private offset = 0;
  /** `EX <ttl>` as RESP for the last TTL seen: entries of a warmup mostly share one. */
  private ttlTail = Buffer.alloc(0);
  private tailTtl = -1;

  /** Makes room for `needed` bytes; returns the full chunk to send first, if it had to start a new one. */
  private reserve(needed: number): Buffer | null {
    if (this.offset + needed <= this.buffer.length) return null;
    const full = this.take();
    if (needed > this.buffer.length) this.buffer = Buffer.allocUnsafe(needed);
    return full;
  }

  /** Appends a command; returns a full chunk to send when the buffer could not take it. */
  add(args: ReadonlyArray<string | Buffer>): Buffer | null {
    const lengths = args.map((a) => (typeof a === 'string' ? Buffer.byteLength(a) : a.length));
    const full = this.reserve(lengths.reduce((total, n) => total + n + 16, 16));
    const b = this.buffer;
    let o = this.offset;
    b[o++] = 42; // *
    o = writeDigits(b, o, args.length);
    b[o++] = 13;
    b[o++] = 10;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      b[o++] = 36; // $
      o = writeDigits(b, o, lengths[i]!);
      b[o++] = 13;
      b[o++] = 10;
      o += typeof a === 'string' ? b.write(a, o, 'utf8') : a.copy(b, o);
      b[o++] = 13;
      b[o++] = 10;
    }
    this.offset = o;
    return full;
  }

  /**
   * SET key value [EX ttl], written without building an argument list: the
   * bulk path's one command per entry.
   */
  addSet(key: string, value: Buffer | string, ttl: number): Buffer | null {
    // At most 3 UTF-8 bytes per UTF-16 unit: room enough without measuring first.
    const valueRoom = typeof value === 'string' ? value.length * 3 : value.length;
    const full = this.reserve(key.length * 3 + valueRoom + 80);
    const b = this.buffer;
    let o = this.offset;
    const head = ttl > 0 ? SET_WITH_TTL : SET_PLAIN;
    b.set(head, o);
    o += head.length;
    o = writeBulkString(b, o, key);
    if (typeof value === 'string') o = writeBulkString(b, o, value);
    else {
      b[o++] = 36; // $
      o = writeDigits(b, o, value.length);
      b[o++] = 13;
      b[o++] = 10;
      o += value.copy(b, o);
      b[o++] = 13;
      b[o++] = 10;
    }
    if (ttl > 0) {
      if (ttl !== this.tailTtl) this.ttlTail = Buffer.from(`$2\r\nEX\r\n$${String(ttl).length}\r\n${ttl}\r\n`);
      this.tailTtl = ttl;
      b.set(this.ttlTail, o);
      o += this.ttlTail.length;
    }
    this.offset = o;
    return full;
  }

  /** The bytes so far, as a buffer of their own; starts a new chunk. */
  take(): Buffer | null {
    if (this.offset === 0) return null;
    const chunk = this.buffer.subarray(0, this.offset);
    this.buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    this.offset = 0;
    return chunk;
  }
}

async function open(target: MassInsertTarget): Promise<Socket> {
  const socket: Socket = target.tls
    ? (await import('node:tls')).connect({ host: target.host, port: target.port, ...target.tls })
    : netConnect({ host: target.host, port: target.port });
  socket.setNoDelay(false);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }));
    }, target.timeoutMs);
    socket.once(target.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
  return socket;
}

/** What a bulk write had done when its connection failed. */
export interface MassInsertCounts {
  /** Entries the server confirmed. */
  written: number;
  /** Entries the server refused with an error reply. */
  failed: number;
  /** Entries sent (at least in part) whose replies never all came: they may or may not be stored. */
  unknown: number;
}

/** The connection failed part-way: the cause, with what was done. */
export class MassInsertError extends Error {
  constructor(
    readonly counts: MassInsertCounts,
    readonly errors: string[],
    options: { cause: unknown },
  ) {
    super((options.cause as Error)?.message ?? String(options.cause), options);
    this.name = 'MassInsertError';
  }
}

/**
 * The one socket's state: how far replies have come, and the failure that
 * ends the write (the socket closed or errored, or the server kept silent
 * for longer than the timeout). Every wait in the writer goes through
 * `until`, which wakes on replies, on 'drain', and on failure, so no wait
 * outlives the connection.
 */
class ReplyCounter {
  readonly result: BulkWriteResult = { written: 0, failed: 0, errors: [] };
  failure: Error | undefined;
  /** Commands written / answered, setup (AUTH, SELECT) excluded. */
  sent = 0;
  answered = 0;
  /** Entries whose first command was handed to the socket. */
  entriesSent = 0;
  setupReplies = 0;
  private readonly commandsPerEntry: number[] = [];
  private head = 0;
  private entryReplies = 0;
  private entryFailed = false;
  private atLineStart = true;
  private errorLine: number[] | null = null;
  private wake: (() => void) | undefined;
  private lastProgress = Date.now();
  private readonly watchdog: NodeJS.Timeout;

  constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', (data: Buffer) => {
      this.lastProgress = Date.now();
      this.read(data);
      this.notify();
    });
    socket.on('drain', () => {
      this.lastProgress = Date.now();
      this.notify();
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(Object.assign(new Error('Connection is closed'), { code: 'ECONNRESET' })));
    this.watchdog = setInterval(() => this.check(), Math.max(50, Math.min(1000, timeoutMs / 4)));
    this.watchdog.unref();
  }

  /** Counts an entry of `commands` commands about to be encoded. */
  track(commands: number): void {
    this.commandsPerEntry.push(commands);
    this.sent += commands;
  }

  /** Waits until `ready()` or the connection failed. */
  async until(ready: () => boolean): Promise<void> {
    while (!this.failure && !ready()) await new Promise<void>((resolve) => (this.wake = resolve));
  }

  /** Ends the watchdog (and the socket, when the write failed). */
  close(): void {
    clearInterval(this.watchdog);
    if (this.failure) this.socket.destroy();
    else this.socket.end();
  }

  /** What was done, for an error: entries sent whose replies did not all come are unknown. */
  counts(): MassInsertCounts {
    const { written, failed } = this.result;
    return { written, failed, unknown: Math.max(0, this.entriesSent - written - failed) };
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.socket.destroy();
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /**
   * A server that neither answers nor reads for the whole timeout while we
   * wait on it is treated as gone. Checked again after the I/O phase
   * (setImmediate), so replies that arrived while this process was busy
   * elsewhere are seen before giving up.
   */
  private check(): void {
    const waiting = this.sent > this.answered || this.setupReplies > 0 || this.socket.writableLength > 0;
    if (!waiting) {
      this.lastProgress = Date.now();
      return;
    }
    if (Date.now() - this.lastProgress <= this.timeoutMs) return;
    setImmediate(() => {
      if (Date.now() - this.lastProgress > this.timeoutMs) {
        this.fail(Object.assign(new Error(`timed out (no reply for ${this.timeoutMs / 1000}s)`), { code: 'ETIMEDOUT' }));
      }
    });
  }

  /** Replies are one line each (+OK, :n, -ERR...): count line ends; only error lines are read as text. */
  private read(data: Buffer): void {
    for (let i = 0; i < data.length; i++) {
      const byte = data[i]!;
      if (this.atLineStart) {
        this.atLineStart = false;
        if (byte === 45 /* - */) this.errorLine = [];
      }
      if (byte === 10 /* \n */) {
        const text = this.errorLine ? Buffer.from(this.errorLine).toString('utf8').replace(/\r$/, '') : '';
        this.onReply(this.errorLine !== null, text);
        this.errorLine = null;
        this.atLineStart = true;
      } else if (this.errorLine && this.errorLine.length < 500) {
        this.errorLine.push(byte);
      }
    }
  }

  private onReply(isError: boolean, text: string): void {
    if (this.setupReplies > 0) {
      this.setupReplies--;
      if (isError) this.fail(new Error(text.replace(/^-/, '')));
      return;
    }
    this.answered++;
    if (isError) {
      this.entryFailed = true;
      if (this.result.errors.length < 5) this.result.errors.push(text);
    }
    // An entry is its SET plus one SADD per tag: done when all have answered.
    if (++this.entryReplies === this.commandsPerEntry[this.head]) {
      if (this.entryFailed) this.result.failed++;
      else this.result.written++;
      this.entryReplies = 0;
      this.entryFailed = false;
      if (++this.head > 100_000) {
        this.commandsPerEntry.splice(0, this.head);
        this.head = 0;
      }
    }
  }
}

/**
 * Writes the entries through a dedicated connection. Error replies (say
 * -OOM under maxmemory with noeviction) count as failed entries and the
 * write goes on; a lost connection, or a server silent for the timeout,
 * ends it with a MassInsertError saying what was written, refused and left
 * unknown.
 */
export async function massInsert(target: MassInsertTarget, batches: AsyncIterable<BulkEntry[]>): Promise<BulkWriteResult> {
  const socket = await open(target);
  const replies = new ReplyCounter(socket, target.timeoutMs);
  const chunks = new RespChunks();
  let added = 0;
  let allTaken = false;
  /** Hands a full chunk to the socket: every entry begun before `begun` is then sent, at least in part. */
  const send = async (chunk: Buffer | null, begun: number) => {
    if (!chunk || replies.failure) return;
    replies.entriesSent = Math.max(replies.entriesSent, begun);
    if (!socket.write(chunk)) await replies.until(() => !socket.writableNeedDrain);
  };
  try {
    if (target.password) {
      replies.setupReplies++;
      await send(chunks.add(target.username ? ['AUTH', target.username, target.password] : ['AUTH', target.password]), 0);
    }
    if (target.database) {
      replies.setupReplies++;
      await send(chunks.add(['SELECT', String(target.database)]), 0);
    }
    for await (const batch of batches) {
      if (replies.failure) break;
      for (const entry of batch) {
        // A chunk returned while adding the SET holds the entries before this one; while adding a SADD, this one's SET too.
        // (No await unless a chunk is full: an await per entry would cost a microtask each.)
        let full = chunks.addSet(entry.key, entry.value, entry.ttl);
        if (full) await send(full, added);
        replies.track(1 + (entry.tags?.length ?? 0));
        added++;
        for (const tag of entry.tags ?? []) {
          full = chunks.add(['SADD', `_gf_tag:${tag}`, entry.key]);
          if (full) await send(full, added);
        }
        if (replies.failure) break;
      }
      await replies.until(() => replies.sent - replies.answered <= MAX_UNANSWERED);
      if (replies.failure) break;
    }
    allTaken = !replies.failure;
    await send(chunks.take(), added);
    await replies.until(() => replies.answered >= replies.sent && replies.setupReplies === 0);
  } finally {
    replies.close();
  }
  const { written, failed } = replies.result;
  // A failure after every entry was answered changes nothing; before, it ends the write with what is known.
  if (replies.failure && (!allTaken || written + failed < added)) throw new MassInsertError(replies.counts(), replies.result.errors, { cause: replies.failure });
  return replies.result;
}
