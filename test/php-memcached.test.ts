/**
 * Values as PHP stores them through php-memcached (its defaults, as Glueful's
 * Memcached driver leaves them): every PHP type in the item flags, FastLZ
 * compression over 2000 bytes, zlib when asked, read back by the CLI and the
 * library with how they were stored; what PHP cannot have written (lying
 * lengths, bombs) ends as a raw display with a one-line reason. Real php,
 * real php-memcached, real memcached.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NamespacedStore } from '../src/core/namespaced-store.js';
import { MemcachedDriver } from '../src/drivers/memcached/index.js';
import { TextConnection } from '../src/drivers/memcached/text.js';
import { glueful, tempProject } from './helpers/cli.js';
import { HOST, startMemcached, type ServerHandle } from './helpers/servers.js';

let server: ServerHandle;
let project: ReturnType<typeof tempProject>;
beforeAll(async () => {
  server = await startMemcached();
  project = tempProject();
});
afterAll(async () => {
  await server?.stop();
  project?.cleanup();
});

/** Runs PHP with a Memcached client `$m` on the test server (php-memcached defaults, as Glueful uses it). */
function php(code: string): string {
  return execFileSync('php', ['-r', `$m = new Memcached(); $m->addServer('${HOST}', ${server.port}); ${code}`], { encoding: 'utf8' });
}
const cli = (args: string[]) =>
  glueful(args, { cwd: project.dir, env: { CACHE_DRIVER: 'memcached', MEMCACHED_HOST: HOST, MEMCACHED_PORT: String(server.port), CACHE_PREFIX: '' } });
const getJson = async (key: string) => {
  const result = await cli(['cache:get', key, '--json']);
  return { ...result, data: JSON.parse(result.stdout) };
};

