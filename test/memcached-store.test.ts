/**
 * The Memcached store against real memcached processes the harness starts:
 * the shared contract, then real TTLs, purge by pattern among foreign keys,
 * consistent hashing over several servers, size and key limits, a server
 * without the LRU crawler, failures and flush.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../src/core/capabilities.js';
import type { CacheStore } from '../src/core/contract.js';
import { NamespacedStore } from '../src/core/namespaced-store.js';
import { KetamaRing } from '../src/drivers/memcached/ketama.js';
import { MemcachedDriver, expiryFor, type MemcachedDriverOptions } from '../src/drivers/memcached/index.js';
import { TextConnection } from '../src/drivers/memcached/text.js';
import { answerWithin } from '../src/drivers/memcached/binary.js';
import { decodeKey, parseDumpLine } from '../src/drivers/memcached/dump.js';
import { glueful, tempProject } from './helpers/cli.js';
import { HOST, freePort, startMemcached, startMemcachedSasl, type ServerHandle } from './helpers/servers.js';
import { runStoreContract } from './helpers/store-contract.js';

const stores: CacheStore[] = [];
function memcachedStore(options: MemcachedDriverOptions, prefix = 'glueful_'): CacheStore {
  const store = new NamespacedStore(new MemcachedDriver({ timeout: 2, ...options }), { name: 'memcached', prefix });
  stores.push(store);
  return store;
}

/** Raw text-protocol access to one server, as another client would have. */
async function raw(port: number, command: string): Promise<string> {
  const connection = new TextConnection({ host: HOST, port }, 2000);
  try {
    const lines = await connection.request(`${command}\r\n`, (l) => /^(END|STORED|NOT_STORED|DELETED|NOT_FOUND|OK|HD|EN|NF|ERROR)/.test(l));
    return lines.map((l) => l.toString('utf8')).join('\n');
  } finally {
    connection.close();
  }
}
const rawSet = (port: number, key: string, value: string, exptime = 0) =>
  raw(port, `set ${key} 0 ${exptime} ${Buffer.byteLength(value)}\r\n${value}`);

let server: ServerHandle;
let project: ReturnType<typeof tempProject>;
beforeAll(async () => {
  server = await startMemcached();
  project = tempProject();
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.dispose()));
  await server?.stop();
  project?.cleanup();
});

const cli = (args: string[], env: Record<string, string> = {}) =>
  glueful(args, { cwd: project.dir, env: { CACHE_DRIVER: 'memcached', MEMCACHED_HOST: HOST, MEMCACHED_PORT: String(server.port), ...env } });

runStoreContract('memcached (one server)', { create: async (prefix) => memcachedStore({ port: server.port }, prefix) });

