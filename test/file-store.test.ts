/** The File store: the shared contract, then Glueful's on-disk format and its edge cases. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NamespacedStore } from '../src/core/namespaced-store.js';
import { FileDriver } from '../src/drivers/file/index.js';
import { InodeOrder } from '../src/drivers/file/inode-order.js';
import { IoThread } from '../src/drivers/file/io-thread.js';
import { runStoreContract } from './helpers/store-contract.js';

const root = mkdtempSync(join(tmpdir(), 'glueful-file-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

function fileStore(prefix: string, dir = join(root, 'shared'), hashLevels = 2): NamespacedStore {
  return new NamespacedStore(new FileDriver({ path: dir, hashLevels }), { name: 'file', prefix });
}

runStoreContract('file (hash_levels 2)', { create: async (prefix) => fileStore(prefix) });
runStoreContract('file (flat, as Glueful writes)', { create: async (prefix) => fileStore(prefix, join(root, 'flat'), 0) });

/** Writes an entry exactly as Glueful's PHP FileCacheDriver does (flat layout). */
function phpWrite(dir: string, key: string, encoded: string, ttl = 0): void {
  mkdirSync(dir, { recursive: true });
  const created = Math.floor(Date.now() / 1000);
  writeFileSync(join(dir, `${md5(key)}.cache`), encoded);
  const meta = { key, created, expires: ttl ? created + ttl : 0, ttl };
  writeFileSync(join(dir, `${md5(key)}.meta`), 'json:' + JSON.stringify(meta));
}

describe('file store: Glueful PHP interoperability', () => {
  it('reads, lists, purges and clears entries the PHP app wrote', async () => {
    const dir = join(root, 'php-app');
    phpWrite(dir, 'user:1', 'json:{"name":"John"}', 3600);
    phpWrite(dir, 'user:2', 'php:a:2:{s:1:"a";i:1;s:1:"b";s:3:"two";}');
    phpWrite(dir, 'rate_limit:1.2.3.4', '41');
    phpWrite(dir, 'config:app', 'json:"bob"');
    const store = fileStore('', dir, 0);
    expect(await store.get('user:1')).toEqual({ name: 'John' });
    expect(await store.get('user:2')).toEqual({ a: 1, b: 'two' });
    expect(await store.get('rate_limit:1.2.3.4')).toBe(41);
    expect(await store.increment('rate_limit:1.2.3.4')).toBe(42);
    const ttl = await store.ttl('user:1');
    expect(ttl).toBeGreaterThan(3590);
    expect(await store.getKeyCount('user:*')).toBe(2);
    expect((await store.deletePattern('user:*')).deleted).toBe(2);
    expect(existsSync(join(dir, `${md5('user:1')}.cache`))).toBe(false);
    expect((await store.clear()).deleted).toBe(2);
    expect(readdirSync(dir).filter((f) => f.endsWith('.cache') || f.endsWith('.meta'))).toEqual([]);
  });

  it('writes what the PHP app reads: flat names, json: values, meta fields', async () => {
    const dir = join(root, 'for-php');
    const store = fileStore('', dir, 0);
    await store.set('session:abc', { id: 7 }, { ttl: 60 });
    const base = join(dir, md5('session:abc'));
    expect(readFileSync(`${base}.cache`, 'utf8')).toBe('json:{"id":7}');
    const metaText = readFileSync(`${base}.meta`, 'utf8');
    expect(metaText.startsWith('json:')).toBe(true);
    const meta = JSON.parse(metaText.slice(5));
    expect(meta).toMatchObject({ key: 'session:abc', ttl: 60 });
    expect(meta.expires - meta.created).toBe(60);
  });

  it('places entries by hash_levels (1 = Glueful shard layout)', async () => {
    const dir = join(root, 'levels');
    await fileStore('', dir, 1).set('k', 1);
    const h = md5('k');
    expect(existsSync(join(dir, h.slice(0, 2), `${h.slice(2)}.cache`))).toBe(true);
    await fileStore('', join(root, 'levels3'), 3).set('k', 1);
    expect(existsSync(join(root, 'levels3', h.slice(0, 2), h.slice(2, 4), h.slice(4, 6), `${h.slice(6)}.cache`))).toBe(true);
  });

  it('treats an expired PHP entry as missing and prunes it', async () => {
    const dir = join(root, 'expired');
    phpWrite(dir, 'old', 'json:1');
    const metaPath = join(dir, `${md5('old')}.meta`);
    writeFileSync(metaPath, 'json:' + JSON.stringify({ key: 'old', created: 1, expires: 2, ttl: 1 }));
    const driver = new FileDriver({ path: dir, hashLevels: 0 });
    const store = new NamespacedStore(driver, { name: 'file', prefix: '' });
    expect(await store.get('old')).toBeUndefined();
    expect(await store.ttl('old')).toBeNull();
    expect(await driver.prune()).toBe(1);
    expect(existsSync(metaPath)).toBe(false);
  });

  it('writes sorted sets as Glueful v1.76 does: json:{member: score}', async () => {
    const dir = join(root, 'zset');
    await fileStore('', dir, 0).zadd('board', [{ member: 'ada', score: 3 }, { member: 'bob', score: 1.5 }]);
    expect(readFileSync(join(dir, `${md5('board')}.zset`), 'utf8')).toBe('json:{"ada":3,"bob":1.5}');
  });

  it('keeps tags in the meta document, where the PHP driver ignores them', async () => {
    const dir = join(root, 'tags');
    await fileStore('', dir, 0).set('t', 1, { tags: ['users'] });
    const meta = JSON.parse(readFileSync(join(dir, `${md5('t')}.meta`), 'utf8').slice(5));
    expect(meta.tags).toEqual(['users']);
  });
});

