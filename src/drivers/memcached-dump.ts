/**
 * Key enumeration through `lru_crawler metadump all`: one line per item,
 * `key=<url-encoded> exp=<unix time or -1> la=… cas=… fetch=… cls=… size=…`,
 * ending with `END`. Known quirks handled here: a crawl already running
 * answers BUSY (wait and ask again); some versions omit the final END
 * (memcached#667: a dump that goes quiet after its last item is complete);
 * servers before 1.4.31, or started with the crawler disabled, refuse (exit 6).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { NotSupportedError } from '../core/errors.js';
import type { TextConnection } from './memcached-text.js';

/** What to keep from a dump. */
export interface DumpOptions {
  matcher: RegExp;
  signal?: AbortSignal;
  batchSize?: number;
}

const BUSY_RETRIES = 50;
const BUSY_WAIT_MS = 100;
/** Batches waiting for the consumer before the socket is paused. */
const MAX_QUEUED_BATCHES = 4;

/** Decodes memcached's percent-encoding (bytes, then UTF-8). */
export function decodeKey(encoded: string): string {
  if (!encoded.includes('%')) return encoded;
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === '%' && /^[0-9a-fA-F]{2}$/.test(encoded.slice(i + 1, i + 3))) {
      bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(encoded.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Parses one metadump line into its key and expiry, or null for anything else. */
export function parseDumpLine(line: string): { key: string; exp: number } | null {
  const key = /^key=(\S+)/.exec(line);
  if (!key) return null;
  const exp = / exp=(-?\d+)/.exec(line);
  return { key: decodeKey(key[1]!), exp: exp ? Number(exp[1]) : -1 };
}

function refusal(line: string): NotSupportedError {
  return new NotSupportedError(
    'memcached',
    'listing keys',
    `needs "lru_crawler metadump" (memcached 1.4.31 or newer, crawler enabled); the server answered "${line.trim()}"`,
  );
}

/** Keys matching, not expired, streamed from one server's metadump in batches. */
export async function* dumpKeys(connection: TextConnection, options: DumpOptions): AsyncIterable<string[]> {
  const size = options.batchSize ?? 1000;
  for (let attempt = 0; ; attempt++) {
    const queue: string[][] = [];
    let batch: string[] = [];
    let done = false;
    let failure: unknown;
    let first: string | undefined;
    let wake: (() => void) | undefined;
    const now = Math.floor(Date.now() / 1000);
    const onLine = (line: string): boolean => {
      first ??= line;
      if (line === 'END' || line.startsWith('BUSY') || line.startsWith('ERROR') || line.includes('CLIENT_ERROR')) return true;
      const item = parseDumpLine(line);
      if (item && (item.exp < 0 || item.exp > now) && options.matcher.test(item.key)) {
        batch.push(item.key);
        if (batch.length >= size) {
          queue.push(batch);
          batch = [];
          if (queue.length >= MAX_QUEUED_BATCHES) connection.pause();
          wake?.();
        }
      }
      return false;
    };
    const dump = connection.stream('lru_crawler metadump all\r\n', onLine).then(
      () => (done = true),
      (error: unknown) => {
        // A dump that went quiet after real items lacked its END (memcached#667).
        if (first?.startsWith('key=') && /timed out/.test(String(error))) done = true;
        else failure = error;
      },
    );
    void dump.finally(() => wake?.());
    while (!done || queue.length || batch.length) {
      if (options.signal?.aborted) break;
      if (queue.length) {
        yield queue.shift()!;
        if (queue.length < MAX_QUEUED_BATCHES) connection.resume();
        continue;
      }
      if (done) {
        if (failure) break;
        if (batch.length) yield batch.splice(0);
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      if (failure) break;
    }
    connection.resume();
    await dump;
    if (failure) throw failure;
    if (first?.startsWith('BUSY') && attempt < BUSY_RETRIES) {
      await sleep(BUSY_WAIT_MS);
      continue;
    }
    if (first && (first.startsWith('ERROR') || first.includes('CLIENT_ERROR') || first.startsWith('BUSY'))) throw refusal(first);
    return;
  }
}