describe('memcached: what other tools say it cannot do', () => {
  it('reads the real remaining TTL (mg t), -1 for none, exit 4 when missing', async () => {
    await rawSet(server.port, 'glueful_php:ttl', 'json:1', 300);
    const ttl = Number((await cli(['cache:ttl', 'php:ttl'])).stdout);
    expect(ttl).toBeGreaterThan(295);
    expect(ttl).toBeLessThanOrEqual(300);
    await rawSet(server.port, 'glueful_php:forever', 'json:1');
    expect((await cli(['cache:ttl', 'php:forever'])).stdout).toBe('-1\n');
    expect((await cli(['cache:ttl', 'php:never-set'])).code).toBe(4);
  });

  it('purges by pattern with metadump, leaving foreign keys alone', async () => {
    for (let i = 0; i < 500; i++) await rawSet(server.port, `glueful_user:${i}`, `json:${i}`);
    await rawSet(server.port, 'glueful_post:1', 'json:1');
    await rawSet(server.port, 'other_app:user:1', 'keep');
    await rawSet(server.port, 'user:1', 'keep');
    const dry = JSON.parse((await cli(['cache:purge', 'user:*', '--dry-run', '--json'])).stdout);
    expect(dry).toMatchObject({ matched: 500, deleted: 0 });
    const result = await cli(['cache:purge', 'user:*', '--force', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ matched: 500, deleted: 500 });
    expect(await raw(server.port, 'get other_app:user:1')).toContain('keep');
    expect(await raw(server.port, 'get user:1')).toContain('keep');
    expect(await raw(server.port, 'get glueful_post:1')).toContain('json:1');
  });

  it('lists keys with odd characters (metadump URL-encodes them)', async () => {
    const store = memcachedStore({ port: server.port }, 'odd:');
    await store.set('ключ/ü%+', 1);
    const keys: string[] = [];
    for await (const batch of store.getKeys('*')) keys.push(...batch);
    expect(keys).toContain('ключ/ü%+');
    expect(decodeKey('a%20b%C3%BC')).toBe('a bü');
    expect(parseDumpLine('key=x%2Fy exp=-1 la=1 cas=2 fetch=no cls=1 size=63')).toEqual({ key: 'x/y', exp: -1 });
  });

  it('refuses keys it cannot hold before sending them (exit 2)', async () => {
    const spaced = await cli(['cache:set', 'has space', 'v']);
    expect(spaced.code).toBe(2);
    expect(spaced.stderr).toMatch(/memcached keys cannot contain spaces or control characters/);
    const long = await cli(['cache:set', 'k'.repeat(245), 'v']);
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(/253 bytes with the prefix, the memcached store allows at most 250/);
  });

  it('--prune-tags rewrites tag indexes without the keys that are gone', async () => {
    const store = memcachedStore({ port: server.port }, 'pt:');
    await store.set('a', 1, { tags: ['prune-me'] });
    await store.set('b', 2, { tags: ['prune-me'] });
    await store.set('c', 3, { tags: ['prune-me'] });
    await raw(server.port, 'delete pt:b');
    expect(await store.pruneTags()).toBeGreaterThanOrEqual(1); // other tests' stale indexes may be tidied too
    const keys: string[] = [];
    for await (const batch of store.getTagKeys('prune-me')) keys.push(...batch);
    expect(keys.sort()).toEqual(['a', 'c']);
    expect(await store.pruneTags()).toBe(0);
    expect((await store.invalidateTags(['prune-me'])).deleted).toBe(2);
  });

  it('sends TTLs over 30 days as absolute unix time', async () => {
    expect(expiryFor(100)).toBe(100);
    expect(expiryFor(2_592_000)).toBe(2_592_000);
    expect(expiryFor(40 * 86400)).toBeGreaterThan(Date.now() / 1000 + 39 * 86400);
    const store = memcachedStore({ port: server.port });
    await store.set('long-lived', 1, { ttl: 40 * 86400 });
    expect(await store.ttl('long-lived')).toBeGreaterThan(39 * 86400);
  });
});

