/**
 * Export files read back: NDJSON lines (gunzipped when the bytes start
 * with gzip's magic) as batches of records, the header apart. A `json`
 * record (the format's last member says so, see record.ts) is read by the
 * warmup's fast line reader, which keeps its value's JSON text; any other
 * line goes through JSON.parse. Plain warmup lines ({key, value, ttl?,
 * tags?}) are records of format json too.
 */
import { createGunzip } from 'node:zlib';
import { JsonText } from '../core/codec.js';
import { readLine } from '../warmup/ndjson-line.js';
import { isHeader, type ExportHeader, type TransferRecord } from './record.js';

/** Records handed on at a time. */
const BATCH = 1000;
const JSON_TAIL = ',"format":"json"}';
/** The longest line kept (bounded memory against a file with no newlines): longer ones are skipped and reported. */
export const MAX_LINE = 256 * 1024 * 1024;
/** Bytes decoded into one string at a time (see wholeLines). */
const PIECE = 64 * 1024;
/** Stands for a line longer than MAX_LINE. */
export const TOO_LONG = Symbol('line too long');

/** What reading the lines found besides records. */
export interface LineCounts {
  /** Lines that are not a record, by number, first few. */
  problems: string[];
  /** How many such lines. */
  bad: number;
  header?: ExportHeader;
}

