/**
 * The export format of `cache:export` / `cache:import` / `cache:copy`:
 * NDJSON, one JSON document per line (gzip-compressed when the file name
 * ends in `.gz`). It is also the warmup `file` strategy's format.
 *
 * The first line is the header:
 *
 *   {"glueful":"cache-export","version":1,"tool":"0.1.0","store":"redis",
 *    "driver":"redis","location":"redis://127.0.0.1:6379/0","prefix":"app_",
 *    "pattern":"*","exportedAt":"2026-12-02T13:00:00.000Z","time":1796216400000}
 *
 * `time` (unix milliseconds) is when the walk started: remaining TTLs count
 * from it. Then one line per entry, members in this order:
 *
 *   key          the key inside the prefix
 *   value        decoded, as `cache:get --json` shows it (a Glueful `json:`
 *                value as its stored JSON text, unchanged unless a newline
 *                in it would split the line); bytes that are not UTF-8 text
 *                as base64 (with `encoding`); a sorted set's members as
 *                [{"member":..., "score":...}]
 *   ttl          remaining whole seconds at `time`, at least 1; absent: none
 *   tags         the entry's tags, where the store keeps them
 *   type         "zset" for a sorted set; absent for a plain value
 *   encoding     "base64" when `value` is the bytes in base64
 *   php          for a `php:` value, PHP's serialize() text exactly (the
 *                decoded `value` loses private/protected markers); with
 *                `phpEncoding: "base64"` when that text is not UTF-8
 *   serializer, compression, flags
 *                how the source store held the bytes (the phpredis
 *                serializer and compression, php-memcached item flags);
 *                informational: the importer encodes the way the target
 *                store is configured
 *   format       json | php | integer | raw | double | bool | igbinary |
 *                msgpack | zset — last, so the importer sees a `json` record
 *                from the line's end and keeps its value's text as it is
 *
 * What each format becomes on import: json → `json:` + the value; php →
 * `php:` + the serialize() text (or `json:` when there is none); integer →
 * the bare digits, as INCR keeps them; raw → the bytes; zset → ZADD. The
 * types only a PHP client writes (double, bool, igbinary, msgpack) become
 * Glueful `json:` values. Every value then gets the target's PHP-client
 * layer (phpredis serializer/compression, php-memcached compression).
 */
import { JsonText } from '../core/codec.js';
import type { ZMember } from '../core/contract.js';

/** The marker that tells a header line from an entry. */
export const HEADER_MARK = 'cache-export';
/** The format's version; an importer refuses a newer one. */
export const FORMAT_VERSION = 1;

/** The first line of an export. */
export interface ExportHeader {
  glueful: typeof HEADER_MARK;
  version: number;
  tool: string;
  store: string;
  driver: string;
  location: string;
  prefix: string;
  pattern: string;
  exportedAt: string;
  /** Unix milliseconds the walk started at: TTLs count from it. */
  time: number;
}

/** One entry of an export. */
export interface TransferRecord {
  key: string;
  value: unknown;
  ttl?: number;
  tags?: string[];
  type?: 'zset';
  encoding?: 'base64';
  php?: string;
  phpEncoding?: 'base64';
  serializer?: string | null;
  compression?: string | null;
  flags?: number;
  format: string;
}

/** The members a record lists, in the order the format fixes (format last). */
const ORDER = ['key', 'value', 'ttl', 'tags', 'type', 'encoding', 'php', 'phpEncoding', 'serializer', 'compression', 'flags', 'format'] as const;

/** One record as its NDJSON line (without the newline); a value that is JsonText goes in as its text. */
export function recordLine(record: TransferRecord): string {
  let line = '{';
  for (const name of ORDER) {
    const value = record[name];
    if (value === undefined) continue;
    line += `${line.length > 1 ? ',' : ''}"${name}":${value instanceof JsonText ? value.text : JSON.stringify(value)}`;
  }
  return `${line}}`;
}

/** The header as its NDJSON line. */
export function headerLine(header: ExportHeader): string {
  return JSON.stringify(header);
}

/** True for a parsed line that is an export header. */
export function isHeader(parsed: unknown): parsed is ExportHeader {
  return typeof parsed === 'object' && parsed !== null && (parsed as { glueful?: unknown }).glueful === HEADER_MARK;
}

/** The bytes a record's text member stands for (UTF-8, or base64 when said). */
export function bytesOf(text: string, encoding: string | undefined): Buffer {
  return Buffer.from(text, encoding === 'base64' ? 'base64' : 'utf8');
}

/** Text for bytes: UTF-8 when it is exactly that, else base64 (the second element says so). */
export function textOf(bytes: Buffer): [string, 'base64' | undefined] {
  const text = bytes.toString('utf8');
  return Buffer.byteLength(text) === bytes.length && Buffer.from(text, 'utf8').equals(bytes) ? [text, undefined] : [bytes.toString('base64'), 'base64'];
}

/** A record's sorted-set members, checked. */
export function zsetMembers(record: TransferRecord): ZMember[] | null {
  if (!Array.isArray(record.value)) return null;
  const members = record.value as Array<Partial<ZMember>>;
  return members.every((m) => typeof m?.member === 'string' && typeof m.score === 'number') ? (members as ZMember[]) : null;
}
