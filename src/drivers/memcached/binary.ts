/**
 * Raw binary-protocol requests sent through memjs' connections, for what
 * memjs has no call for: the CAS value of an item (compare-and-delete) when
 * SASL has turned the text protocol off.
 *
 * Format (memcached binary protocol): a 24-byte header, big-endian —
 * magic (0x80 request / 0x81 response), opcode, key length (2 bytes),
 * extras length, data type, vbucket or status (2), total body length (4),
 * opaque (4, echoed back; memjs matches responses by it), CAS (8) — then
 * extras, key and value. Status 0 is success, 1 key not found, 2 key exists
 * (the CAS given no longer matches).
 */
import type { Client } from 'memjs';

export const OPCODE_GET = 0x00;
export const OPCODE_DELETE = 0x04;
export const STATUS_OK = 0;

/** A response as memjs hands it over. */
export interface BinaryResponse {
  header: { status: number; cas: Buffer };
  val: Buffer;
}

/** memjs' internals this module relies on (stable since memjs 1.0). */
interface MemjsInternals {
  seq: number;
  incrSeq(): void;
  perform(key: string, request: Buffer, seq: number, callback: ((error: Error | null, response: BinaryResponse | null) => void) | undefined, retries?: number): void;
}

/**
 * Makes every request of `client` answer within `ms`: its callback gets an
 * ETIMEDOUT error then if memjs has not called it. memjs leaves some
 * requests to a server that went away mid-connection unanswered for good
 * (memcachier/memjs#162; here, once, a pool warmup hung after a member was
 * killed). Every memjs command, and send() below, goes through perform().
 */
export function answerWithin(client: Client, ms: number): void {
  const memjs = client as unknown as MemjsInternals;
  const perform = memjs.perform.bind(memjs);
  memjs.perform = (key, request, seq, callback, retries) => {
    let answered = false;
    const answer = (error: Error | null, response: BinaryResponse | null) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      callback?.(error, response);
    };
    const timer = setTimeout(() => answer(Object.assign(new Error('no answer within the timeout'), { code: 'ETIMEDOUT' }), null), ms);
    try {
      perform(key, request, seq, answer, retries);
    } catch (error) {
      clearTimeout(timer);
      throw error;
    }
  };
}

/** Builds a request with no extras and no value, carrying `cas` (8 bytes) when given. */
export function request(opcode: number, key: string, opaque: number, cas?: Buffer): Buffer {
  const keyBytes = Buffer.from(key, 'utf8');
  const buf = Buffer.alloc(24 + keyBytes.length);
  buf.writeUInt8(0x80, 0);
  buf.writeUInt8(opcode, 1);
  buf.writeUInt16BE(keyBytes.length, 2);
  buf.writeUInt32BE(keyBytes.length, 8);
  buf.writeUInt32BE(opaque, 12);
  cas?.copy(buf, 16, 0, 8);
  keyBytes.copy(buf, 24);
  return buf;
}

/** Sends one request on the connection of the server that holds `key`. */
export function send(client: Client, opcode: number, key: string, cas?: Buffer): Promise<BinaryResponse> {
  const memjs = client as unknown as MemjsInternals;
  memjs.incrSeq();
  const seq = memjs.seq;
  return new Promise((resolve, reject) => {
    memjs.perform(key, request(opcode, key, seq, cas), seq, (error, response) => {
      if (error || !response) reject(error ?? new Error('no response'));
      else resolve(response);
    });
  });
}

/** Deletes `key` only while it holds exactly `value`: GET for its CAS, then DELETE with that CAS. */
export async function deleteIfEquals(client: Client, key: string, value: Buffer): Promise<boolean> {
  const got = await send(client, OPCODE_GET, key);
  if (got.header.status !== STATUS_OK || !got.val.equals(value)) return false;
  const deleted = await send(client, OPCODE_DELETE, key, got.header.cas);
  return deleted.header.status === STATUS_OK;
}
