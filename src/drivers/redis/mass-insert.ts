/**
 * Bulk writes the way Redis documents mass insertion: commands pre-encoded as
 * RESP into large buffers on one socket of their own, replies only counted.
 * A loop of ioredis pipelines reaches ~0.3x of redis-benchmark here; this
 * keeps the server busy instead of the client.
 *
 * Every SET and SADD answers with one line (+OK, :n or -ERR), so replies
 * are counted by line; errors are kept (a few) and counted. Memory stays
 * bounded: the writer waits for 'drain' and for replies to catch up.
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

/**
 * Writes `$<length>\r\n<text>\r\n` for a string, scanning it once: the
 * text is written where its header would end were it ASCII (its UTF-8
 * length then equals its UTF-16 length), and moved along in the rare case
 * its UTF-8 length has more digits. Returns the new offset.
 */
function writeBulkString(b: Buffer, o: number, text: string): number {
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
    const timer = setTimeout(() => reject(new Error('connect ETIMEDOUT')), target.timeoutMs);
    socket.once(target.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  return socket;
}

/** Writes the entries through a dedicated connection. */
export async function massInsert(target: MassInsertTarget, batches: AsyncIterable<BulkEntry[]>): Promise<BulkWriteResult> {
  const socket = await open(target);
  const result: BulkWriteResult = { written: 0, failed: 0, errors: [] };
  let sent = 0;
  let answered = 0;
  let setupReplies = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const waitForReplies = () => new Promise<void>((resolve) => (wake = resolve));
  const commandsPerEntry: number[] = [];
  let head = 0;
  let entryReplies = 0;
  let entryFailed = false;

  // Replies are one line each: count line ends; only error lines are read as text.
  let atLineStart = true;
  let errorLine: number[] | null = null;
  const onReply = (isError: boolean, text: string) => {
    if (setupReplies > 0) {
      setupReplies--;
      if (isError) failure ??= new Error(text);
      return;
    }
    answered++;
    if (isError) {
      entryFailed = true;
      if (result.errors.length < 5) result.errors.push(text);
    }
    // An entry is its SET plus one SADD per tag: done when all have answered.
    if (++entryReplies === commandsPerEntry[head]) {
      if (entryFailed) result.failed++;
      else result.written++;
      entryReplies = 0;
      entryFailed = false;
      if (++head > 100_000) {
        commandsPerEntry.splice(0, head);
        head = 0;
      }
    }
  };
  socket.on('data', (data: Buffer) => {
    for (let i = 0; i < data.length; i++) {
      const byte = data[i]!;
      if (atLineStart) {
        atLineStart = false;
        if (byte === 45 /* - */) errorLine = [];
      }
      if (byte === 10 /* \n */) {
        const text = errorLine ? Buffer.from(errorLine).toString('utf8').replace(/\r$/, '') : '';
        onReply(errorLine !== null, text);
        errorLine = null;
        atLineStart = true;
      } else if (errorLine && errorLine.length < 500) {
        errorLine.push(byte);
      }
    }
    wake?.();
  });
  socket.on('error', (error) => {
    failure ??= error;
    wake?.();
  });
  socket.on('close', () => {
    failure ??= new Error('Connection is closed');
    wake?.();
  });

  const chunks = new RespChunks();
  const send = async (chunk: Buffer | null) => {
    // A connection lost with a full buffer never drains: its close ends the wait too.
    if (chunk && !socket.write(chunk) && !failure) await new Promise((resolve) => (socket.once('drain', resolve), socket.once('close', resolve)));
  };
  if (target.password) {
    await send(chunks.add(target.username ? ['AUTH', target.username, target.password] : ['AUTH', target.password]));
    setupReplies++;
  }
  if (target.database) {
    await send(chunks.add(['SELECT', String(target.database)]));
    setupReplies++;
  }

  try {
    for await (const batch of batches) {
      if (failure) break;
      for (const entry of batch) {
        let full = chunks.addSet(entry.key, entry.value, entry.ttl);
        if (full) await send(full);
        for (const tag of entry.tags ?? []) {
          full = chunks.add(['SADD', `_gf_tag:${tag}`, entry.key]);
          if (full) await send(full);
        }
        const commands = 1 + (entry.tags?.length ?? 0);
        commandsPerEntry.push(commands);
        sent += commands;
      }
      while (!failure && sent - answered > MAX_UNANSWERED) await waitForReplies();
    }
    await send(chunks.take());
    while (!failure && answered < sent) await waitForReplies();
  } finally {
    socket.end();
  }
  if (failure && answered < sent) throw Object.assign(failure, { written: result.written });
  return result;
}
