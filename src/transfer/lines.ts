/**
 * Export files read back: NDJSON lines (gunzipped when the bytes start
 * with gzip's magic) as batches of records, the header apart. A `json`
 * record (the format's last member says so, see record.ts) is read by the
 * warmup's fast line reader, which keeps its value's JSON text; any other
 * line goes through JSON.parse. Plain warmup lines ({key, value, ttl?,
 * tags?}) are records of format json too.
 */
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { JsonText } from '../core/codec.js';
import { readLine } from '../warmup/ndjson-line.js';
import { isHeader, type ExportHeader, type TransferRecord } from './record.js';

/** Records handed on at a time. */
const BATCH = 1000;
const JSON_TAIL = ',"format":"json"}';

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

/** One line as a record, the header, or null when it is neither (with the reason). */
export function parseLine(line: string): TransferRecord | ExportHeader | string {
  if (line.endsWith(JSON_TAIL) || !/"(?:format|type|encoding)"/.test(line)) {
    const fast = readLine(line);
    if (fast) return { key: fast.key, value: new JsonText(fast.valueText), ttl: fast.ttl, tags: fast.tags, format: 'json' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
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

/** The records of an NDJSON byte stream, in batches; the header and bad lines go to `counts`. */
export async function* readRecords(input: AsyncIterable<Buffer | string>, counts: LineCounts, signal?: AbortSignal): AsyncIterable<TransferRecord[]> {
  let partial = '';
  let number = 0;
  const decoder = new StringDecoder('utf8');
  let batch: TransferRecord[] = [];
  const take = (line: string): void => {
    number++;
    if (/^[ \t\r]*$/.test(line)) return;
    const parsed = parseLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    if (typeof parsed === 'string') {
      counts.bad++;
      if (counts.problems.length < 5) counts.problems.push(`line ${number}: ${parsed}`);
    } else if (isHeader(parsed)) {
      counts.header ??= parsed;
    } else {
      batch.push(parsed);
    }
  };
  for await (const chunk of input) {
    if (signal?.aborted) return;
    const lines = (partial + (typeof chunk === 'string' ? chunk : decoder.write(chunk))).split('\n');
    partial = lines.pop()!;
    for (const line of lines) take(line);
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  }
  partial += decoder.end();
  if (partial) take(partial);
  if (batch.length) yield batch;
}