describe('file store: safety', () => {
  it('keeps hostile keys inside the directory', async () => {
    const box = join(root, 'hostile');
    const dir = join(box, 'store');
    const store = fileStore('', dir, 2);
    const keys = ['../../etc/passwd', 'a\0b', 'k'.repeat(10_000), '日本語のキー', '/abs/path', '..'];
    for (const key of keys) {
      await store.set(key, key.length);
      expect(await store.get(key)).toBe(key.length);
    }
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    const files = walk(dir).filter((f) => f.endsWith('.cache'));
    expect(files).toHaveLength(keys.length);
    // Every entry is named by its hash alone (two shard levels), whatever the key held...
    for (const f of files) expect(relative(dir, f)).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{28}\.cache$/);
    // ...and nothing was written beside or above the store directory.
    expect(readdirSync(box)).toEqual(['store']);
    expect(existsSync(join(root, 'etc'))).toBe(false);
    expect(existsSync('/abs/path')).toBe(false);
  });

  it('creates directories 0700 and files 0600', async () => {
    const dir = join(root, 'modes');
    await fileStore('', dir, 1).set('m', 1);
    const h = md5('m');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, h.slice(0, 2))).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, h.slice(0, 2), `${h.slice(2)}.cache`)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, h.slice(0, 2), `${h.slice(2)}.meta`)).mode & 0o777).toBe(0o600);
  });

  it('ignores foreign files in the cache directory when clearing', async () => {
    const dir = join(root, 'foreign');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'README.txt'), 'not a cache entry');
    const store = fileStore('', dir, 0);
    await store.set('x', 1);
    expect((await store.clear()).deleted).toBe(1);
    expect(readFileSync(join(dir, 'README.txt'), 'utf8')).toBe('not a cache entry');
  });

  it('breaks a lock left by a dead process', async () => {
    const dir = join(root, 'stale-lock');
    const store = fileStore('', dir, 0);
    await store.set('locked', 1);
    // pid 2^22+1 is above Linux's pid_max default: no such process.
    writeFileSync(join(dir, `${md5('locked')}.glock`), `${2 ** 22 + 1} 0 x`);
    const started = Date.now();
    await store.set('locked', 2);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await store.get('locked')).toBe(2);
  });
});