describe('reading what php-memcached wrote', () => {
  it('every PHP type, from its item flags', async () => {
    php(`$m->set('t:string', 'plain text'); $m->set('t:glueful', 'json:' . json_encode(['name' => 'Ada']));
      $m->set('t:long', 42); $m->set('t:double', 3.5); $m->set('t:true', true); $m->set('t:false', false);
      $m->set('t:array', ['a' => 1, 'b' => [2, 3]]);`);
    const expected: Array<[string, unknown, string, number]> = [
      ['t:string', 'plain text', 'raw', 0],
      ['t:glueful', { name: 'Ada' }, 'json', 0],
      ['t:long', 42, 'integer', 1],
      ['t:double', 3.5, 'double', 2],
      ['t:true', true, 'bool', 3],
      ['t:false', false, 'bool', 3],
      ['t:array', { a: 1, b: [2, 3] }, 'php', 4],
    ];
    for (const [key, value, format, flags] of expected) {
      const { code, data, stderr } = await getJson(key);
      expect(code).toBe(0);
      expect(stderr).toBe('');
      expect(data).toMatchObject({ key, value, format, compression: null, flags });
    }
  });

  it('FastLZ-compressed values over 2000 bytes (flags 0x50), around the threshold and up to 900 kB', async () => {
    for (const size of [1999, 2000, 2001, 5000, 900_000]) {
      php(`$m->set('big:${size}', 'json:' . json_encode(str_repeat('abcde', ${size / 5})));`);
      const raw = await rawFlags(`big:${size}`);
      const { data } = await getJson(`big:${size}`);
      expect(data.value).toBe('abcde'.repeat(size / 5));
      expect(data.format).toBe('json');
      // php-memcached compresses past 2000 bytes of value ('json:' + quotes count).
      expect(data.compression).toBe(raw & 0x10 ? 'fastlz' : null);
      if (size >= 2001) expect(raw).toBe(0x50);
    }
  });

  it('zlib-compressed values (flags 0x30) and the JSON serializer (type 6)', async () => {
    php(`$m->setOption(Memcached::OPT_COMPRESSION_TYPE, Memcached::COMPRESSION_ZLIB); $m->set('z', str_repeat('xyz12', 2000));
      $m->setOption(Memcached::OPT_SERIALIZER, Memcached::SERIALIZER_JSON); $m->set('j', ['k' => [1, 2]]);`);
    expect((await getJson('z')).data).toMatchObject({ value: 'xyz12'.repeat(2000), compression: 'zlib', flags: 0x30 });
    expect((await getJson('j')).data).toMatchObject({ value: { k: [1, 2] }, serializer: 'json', flags: 6 });
  });

  it('the igbinary serializer (type 5), also compressed', async () => {
    php(`$m->setOption(Memcached::OPT_SERIALIZER, Memcached::SERIALIZER_IGBINARY);
      $m->set('ig', ['user' => 'ada', 'roles' => ['admin', 'dev'], 'n' => 7]);
      $m->set('igbig', ['text' => str_repeat('lorem ipsum ', 400)]);`);
    expect((await getJson('ig')).data).toMatchObject({ value: { user: 'ada', roles: ['admin', 'dev'], n: 7 }, format: 'igbinary', serializer: 'igbinary', compression: null, flags: 5 });
    expect((await getJson('igbig')).data).toMatchObject({ value: { text: 'lorem ipsum '.repeat(400) }, serializer: 'igbinary', compression: 'fastlz', flags: 0x55 });
  });

  it('the msgpack serializer (type 7): generated values as PHP sees them', async () => {
    const shown = php(`$m->setOption(Memcached::OPT_SERIALIZER, Memcached::SERIALIZER_MSGPACK);
      mt_srand(3); $values = [['a' => 1, 'list' => [1, 2.5, -7, 300, -40000, 5000000000], 'ok' => true, 'none' => null, 's' => str_repeat('é', 40)]];
      for ($i = 0; $i < 20; $i++) { $v = []; for ($j = 0; $j < mt_rand(0, 20); $j++) { $v['k' . mt_rand(0, 99)] = [mt_rand(), 'x' . mt_rand(), mt_rand(0, 1) === 1][mt_rand(0, 2)]; } $values[] = $v; }
      foreach ($values as $i => $v) { $m->set('mp:' . $i, $v); }
      echo json_encode($values);`);
    const expected = JSON.parse(shown) as unknown[];
    for (const [i, value] of expected.entries()) {
      const { data } = await getJson(`mp:${i}`);
      expect(data).toMatchObject({ serializer: 'msgpack', format: 'msgpack' });
      expect(data.value).toEqual(Array.isArray(value) && value.length === 0 ? [] : value);
    }
  });

  it('--raw still gives the stored (compressed) bytes', async () => {
    php(`$m->set('rawbig', str_repeat('abcde', 1000));`);
    const result = await cli(['cache:get', 'rawbig', '--raw']);
    expect(result.stdout.length).toBeLessThan(200);
    expect(result.stdout.length).toBeGreaterThan(4);
  });

  it('the library reads them too (get, getMultiple)', async () => {
    const store = new NamespacedStore(new MemcachedDriver({ host: HOST, port: server.port }), { name: 'memcached', prefix: '' });
    try {
      expect(await store.get('big:5000')).toBe('abcde'.repeat(1000));
      expect([...(await store.getMultiple(['t:long', 't:true']))]).toEqual([['t:long', 42], ['t:true', true]]);
    } finally {
      await store.dispose();
    }
  });

  it("reads Glueful v1.76's sorted sets (json:{member: score}), also compressed", async () => {
    php(`$m->set('board', 'json:' . json_encode(['ada' => 3, 'bob' => 1.5]));
      $big = []; for ($i = 0; $i < 300; $i++) { $big['member-' . $i] = $i; } $m->set('bigboard', 'json:' . json_encode($big));`);
    const store = new NamespacedStore(new MemcachedDriver({ host: HOST, port: server.port }), { name: 'memcached', prefix: '' });
    try {
      expect(await store.zrange('board', 0, -1)).toEqual([{ member: 'bob', score: 1.5 }, { member: 'ada', score: 3 }]);
      expect((await store.zrange('bigboard', -1, -1))[0]).toEqual({ member: 'member-299', score: 299 });
    } finally {
      await store.dispose();
    }
  });
});