describe('memcached: limits and failures', () => {
  it('refuses a value over item_size_max, naming the limit', async () => {
    const small = await startMemcached(['-I', '64k', '-o', 'slab_chunk_max=16384']);
    try {
      const store = memcachedStore({ port: small.port });
      const error = await store.set('big', 'x'.repeat(100_000)).catch((e: unknown) => e);
      expect(String(error)).toMatch(/over memcached's item size limit on 127\.0\.0\.1:\d+ \(item_size_max/);
      expect(await store.has('big')).toBe(false);
    } finally {
      await small.stop();
    }
  });

  it('says exactly why key listing is unavailable on a server without the crawler (exit 6)', async () => {
    const noCrawler = await startMemcached(['-o', 'no_lru_crawler']);
    try {
      const result = await cli(['cache:purge', 'x*', '--force'], { MEMCACHED_PORT: String(noCrawler.port) });
      expect(result.code).toBe(6);
      expect(result.stderr).toMatch(/listing keys is not supported by the memcached store \(needs "lru_crawler metadump"/);
    } finally {
      await noCrawler.stop();
    }
  });

  it('an unreachable server is one line naming it, exit 5, within the timeout', async () => {
    const port = await freePort();
    const started = Date.now();
    const result = await cli(['cache:get', 'k'], { MEMCACHED_PORT: String(port) });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(result.code).toBe(5);
    expect(result.stderr).toBe(`glueful: error: cannot use memcached at ${HOST}:${port}: connection refused\n`);
    const purge = await cli(['cache:purge', 'x*', '--force'], { MEMCACHED_PORT: String(port) });
    expect(purge.code).toBe(5);
    expect(purge.stderr).toBe(`glueful: error: cannot use memcached at ${HOST}:${port}: connection refused\n`);
  });

  it('falls back to the file store when configured: reads with a warning, changes refused (exit 5) unless --allow-fallback', async () => {
    const port = await freePort();
    const env = { MEMCACHED_PORT: String(port), CACHE_FALLBACK_FILE: 'true' };
    const refused = await cli(['cache:set', 'k', 'v'], env);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/cannot use memcached at .*: connection refused; nothing changed: the fallback file store/);
    const result = await cli(['--allow-fallback', 'cache:set', 'k', 'v'], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: cannot use memcached at .*: connection refused; falling back to the file store/);
    const read = await cli(['cache:get', 'k'], env);
    expect(read.code).toBe(0);
    expect(read.stderr).toMatch(/falling back to the file store/);
  });

  it('flush_all only behind --flush-database 0 and --force', async () => {
    const victim = await startMemcached();
    try {
      await rawSet(victim.port, 'foreign', 'x');
      const env = { MEMCACHED_PORT: String(victim.port) };
      expect((await cli(['cache:clear', '--flush-database', '0'], env)).code).toBe(2);
      expect(await raw(victim.port, 'get foreign')).toContain('x');
      const flushed = await cli(['cache:clear', '--flush-database', '0', '--force', '--json'], env);
      expect(JSON.parse(flushed.stdout).flushed).toEqual([`${HOST}:${victim.port}`]);
      expect(await raw(victim.port, 'get foreign')).toBe('END');
    } finally {
      await victim.stop();
    }
  });

  it('a server killed during a purge: exit 7 with the count deleted so far', async () => {
    const doomed = await startMemcached(['-m', '256']);
    try {
      const store = memcachedStore({ port: doomed.port });
      await store.setMultiple((function* () {
        for (let i = 0; i < 150_000; i++) yield [`kill:${i}`, i] as [string, unknown];
      })());
      const items = async () => Number(/STAT curr_items (\d+)/.exec(await raw(doomed.port, 'stats'))![1]);
      const total = await items();
      const run = cli(['cache:purge', 'kill:*', '--force'], { MEMCACHED_PORT: String(doomed.port) });
      const deadline = Date.now() + 15_000;
      // Kill once a few batches are gone, so their confirmations have reached the CLI.
      while ((await items()) > total - 5000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, 20));
      await doomed.kill();
      const result = await run;
      expect(result.code).toBe(7);
      expect(result.stderr).toMatch(/stopped after deleting \d+ keys( and up to \d+ more whose delete was sent but never answered)?: cannot use memcached at 127\.0\.0\.1:\d+: /);
      const deleted = Number(/stopped after deleting (\d+) keys/.exec(result.stderr)![1]);
      expect(deleted).toBeLessThan(150_000);
    } finally {
      await doomed.stop();
    }
  });
});

