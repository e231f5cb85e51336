/** Parsing shared by several commands' arguments. */
import { NotSupportedError, UsageError } from '../src/core/errors.js';

/** "a,b, c" -> ["a","b","c"]; undefined -> []. */
export function parseList(text: string | undefined): string[] {
  if (text === undefined) return [];
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new UsageError(`invalid list '${text}': empty item`);
  return items;
}

/** A positive integer option, such as --sample. */
export function parseCount(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new UsageError(`invalid ${name} '${text}': expected a whole number`);
  return Number(text);
}

/** Refuses tag work when the configuration turns tagging off (tagging.enabled: false, CACHE_TAGGING_ENABLED / CACHE_TAGS). */
export function assertTagging(enabled: boolean, store: string): void {
  if (!enabled) throw new NotSupportedError(store, 'tagging', 'it is turned off: tagging.enabled is false (CACHE_TAGGING_ENABLED / CACHE_TAGS)');
}