/** A byte stream, gunzipped when it starts with the gzip magic (1F 8B). */
export async function* maybeGunzip(input: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  const iterator = input[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const rest = (async function* () {
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  })();
  if (first.value[0] !== 0x1f || first.value[1] !== 0x8b) return yield* rest;
  const gunzip = createGunzip();
  const feeding = (async () => {
    try {
      for await (const chunk of rest) if (!gunzip.write(chunk)) await new Promise((r) => gunzip.once('drain', r));
      gunzip.end();
    } catch (error) {
      gunzip.destroy(error as Error);
    }
  })();
  yield* gunzip as AsyncIterable<Buffer>;
  await feeding;
}

/** One line as a record, the header, or the reason it is neither. */
export function parseLine(line: string): TransferRecord | ExportHeader | string {
  return parseRange(line, 0, line.length);
}

/**
 * The line `text[start, end)` (no newline in it) as a record, the header, or
 * the reason it is neither. A line that ends as a `json` record does, or
 * names no format at all, is read in place by the fast reader; only the
 * others are cut out of the chunk and given to JSON.parse.
 */
function parseRange(text: string, start: number, end: number): TransferRecord | ExportHeader | string {
  if (text.startsWith(JSON_TAIL, end - JSON_TAIL.length) || !/"(?:format|type|encoding)"/.test(text.slice(start, end))) {
    const fast = readLine(text, start, end);
    if (fast) return { key: fast.key, value: new JsonText(fast.valueText), ttl: fast.ttl, tags: fast.tags, format: 'json' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(start, end));
  } catch {
    return 'not JSON';
  }
  if (isHeader(parsed)) return parsed;
  const record = parsed as Partial<TransferRecord> | null;
  if (!record || typeof record !== 'object' || typeof record.key !== 'string' || record.key === '' || !('value' in record)) {
    return 'expected {"key": "...", "value": ..., "ttl"?: seconds, "tags"?: [...], "format"?: ...}';
  }
  if (record.ttl !== undefined && !(Number.isInteger(record.ttl) && record.ttl > 0)) return 'ttl must be a positive whole number of seconds';
  if (record.tags !== undefined && !(Array.isArray(record.tags) && record.tags.every((t) => typeof t === 'string'))) return 'tags must be a list of strings';
  return { ...record, format: typeof record.format === 'string' ? record.format : 'json' } as TransferRecord;
}

/** True when `text[start, end)` holds only blanks (spaces, tabs). */
function blank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/**
 * Whole lines from a byte stream, many at a time: each chunk is cut after
 * its last newline and that part decoded (a UTF-8 sequence never holds the
 * byte 0A, so a cut there never splits a character); the bytes after it wait
 * for the next chunk. Each string yielded is one or more whole lines joined
 * by newlines (the last newline cut), so a million lines are not a million
 * strings: read them with `eachLine`. Strings are cut at newlines into
 * pieces of about PIECE bytes: V8 puts a string over 128 kB in its large-
 * object space, and making one per chunk costs ~50x the decoding itself
 * (150 ms vs 3 ms for 27 MB here). A line longer than MAX_LINE is not kept:
 * TOO_LONG comes in its place.
 */
export async function* wholeLines(input: AsyncIterable<Buffer | string>, signal?: AbortSignal, maxLine = MAX_LINE): AsyncIterable<string | typeof TOO_LONG> {
  let rest: Buffer[] = [];
  let restBytes = 0;
  let skipping = false;
  for await (const given of input) {
    if (signal?.aborted) return;
    const chunk = typeof given === 'string' ? Buffer.from(given) : given;
    const last = chunk.lastIndexOf(10);
    if (last < 0) {
      if (!skipping) rest.push(Buffer.from(chunk));
      restBytes += chunk.length;
      if (restBytes > maxLine && !skipping) [skipping, rest] = [true, []];
      continue;
    }
    // The line the last chunk began ends at this chunk's first newline.
    const first = chunk.indexOf(10);
    if (skipping) yield TOO_LONG;
    else if (restBytes) yield Buffer.concat([...rest, chunk.subarray(0, first)]).toString('utf8');
    const from = restBytes || skipping ? first + 1 : 0;
    if (from <= last) yield* pieces(chunk.subarray(from, last));
    // The tail is copied: a stream may reuse the chunk's memory for its next read.
    rest = last + 1 < chunk.length ? [Buffer.from(chunk.subarray(last + 1))] : [];
    restBytes = chunk.length - last - 1;
    skipping = false;
  }
  if (skipping) yield TOO_LONG;
  else if (restBytes) yield Buffer.concat(rest).toString('utf8');
}

/** Whole lines (`bytes` ends where a line does) decoded in pieces of about PIECE bytes, each cut at a newline. */
function* pieces(bytes: Buffer): Iterable<string> {
  let at = 0;
  while (bytes.length - at > PIECE) {
    let cut = bytes.lastIndexOf(10, at + PIECE);
    if (cut < at) cut = bytes.indexOf(10, at + PIECE);
    if (cut < 0) break;
    yield bytes.toString('utf8', at, cut);
    at = cut + 1;
  }
  yield bytes.toString('utf8', at);
}

/** Calls `each` with the range of every line in `text` (lines joined by \n; a \r before a newline is not part of its line). */
export function eachLine(text: string, each: (text: string, start: number, end: number) => void): void {
  let start = 0;
  for (;;) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    each(text, start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    if (newline < 0) return;
    start = newline + 1;
  }
}

/** The records of an NDJSON byte stream, in batches; the header and bad lines go to `counts`. */
export async function* readRecords(input: AsyncIterable<Buffer | string>, counts: LineCounts, signal?: AbortSignal, maxLine = MAX_LINE): AsyncIterable<TransferRecord[]> {
  let number = 0;
  let batch: TransferRecord[] = [];
  const bad = (why: string) => {
    counts.bad++;
    if (counts.problems.length < 5) counts.problems.push(`line ${number}: ${why}`);
  };
  const take = (text: string, start: number, end: number): void => {
    number++;
    if (text.charCodeAt(start) !== 123 && blank(text, start, end)) return;
    const parsed = parseRange(text, start, end);
    if (typeof parsed === 'string') bad(parsed);
    else if (isHeader(parsed)) counts.header ??= parsed;
    else batch.push(parsed);
  };
  for await (const text of wholeLines(input, signal, maxLine)) {
    if (text === TOO_LONG) {
      number++;
      bad(`longer than ${maxLine >= 1 << 20 ? `${maxLine / (1 << 20)} MiB` : `${maxLine} bytes`}, skipped`);
    } else {
      eachLine(text, take);
    }
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}