/** The library in a child limited to 256 open files: 20 k keys through each multi-key call. */
const MANY_KEYS = `
const { readdirSync } = require('node:fs');
const { createStore } = require(process.argv[1]);
const dir = process.argv[2];
const n = 20000;
const keys = Array.from({ length: n }, (_, i) => 'k:' + i);
(async () => {
  const { store } = await createStore({ default: 's', prefix: '', fallbackToFile: false, stores: { s: { driver: 'file', path: dir, hashLevels: 0 } } });
  const out = {};
  for (const [name, step] of [
    ['set', async () => (await store.setMultiple(keys.map((k, i) => [k, i]))).written],
    ['get', async () => [...(await store.getMultiple(keys)).values()].filter((v, i) => v === i).length],
    ['deleted', () => store.deleteMultiple(keys)],
  ]) {
    try { out[name] = await step(); } catch (error) { out[name] = error.code ?? error.cause?.code ?? error.message; }
  }
  out.left = readdirSync(dir).filter((f) => f.endsWith('.cache') || f.endsWith('.meta')).length;
  console.log(JSON.stringify(out));
})();
`;

describe('file store: many keys at once', () => {
  it('getMultiple, setMultiple and deleteMultiple of 20 k keys with 256 open files allowed (no EMFILE)', () => {
    const dir = join(root, 'many-keys');
    const lib = join(import.meta.dirname, '..', 'dist', 'index.cjs');
    const child = spawnSync('sh', ['-c', 'ulimit -n 256 && exec "$0" -e "$1" "$2" "$3"', process.execPath, MANY_KEYS, lib, dir], { encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ set: 20_000, get: 20_000, deleted: 20_000, left: 0 });
  }, 60_000);
});

describe('file store: bulk writes through the writer thread', () => {
  const tagsOf = (dir: string, key: string, levels: number): unknown => {
    const hash = md5(key);
    const parts = [...Array.from({ length: levels }, (_, i) => hash.slice(i * 2, i * 2 + 2)), hash.slice(levels * 2)];
    return JSON.parse(readFileSync(join(dir, ...parts) + '.meta', 'utf8').slice(5)).tags;
  };

  for (const levels of [0, 2]) {
    it(`keeps the tags of entries already there and of its own earlier entries (hash_levels ${levels})`, async () => {
      const dir = join(root, `bulk-tags-${levels}`);
      const store = fileStore('', dir, levels);
      await store.set('b:0', 'old', { tags: ['kept'] });
      await store.set('b:2999', 'old', { tags: ['kept'] });
      // Past the thread's start (1,000 entries); one key written with tags early in the stream, again without late.
      const entries: Array<[string, unknown, { ttl: number; tags?: string[] }]> = Array.from({ length: 3000 }, (_, i) => [`b:${i}`, i, { ttl: 0 }]);
      entries[10] = ['dup', 'first', { ttl: 0, tags: ['early'] }];
      entries[2500] = ['dup', 'second', { ttl: 0 }];
      // Keys written twice after the threads took over (entries spread over both writer threads by name): the later write wins.
      for (let j = 0; j < 64; j++) {
        entries[1200 + j] = [`again:${j}`, 'first', { ttl: 0 }];
        entries[2700 + j] = [`again:${j}`, 'second', { ttl: 0 }];
      }
      const result = await store.setMultiple(entries);
      expect(result).toEqual({ written: 3000, failed: 0, errors: [] });
      const again = await store.getMultiple(Array.from({ length: 64 }, (_, j) => `again:${j}`));
      expect([...again.values()]).toEqual(Array(64).fill('second'));
      expect(await store.get('b:2999')).toBe(2999);
      expect(tagsOf(dir, 'b:0', levels)).toEqual(['kept']);
      expect(tagsOf(dir, 'b:2999', levels)).toEqual(['kept']);
      expect(await store.get('dup')).toBe('second');
      expect(tagsOf(dir, 'dup', levels)).toEqual(['early']);
      expect(tagsOf(dir, 'b:1500', levels)).toBeUndefined();
      const files = readdirSync(dir, { recursive: true }).map(String);
      expect(files.filter((f) => /\.tmp-|\.glock/.test(f))).toEqual([]);
      expect(files.filter((f) => f.endsWith('.meta'))).toHaveLength(2999 - 64);
    });
  }

  it('its temp names found in place (left by a dead process that had this pid) go; a symbolic link there is not followed', async () => {
    const dir = join(root, 'bulk-temp-in-place');
    mkdirSync(dir);
    const victim = join(root, 'bulk-temp-victim');
    writeFileSync(victim, 'not yours');
    // The thread names its temps `.tmp-{pid}-w{threadId}v` (values) and `…m` (metas); this process's
    // thread ids so far are small numbers, so every one up to 200 gets a stale value temp and a link.
    const ids = Array.from({ length: 200 }, (_, i) => (i + 1).toString(36));
    for (const id of ids) {
      writeFileSync(join(dir, `.tmp-${process.pid}-w${id}v`), 'stale');
      symlinkSync(victim, join(dir, `.tmp-${process.pid}-w${id}m`));
    }
    const store = fileStore('', dir, 0);
    const entries: Array<[string, unknown, { ttl: number }]> = Array.from({ length: 3000 }, (_, i) => [`t:${i}`, { n: i }, { ttl: 0 }]);
    expect(await store.setMultiple(entries)).toEqual({ written: 3000, failed: 0, errors: [] });
    expect(await store.get('t:2999')).toEqual({ n: 2999 });
    expect(readFileSync(victim, 'utf8')).toBe('not yours');
    const left = readdirSync(dir).filter((f) => f.startsWith('.tmp-'));
    // The writer thread's own pair is gone (used, then renamed into place); every other stays.
    expect(left).toHaveLength(2 * 200 - 2);
  });
});

