/**
 * Values as phpredis stores them when the PHP app sets a serializer and a
 * compression (the seed's production config: igbinary + lz4): every pair
 * Debian's phpredis supports, both ways — real php with phpredis writes and
 * the CLI reads; the CLI writes and phpredis reads the same value.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { glueful, tempProject } from './helpers/cli.js';
import { HOST, startRedis, type ServerHandle } from './helpers/servers.js';

const SERIALIZERS = { none: 'SERIALIZER_NONE', php: 'SERIALIZER_PHP', json: 'SERIALIZER_JSON', igbinary: 'SERIALIZER_IGBINARY' } as const;
const COMPRESSIONS = { none: 'COMPRESSION_NONE', lzf: 'COMPRESSION_LZF', lz4: 'COMPRESSION_LZ4', zstd: 'COMPRESSION_ZSTD' } as const;
type Serializer = keyof typeof SERIALIZERS;
type Compression = keyof typeof COMPRESSIONS;

let redis: ServerHandle;
let project: ReturnType<typeof tempProject>;
beforeAll(async () => {
  redis = await startRedis();
  project = tempProject();
});
afterAll(async () => {
  await redis?.stop();
  project?.cleanup();
});

/** php with a phpredis client `$r` configured as the app would be. */
function php(serializer: Serializer, compression: Compression, code: string): string {
  const setup = `$r = new Redis(); $r->connect('${HOST}', ${redis.port});
    $r->setOption(Redis::OPT_SERIALIZER, Redis::${SERIALIZERS[serializer]});
    $r->setOption(Redis::OPT_COMPRESSION, Redis::${COMPRESSIONS[compression]});`;
  try {
    return execFileSync('php', ['-r', setup + code], { encoding: 'utf8' });
  } catch (error) {
    throw new Error(`php with php-redis is needed (apt-get install php-cli php-redis): ${(error as Error).message}`);
  }
}

function configure(serializer: Serializer, compression: Compression): void {
  const options = { serializer, compression };
  writeFileSync(join(project.dir, 'cache.config.json'), JSON.stringify({ default: 'redis', prefix: '', stores: { redis: { host: HOST, port: redis.port, options } } }));
}

const pairs: Array<[Serializer, Compression]> = [];
for (const s of Object.keys(SERIALIZERS) as Serializer[]) for (const c of Object.keys(COMPRESSIONS) as Compression[]) if (s !== 'none' || c !== 'none') pairs.push([s, c]);

describe.each(pairs)('phpredis serializer %s, compression %s', (serializer, compression) => {
  const key = (name: string) => `${serializer}-${compression}:${name}`;
  const big = { text: 'glueful '.repeat(20_000), n: 7 };

  it('reads what the app (phpredis) wrote: Glueful values small and large', async () => {
    configure(serializer, compression);
    php(serializer, compression, `$r->set('${key('small')}', 'json:' . json_encode(['name' => 'Ada', 'url' => 'https://x/y']));
      $r->set('${key('big')}', 'json:' . json_encode(${JSON.stringify(big).replace(/"glueful (?:glueful )*"/, "str_repeat('glueful ', 20000)").replace(/{/g, '[').replace(/}/g, ']').replace(/:/g, ' => ')}));`);
    const small = JSON.parse((await glueful(['cache:get', key('small'), '--json'], { cwd: project.dir })).stdout);
    expect(small).toMatchObject({ value: { name: 'Ada', url: 'https://x/y' }, format: 'json' });
    expect(small.serializer).toBe(serializer === 'none' ? null : serializer);
    const large = await glueful(['cache:get', key('big'), '--json'], { cwd: project.dir });
    expect(large.stderr).toBe('');
    const data = JSON.parse(large.stdout);
    expect(data.value).toEqual(big);
    expect(data.compression).toBe(compression === 'none' ? null : compression);
  });

  it('writes what the app (phpredis) reads back, small and large', async () => {
    configure(serializer, compression);
    expect((await glueful(['cache:set', key('from-cli'), '{"name":"Bob","path":"/a/é"}', '--json-value'], { cwd: project.dir })).code).toBe(0);
    expect((await glueful(['cache:set', key('big-cli'), '-', '--json-value'], { cwd: project.dir, input: JSON.stringify(big) })).code).toBe(0);
    expect(php(serializer, compression, `echo $r->get('${key('from-cli')}');`)).toBe('json:{"name":"Bob","path":"/a/é"}');
    const expected = createHash('md5').update(`json:${JSON.stringify(big)}`).digest('hex');
    expect(php(serializer, compression, `echo md5($r->get('${key('big-cli')}'));`)).toBe(expected);
  });

  it.runIf(serializer !== 'none')('shows PHP values other code stored directly (arrays)', async () => {
    configure(serializer, compression);
    php(serializer, compression, `$r->set('${key('array')}', ['list' => [1, 2, 3], 'ok' => true]);`);
    const data = JSON.parse((await glueful(['cache:get', key('array'), '--json'], { cwd: project.dir })).stdout);
    expect(data.value).toEqual({ list: [1, 2, 3], ok: true });
  });
});

describe('cache:inspect names the formats phpredis wrote', () => {
  it('igbinary, PHP serialize, zstd, and LZ4 / LZF with what they hold are told apart by their first bytes', async () => {
    const write = (serializer: Serializer, compression: Compression, group: string) =>
      php(serializer, compression, `for ($i = 0; $i < 3; $i++) $r->set('fmt${group}:' . $i, ['id' => $i, 'name' => str_repeat('n', 50)]);`);
    const writeGlueful = (serializer: Serializer, compression: Compression, group: string) =>
      php(serializer, compression, `for ($i = 0; $i < 2; $i++) $r->set('fmt${group}:' . $i, 'json:' . json_encode(['id' => $i, 'name' => str_repeat('n', 60)]));`);
    write('igbinary', 'none', 'igb');
    write('php', 'none', 'php');
    write('php', 'zstd', 'zst');
    write('igbinary', 'lz4', 'igblz4');
    write('php', 'lzf', 'phplzf');
    writeGlueful('none', 'lz4', 'gflz4');
    writeGlueful('none', 'lzf', 'gflzf');
    php('none', 'lz4', `$r->set('fmtrawlz4:0', str_repeat('hello world ', 9));`);
    configure('none', 'none');
    const r = JSON.parse((await glueful(['cache:inspect', 'fmt*', '--json', '--depth', '1'], { cwd: project.dir })).stdout);
    const formats = Object.fromEntries(r.groups.map((g: { group: string; formats: Record<string, number> }) => [g.group, g.formats]));
    expect(formats).toEqual({
      fmtigb: { igbinary: 3 },
      fmtphp: { php: 3 },
      fmtzst: { zstd: 3 },
      fmtigblz4: { 'igbinary+lz4': 3 },
      fmtphplzf: { 'php+lzf': 3 },
      fmtgflz4: { 'json+lz4': 2 },
      fmtgflzf: { 'json+lzf': 2 },
      fmtrawlz4: { lz4: 1 },
    });
  });
});