describe('memcached: several servers', () => {
  let nodes: ServerHandle[];
  beforeAll(async () => {
    nodes = await Promise.all([startMemcached(), startMemcached(), startMemcached()]);
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });
  const servers = () => nodes.map((n) => `${HOST}:${n.port}`);

  runStoreContract('memcached (3 servers)', { create: async (prefix) => memcachedStore({ servers: servers() }, prefix) });

  it('places each key on its ring server, and purges on every server', async () => {
    const store = memcachedStore({ servers: servers() }, 'ring:');
    const ring = new KetamaRing(servers().map((id) => ({ id, weight: 1 })));
    for (let i = 0; i < 300; i++) await store.set(`k${i}`, i);
    for (const i of [0, 17, 123, 299]) {
      const owner = nodes[ring.serverFor(`ring:k${i}`)]!;
      expect(await raw(owner.port, `get ring:k${i}`)).toContain(`json:${i}`);
    }
    const counts = await Promise.all(nodes.map(async (n) => Number(/STAT curr_items (\d+)/.exec(await raw(n.port, 'stats'))![1])));
    expect(counts.every((c) => c > 50)).toBe(true);
    expect((await store.deletePattern('k*')).deleted).toBe(300);
  });

  it('cache:inspect reports each server of the pool, counted on the server itself', async () => {
    const store = memcachedStore({ servers: servers() }, 'insp:');
    for (let i = 0; i < 120; i++) await store.set(`user:${i}`, 'x'.repeat(100));
    const ring = new KetamaRing(servers().map((id) => ({ id, weight: 1 })));
    const owners = nodes.map((_, n) => Array.from({ length: 120 }, (_, k) => k).filter((k) => ring.serverFor(`insp:user:${k}`) === n).length);
    expect(owners.every((n) => n > 0)).toBe(true);
    writeFileSync(join(project.dir, 'pool.json'), JSON.stringify({ default: 'memcached', prefix: 'insp:', stores: { memcached: { servers: servers() } } }));
    const result = await glueful(['cache:inspect', 'user:*', '--json', '--config', 'pool.json'], { cwd: project.dir });
    expect(result.code, result.stderr).toBe(0);
    const r = JSON.parse(result.stdout);
    expect(r.keys).toBe(120);
    // Each server lists exactly the keys the ring put there.
    expect(r.nodes.map((n: { node: string; keys: number }) => [n.node, n.keys])).toEqual(nodes.map((n, i) => [`memcached://${HOST}:${n.port}`, owners[i]]));
    await store.deletePattern('user:*');
  });

  it('clear --tags a,b with the server of b down: exit 7 with what a deleted, one report', async () => {
    const pair = await Promise.all([startMemcached(), startMemcached()]);
    const ids = pair.map((n) => `${HOST}:${n.port}`);
    const ring = new KetamaRing(ids.map((id) => ({ id, weight: 1 })));
    try {
      // A tag whose index and keys all live on server 0, and one whose index lives on server 1.
      const names = Array.from({ length: 200 }, (_, i) => `t${i}`);
      const onFirst = names.find((t) => ring.serverFor(`_gf_tag:${t}`) === 0)!;
      const onSecond = names.find((t) => ring.serverFor(`_gf_tag:${t}`) === 1)!;
      const keys = Array.from({ length: 400 }, (_, i) => `k${i}`).filter((k) => ring.serverFor(`glueful_${k}`) === 0).slice(0, 5);
      const store = memcachedStore({ servers: ids });
      for (const key of keys) await store.set(key, 1, { tags: [onFirst] });
      await pair[1]!.kill();
      const sub = tempProject();
      try {
        writeFileSync(join(sub.dir, 'cache.config.json'), JSON.stringify({ default: 'memcached', stores: { memcached: { driver: 'memcached', servers: ids, timeout: 1 } } }));
        const cleared = await glueful(['cache:clear', '--tags', `${onFirst},${onSecond}`, '--force', '--json'], { cwd: sub.dir });
        expect(cleared.code).toBe(7);
        const error = JSON.parse(cleared.stdout).error;
        expect(error).toMatchObject({ code: 7, type: 'PartialFailureError', done: { deleted: keys.length } });
        // Glueful's CacheTaggingService keeps two entries, read and rewritten for each tag: when either is on server 1, no tag is finished.
        const indexDown = ['glueful__cache_tag_mappings', 'glueful__cache_key_tags'].some((entry) => ring.serverFor(entry) === 1);
        const unfinished = indexDown ? `${onFirst}, ${onSecond}` : onSecond;
        expect(error.message).toMatch(new RegExp(`stopped after deleting ${keys.length} keys \\(tags not finished: ${unfinished}\\)`));
        expect(error.message).toContain(ids[1]);
        expect(cleared.stderr.trim().split('\n')).toHaveLength(1);
        for (const key of keys) expect(await store.has(key)).toBe(false);
      } finally {
        sub.cleanup();
      }
    } finally {
      await Promise.all(pair.map((n) => n.stop()));
    }
  });

  it('removing one of 3 servers moves about a third of the keys', () => {
    const three = new KetamaRing(['a:1', 'b:1', 'c:1'].map((id) => ({ id, weight: 1 })));
    const two = new KetamaRing(['a:1', 'b:1'].map((id) => ({ id, weight: 1 })));
    const names = ['a:1', 'b:1', 'c:1'];
    let moved = 0;
    const total = 30_000;
    for (let i = 0; i < total; i++) {
      const key = `user:${i}`;
      if (names[three.serverFor(key)] !== ['a:1', 'b:1'][two.serverFor(key)]) moved++;
    }
    expect(moved / total).toBeGreaterThan(0.25);
    expect(moved / total).toBeLessThan(0.4);
  });

  it('honours weights', () => {
    const ring = new KetamaRing([{ id: 'a:1', weight: 3 }, { id: 'b:1', weight: 1 }]);
    let onA = 0;
    for (let i = 0; i < 20_000; i++) if (ring.serverFor(`k${i}`) === 0) onA++;
    expect(onA / 20_000).toBeGreaterThan(0.68);
    expect(onA / 20_000).toBeLessThan(0.82);
  });

  it('status shows one row per server', async () => {
    const stats = await memcachedStore({ servers: servers() }).getStats();
    expect(stats.nodes).toHaveLength(3);
    expect(stats.nodes![0]).toMatchObject({ version: expect.stringMatching(/^1\.6/) });
  });
});