describe('file store: purge and clear delete entries only where a get would find them', () => {
  it('a .meta and .cache copied under another name (a backup) survive a purge of their key and a clear', async () => {
    const dir = join(root, 'copied');
    const store = fileStore('app_', dir, 0);
    await store.set('user:1', 'one');
    const name = md5('app_user:1');
    for (const ext of ['.meta', '.cache']) writeFileSync(join(dir, `backup-${name}${ext}`), readFileSync(join(dir, name + ext)));
    const purged = await store.deletePattern('user:*');
    expect(purged.deleted).toBe(1);
    expect(existsSync(join(dir, name + '.meta'))).toBe(false);
    expect((await store.clear()).deleted).toBe(0);
    expect(readdirSync(dir).filter((f) => f.startsWith('backup-')).sort()).toEqual([`backup-${name}.cache`, `backup-${name}.meta`]);
  });
});

describe('file store: walks past the I/O thread start (1,000 entries)', () => {
  for (const levels of [0, 2]) {
    it(`inspect facts and clear counts are the inline ones (hash_levels ${levels})`, async () => {
      const dir = join(root, `io-thread-${levels}`);
      const store = fileStore('app_', dir, levels);
      const count = 3000;
      await store.setMultiple(Array.from({ length: count }, (_, i) => [`k:${i}`, i % 2 ? { id: i } : i] as [string, unknown]), { ttl: 3600 });
      await store.zadd('k:zset', [{ member: 'a', score: 1 }]);
      // Not ours to count or delete: another prefix, and an expired entry (left to prune).
      await fileStore('other_', dir, levels).set('k:1', 'theirs');
      const driver = new FileDriver({ path: dir, hashLevels: levels });
      const expiredMeta = { key: 'app_gone', created: 1, expires: 2, ttl: 1 };
      const gone = md5('app_gone');
      const goneDir = join(dir, ...Array.from({ length: levels }, (_, i) => gone.slice(i * 2, i * 2 + 2)));
      mkdirSync(goneDir, { recursive: true });
      writeFileSync(join(goneDir, gone.slice(levels * 2) + '.meta'), 'json:' + JSON.stringify(expiredMeta));
      writeFileSync(join(goneDir, gone.slice(levels * 2) + '.cache'), 'json:1');
      // Every key described, through the thread after the first 1,000 (as cache:inspect calls it, one batch at a time).
      const described = new NamespacedStore(driver, { name: 'file', prefix: 'app_' });
      const facts: Array<{ key: string; bytes: number; format: string | null }> = [];
      for await (const keys of described.getKeys('k:*')) facts.push(...(await described.describeKeys(keys)));
      const byKey = new Map(facts.map((f) => [f.key, f]));
      // The score map's key has no value file: not described.
      expect(byKey.size).toBe(count);
      expect((driver as unknown as { io?: unknown }).io, 'the I/O thread started').toBeDefined();
      for (const i of [0, 1, 1500, 2999]) {
        const hash = md5(`app_k:${i}`);
        const base = join(dir, ...Array.from({ length: levels }, (_, l) => hash.slice(l * 2, l * 2 + 2)), hash.slice(levels * 2));
        const bytes = statSync(base + '.cache').size + statSync(base + '.meta').size;
        expect(byKey.get(`k:${i}`)).toMatchObject({ bytes, format: 'json' });
      }
      const cleared = await described.clear();
      await driver.dispose();
      // Every live entry of the prefix, the sorted set's score map with it; the other prefix and the expired entry stay.
      expect(cleared.deleted).toBe(count + 1);
      const left = readdirSync(dir, { recursive: true }).map(String).filter((f) => /\.(meta|cache|zset)$/.test(f));
      expect(left.filter((f) => f.endsWith('.zset'))).toEqual([]);
      expect(left.filter((f) => f.endsWith('.meta'))).toHaveLength(2);
      expect(await fileStore('other_', dir, levels).get('k:1')).toBe('theirs');
    });
  }
});

