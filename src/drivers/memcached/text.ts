/**
 * A small connection speaking memcached's text protocol, for what memjs's
 * binary protocol lacks: meta commands (`mg … t` for TTLs, `md` for
 * pipelined deletes, `mg`/`ms` with CAS), `lru_crawler metadump` for key
 * enumeration, `stats settings` and `version`.
 *
 * Replies are read line by line; a command says how many lines (or which
 * terminator) end its reply, and commands queue in order, so several can be
 * pipelined on one connection (except metadump, which memcached wants alone).
 */
import { connect, type Socket } from 'node:net';

/** One server's address. */
export interface MemcachedAddress {
  host: string;
  port: number;
}

interface Pending {
  /** Takes one reply line; true when the reply is complete. */
  take(line: Buffer): boolean;
  /** Restarts the idle timeout. */
  touch(): void;
  resolve(lines: Buffer[]): void;
  reject(error: Error): void;
  lines: Buffer[];
  /** Bytes of a data block still to read (after a VA line). */
  dataBytes: number;
}

/** A text-protocol connection to one memcached server. */
export class TextConnection {
  private socket?: Socket;
  private opening?: Promise<Socket>;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly queue: Pending[] = [];

  constructor(
    readonly address: MemcachedAddress,
    private readonly timeoutMs: number,
  ) {}

  private open(): Promise<Socket> {
    this.opening ??= new Promise((resolve, reject) => {
      const socket = connect({ host: this.address.host, port: this.address.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }));
      }, this.timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        this.socket = socket;
        resolve(socket);
      });
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('error', (error) => {
        clearTimeout(timer);
        this.fail(error);
        reject(error);
      });
      socket.on('close', () => this.fail(new Error('Connection is closed')));
    });
    return this.opening;
  }

  /** Fails what is waiting; the next request opens a fresh connection. */
  private fail(error: Error): void {
    this.socket?.destroy();
    this.socket = undefined;
    this.opening = undefined;
    this.buffer = Buffer.alloc(0);
    for (const pending of this.queue.splice(0)) pending.reject(error);
  }



  private onData(chunk: Buffer): void {
    this.queue[0]?.touch(); // a long reply (metadump) is fine while it keeps coming
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let start = 0;
    while (this.queue.length > 0) {
      const pending = this.queue[0]!;
      if (pending.dataBytes > 0) {
        // A value block: its length is known, and it may contain CRLF itself.
        if (this.buffer.length - start < pending.dataBytes + 2) break;
        // A meta get's reply ends with its value block.
        pending.lines.push(this.buffer.subarray(start, start + pending.dataBytes));
        start += pending.dataBytes + 2;
        pending.dataBytes = 0;
        this.finish();
        continue;
      }
      // Replies end lines with CRLF, but metadump's item lines end with a bare LF.
      const end = this.buffer.indexOf(10, start);
      if (end < 0) break;
      const line = this.buffer.subarray(start, end > start && this.buffer[end - 1] === 13 ? end - 1 : end);
      start = end + 1;
      if (pending.take(line)) this.finish();
    }
    this.buffer = start >= this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(start);
  }

  private finish(): void {
    const done = this.queue.shift()!;
    done.resolve(done.lines);
  }

  /**
   * Sends raw bytes and collects reply lines until `isLast(line)` says the
   * reply is complete. A `VA <n>` line (meta get) is followed by an n-byte
   * value, which ends the reply.
   */
  async request(bytes: Buffer | string, isLast: (line: string) => boolean): Promise<Buffer[]> {
    return this.send(bytes, isLast, true);
  }

  /**
   * Like request(), for long replies: each line goes to `onLine` (true when
   * it ends the reply) and nothing is kept.
   */
  async stream(bytes: Buffer | string, onLine: (line: string) => boolean): Promise<void> {
    await this.send(bytes, onLine, false);
  }

  private async send(bytes: Buffer | string, isLast: (line: string) => boolean, keep: boolean): Promise<Buffer[]> {
    const socket = await this.open();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(Object.assign(new Error('command timed out'), { code: 'ETIMEDOUT' }));
      }, this.timeoutMs);
      const pending: Pending = {
        lines: [],
        dataBytes: 0,
        touch: () => timer.refresh(),
        take: (line) => {
          const text = line.toString('latin1');
          if (keep) pending.lines.push(line);
          if (text.startsWith('VA ')) {
            pending.dataBytes = Number(text.slice(3).split(' ')[0]);
            return false;
          }
          return isLast(text);
        },
        resolve: (lines) => {
          clearTimeout(timer);
          resolve(lines);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.queue.push(pending);
      socket.write(bytes);
    });
  }

  /** A one-line command with a one-line reply. */
  async line(command: string): Promise<string> {
    const [reply] = await this.request(`${command}\r\n`, () => true);
    return reply!.toString('latin1');
  }

  close(): void {
    this.socket?.end();
    this.socket?.destroy();
  }
}
