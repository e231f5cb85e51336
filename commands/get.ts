/** cache:get <key> — prints a value, decoded from Glueful's format or raw. */
import type { Decoded, ValueFormat } from '../src/core/codec.js';
import type { Entry } from '../src/core/contract.js';
import { KeyNotFoundError } from '../src/core/errors.js';
import { formatValue } from '../src/output/format.js';
import type { Output } from '../src/output/output.js';
import { escapeForTerminal, isUtf8, needsEscaping } from '../src/output/printable.js';
import type { CommandContext } from './context.js';
import { defineCommand, type OptionsOf } from './define.js';

/** cache:get, declared. */
export const command = defineCommand({
  name: 'get',
  description: 'print the value stored under a key',
  examples: ['glueful cache:get user:1', 'glueful cache:get user:1 --json', 'glueful cache:get blob --raw > blob.bin'],
  arguments: [{ name: '<key>', description: 'key inside the prefix' }],
  options: [{ flags: '--raw', description: 'print the stored bytes untouched' }],
});

/** What cache:get returns (and prints with --json). */
export interface GetResult {
  key: string;
  value: unknown;
  /** Remaining seconds, -1 for none, null when the store cannot tell. */
  ttl: number | null;
  format: ValueFormat;
  /** The PHP client's serializer, compression and item flags, where the store keeps them (memcached). */
  serializer?: string | null;
  compression?: string | null;
  flags?: number;
  /** Why the value is shown raw (it could not be decoded). */
  problem?: string;
  /** With --raw: the stored bytes. */
  raw?: Buffer;
  /** A value that is bytes, not text (not UTF-8): shown escaped on a terminal, base64 in --json. */
  binary?: Buffer;
}

export async function run(ctx: CommandContext, [key]: string[], options: OptionsOf<typeof command>): Promise<GetResult> {
  const store = await ctx.store();
  // The TTL is asked for with the value, not after it: on Redis both commands go out in one
  // write (one round trip). It is awaited only for a key that exists, so a missing key is
  // "not found" whatever the TTL read says.
  const reading = store.getEntry(key!);
  const ttlRead = store.capabilities.ttlRead ? store.ttl(key!) : null;
  ttlRead?.catch(() => undefined);
  const entry = await reading;
  if (!entry) throw new KeyNotFoundError(key!);
  if (entry.decoded.problem) ctx.out.warn(`'${key}' is shown raw: ${entry.decoded.problem}`);
  const ttl = ttlRead ? await ttlRead : null;
  return {
    key: key!,
    value: entry.decoded.value,
    ttl: ttl ?? null,
    format: entry.decoded.format,
    ...stored(entry.decoded),
    ...(options.raw ? { raw: entry.raw } : {}),
    ...binaryOf(entry),
  };
}

/**
 * The bytes of a value the decoder could only hand back as text: raw bytes
 * that are not UTF-8 (its text has lost them) come back as the bytes.
 */
function binaryOf({ raw, decoded }: Entry): { binary?: Buffer } {
  if (decoded.format !== 'raw' || typeof decoded.value !== 'string' || isUtf8(raw)) return {};
  const same = raw.toString('utf8') === decoded.value || raw.toString('latin1') === decoded.value;
  return same ? { binary: raw } : {};
}

/** What the store says of how the value was stored, when it says anything. */
function stored(decoded: Decoded): Partial<GetResult> {
  const { serializer, compression, flags, problem } = decoded;
  if (flags === undefined && problem === undefined && serializer === undefined && compression === undefined) return {};
  return { serializer: serializer ?? null, compression: compression ?? null, ...(flags === undefined ? {} : { flags }), ...(problem ? { problem } : {}) };
}

export function print(out: Output, result: GetResult): void {
  if (result.raw) return out.write(result.raw);
  const { binary } = result;
  // Into a pipe the value goes as it is (bytes as bytes); on a terminal nothing it holds may act on the terminal.
  if (!out.interactive) return binary ? out.write(Buffer.concat([binary, Buffer.from('\n')])) : out.line(formatValue(result.value));
  const text = binary ?? formatValue(result.value);
  if (!binary && !needsEscaping(text as string)) return out.line(text as string);
  out.line(escapeForTerminal(text));
  out.info('(bytes that are not printable text are shown as \\xNN, a backslash as \\\\; --raw writes the bytes, --json gives base64)');
}

/** --json shape: raw bytes travel as UTF-8 text, or base64 when they are not text; so does a value that is bytes. */
export function toJson(result: GetResult): unknown {
  const { raw, binary, ...shown } = result;
  const rest = binary ? { ...shown, value: binary.toString('base64'), encoding: 'base64' } : shown;
  if (!raw) return rest;
  const text = raw.toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(raw);
  return { ...rest, raw: isText ? text : raw.toString('base64'), rawEncoding: isText ? 'utf8' : 'base64' };
}