describe('file store: a clear of every key (empty prefix) goes by file names, as Glueful\'s own clear', () => {
  /** The path of `name` (an MD5 in hex) without extension, at `levels`. */
  const baseOf = (dir: string, name: string, levels: number) => join(dir, ...Array.from({ length: levels }, (_, i) => name.slice(i * 2, i * 2 + 2)), name.slice(levels * 2));
  const put = (path: string, text: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  };

  for (const [count, levels] of [[20, 0], [3000, 0], [3000, 2]] as const) {
    it(`${count} entries, hash_levels ${levels}: every entry, expired and sorted sets too, counted once; nothing else`, async () => {
      const dir = join(root, `every-${count}-${levels}`);
      const store = fileStore('', dir, levels);
      await store.setMultiple(Array.from({ length: count }, (_, i) => [`k:${i}`, i] as [string, unknown]), { ttl: 3600 });
      for (let i = 0; i < 5; i++) await store.zadd(`board:${i}`, [{ member: 'a', score: i }]);
      // An expired entry: prune's to remove, but a clear of everything takes it (the PHP clear() does too).
      const gone = baseOf(dir, md5('gone'), levels);
      put(gone + '.meta', 'json:' + JSON.stringify({ key: 'gone', created: 1, expires: 2, ttl: 1 }));
      put(gone + '.cache', 'json:1');
      // A score map whose meta is gone: removed. A backup copy, a lock, a writer's temp file and a value without its meta: kept.
      const orphanMap = baseOf(dir, md5('orphan'), levels) + '.zset';
      put(orphanMap, 'json:{}');
      const kept = [join(dir, `backup-${md5('k:1')}.meta`), baseOf(dir, md5('k:2'), levels) + '.glock', baseOf(dir, md5('k:3'), levels) + '.cache.tmp-1-abc', baseOf(dir, md5('lonely'), levels) + '.cache'];
      for (const path of kept) put(path, 'x');

      const driver = new FileDriver({ path: dir, hashLevels: levels });
      const cleared = await new NamespacedStore(driver, { name: 'file', prefix: '' }).clear();
      await driver.dispose();
      expect(cleared).toMatchObject({ scanned: count + 6, matched: count + 6, deleted: count + 6 });
      expect(cleared.sample).toHaveLength(10);
      for (const key of cleared.sample) expect(key).toMatch(/^(k:\d+|board:\d|gone)$/);
      const left = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
      expect(left.filter((f) => !f.endsWith('.glueful-prune')).sort()).toEqual([...kept].sort());
      expect(existsSync(orphanMap)).toBe(false);
    });
  }

  for (const prefix of ['', 'app_']) {
    it(`stopped (Ctrl-C) while listing, nothing is gone; while unlinking, the count is what is gone, entries whole (prefix '${prefix}')`, async () => {
      const dir = join(root, `every-stopped-${prefix}`);
      const store = fileStore(prefix, dir, 0);
      const entries = Array.from({ length: 3000 }, (_, i) => [`k:${i}`, i] as [string, unknown]);
      await store.setMultiple(entries);
      const metas = () => readdirSync(dir).filter((f) => f.endsWith('.meta'));
      const values = () => readdirSync(dir).filter((f) => f.endsWith('.cache'));
      const stopWhen = async (stop: (p: { scanned: number; deleted: number }) => boolean) => {
        const controller = new AbortController();
        const driver = new FileDriver({ path: dir, hashLevels: 0 });
        const onProgress = (p: { scanned: number; deleted: number }) => void (stop(p) && controller.abort());
        try {
          return await new NamespacedStore(driver, { name: 'file', prefix }).clear({ signal: controller.signal, onProgress });
        } finally {
          await driver.dispose();
        }
      };
      const listing = await stopWhen((p) => p.scanned > 0);
      expect(listing.deleted).toBe(0);
      expect(metas()).toHaveLength(3000);
      const unlinking = await stopWhen((p) => p.deleted > 0);
      expect(unlinking.deleted).toBeGreaterThan(0);
      expect(unlinking.deleted).toBeLessThan(3000);
      expect(metas()).toHaveLength(3000 - unlinking.deleted);
      expect(values().sort()).toEqual(metas().map((f) => f.replace(/\.meta$/, '.cache')).sort());
    });
  }

  it('with a prefix, reads each entry as before: another prefix and expired entries stay', async () => {
    const dir = join(root, 'every-prefixed');
    await fileStore('', dir, 0).set('other_k', 'theirs');
    const gone = join(dir, md5('app_gone'));
    put(gone + '.meta', 'json:' + JSON.stringify({ key: 'app_gone', created: 1, expires: 2, ttl: 1 }));
    put(gone + '.cache', 'json:1');
    await fileStore('app_', dir, 0).set('k', 1);
    expect((await fileStore('app_', dir, 0).clear()).deleted).toBe(1);
    expect(existsSync(gone + '.meta')).toBe(true);
    expect(await fileStore('', dir, 0).get('other_k')).toBe('theirs');
  });

  it('puts entries in inode order, any count, each name once', () => {
    const order = new InodeOrder();
    const inodes = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const name = md5(`k:${i}`);
      inodes.set(name, (i * 7919) % 10007);
      order.add(name, inodes.get(name)!);
    }
    const taken = [...order.take(256)];
    expect(taken.slice(0, -1).every((batch) => batch.length === 256)).toBe(true);
    const names = taken.flat();
    expect(new Set(names).size).toBe(5000);
    expect(names.every((name, i) => inodes.has(name) && (i === 0 || inodes.get(names[i - 1]!)! <= inodes.get(name)!))).toBe(true);
    expect(order.count).toBe(0);
  });
});

