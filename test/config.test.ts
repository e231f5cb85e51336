/** Configuration: discovery, formats, environment overrides, validation. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { parseDotenv } from '../src/config/dotenv.js';
import { redactConfig, redactUrls } from '../src/config/redact.js';
import { ARRAY_STORE, CONFIG, FILE_STORE, MEMCACHED_STORE, REDIS_STORE, resolveConfig } from '../src/config/schema.js';
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

  it('says what is wrong in a JSON or YAML file and where (line, column)', async () => {
    writeFileSync(join(dir, 'bad.json'), '{"stores": {\n');
    await expect(load({}, { configPath: 'bad.json' })).rejects.toThrow(
      new RegExp(`^cannot load ${join(dir, 'bad.json')}: line 2, column 1: (Expected property name or '}'|Unexpected end of JSON input)$`),
    );
    writeFileSync(join(dir, 'bad2.json'), '{\n  "stores": {\n    "a": 1,,\n');
    await expect(load({}, { configPath: 'bad2.json' })).rejects.toThrow(/bad2\.json: line 3, column 12: (Expected double-quoted property name|Unexpected token)/);
    writeFileSync(join(dir, 'bad.yaml'), 'stores:\n  a: [\n');
    await expect(load({}, { configPath: 'bad.yaml' })).rejects.toThrow(`cannot load ${join(dir, 'bad.yaml')}: line 3, column 1: unexpected end of the stream within a flow collection`);
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
    [{ stores: { cache: { driver: 'mongo' } } }, /stores\.cache\.driver: expected one of file, redis, memcached, array, got "mongo"/],
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
    // As the seed has it: with the ring enabled it is the store, whatever CACHE_DRIVER names (issue 11).
    expect(config.default).toBe('distributed');
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

describe('the schema', () => {
  const check = (raw: unknown) => resolveConfig(raw, { source: null, baseDir: dir, projectRoot: dir });

  it('reports every problem at once, on one line, each naming its key', () => {
    expect(() => check({ prefix: 5, stores: { redis: { port: 'eighty', timeout: -1 } }, tagging: { enabled: 'maybe' } })).toThrow(
      /^invalid configuration: prefix: expected a string, got 5; .*stores\.redis\.port: expected an integer from 1 to 65535, got "eighty"; stores\.redis\.timeout: expected a number from 0\.001 to 3600, got -1$/,
    );
    try {
      check({ prefix: 5, tagging: { enabled: 'maybe' } });
    } catch (error) {
      expect((error as Error).message).toMatch(/tagging\.enabled: expected true or false, got "maybe"/);
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it("checks Redis url, tls, sentinels and cluster (they used to pass unchecked)", () => {
    expect(() => check({ stores: { redis: { url: 'http://cache:6379' } } })).toThrow(/stores\.redis\.url: expected a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => check({ stores: { redis: { tls: { ca: 5 } } } })).toThrow(/stores\.redis\.tls: expected true or false or an object/);
    expect(() => check({ stores: { redis: { sentinels: ['10.0.0.7'] } } })).toThrow(/stores\.redis\.sentinels\[0\]: expected "host:port" or an object, got "10\.0\.0\.7"/);
    expect(() => check({ stores: { redis: { cluster: [] } } })).toThrow(/stores\.redis\.cluster: expected a non-empty list/);
    expect(check({ stores: { redis: { sentinels: ['10.0.0.7:26379', { host: 'b', port: 26380 }], name: 'main' } } }).stores.redis).toMatchObject({ name: 'main' });
  });

  it('an unknown key is a warning naming the nearest valid key, not an error', () => {
    const config = check({ distributed: { virtual_node: 100 }, stampede_protection: { lock_tll: 5 }, colour: 'red' });
    expect(config.warnings).toEqual([
      "unknown setting 'stampede_protection.lock_tll' is ignored (did you mean 'lock_ttl'?)",
      "unknown setting 'distributed.virtual_node' is ignored (did you mean 'virtual_nodes'?)",
      "unknown setting 'colour' is ignored",
    ]);
  });

  it('a value of an unexpected type anywhere is a ConfigError naming its key, never a TypeError', () => {
    const base = () => ({ stores: { redis: { host: 'h' }, memcached: { host: 'h' } }, distributed: { enabled: true, nodes: [{ host: 'h', port: 1 }] } });
    const paths: string[][] = [];
    const walk = (shape: unknown, path: string[]): void => {
      for (const [key, field] of Object.entries((shape as { fields?: Record<string, unknown> }).fields ?? {})) {
        paths.push([...path, key]);
        walk(field, [...path, key]);
      }
    };
    walk(CONFIG, []);
    for (const [store, shape] of [['file', FILE_STORE], ['redis', REDIS_STORE], ['memcached', MEMCACHED_STORE]] as const) walk(shape, ['stores', store]);
    for (const key of ['host', 'port', 'weight', 'id', 'driver', 'password']) paths.push(['distributed', 'nodes', '0', key]);
    paths.push(['distributed', 'nodes', '0'], ['stores', 'redis'], ['stores']);
    let refused = 0;
    for (const path of paths) {
      for (const bad of [42, 'text', [1], true, { x: 1 }]) {
        const raw: Record<string, unknown> = base();
        let at = raw;
        for (const key of path.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
        at[path.at(-1)!] = bad;
        try {
          check(raw);
        } catch (error) {
          expect(error, `${path.join('.')} = ${JSON.stringify(bad)}: ${(error as Error).message}`).toBeInstanceOf(ConfigError);
          expect((error as Error).message).not.toContain('\n');
          refused++;
        }
      }
    }
    expect(paths.length).toBeGreaterThan(60);
    expect(refused).toBeGreaterThan(paths.length); // most wrong types are refused, each as a ConfigError
  });

  it('a section of the wrong type stays wrong under the environment (CACHE_REPLICAS does not turn `distributed: true` into an object)', async () => {
    writeFileSync(join(dir, 'cache.config.json'), JSON.stringify({ distributed: true, stores: 5, stampede_protection: 'on' }));
    await expect(load({ CACHE_REPLICAS: '1', REDIS_HOST: 'h', CACHE_STAMPEDE_LOCK_TTL: '5', DISTRIBUTED_CACHE_ENABLED: 'true' })).rejects.toThrow(
      /stores: expected an object, got 5; stampede_protection: expected an object, got "on"; .*distributed: expected an object, got true/,
    );
  });

  it('null is a setting left unset, as PHP configs write it', () => {
    const config = check({ prefix: null, stores: { redis: { password: null, port: null } }, distributed: { enabled: true, failover: null, nodes: [{ host: 'h', port: 1, password: null }] } });
    expect(config.prefix).toBe('glueful_');
    expect(config.stores.redis).not.toHaveProperty('password', null);
    expect(config.stores.distributed).toMatchObject({ failover: true });
  });

  it("the seed's failover: true / false and the framework's failover object", () => {
    const ring = (failover: unknown) => check({ distributed: { enabled: true, nodes: [{ host: 'h', port: 1 }], failover } }).stores.distributed;
    expect(ring(true)).toMatchObject({ failover: true, recoveryTime: 30 });
    expect(ring(false)).toMatchObject({ failover: false });
    expect(ring({ enabled: false, timeout: 2, retry_after: 45 })).toMatchObject({ failover: false, recoveryTime: 45 });
    expect((ring({ timeout: 2 }) as unknown as { nodes: Array<{ timeout: number }> }).nodes[0]!.timeout).toBe(2);
  });

  it('the example config documents every setting the schema knows', () => {
    const example = readFileSync(resolve(import.meta.dirname, '../cache.config.example.ts'), 'utf8');
    const keys = new Set<string>();
    const walk = (shape: unknown): void => {
      const s = shape as { fields?: Record<string, unknown>; item?: unknown };
      if (s.item) walk(s.item);
      for (const [key, field] of Object.entries(s.fields ?? {})) {
        keys.add(key);
        walk(field);
      }
    };
    for (const shape of [CONFIG, FILE_STORE, REDIS_STORE, MEMCACHED_STORE, ARRAY_STORE]) walk(shape);
    expect([...keys].filter((key) => !new RegExp(`\\b${key}\\b`).test(example))).toEqual([]);
  });
});
