/**
 * Strategies usable from the config without code: `inline` entries, a
 * `file` (JSON array or NDJSON), the NDJSON a `command` prints (so a PHP app
 * can export its data: `php glueful cache:export`), and `http` URLs.
 */
import { spawn } from 'node:child_process';
import { createReadStream, type ReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { JsonText } from '../core/codec.js';
import { CacheError, ConfigError } from '../core/errors.js';
import { readLine } from './ndjson-line.js';
import type { WarmupContext, WarmupEntry, WarmupStrategy } from './strategy.js';

/** Thrown (and counted, not fatal) for one malformed input line. */
export class WarmupLineError extends CacheError {}

/** Checks one input entry; `where` names it in the error (built only on failure: this runs per line). */
function toEntry(raw: unknown, where: () => string): WarmupEntry {
  const entry = raw as Partial<WarmupEntry> | null;
  if (!entry || typeof entry !== 'object' || typeof entry.key !== 'string' || entry.key === '' || !('value' in entry)) {
    throw new WarmupLineError(`${where()}: expected {"key": "...", "value": ..., "ttl"?: seconds, "tags"?: [...]}`);
  }
  if (entry.ttl !== undefined && !(Number.isInteger(entry.ttl) && entry.ttl > 0)) {
    throw new WarmupLineError(`${where()}: ttl must be a positive whole number of seconds`);
  }
  return entry as WarmupEntry;
}

/**
 * NDJSON from a byte stream as batches of entries (one per chunk read, so a
 * million lines are not a million async steps); a bad line is reported by
 * number and skipped.
 */
async function* ndjson(input: AsyncIterable<Buffer | string>, source: string, ctx: WarmupContext, read?: () => void): AsyncIterable<WarmupEntry[]> {
  let number = 0;
  let partial = '';
  const blank = /^[ \t\r]*$/;
  const parse = (lines: string[]): WarmupEntry[] => {
    const entries: WarmupEntry[] = [];
    for (const line of lines) {
      number++;
      // The fast reader keeps the value's JSON text; a line it refuses is read again to say why.
      const fast = readLine(line);
      if (fast) entries.push({ key: fast.key, value: new JsonText(fast.valueText), ttl: fast.ttl, tags: fast.tags });
      else if (!blank.test(line)) entries.push(...checked(line, () => `${source} line ${number}`, ctx));
    }
    return entries;
  };
  for await (const chunk of input) {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    read?.();
    yield parse(lines);
  }
  if (partial) yield parse([partial]);
}

/** A line the fast reader refused, read by JSON.parse: its entry, or nothing with the reason reported. */
function checked(line: string, where: () => string, ctx: WarmupContext): WarmupEntry[] {
  try {
    const parsed = JSON.parse(line) as unknown;
    // A cache:export file starts with a header naming its source: not an entry, not a bad line.
    if ((parsed as { glueful?: unknown } | null)?.glueful === 'cache-export') return [];
    return [toEntry(parsed, where)];
  } catch (error) {
    ctx.skip(error instanceof WarmupLineError ? error.message : `${where()}: not JSON`);
    return [];
  }
}

/** Reports how many of a file's bytes a stream has read (for the progress shown on a terminal). */
async function position(stream: ReadStream, path: string, ctx: WarmupContext): Promise<() => void> {
  const size = await stat(path).then((s) => (s.isFile() ? s.size : 0), () => 0);
  return () => ctx.extent(stream.bytesRead, size);
}

function option<T>(ctx: WarmupContext, name: string, check: (v: unknown) => v is T, expected: string, strategy: string): T {
  const value = ctx.options[name];
  if (!check(value)) throw new ConfigError(`warmup strategy '${strategy}': option ${name}: expected ${expected}`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);

/** Creates a built-in strategy of `type` named `name`; baseDir resolves relative paths. */
export function builtinStrategy(type: string, name: string, baseDir: string): WarmupStrategy | null {
  switch (type) {
    case 'inline':
      return {
        name,
        warm: (ctx) => option(ctx, 'entries', isArray, 'a list of {key, value, ttl?, tags?}', name).map((e, i) => toEntry(e, () => `entries[${i}]`)),
      };
    case 'file':
      return {
        name,
        async *warm(ctx) {
          const path = option(ctx, 'path', isString, 'a file path', name);
          const full = isAbsolute(path) ? path : resolve(baseDir, path);
          if (/\.(?:ndjson|jsonl)\.gz$/.test(full)) {
            // A gzipped cache:export file: how far through it is counted in compressed bytes.
            const { createGunzip } = await import('node:zlib');
            const file = createReadStream(full, { highWaterMark: 256 * 1024 });
            yield* ndjson(file.pipe(createGunzip()).setEncoding('utf8'), path, ctx, await position(file, full, ctx));
            return;
          }
          if (/\.ndjson$|\.jsonl$/.test(full)) {
            const file = createReadStream(full, { encoding: 'utf8', highWaterMark: 256 * 1024 });
            yield* ndjson(file, path, ctx, await position(file, full, ctx));
            return;
          }
          const parsed = JSON.parse(await readFile(full, 'utf8')) as unknown;
          if (!Array.isArray(parsed)) throw new ConfigError(`${path}: expected a JSON array of entries (or use .ndjson)`);
          yield parsed.map((e, i) => toEntry(e, () => `${path}[${i}]`));
        },
      };
    case 'command':
      return {
        name,
        async *warm(ctx) {
          const command = option(ctx, 'command', isString, 'a program to run', name);
          const args = (ctx.options.args as string[] | undefined) ?? [];
          const child = spawn(command, args, { cwd: baseDir, stdio: ['ignore', 'pipe', 'pipe'], signal: ctx.signal });
          let stderr = '';
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          const exited = new Promise<number | null>((res, rej) => {
            child.on('error', rej);
            child.on('close', res);
          });
          child.stdout.setEncoding('utf8');
          yield* ndjson(child.stdout, command, ctx);
          const code = await exited;
          const last = stderr.trim().split('\n').pop();
          if (code !== 0) throw new CacheError(`${command} exited with ${code}${last ? `: ${last}` : ''}`);
        },
      };
    case 'http':
      return {
        name,
        async *warm(ctx) {
          const urls = option(ctx, 'urls', isArray, 'a list of {url, key, ttl?}', name) as Array<{ url: string; key: string; ttl?: number }>;
          const timeoutMs = Number(ctx.options.timeout ?? 10) * 1000;
          for (const { url, key, ttl } of urls) {
            const response = await fetch(url, { signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]) });
            if (!response.ok) throw new CacheError(`${url} answered ${response.status} ${response.statusText}`);
            const type = response.headers.get('content-type') ?? '';
            const value = type.includes('json') ? ((await response.json()) as unknown) : await response.text();
            yield { key, value, ttl };
          }
        },
      };
    default:
      return null;
  }
}

/** What each built-in strategy type does, and how to declare one (for `cache:warmup --list`). */
export const BUILTIN_TYPE_DOCS: ReadonlyArray<{ type: string; description: string; example: string }> = [
  { type: 'inline', description: 'entries written in the config itself', example: "{ name: 'settings', type: 'inline', entries: [{ key: 'config:app', value: {...}, ttl: 3600 }] }" },
  { type: 'file', description: 'a JSON array or NDJSON file of {key, value, ttl?, tags?}', example: "{ name: 'catalog', type: 'file', path: './warmup/catalog.ndjson' }" },
  { type: 'command', description: 'a program printing NDJSON entries (e.g. the PHP app exporting its data)', example: "{ name: 'export', type: 'command', command: 'php', args: ['glueful', 'cache:export'] }" },
  { type: 'http', description: 'URL bodies cached under a key, with a timeout and status check', example: "{ name: 'menu', type: 'http', urls: [{ url: 'https://app/menu.json', key: 'menu', ttl: 300 }] }" },
];

/** The names of the built-in strategy types. */
export const BUILTIN_TYPES = BUILTIN_TYPE_DOCS.map((d) => d.type);
