/**
 * A small RESP2 connection for single-key commands on a standalone server.
 * Loading ioredis costs about 30 ms per process, more than everything else a
 * `cache:get` does; a short command that needs GET and TTL talks RESP
 * itself and never loads it. Everything else (SCAN, Lua purges, pipelines,
 * Sentinel, Cluster, mass insert) stays with ioredis.
 *
 * Format (RESP2, https://redis.io/docs/latest/develop/reference/protocol-spec/):
 * a request is an array of bulk strings, `*<n>\r\n` then `$<len>\r\n<bytes>\r\n`
 * per argument. A reply starts with its type byte: `+` simple string, `-`
 * error, `:` integer, `$<len>` bulk string (`$-1` null), `*<n>` array (`*-1`
 * null), each header ending in CRLF. Replies come back in request order, so
 * requests are pipelined: AUTH and SELECT go out with the first command.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';

/** A reply: bulk strings as bytes, simple strings as text, integers, arrays, null. */
export type RespReply = Buffer | string | number | null | RespReply[];

/** Where and how to connect. */
export interface RespTarget {
  host: string;
  port: number;
  username?: string;
  password?: string;
  database: number;
  tls?: ConnectionOptions;
  timeoutMs: number;
}

/** Largest bulk string accepted in a reply: a hostile or broken server cannot make us buffer more. */
const MAX_BULK = 512 * 1024 * 1024;

/**
 * Encodes one request. Text arguments are written into one string, turned
 * into bytes once (a read of 500 keys was 1,500 small buffers and a concat).
 */
export function encodeCommand(args: ReadonlyArray<string | Buffer | number>): Buffer {
  let text = `*${args.length}\r\n`;
  let parts: Buffer[] | undefined;
  for (const arg of args) {
    if (Buffer.isBuffer(arg)) {
      (parts ??= []).push(Buffer.from(`${text}$${arg.length}\r\n`), arg);
      text = '\r\n';
    } else {
      const value = typeof arg === 'string' ? arg : String(arg);
      text += `$${Buffer.byteLength(value)}\r\n${value}\r\n`;
    }
  }
  if (!parts) return Buffer.from(text);
  parts.push(Buffer.from(text));
  return Buffer.concat(parts);
}

/** The decimal integer in buf[from, to) (a header's length or count, an integer reply); NaN when it is not one. */
function integerAt(buf: Buffer, from: number, to: number): number {
  let i = from;
  const negative = buf[i] === 0x2d;
  if (negative) i++;
  if (i === to || to - i > 15) return Number(buf.toString('latin1', from, to));
  let n = 0;
  for (; i < to; i++) {
    const digit = buf[i]! - 0x30;
    if (digit < 0 || digit > 9) return NaN;
    n = n * 10 + digit;
  }
  return negative ? -n : n;
}

/** Parses one reply at `offset`; undefined when the buffer does not hold all of it yet. */
export function parseReply(buf: Buffer, offset: number): { value: RespReply | Error; next: number } | undefined {
  // A header line ends in CRLF; a CR appears nowhere else in it.
  const end = buf.indexOf(0x0d, offset);
  if (end < 0 || end + 1 >= buf.length) return undefined;
  const next = end + 2;
  switch (buf[offset]) {
    case 0x2b: // +
      return { value: buf.toString('utf8', offset + 1, end), next };
    case 0x2d: // -
      return { value: new Error(buf.toString('utf8', offset + 1, end)), next };
    case 0x3a: // :
      return { value: integerAt(buf, offset + 1, end), next };
    case 0x24: { // $
      const length = integerAt(buf, offset + 1, end);
      if (length < 0) return { value: null, next };
      if (!Number.isSafeInteger(length) || length > MAX_BULK) throw new Error(`redis: malformed reply (bulk length ${buf.toString('latin1', offset + 1, end)})`);
      if (buf.length < next + length + 2) return undefined;
      if (buf[next + length] !== 0x0d || buf[next + length + 1] !== 0x0a) throw new Error('redis: malformed reply (bulk string longer than its length)');
      return { value: buf.subarray(next, next + length), next: next + length + 2 };
    }
    case 0x2a: { // *
      const count = integerAt(buf, offset + 1, end);
      if (count < 0) return { value: null, next };
      const items: RespReply[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, at);
        if (!item) return undefined;
        if (item.value instanceof Error) throw item.value;
        items.push(item.value);
        at = item.next;
      }
      return { value: items, next: at };
    }
    default:
      throw new Error(`redis: malformed reply (type byte ${buf[offset]})`);
  }
}

interface Pending {
  resolve(value: RespReply): void;
  reject(error: Error): void;
}

/** One connection; commands are queued and answered in order. */
export class RespConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  private failure?: Error;
  /** Commands sent in the same tick go out in one write (a system call each was most of a big read's time). */
  private corked = false;

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(Object.assign(new Error('Connection is closed'), { code: 'ECONNRESET' })));
    socket.setTimeout(timeoutMs, () => this.fail(Object.assign(new Error('connect ETIMEDOUT (timed out)'), { code: 'ETIMEDOUT' })));
  }

  /** Connects (TLS when asked), then authenticates and selects the database in the same round trip as the first command. */
  static async open(target: RespTarget): Promise<RespConnection> {
    const socket = target.tls
      ? (await import('node:tls')).connect({ host: target.host, port: target.port, ...target.tls })
      : tcpConnect({ host: target.host, port: target.port });
    socket.setNoDelay(true);
    const connection = new RespConnection(socket, target.timeoutMs);
    const setup: Array<Promise<RespReply>> = [];
    if (target.password !== undefined && target.password !== '') {
      setup.push(connection.command(target.username ? ['AUTH', target.username, target.password] : ['AUTH', target.password]));
    }
    if (target.database) setup.push(connection.command(['SELECT', target.database]));
    try {
      await Promise.all(setup);
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }

  /** Sends one command; resolves with its reply, rejects with the server's error text. */
  command(args: ReadonlyArray<string | Buffer | number>): Promise<RespReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) this.socket.setTimeout(this.timeoutMs);
      this.pending.push({ resolve, reject });
      if (!this.corked) {
        this.corked = true;
        this.socket.cork();
        process.nextTick(() => {
          this.corked = false;
          this.socket.uncork();
        });
      }
      this.socket.write(encodeCommand(args));
    });
  }

  /** True once the connection failed or was closed: every later command fails the same way. */
  get broken(): boolean {
    return this.failure !== undefined;
  }

  close(): void {
    this.failure ??= new Error('Connection is closed');
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let offset = 0;
    try {
      for (let reply = parseReply(this.buffer, offset); reply; reply = parseReply(this.buffer, offset)) {
        offset = reply.next;
        const waiter = this.pending.shift();
        if (reply.value instanceof Error) waiter?.reject(reply.value);
        else waiter?.resolve(reply.value);
      }
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    this.buffer = this.buffer.subarray(offset);
    if (this.pending.length === 0) this.socket.setTimeout(0);
    else this.socket.setTimeout(this.timeoutMs);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.pending.splice(0)) waiter.reject(this.failure);
    this.socket.destroy();
  }
}
