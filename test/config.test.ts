/** Configuration: discovery, formats, environment overrides, validation. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { parseDotenv } from '../src/config/dotenv.js';
import { redactConfig, redactUrls } from '../src/config/redact.js';
import { compiledPath } from '../src/config/ts-loader.js';
import { ConfigError } from '../src/core/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'glueful-config-'));
  writeFileSync(join(dir, 'package.json'), '{"name":"app"}');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const load = (env: NodeJS.ProcessEnv = {}, extra: { cwd?: string; configPath?: string } = {}) =>
  loadConfig({ cwd: extra.cwd ?? dir, configPath: extra.configPath, env });

describe('defaults', () => {
  it('works with no config: file store under the project, prefix glueful_', async () => {
    const config = await load();
    expect(config.source).toBeNull();
    expect(config.default).toBe('file');
    expect(config.prefix).toBe('glueful_');
    expect(config.stores.file).toMatchObject({ driver: 'file', path: join(dir, '.cache', 'glueful-cache'), hashLevels: 2 });
  });

  it('finds the project root from a subdirectory', async () => {
    mkdirSync(join(dir, 'src', 'deep'), { recursive: true });
    writeFileSync(join(dir, 'cache.config.json'), '{"prefix":"fromjson_"}');
    const config = await load({}, { cwd: join(dir, 'src', 'deep') });
    expect(config.source).toBe(join(dir, 'cache.config.json'));
    expect(config.prefix).toBe('fromjson_');
  });
});

describe('config files', () => {
  it('loads cache.config.ts and reuses the transpiled module until the source changes', async () => {
    const file = join(dir, 'cache.config.ts');
    writeFileSync(file, "const prefix: string = 'ts_';\nexport default { prefix, stores: { file: { path: 'var/cache' } } };\n");
    const first = await load();
    expect(first.prefix).toBe('ts_');
    expect(first.stores.file!.path).toBe(join(dir, 'var/cache'));
    const compiled = compiledPath(file);
    const mtime = statSync(compiled).mtimeMs;
    await load();
    expect(statSync(compiled).mtimeMs).toBe(mtime);
    writeFileSync(file, "export default { prefix: 'changed_' as string };\n");
    expect((await load()).prefix).toBe('changed_');
    expect(readFileSync(compiled, 'utf8')).toContain('changed_');
  });

  it('loads YAML rc files and the package.json key', async () => {
    writeFileSync(join(dir, '.cacherc.yaml'), 'prefix: yaml_\nfallback_to_file: true\n');
    expect((await load()).prefix).toBe('yaml_');
    rmSync(join(dir, '.cacherc.yaml'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', 'glueful-cache': { prefix: 'pkg_' } }));
    expect((await load()).prefix).toBe('pkg_');
  });

  it('prefers --config over discovery, and says when it is missing', async () => {
    writeFileSync(join(dir, 'cache.config.json'), '{"prefix":"found_"}');
    writeFileSync(join(dir, 'other.json'), '{"prefix":"explicit_"}');
    expect((await load({}, { configPath: 'other.json' })).prefix).toBe('explicit_');
    await expect(load({}, { configPath: 'nope.json' })).rejects.toThrow(/config file not found/);
  });

  it('reports a syntax error in the file as a ConfigError', async () => {
    writeFileSync(join(dir, 'cache.config.json'), '{"prefix": ');
    await expect(load()).rejects.toBeInstanceOf(ConfigError);
    writeFileSync(join(dir, 'cache.config.json'), '[1,2]');
    await expect(load()).rejects.toThrow(/expected an object/);
  });
});

describe('validation names the key and the expected value', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ stores: { cache: { driver: 'mongo' } } }, /stores\.cache\.driver: expected one of file, redis, memcached, got "mongo"/],
    [{ stores: { redis: { port: 'abc' } } }, /stores\.redis\.port: expected an integer from 1 to 65535, got "abc"/],
    [{ stores: { file: { hash_levels: -1 } } }, /stores\.file\.hash_levels: expected an integer from 0 to 8, got -1/],
    [{ stampede_protection: { lock_ttl: -5 } }, /stampede_protection\.lock_ttl: expected a number from 1 to 86400, got -5/],
    [{ default: 'nowhere' }, /default: expected one of the configured stores/],
    [{ prefix: 5 }, /prefix: expected a string, got 5/],
    [{ tagging: { categories: { users: 'u' } } }, /tagging\.categories\.users: expected a list of tag names/],
  ];
  it.each(cases)('%j', async (config, message) => {
    writeFileSync(join(dir, 'cache.config.json'), JSON.stringify(config));
    await expect(load()).rejects.toThrow(message);
  });
});

describe('environment', () => {
  it('overrides the file with the variables Glueful reads', async () => {
    writeFileSync(
      join(dir, 'cache.config.json'),
      '{"prefix":"file_","stores":{"redis":{"host":"cfg"}},"distributed":{"nodes":[{"host":"10.0.0.1","port":6379}]}}',
    );
    const config = await load({
      CACHE_PREFIX: 'env_',
      CACHE_DRIVER: 'redis',
      REDIS_HOST: 'redis.internal',
      REDIS_PORT: '6380',
      REDIS_DB: '2',
      REDIS_TIMEOUT: '1.5',
      CACHE_FALLBACK_FILE: 'true',
      CACHE_FILE_PATH: '/var/cache/app',
      CACHE_TAGGING_ENABLED: 'false',
      CACHE_STAMPEDE_PROTECTION: '0',
      DISTRIBUTED_CACHE_ENABLED: 'yes',
    });
    expect(config.prefix).toBe('env_');
    expect(config.default).toBe('redis');
    expect(config.stores.redis).toMatchObject({ host: 'redis.internal', port: 6380, database: 2, timeout: 1.5 });
    expect(config.fallbackToFile).toBe(true);
    expect(config.stores.file!.path).toBe('/var/cache/app');
    expect(config.tagging.enabled).toBe(false);
    expect(config.stampede.enabled).toBe(false);
    expect(config.distributed.enabled).toBe(true);
    expect(config.stores.distributed).toMatchObject({ driver: 'distributed', nodes: [{ driver: 'redis', host: '10.0.0.1', port: 6379 }] });
  });

  it('a distributed store switched on without nodes says so', async () => {
    await expect(load({ DISTRIBUTED_CACHE_ENABLED: 'true' })).rejects.toThrow(/distributed\.nodes: expected a list of nodes/);
  });

  it('accepts an empty CACHE_PREFIX to see a PHP app\'s unprefixed keys', async () => {
    expect((await load({ CACHE_PREFIX: '' })).prefix).toBe('');
  });

  it('names the variable when its value is bad', async () => {
    await expect(load({ REDIS_PORT: 'http' })).rejects.toThrow(/REDIS_PORT: expected an integer from 1 to 65535, got "http"/);
    await expect(load({ CACHE_FALLBACK_FILE: 'maybe' })).rejects.toThrow(/CACHE_FALLBACK_FILE: expected true or false/);
  });

  it('reads .env from the project root; the real environment wins', async () => {
    writeFileSync(join(dir, '.env'), '# app settings\nCACHE_PREFIX="dotenv_"\nexport MEMCACHED_PORT=11311\nCACHE_DRIVER=memcached # inline comment\n');
    const config = await load({ MEMCACHED_PORT: '11411' });
    expect(config.prefix).toBe('dotenv_');
    expect(config.default).toBe('memcached');
    expect(config.stores.memcached).toMatchObject({ port: 11411 });
  });
});

describe('helpers', () => {
  it('parses .env syntax', () => {
    const vars = parseDotenv("A=1\nB='two words'\n  export C=\"x\\ny\"\n#D=4\nE=\nbad line\n");
    expect(Object.fromEntries(vars)).toEqual({ A: '1', B: 'two words', C: 'x\ny', E: '' });
  });

  it('redacts passwords and URL credentials', () => {
    expect(redactUrls('connect rediss://app:s3cret@db:6380/0 failed')).toBe('connect rediss://app:***@db:6380/0 failed');
    expect(redactConfig({ stores: { redis: { password: 'pw', url: 'redis://u:pw@h', host: 'h' } } })).toEqual({
      stores: { redis: { password: '***', url: 'redis://u:***@h', host: 'h' } },
    });
  });
});
