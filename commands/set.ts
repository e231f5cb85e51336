/** cache:set <key> <value> — writes a value in Glueful's format. */
import { encodeValue } from '../src/core/codec.js';
import { parseDuration } from '../src/core/duration.js';
import { UsageError } from '../src/core/errors.js';
import { phpCompatibilityWarning } from '../src/core/keys.js';
import { formatBytes, formatTtl } from '../src/output/format.js';
import type { Output } from '../src/output/output.js';
import type { CommandContext } from './context.js';
import { assertTagging } from './arguments.js';
import { defineCommand, type OptionsOf } from './define.js';

/** cache:set, declared. */
export const command = defineCommand({
  name: 'set',
  changesData: true,
  description: 'store a value (as Glueful does: json: + JSON)',
  examples: [
    'glueful cache:set greeting hello --ttl 15m',
    `glueful cache:set user:1 '{"name":"Ada"}' --json-value --tag users,admins`,
    'cat report.pdf | glueful cache:set report - --raw',
  ],
  arguments: [
    { name: '<key>', description: 'key inside the prefix' },
    { name: '<value>', description: "the value; '-' reads stdin" },
  ],
  options: [
    { flags: '-t, --ttl <duration>', description: 'lifetime: seconds or 90s, 15m, 1h30m, 2d (default: none)' },
    { flags: '--tag <tag>', description: 'tag the entry (repeatable; commas accepted: --tag a,b)', list: true },
    { flags: '--tags <list>', description: 'old spelling of --tag', list: true, aliasOf: 'tag' },
    { flags: '--nx', description: 'only write when the key does not exist' },
    { flags: '--json-value', description: 'parse the value as JSON' },
    { flags: '--raw', description: 'store the bytes untouched, without the json: envelope' },
  ],
  exclusive: [['raw', 'jsonValue']],
});

/** Flags of cache:set. */
export type SetOptions = OptionsOf<typeof command>;

/** What cache:set returns. */
export interface SetResult {
  key: string;
  written: boolean;
  /** Seconds the entry lives; -1 for no expiry, as cache:get and cache:ttl say. */
  ttl: number;
  tags: string[];
  bytes: number;
  encoding: 'json' | 'raw';
  warnings: string[];
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<Buffer> {
  if ((stdin as NodeJS.ReadStream).isTTY) throw new UsageError("value '-' reads stdin, but stdin is a terminal");
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

function isUtf8(bytes: Buffer): boolean {
  return Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
}

/** Turns the argument (or stdin) into the bytes to store. */
function toBytes(bytes: Buffer, options: SetOptions): { stored: Buffer; encoding: 'json' | 'raw' } {
  if (options.raw) return { stored: bytes, encoding: 'raw' };
  if (options.jsonValue) {
    try {
      return { stored: encodeValue(JSON.parse(bytes.toString('utf8'))), encoding: 'json' };
    } catch (error) {
      throw new UsageError(`--json-value: the value is not valid JSON (${(error as Error).message})`);
    }
  }
  // Binary input that is not text is kept byte for byte.
  return isUtf8(bytes) ? { stored: encodeValue(bytes.toString('utf8')), encoding: 'json' } : { stored: bytes, encoding: 'raw' };
}

export async function run(
  ctx: CommandContext,
  [key, input]: string[],
  options: SetOptions,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<SetResult> {
  const ttl = options.ttl === undefined ? 0 : parseDuration(options.ttl);
  const tags = options.tag ?? [];
  const { stored, encoding } = toBytes(input === '-' ? await readStdin(stdin) : Buffer.from(input!, 'utf8'), options);
  const store = await ctx.store();
  if (tags.length) assertTagging((await ctx.config()).tagging.enabled, store.name);
  const warnings = [phpCompatibilityWarning(store.prefix + key!, store.driver)].filter((w): w is string => w !== null);
  const written = await store.setRaw(key!, stored, { ttl, tags, nx: options.nx, envelope: encoding === 'json' });
  return { key: key!, written, ttl: ttl > 0 ? ttl : -1, tags, bytes: stored.length, encoding, warnings };
}

export function print(out: Output, result: SetResult): void {
  for (const w of result.warnings) out.warn(w);
  if (!result.written) return out.info(`not written: '${result.key}' already exists (--nx)`);
  const ttl = result.ttl > 0 ? `expires in ${formatTtl(result.ttl)}` : 'no expiry';
  const tags = result.tags.length ? `, tags ${result.tags.join(', ')}` : '';
  out.info(`stored '${result.key}' (${formatBytes(result.bytes)}, ${ttl}${tags})`);
}
