/**
 * Key enumeration through `lru_crawler metadump hash` (or `all` on servers
 * that lack it): one line per item,
 * `key=<url-encoded> exp=<unix time or -1> la=… cas=… fetch=… cls=… size=…`,
 * ending with `END`. Known quirks handled here: a crawl already running
 * answers BUSY (wait and ask again); some versions omit the final END
 * (memcached#667: a dump that goes quiet after its last item is complete);
 * servers before 1.4.31, or started with the crawler disabled, refuse (exit 6).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { NotSupportedError } from '../../core/errors.js';
import type { TextConnection } from './text.js';

/** What to keep from a dump. */
export interface DumpOptions {
  matcher: RegExp;
  signal?: AbortSignal;
  batchSize?: number;
}

const BUSY_RETRIES = 50;
const BUSY_WAIT_MS = 100;

/** Decodes memcached's percent-encoding (bytes, then UTF-8). */
export function decodeKey(encoded: string): string {
  let at = encoded.indexOf('%');
  if (at < 0) return encoded;
  // Fast path: escapes of ASCII characters (":" is the common one) decode one to one.
  let out = '';
  let from = 0;
  for (; at >= 0; at = encoded.indexOf('%', from)) {
    const code = parseInt(encoded.slice(at + 1, at + 3), 16);
    if (!(code < 0x80) || at + 3 > encoded.length) return decodeBytes(encoded);
    out += encoded.slice(from, at) + String.fromCharCode(code);
    from = at + 3;
  }
  return out + encoded.slice(from);
}

/** Percent-decoding byte by byte, for keys holding UTF-8 (or any) bytes. */
function decodeBytes(encoded: string): string {
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
  if (!line.startsWith('key=')) return null;
  const space = line.indexOf(' ');
  const key = decodeKey(line.slice(4, space < 0 ? undefined : space));
  const at = line.indexOf(' exp=');
  if (at < 0) return { key, exp: -1 };
  const end = line.indexOf(' ', at + 5);
  return { key, exp: Number(line.slice(at + 5, end < 0 ? undefined : end)) };
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
  // "metadump hash" (1.6.x) walks the hash table: every item exactly once.
  let source: 'hash' | 'all' = 'hash';
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
          // No backpressure on purpose: a paused dump stalls memcached's crawler
          // while it holds item locks, and deletes sent meanwhile then wait on it
          // (a deadlock). Only matching keys are kept, so memory follows the matches.
          queue.push(batch);
          batch = [];
          wake?.();
        }
      }
      return false;
    };
    const dump = connection.stream(`lru_crawler metadump ${source}\r\n`, onLine).then(
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
    await dump;
    if (failure) throw failure;
    if (first?.startsWith('BUSY') && attempt < BUSY_RETRIES) {
      await sleep(BUSY_WAIT_MS);
      continue;
    }
    // Older servers know only "metadump all" (LRU order, which can miss items moving between LRUs).
    if (source === 'hash' && first && (first.startsWith('ERROR') || first.includes('CLIENT_ERROR'))) {
      source = 'all';
      continue;
    }
    if (first && (first.startsWith('ERROR') || first.includes('CLIENT_ERROR') || first.startsWith('BUSY'))) throw refusal(first);
    return;
  }
}
