/**
 * The array store (in-process, as Glueful's ArrayCacheDriver): the shared
 * contract, which also proves the driver contract is small enough to be
 * implemented in one short file.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../src/core/capabilities.js';
import { NamespacedStore } from '../src/core/namespaced-store.js';
import { ArrayDriver } from '../src/drivers/array/index.js';
import { createStore } from '../src/store.js';
import { runStoreContract } from './helpers/store-contract.js';

// One backend shared by every store of the contract run, so prefixes really share a keyspace.
const shared = new ArrayDriver();
runStoreContract('array', {
  create: async (prefix) => new NamespacedStore(shared, { name: 'array', prefix }),
});

describe('array store', () => {
  it('is one file well under 150 lines', () => {
    const lines = readFileSync(resolve(import.meta.dirname, '../src/drivers/array/index.ts'), 'utf8').split('\n').length;
    expect(lines).toBeLessThan(150);
  });

  it('has the core, TTL reads and listing, and says it has no tags or sorted sets', () => {
    expect(capabilitiesOf(new ArrayDriver())).toMatchObject({ listKeys: true, ttlRead: true, tags: false, sortedSets: false, bulkWrite: false });
  });

  it('is a store the configuration can name', async () => {
    const { store } = await createStore({ default: 'mem', prefix: 'p:', fallbackToFile: false, stores: { mem: { driver: 'array' } } });
    await store.set('k', { a: 1 }, { ttl: 30 });
    expect(await store.get('k')).toEqual({ a: 1 });
    expect(store.driver).toBe('array');
    await store.dispose();
  });

  it('drops the oldest entry past maxEntries', async () => {
    const driver = new ArrayDriver({ maxEntries: 2 });
    for (const k of ['a', 'b', 'c']) await driver.set(k, Buffer.from(k), 0);
    expect(await driver.has('a')).toBe(false);
    expect(await driver.has('c')).toBe(true);
  });
});
