/**
 * The behaviour every CacheStore must have, run against each driver
 * (keyv-style): tests needing a capability the store lacks are skipped
 * by that capability, never by driver name.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { CacheStore } from '../../src/core/contract.js';
import { NotSupportedError, UsageError } from '../../src/core/errors.js';

export interface ContractTarget {
  /** A store under a prefix no other test uses. */
  create(prefix: string): Promise<CacheStore>;
  /** A store over the same backend with another prefix, to prove isolation. */
  foreign?(prefix: string): Promise<CacheStore>;
}

async function collect(iter: AsyncIterable<string[]>): Promise<string[]> {
  const all: string[] = [];
  for await (const batch of iter) all.push(...batch);
  return all.sort();
}

export function runStoreContract(name: string, target: ContractTarget): void {
  describe(`CacheStore contract: ${name}`, () => {
    let store: CacheStore;
    let n = 0;
    const opened: CacheStore[] = [];

    beforeEach(async () => {
      store = await target.create(`t${process.pid}_${Date.now()}_${n++}:`);
      opened.push(store);
    });
    afterAll(async () => {
      for (const s of opened) await s.clear().catch(() => undefined);
      await Promise.all(opened.map((s) => s.dispose()));
    });

    const caps = () => store.capabilities;
    /** Skips the running test (reported as skipped) unless the store has the capability. */
    const needs = (skip: (condition: boolean, note?: string) => void, has: boolean, what: string) =>
      skip(!has, `the ${name} store lacks ${what}`);
    /** Skips the running test unless the store LACKS the capability (the not-supported side). */
    const lacks = (skip: (condition: boolean, note?: string) => void, has: boolean, what: string) =>
      skip(has, `the ${name} store has ${what}`);

    it('round-trips JSON values of every type', async () => {
      const values: unknown[] = ['text', '', 42, 3.5, -7, true, false, null, [1, 'a'], { a: { b: [1, 2] } }, 'ünïcødé ✓'];
      for (const [i, value] of values.entries()) {
        await store.set(`v${i}`, value);
        expect(await store.get(`v${i}`)).toEqual(value);
      }
    });

    it('stores values in Glueful\'s json: format', async () => {
      await store.set('user', { name: 'John' });
      const entry = await store.getEntry('user');
      expect(entry?.raw.toString()).toBe('json:{"name":"John"}');
      expect(entry?.decoded.format).toBe('json');
    });

    it('returns undefined / null entry for a missing key', async () => {
      expect(await store.get('missing')).toBeUndefined();
      expect(await store.getEntry('missing')).toBeNull();
      expect(await store.has('missing')).toBe(false);
    });

    it('keeps raw bytes exactly', async () => {
      const bytes = Buffer.from([0, 255, 1, 128, 10, 13]);
      expect(await store.setRaw('bin', bytes)).toBe(true);
      expect((await store.getEntry('bin'))?.raw.equals(bytes)).toBe(true);
    });

    it('deletes, and says whether the key existed', async () => {
      await store.set('a', 1);
      expect(await store.delete('a')).toBe(true);
      expect(await store.delete('a')).toBe(false);
      expect(await store.has('a')).toBe(false);
    });

    it('handles several keys at once', async () => {
      expect(await store.setMultiple([['m1', 1], ['m2', 'two']])).toEqual({ written: 2, failed: 0, errors: [] });
      const got = await store.getMultiple(['m1', 'm2', 'm3']);
      expect([...got.entries()]).toEqual([['m1', 1], ['m2', 'two']]);
      expect(await store.deleteMultiple(['m1', 'm2', 'm3'])).toBe(2);
    });

    it('bulk-writes a stream of entries with TTL and tags', async () => {
      async function* entries(): AsyncIterable<[string, unknown]> {
        for (let i = 0; i < 3000; i++) yield [`bulk:${i}`, { i }];
      }
      const tags = caps().tags === false ? undefined : ['bulk'];
      const result = await store.setMultiple(entries(), { ttl: 300, tags });
      expect(result).toEqual({ written: 3000, failed: 0, errors: [] });
      expect(await store.get('bulk:2999')).toEqual({ i: 2999 });
      if (caps().ttlRead) expect(await store.ttl('bulk:0')).toBeGreaterThan(290);
      if (tags) expect((await store.invalidateTags(tags)).deleted).toBe(3000);
    });

    it('deleteIfEquals deletes only while the value is unchanged (lock release)', async () => {
      await store.setRaw('lock', Buffer.from('token-a'));
      expect(await store.deleteIfEquals('lock', Buffer.from('token-b'))).toBe(false);
      expect(await store.has('lock')).toBe(true);
      expect(await store.deleteIfEquals('lock', Buffer.from('token-a'))).toBe(true);
      expect(await store.has('lock')).toBe(false);
      expect(await store.deleteIfEquals('lock', Buffer.from('token-a'))).toBe(false);
    });

    it('setNx writes only when absent', async () => {
      expect(await store.setNx('once', 'first')).toBe(true);
      expect(await store.setNx('once', 'second')).toBe(false);
      expect(await store.get('once')).toBe('first');
    });

    it('counts with increment and decrement, from a missing key', async () => {
      expect(await store.increment('hits')).toBe(1);
      expect(await store.increment('hits', 10)).toBe(11);
      expect(await store.decrement('hits', 3)).toBe(8);
      expect(await store.get('hits')).toBe(8);
    });

    it('refuses to increment a non-integer value', async () => {
      await store.set('word', 'abc');
      await expect(store.increment('word')).rejects.toBeInstanceOf(UsageError);
    });

    it('reports TTLs: -1 without expiry, null when missing', async ({ skip }) => {
      needs(skip, caps().ttlRead, 'TTL reads');
      await store.set('forever', 1);
      await store.set('soon', 1, { ttl: 100 });
      expect(await store.ttl('forever')).toBe(-1);
      const ttl = await store.ttl('soon');
      expect(ttl).toBeGreaterThan(95);
      expect(ttl).toBeLessThanOrEqual(100);
      expect(await store.ttl('missing')).toBeNull();
    });

    it('expires entries after their TTL', async () => {
      await store.set('brief', 'x', { ttl: 1 });
      expect(await store.get('brief')).toBe('x');
      await sleep(2100);
      expect(await store.get('brief')).toBeUndefined();
      expect(await store.has('brief')).toBe(false);
    });

    it('changes and removes a TTL with expire', async () => {
      await store.set('e', 1);
      expect(await store.expire('e', 500)).toBe(true);
      if (caps().ttlRead) expect(await store.ttl('e')).toBeGreaterThan(490);
      expect(await store.expire('e', -1)).toBe(true);
      if (caps().ttlRead) expect(await store.ttl('e')).toBe(-1);
      expect(await store.expire('nope', 10)).toBe(false);
    });

    it('remember loads once and then serves the stored value', async () => {
      let calls = 0;
      const loader = () => ++calls;
      expect(await store.remember('r', loader, { ttl: 60 })).toBe(1);
      expect(await store.remember('r', loader, { ttl: 60 })).toBe(1);
      expect(calls).toBe(1);
    });

    it('without TTL reads, ttl() is a NotSupportedError (exit 6)', async ({ skip }) => {
      lacks(skip, caps().ttlRead, 'TTL reads');
      await store.set('x', 1);
      await expect(store.ttl('x')).rejects.toBeInstanceOf(NotSupportedError);
      await expect(store.ttl('x')).rejects.toMatchObject({ exitCode: 6 });
    });

    it('lists and counts keys by glob, inside the prefix only', async ({ skip }) => {
      needs(skip, caps().listKeys, 'key listing');
      await store.setMultiple([['user:1', 1], ['user:2', 2], ['user:10', 10], ['post:1', 1]]);
      expect(await collect(store.getKeys('user:*'))).toEqual(['user:1', 'user:10', 'user:2']);
      expect(await collect(store.getKeys('user:?'))).toEqual(['user:1', 'user:2']);
      expect(await store.getKeyCount()).toBe(4);
    });

    it('purges by pattern without touching other keys or other prefixes', async ({ skip }) => {
      needs(skip, caps().listKeys, 'key listing');
      const other = await (target.foreign ?? target.create)(`foreign${n++}:`);
      opened.push(other);
      await other.set('user:1', 'keep');
      await store.setMultiple([['user:1', 1], ['user:2', 2], ['post:1', 1]]);
      const dry = await store.deletePattern('user:*', { dryRun: true });
      expect(dry).toMatchObject({ matched: 2, deleted: 0 });
      expect(await store.has('user:1')).toBe(true);
      const result = await store.deletePattern('user:*');
      expect(result).toMatchObject({ matched: 2, deleted: 2 });
      expect(result.sample.sort()).toEqual(['user:1', 'user:2']);
      expect(await store.has('post:1')).toBe(true);
      expect(await other.get('user:1')).toBe('keep');
    });

    it('clear deletes the prefix and nothing else', async ({ skip }) => {
      needs(skip, caps().listKeys, 'key listing');
      const other = await (target.foreign ?? target.create)(`other${n++}:`);
      opened.push(other);
      await other.set('k', 'keep');
      await store.setMultiple([['a', 1], ['b', 2]]);
      expect((await store.clear()).deleted).toBe(2);
      expect(await store.getKeyCount()).toBe(0);
      expect(await other.get('k')).toBe('keep');
    });

    it('without key listing, listing, counting, purge and clear are NotSupportedError, and nothing is deleted', async ({ skip }) => {
      lacks(skip, caps().listKeys, 'key listing');
      await store.set('kept', 1);
      await expect(store.getKeyCount()).rejects.toBeInstanceOf(NotSupportedError);
      await expect(store.deletePattern('*')).rejects.toBeInstanceOf(NotSupportedError);
      await expect(store.clear()).rejects.toBeInstanceOf(NotSupportedError);
      expect(await store.get('kept')).toBe(1);
    });

    it('invalidates by tag', async ({ skip }) => {
      needs(skip, caps().tags !== false, 'tags');
      await store.set('u1', 1, { tags: ['users'] });
      await store.set('u2', 2, { tags: ['users', 'admins'] });
      await store.set('p1', 3, { tags: ['posts'] });
      await store.set('plain', 4);
      await store.addTags('plain', ['admins']);
      const result = await store.invalidateTags(['admins']);
      expect(result.deleted).toBe(2);
      expect(await store.has('u1')).toBe(true);
      expect(await store.has('plain')).toBe(false);
      expect((await store.invalidateTags(['users', 'posts'])).deleted).toBe(2);
      for (const key of ['u1', 'u2', 'p1', 'plain']) expect(await store.has(key)).toBe(false);
    });

    it('without tags, tag invalidation is a NotSupportedError', async ({ skip }) => {
      lacks(skip, caps().tags !== false, 'tags');
      await expect(store.invalidateTags(['x'])).rejects.toBeInstanceOf(NotSupportedError);
    });

    it('keeps sorted sets ordered by score', async ({ skip }) => {
      needs(skip, caps().sortedSets, 'sorted sets');
      expect(await store.zadd('z', [{ member: 'b', score: 2 }, { member: 'a', score: 1 }, { member: 'c', score: 3 }])).toBe(3);
      expect(await store.zadd('z', [{ member: 'a', score: 5 }])).toBe(0);
      expect((await store.zrange('z', 0, -1)).map((m) => m.member)).toEqual(['b', 'c', 'a']);
      expect(await store.zremrangebyscore('z', 2, 3)).toBe(2);
      expect(await store.zrange('z', 0, -1)).toEqual([{ member: 'a', score: 5 }]);
    });

    it('without sorted sets, zadd is a NotSupportedError', async ({ skip }) => {
      lacks(skip, caps().sortedSets, 'sorted sets');
      await expect(store.zadd('z', [{ member: 'a', score: 1 }])).rejects.toBeInstanceOf(NotSupportedError);
    });

    it('rejects empty keys and oversized values', async () => {
      await expect(store.set('', 1)).rejects.toBeInstanceOf(UsageError);
      await expect(store.set('big', 'x'.repeat(1024 * 1024))).rejects.toThrow(/over the 1048576-byte limit/);
      expect(await store.has('big')).toBe(false);
    });

    it('answers a ping in a plausible time, and its figures count what it holds', async () => {
      const ms = await store.ping();
      expect(Number.isFinite(ms)).toBe(true);
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(5000);
      await store.setMultiple([['s1', 1], ['s2', 2], ['s3', 'three']]);
      const stats = await store.getStats();
      expect(Object.keys(stats.info).length).toBeGreaterThan(0);
      expect(stats.totalKeys).toBeGreaterThanOrEqual(3);
      if (stats.bytes !== undefined) expect(stats.bytes).toBeGreaterThan(0);
    });
  });
}