describe('file store: the I/O thread reading a purge\'s .meta files', () => {
  it('gives each file\'s text whole (empty, small, bigger than its 64 KiB scratch, not ASCII) and null for one gone', async () => {
    const dir = join(root, 'io-read');
    mkdirSync(dir);
    const texts = ['', 'json:{"key":"k","expires":0}', 'x'.repeat(70_000) + 'end', 'json:{"key":"clé ✓","expires":0}'];
    const paths = texts.map((text, i) => {
      writeFileSync(join(dir, `f${i}`), text);
      return join(dir, `f${i}`);
    });
    const io = await IoThread.start();
    try {
      // Many small files in one batch too: the answer's buffer grows past its first guess.
      const many = Array.from({ length: 300 }, (_, i) => (i % 2 ? texts[2]! : texts[1]!));
      many.forEach((text, i) => writeFileSync(join(dir, `m${i}`), text));
      expect(await io.read([...paths, join(dir, 'missing'), paths[1]!])).toEqual([...texts, null, texts[1]]);
      expect(await io.read(many.map((_, i) => join(dir, `m${i}`)))).toEqual(many);
    } finally {
      await io.close();
    }
  });

  it('a purge through it deletes exactly the matching keys of thousands', async () => {
    const dir = join(root, 'io-read-purge');
    const driver = new FileDriver({ path: dir, hashLevels: 0 });
    const store = new NamespacedStore(driver, { name: 'file', prefix: 'app_' });
    const other = fileStore('other_', dir, 0);
    // 20,000: the thread starts after 1,000 reads and is ready long before the walk ends.
    expect((await store.setMultiple(Array.from({ length: 20_000 }, (_, i) => [`u:${i}`, i] as [string, number]))).written).toBe(20_000);
    await other.set('u:1', 'foreign');
    const purged = await store.deletePattern('u:1*');
    expect((driver as unknown as { io?: { ready: boolean } }).io?.ready, 'the I/O thread ran').toBe(true);
    expect(purged.deleted).toBe(11_111);
    expect(await store.getKeyCount()).toBe(20_000 - 11_111);
    expect(await store.get('u:19999')).toBeUndefined();
    expect(await store.get('u:2000')).toBe(2000);
    expect(await other.get('u:1')).toBe('foreign');
  });
});

