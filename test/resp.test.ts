/**
 * The small RESP2 connection behind single-key Redis commands: replies
 * split anywhere, every reply type, and hostile or broken servers (lying
 * lengths, unknown types, silence) ending in an error, never a hang.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCommand, parseReply, RespConnection } from '../src/drivers/redis/resp.js';
import { RedisDriver } from '../src/drivers/redis/index.js';
import { StoreUnavailableError } from '../src/core/errors.js';
import { reasonFor } from '../src/core/network-errors.js';

describe('RESP encoding and parsing', () => {
  it('encodes a request as an array of bulk strings, binary-safe', () => {
    expect(encodeCommand(['SET', 'k', Buffer.from([0, 255]), 10]).toString('latin1')).toBe('*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n\x00\xff\r\n$2\r\n10\r\n');
  });

  it('parses every reply type, nested, and waits for a reply cut anywhere', () => {
    const wire = Buffer.from('*4\r\n+OK\r\n:-2\r\n$4\r\na\r\nb\r\n*2\r\n$-1\r\n*0\r\n');
    for (let cut = 0; cut < wire.length; cut++) expect(parseReply(wire.subarray(0, cut), 0)).toBeUndefined();
    const parsed = parseReply(wire, 0)!;
    expect(parsed.next).toBe(wire.length);
    expect(parsed.value).toEqual(['OK', -2, Buffer.from('a\r\nb'), [null, []]]);
    expect(parseReply(Buffer.from('-WRONGPASS no\r\n'), 0)!.value).toEqual(new Error('WRONGPASS no'));
  });

  it('refuses a lying bulk length and an unknown type byte', () => {
    expect(() => parseReply(Buffer.from('$99999999999\r\n'), 0)).toThrow(/malformed reply \(bulk length/);
    expect(() => parseReply(Buffer.from('?what\r\n'), 0)).toThrow(/malformed reply \(type byte/);
    expect(() => parseReply(Buffer.from('$1\r\nabc\r\n'), 0)).toThrow(/longer than its length/);
  });
});

describe('RESP connection against a misbehaving server', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(reply: string | null): Promise<number> {
    server = createServer((socket) => socket.on('data', () => reply !== null && socket.write(reply)));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  }

  const open = (port: number) => RespConnection.open({ host: '127.0.0.1', port, database: 0, timeoutMs: 500 });

  it('a garbage reply fails the command with a clear error', async () => {
    const connection = await open(await serve('!garbage\r\n'));
    await expect(connection.command(['GET', 'k'])).rejects.toThrow(/malformed reply/);
    connection.close();
  });

  it('a server that never answers times out within the timeout', async () => {
    const connection = await open(await serve(null));
    const started = Date.now();
    await expect(connection.command(['GET', 'k'])).rejects.toThrow(/timed out/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(Date.now() - started).toBeLessThan(3000);
    connection.close();
  });

  it('a refused connection fails with ECONNREFUSED', async () => {
    const port = await serve(null);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    await expect(open(port).then((c) => c.command(['PING']))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('a broken connection is a connection failure and is not reused: the next command connects again', async () => {
    // The first connection answers garbage (the connection breaks); later ones answer +OK.
    let connections = 0;
    server = createServer((socket) => {
      const first = ++connections === 1;
      socket.on('data', () => socket.write(first ? '!garbage\r\n' : '+OK\r\n'));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const driver = new RedisDriver({ host: '127.0.0.1', port: (server.address() as { port: number }).port, timeout: 0.5 });
    try {
      const failure = await driver.set('k', Buffer.from('v'), 60).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(StoreUnavailableError);
      expect((failure as Error).message).toMatch(/malformed reply/);
      await expect(driver.set('k', Buffer.from('v'), 60)).resolves.not.toThrow();
      expect(connections).toBe(2);
    } finally {
      await driver.dispose();
    }
  });
});

describe('the words for a failed connection', () => {
  it('a write that meets a connection the server closed (EPIPE, a destroyed stream) is "the connection was closed"', () => {
    expect(reasonFor(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).toBe('the connection was closed');
    expect(reasonFor(Object.assign(new Error('Cannot call write after a stream was destroyed'), { code: 'ERR_STREAM_DESTROYED' }))).toBe('the connection was closed');
    expect(reasonFor(new Error('ERR unknown command'))).toBeNull();
  });
});
