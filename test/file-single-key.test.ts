/**
 * The single-key paths of the file store (get, set, has, ttl, expire,
 * delete, increment) never list the cache directory: on a folder of a
 * million entries they cost what they cost on an empty one. Node's fs is
 * wrapped to count every directory listing (readdir, and the entries an
 * opendir hands out: the write path samples one existing entry for its mode).
 */
import type * as Fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const listed = { readdir: 0, opendirEntries: 0 };

/** Counts the entries a Dir hands out, however it is read. */
function counting<T extends AsyncIterable<unknown>>(dir: T): T {
  return new Proxy(dir, {
    get(target, name, receiver) {
      if (name === Symbol.asyncIterator) {
        return async function* () {
          for await (const entry of target) {
            listed.opendirEntries++;
            yield entry;
          }
        };
      }
      if (name === 'readSync' || name === 'read') {
        // One at a time (the walk of a flat directory reads with readSync()).
        const read = (target as unknown as { readSync(): unknown; read(): Promise<unknown> })[name].bind(target);
        const count = (entry: unknown) => (entry !== null && listed.opendirEntries++, entry);
        return name === 'readSync' ? () => count(read()) : async () => count(await read());
      }
      const value = Reflect.get(target, name, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

vi.mock('node:fs/promises', async (original) => {
  const fs = await original<typeof FsPromises>();
  return {
    ...fs,
    readdir: (...args: Parameters<typeof fs.readdir>) => (listed.readdir++, fs.readdir(...args)),
    opendir: async (...args: Parameters<typeof fs.opendir>) => counting(await fs.opendir(...args)),
  };
});
vi.mock('node:fs', async (original) => {
  const fs = await original<typeof Fs>();
  return { ...fs, readdirSync: (...args: Parameters<typeof fs.readdirSync>) => (listed.readdir++, fs.readdirSync(...args)) };
});

const { NamespacedStore } = await import('../src/core/namespaced-store.js');
const { FileDriver } = await import('../src/drivers/file/index.js');

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe.each([0, 2])('file store, hash_levels %i: single-key commands on a full folder', (hashLevels) => {
  it('list nothing: the first write reads a few entries for their mode, later ones none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glueful-single-'));
    dirs.push(dir);
    // A folder already holding 3,000 entries, so any listing would show in the counts.
    const open = () => new NamespacedStore(new FileDriver({ path: dir, hashLevels }), { name: 'file', prefix: 'app_' });
    const filled = await open().setMultiple(Array.from({ length: 3000 }, (_, i) => [`fill:${i}`, i] as [string, number]));
    expect(filled.written).toBe(3000);
    // A new store, as a new command starts.
    const store = open();
    listed.readdir = 0;
    listed.opendirEntries = 0;
    await store.set('user:1', { id: 1 }, { ttl: 60 });
    expect(await store.get('user:1')).toEqual({ id: 1 });
    expect(await store.has('user:1')).toBe(true);
    expect(await store.ttl('user:1')).toBeGreaterThan(50);
    expect(await store.expire('user:1', 120)).toBe(true);
    expect(await store.increment('hits', 2)).toBe(2);
    expect(await store.delete('user:1')).toBe(true);
    expect(await store.has('user:1')).toBe(false);
    expect(listed.readdir).toBe(0);
    // The first write samples an existing entry's mode: opendir, stopping at the first .cache (one shard deep per level).
    expect(listed.opendirEntries).toBeLessThanOrEqual(10 * (hashLevels + 1));
    const afterFirstWrite = listed.opendirEntries;
    listed.opendirEntries = 0;
    await store.set('user:2', 'two');
    expect(await store.get('user:2')).toBe('two');
    expect(listed.readdir).toBe(0);
    expect(listed.opendirEntries, `the first write read ${afterFirstWrite}`).toBe(0);
    // And the counters do see a listing: a key count walks the folder.
    expect(await store.getKeyCount('fill:*')).toBe(3000);
    expect(listed.readdir + listed.opendirEntries).toBeGreaterThan(0);
  });
});