describe('file store: the I/O thread unlinking several entries at once (where that proves faster)', () => {
  const entries = (dir: string, n: number, ext: string[]) => {
    mkdirSync(dir, { recursive: true });
    return Array.from({ length: n }, (_, i) => {
      const base = join(dir, `e${i}`);
      for (const e of ext) writeFileSync(base + e, 'x');
      return base;
    });
  };

  it('removes every file of every entry and says which entries had files', async () => {
    const dir = join(root, 'io-parallel');
    const io = await IoThread.start({ unlinks: 'parallel' });
    try {
      const first = entries(dir, 100, ['.meta', '.cache']);
      const second = [...entries(join(dir, 'b'), 300, ['.meta', '.cache']), ...entries(join(dir, 'z'), 5, ['.meta', '.zset']), join(dir, 'missing')];
      expect([...(await io.unlink(first)).removed]).toEqual(Array(100).fill(1));
      const { removed, error } = await io.unlink(second);
      expect(error).toBeUndefined();
      expect([...removed]).toEqual([...Array(305).fill(1), 0]);
      expect(readdirSync(dir, { recursive: true }).map(String).filter((f) => /\.(meta|cache|zset)$/.test(f))).toEqual([]);
      // Told there is no score map ('none': a clear that lists them), it looks for none.
      const mapped = entries(join(dir, 'n'), 3, ['.meta', '.cache', '.zset']);
      expect([...(await io.unlink(mapped, 'none')).removed]).toEqual([1, 1, 1]);
      expect(readdirSync(join(dir, 'n')).sort()).toEqual(['e0.zset', 'e1.zset', 'e2.zset']);
    } finally {
      await io.close();
    }
  });

  it('starts no entry after an error, finishes those under way, and names the error', async () => {
    const dir = join(root, 'io-parallel-error');
    const io = await IoThread.start({ unlinks: 'parallel' });
    try {
      await io.unlink(entries(dir, 100, ['.meta', '.cache']));
      writeFileSync(join(dir, 'plain'), 'not a folder');
      const good = entries(join(dir, 'c'), 400, ['.meta', '.cache']);
      // ENOTDIR: the entry's folder is a file.
      const batch = [...good.slice(0, 10), join(dir, 'plain', 'e0'), ...good.slice(10)];
      const { removed, error } = await io.unlink(batch);
      expect(error).toMatchObject({ code: 'ENOTDIR' });
      const done = [...removed].filter(Boolean).length;
      // Up to eight at once: at most the entries started before the error came back are removed.
      expect(done).toBeGreaterThanOrEqual(10);
      expect(done).toBeLessThan(30);
      // Whatever was removed went whole (meta and value); nothing else was touched.
      for (const [i, base] of batch.entries()) {
        if (i === 10) continue;
        expect([existsSync(base + '.meta'), existsSync(base + '.cache')]).toEqual(removed[i] ? [false, false] : [true, true]);
      }
    } finally {
      await io.close();
    }
  });
});
