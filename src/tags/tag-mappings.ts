/**
 * The tag index of Glueful's CacheTaggingService (glueful/framework v1.76),
 * which is not the driver's: two ordinary cache entries in the app's store,
 * each rewritten whole with a TTL of one day,
 *
 * - `_cache_tag_mappings` = `json:{"<tag>": ["<key>", ...], ...}`
 * - `_cache_key_tags`     = `json:{"<key>": ["<tag>", ...], ...}`
 *
 * They hold PHP arrays as PHP's json_encode() writes them: a list whose
 * indexes are 0..n-1 is a JSON array, any other (array_filter() keeps the
 * indexes of what it keeps, so `["a","b"]` less "a" is `{"1":"b"}`) a JSON
 * object, and an empty one `[]`. Strings escape `/` and every non-ASCII
 * character (`\u00e9`). This module reads both shapes and writes what PHP
 * would, so the app reads our edits and a diff against PHP's is empty.
 *
 * Keys listed there are store keys as the app gave them; here they are taken
 * inside the configured prefix (empty inside a Glueful app, so exact).
 */
import { JsonText } from '../core/codec.js';
import type { CacheStore } from '../core/contract.js';
import { PartialFailureError } from '../core/errors.js';

/** The entry mapping each tag to its keys. */
export const TAG_MAPPINGS_KEY = '_cache_tag_mappings';
/** The entry mapping each key to its tags. */
export const KEY_TAGS_KEY = '_cache_key_tags';
/** The TTL CacheTaggingService writes both entries with (seconds). */
export const MAPPINGS_TTL = 86_400;

/** A PHP array: ordered entries, each with its PHP key (indexes as decimal text). */
export type PhpArray = Array<[key: string, value: unknown]>;

/** The two maps, each a PHP array of PHP arrays. */
export interface TagMappings {
  /** tag → keys. */
  tags: Map<string, PhpArray>;
  /** key → tags. */
  keys: Map<string, PhpArray>;
}

/**
 * An index entry that is there but is not the map CacheTaggingService
 * writes: what it lists cannot be cleared (exit 7, the rest was done).
 */
export class TagMappingsError extends PartialFailureError {
  constructor(message: string, done: Record<string, unknown> = {}) {
    super(message, done);
  }
}

function phpArray(value: unknown): PhpArray | null {
  if (Array.isArray(value)) return value.map((v, i) => [String(i), v]);
  if (value !== null && typeof value === 'object') return Object.entries(value);
  return null;
}

async function readMap(store: CacheStore, key: string): Promise<Map<string, PhpArray>> {
  const entry = await store.getEntry(key);
  if (!entry) return new Map();
  const outer = phpArray(entry.decoded.value);
  if (!outer) {
    const shown = JSON.stringify(entry.decoded.value)?.slice(0, 60) ?? '';
    throw new TagMappingsError(`${key} is not the map Glueful's CacheTaggingService writes: ${entry.decoded.format} ${shown}`);
  }
  const map = new Map<string, PhpArray>();
  for (const [name, inner] of outer) {
    const list = phpArray(inner);
    if (list) map.set(name, list);
  }
  return map;
}

/** Reads both entries; missing ones are empty maps. */
export async function readTagMappings(store: CacheStore): Promise<TagMappings> {
  const [tags, keys] = await Promise.all([readMap(store, TAG_MAPPINGS_KEY), readMap(store, KEY_TAGS_KEY)]);
  return { tags, keys };
}

/** The keys listed for `tag`, in order, without repeats. */
export function mappedKeys(mappings: TagMappings, tag: string): string[] {
  return [...new Set((mappings.tags.get(tag) ?? []).map(([, key]) => String(key)))];
}

/**
 * Forgets that `key` carries `tag`, in both maps, as the service's
 * removeKeyFromTag() does: the other entries keep their indexes, and a list
 * left empty goes. True when anything changed.
 */
export function unlink(mappings: TagMappings, key: string, tag: string): boolean {
  const dropped = (map: Map<string, PhpArray>, name: string, value: string): boolean => {
    const list = map.get(name);
    if (!list) return false;
    const kept = list.filter(([, v]) => String(v) !== value);
    if (kept.length === list.length) return false;
    if (kept.length === 0) map.delete(name);
    else map.set(name, kept);
    return true;
  };
  const a = dropped(mappings.tags, tag, key);
  const b = dropped(mappings.keys, key, tag);
  return a || b;
}

/** A string as PHP's json_encode() writes it with default flags: `\/`, and `\uXXXX` for non-ASCII. */
export function phpJsonString(text: string): string {
  return JSON.stringify(text).replace(/[/\u0080-\uffff]/g, (c) => (c === '/' ? '\\/' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

// PHP turns decimal-integer string keys into integer keys: "0", "1" make a list like [0 => , 1 => ].
const isList = (keys: string[]): boolean => keys.every((k, i) => k === String(i));

function phpJsonValue(value: unknown): string {
  if (typeof value === 'string') return phpJsonString(value);
  const entries = phpArray(value);
  return entries ? phpJsonArray(entries, phpJsonValue) : (JSON.stringify(value) ?? 'null');
}

/** A PHP array as json_encode() writes it: a list as `[...]`, anything else as `{...}`. */
export function phpJsonArray<T>(entries: Array<[string, T]>, encode: (value: T) => string): string {
  if (isList(entries.map(([k]) => k))) return `[${entries.map(([, v]) => encode(v)).join(',')}]`;
  return `{${entries.map(([k, v]) => `${phpJsonString(k)}:${encode(v)}`).join(',')}}`;
}

const encodeMap = (map: Map<string, PhpArray>): string => phpJsonArray([...map], (list) => phpJsonArray(list, phpJsonValue));

/** Writes both entries back, as the service's persistTagMappings() does (TTL one day). */
export async function writeTagMappings(store: CacheStore, mappings: TagMappings): Promise<void> {
  await store.set(TAG_MAPPINGS_KEY, new JsonText(encodeMap(mappings.tags)), { ttl: MAPPINGS_TTL });
  await store.set(KEY_TAGS_KEY, new JsonText(encodeMap(mappings.keys)), { ttl: MAPPINGS_TTL });
}