describe('writing what php-memcached reads', () => {
  it('values the CLI stores come back to PHP as Glueful reads them', async () => {
    await cli(['cache:set', 'from-cli', '{"a":1}', '--json-value']);
    expect(php(`echo $m->get('from-cli');`)).toBe('json:{"a":1}');
  });

  it('with options.compression, values over 2000 bytes are stored compressed as php-memcached would, and PHP reads them', async () => {
    const sub = tempProject();
    try {
      const config = { default: 'memcached', prefix: '', stores: { memcached: { host: HOST, port: server.port, options: { compression: true } } } };
      writeFileSync(join(sub.dir, 'cache.config.json'), JSON.stringify(config));
      const big = JSON.stringify({ text: 'compress me '.repeat(1000) });
      expect((await glueful(['cache:set', 'zbig', '-', '--json-value'], { cwd: sub.dir, input: big })).code).toBe(0);
      expect((await glueful(['cache:set', 'zsmall', 'short'], { cwd: sub.dir })).code).toBe(0);
      expect(await rawFlags('zbig')).toBe(0x30);
      expect(await rawFlags('zsmall')).toBe(0);
      expect(php(`echo md5($m->get('zbig'));`)).toBe(createHash('md5').update(`json:${big}`).digest('hex'));
      const read = JSON.parse((await glueful(['cache:get', 'zbig', '--json'], { cwd: sub.dir })).stdout);
      expect(read).toMatchObject({ compression: 'zlib', flags: 0x30, value: JSON.parse(big) });
    } finally {
      sub.cleanup();
    }
  });

  it('a key with characters outside ASCII is stored with a warning that php-memcached refuses it', async () => {
    const result = await cli(['cache:set', 'clé', 'v']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: key 'clé' has characters outside printable ASCII: php-memcached .* refuses it/);
  });
});

describe('what PHP cannot have written: bounded, one line, shown raw', () => {
  /** Stores bytes with chosen flags over the text protocol. */
  async function rawSet(key: string, flags: number, value: Buffer): Promise<void> {
    const connection = new TextConnection({ host: HOST, port: server.port }, 2000);
    try {
      await connection.request(Buffer.concat([Buffer.from(`set ${key} ${flags} 0 ${value.length}\r\n`), value, Buffer.from('\r\n')]), (l) => /^(STORED|ERROR|SERVER_ERROR|CLIENT_ERROR)/.test(l.toString()));
    } finally {
      connection.close();
    }
  }
  const header = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };

  it.each([
    ['a lying length', 0x50, Buffer.concat([header(50_000_000), Buffer.from([4, 97, 98, 99, 100, 101])]), /claims 50000000 bytes, over the 1048576-byte limit/],
    ['a truncated FastLZ block', 0x50, Buffer.concat([header(5000), Buffer.from([4, 97, 98])]), /fastlz data does not decompress: truncated/],
    ['a zlib bomb', 0x30, Buffer.concat([header(1000), deflateSync(Buffer.alloc(5_000_000))]), /zlib data does not decompress/],
    ['no length header', 0x50, Buffer.from([1, 2]), /no length header/],
  ])('%s', async (_name, flags, value, reason) => {
    const key = `bad:${flags}:${value.length}`;
    await rawSet(key, flags, value);
    const started = Date.now();
    const result = await cli(['cache:get', key, '--json']);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ format: 'raw', flags, problem: expect.stringMatching(reason) });
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(reason);
  });
});

/** The flags an item was stored with, read over the text protocol. */
async function rawFlags(key: string): Promise<number> {
  const connection = new TextConnection({ host: HOST, port: server.port }, 2000);
  try {
    const line = await connection.line(`mg ${key} f`);
    return Number(/ f(\d+)/.exec(line)?.[1] ?? -1);
  } finally {
    connection.close();
  }
}
