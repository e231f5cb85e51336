/**
 * Sorted sets kept as a `{member: score}` map, the way Glueful's PHP file
 * and memcached drivers store them: `json:{"member":score,...}` since
 * v1.76 (its serializer prefers JSON), PHP serialize() output before. Both
 * are read; the v1.76 form is written. Shared by the stores that emulate
 * sorted sets.
 */
import type { SortedSets, ZMember } from './contract.js';
import { phpUnserialize } from './php-serialize.js';

/** Reads a score map (`json:` or PHP-serialized); non-numeric scores are skipped. */
export function parseScoreMap(bytes: Buffer): Map<string, number> {
  const parsed = bytes.subarray(0, 5).toString('latin1') === 'json:' ? (JSON.parse(bytes.subarray(5).toString('utf8')) as unknown) : phpUnserialize(bytes);
  const entries = Array.isArray(parsed) ? parsed.map((v, i) => [String(i), v] as const) : Object.entries(parsed ?? {});
  const map = new Map<string, number>();
  for (const [member, score] of entries) if (typeof score === 'number') map.set(member, score);
  return map;
}

/** The map as Glueful v1.76 writes it: `json:` + a JSON object. */
export function serializeScoreMap(scores: ReadonlyMap<string, number>): Buffer {
  return Buffer.from('json:' + JSON.stringify(Object.fromEntries(scores)), 'utf8');
}

/** Adds or updates members; returns how many were new. */
export function addScores(scores: Map<string, number>, members: readonly ZMember[]): number {
  let added = 0;
  for (const { member, score } of members) {
    if (!scores.has(member)) added++;
    scores.set(member, score);
  }
  return added;
}

/** Removes members scored within [min, max]; returns how many. */
export function removeByScore(scores: Map<string, number>, min: number, max: number): number {
  const before = scores.size;
  for (const [member, score] of scores) if (score >= min && score <= max) scores.delete(member);
  return before - scores.size;
}

/** ZRANGE semantics: by score then member, inclusive indexes, negatives from the end. */
export function rangeOf(scores: ReadonlyMap<string, number>, start: number, stop: number): ZMember[] {
  const sorted = [...scores]
    .map(([member, score]) => ({ member, score }))
    .sort((a, b) => a.score - b.score || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
  const from = start < 0 ? Math.max(0, sorted.length + start) : start;
  const to = stop < 0 ? sorted.length + stop : Math.min(stop, sorted.length - 1);
  return from > to ? [] : sorted.slice(from, to + 1);
}

/** Where an emulating store keeps one sorted set's map. */
export interface ScoreMapStorage {
  read(key: string): Promise<Map<string, number>>;
  write(key: string, scores: Map<string, number>): Promise<void>;
  /** Runs a read-modify-write under the store's lock for the key, where it has one. */
  locked<T>(key: string, work: () => Promise<T>): Promise<T>;
}

/** The sorted-set piece of a store that keeps each set as a score map (file, memcached). */
export function emulatedSortedSets(storage: ScoreMapStorage): SortedSets {
  return {
    zadd: (key, members) =>
      storage.locked(key, async () => {
        const scores = await storage.read(key);
        const added = addScores(scores, members);
        await storage.write(key, scores);
        return added;
      }),
    zrange: async (key, start, stop) => rangeOf(await storage.read(key), start, stop),
    zremrangebyscore: (key, min, max) =>
      storage.locked(key, async () => {
        const scores = await storage.read(key);
        const removed = removeByScore(scores, min, max);
        if (removed) await storage.write(key, scores);
        return removed;
      }),
  };
}