describe('memcached with SASL credentials', () => {
  let sasl: ServerHandle;
  let saslProject: ReturnType<typeof tempProject>;
  beforeAll(async () => {
    sasl = await startMemcachedSasl('ops', 'sasl-secret');
    saslProject = tempProject();
    const config = { default: 'memcached', stores: { memcached: { driver: 'memcached', host: HOST, port: sasl.port, username: 'ops', password: 'sasl-secret' } } };
    writeFileSync(join(saslProject.dir, 'cache.config.json'), JSON.stringify(config));
  });
  afterAll(async () => {
    await sasl?.stop();
    saslProject?.cleanup();
  });
  const saslCli = (args: string[]) => glueful(args, { cwd: saslProject.dir });

  // The same contract: what SASL rules out (TTL reads, listing) runs as the not-supported side.
  runStoreContract('memcached (SASL)', {
    create: async (prefix) => memcachedStore({ port: sasl.port, username: 'ops', password: 'sasl-secret' }, prefix),
  });

  it('describes this instance: no TTL reads or key listing, the rest as usual', () => {
    const caps = capabilitiesOf(new MemcachedDriver({ port: sasl.port, username: 'ops', password: 'x' }));
    expect(caps).toMatchObject({ listKeys: false, ttlRead: false, tags: 'emulated', sortedSets: true });
    expect(capabilitiesOf(new MemcachedDriver({ port: server.port }))).toMatchObject({ listKeys: true, ttlRead: true });
  });

  it('purge and clear refuse up front (exit 6), before asking or deleting anything', async () => {
    expect((await saslCli(['cache:set', 'user:1', 'kept'])).code).toBe(0);
    for (const args of [['cache:purge', 'user:*', '--force'], ['cache:clear', '--force'], ['cache:purge', 'user:*', '--dry-run']]) {
      const result = await saslCli(args);
      expect(result.code).toBe(6);
      expect(result.stderr).toMatch(/not supported by the memcached store/);
      expect(result.stderr).not.toMatch(/sasl-secret/);
    }
    expect((await saslCli(['cache:get', 'user:1'])).stdout).toBe('kept\n');
  });

  it('get, status and ttl say what they can: value without TTL, figures over the binary protocol', async () => {
    await saslCli(['cache:set', 'user:2', 'v', '--ttl', '1h']);
    const get = JSON.parse((await saslCli(['cache:get', 'user:2', '--json'])).stdout);
    expect(get).toMatchObject({ value: 'v', ttl: null });
    const status = await saslCli(['cache:status', '--json']);
    expect(status.code).toBe(0);
    const data = JSON.parse(status.stdout);
    expect(data).toMatchObject({ healthy: true, driver: 'memcached' });
    expect(data.totalKeys).toBeGreaterThanOrEqual(1);
    expect(status.stdout).not.toMatch(/sasl-secret/);
    expect((await saslCli(['cache:ttl', 'user:2'])).code).toBe(6);
  });
});

describe('memjs requests always get an answer (memcachier/memjs#162)', () => {
  type Perform = (key: string, request: Buffer, seq: number, callback: (error: Error | null, response: unknown) => void) => void;
  const answers = (perform: Perform) =>
    new Promise<Array<{ error: Error | null; response: unknown; ms: number }>>((resolve) => {
      const client = { perform };
      answerWithin(client as never, 200);
      const got: Array<{ error: Error | null; response: unknown; ms: number }> = [];
      const started = Date.now();
      client.perform('k', Buffer.alloc(0), 1, (error, response) => got.push({ error, response, ms: Date.now() - started }));
      // Past the deadline: a second answer would be here by now.
      setTimeout(() => resolve(got), 400);
    });

  it('a request memjs never answers fails with ETIMEDOUT at the deadline, once', async () => {
    const got = await answers(() => undefined);
    expect(got).toHaveLength(1);
    expect(got[0]!.error).toMatchObject({ code: 'ETIMEDOUT' });
    expect(got[0]!.ms).toBeGreaterThanOrEqual(190);
    expect(got[0]!.ms).toBeLessThan(390);
  });

  it('a request memjs answers goes through as it came, once (no timeout after it)', async () => {
    const got = await answers((_k, _r, _s, callback) => setTimeout(() => callback(null, 'reply'), 10));
    expect(got.map((g) => [g.error, g.response])).toEqual([[null, 'reply']]);
  });
});
