/**
 * cache:config in-process: every setting of the chosen store with the layer
 * that set it last (built-in default, the Glueful app's defaults, .env and
 * its line, our config file, the environment, a flag), secrets masked, the
 * unknown and inapplicable settings with their reasons; and the listing
 * people read, within 80 columns.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeConfig, print, toJson, type ConfigResult, type SettingRow } from '../commands/config.js';
import { traceConfig } from '../src/config/load.js';
import { ConfigError } from '../src/core/errors.js';
import { Output } from '../src/output/output.js';
import { makeGluefulApp, SKELETON_ENV, type GluefulAppFixture } from './helpers/glueful-app-fixture.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'glueful-origins-'));
  writeFileSync(join(dir, 'package.json'), '{"name":"app"}');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const apps: GluefulAppFixture[] = [];
afterAll(() => apps.forEach((app) => app.cleanup()));

async function describeIn(cwd: string, env: NodeJS.ProcessEnv = {}, flags: { store?: string; prefix?: string } = {}): Promise<ConfigResult> {
  return describeConfig(await traceConfig({ cwd, env }), flags, cwd);
}
const row = (result: ConfigResult, key: string): SettingRow | undefined => result.settings.find((s) => s.key === key);

async function printed(result: ConfigResult): Promise<string> {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (d: Buffer) => (text += d));
  await print(new Output({ stdout, stderr: new PassThrough(), env: { NO_COLOR: '1' } }), result);
  return text;
}

describe('where each setting came from, outside an app', () => {
  it('names the layer that set each value last: .env with its line, the config file, the environment, a flag, else the built-in default', async () => {
    writeFileSync(join(dir, '.env'), '# cache\nCACHE_DRIVER=redis\nREDIS_PORT=6380\n\nREDIS_PASSWORD="hunter2"\nCACHE_FALLBACK=true\nCACHE_FALLBACK_FILE=false\nREDIS_DB=4\n');
    writeFileSync(join(dir, 'cache.config.json'), JSON.stringify({ prefix: 'cfg_', stores: { redis: { database: 2 } }, tagging: { categories: { users: ['users', 'user'] } } }));
    const result = await describeIn(dir, { REDIS_HOST: '10.1.2.3', CACHE_STAMPEDE_LOCK_TTL: '90' });
    const envFile = join(dir, '.env');
    expect(result.store).toBe('redis');
    expect(result.storeOrigin).toEqual({ kind: 'dotenv', file: envFile, line: 2, variable: 'CACHE_DRIVER' });
    expect(row(result, 'default')).toEqual({ key: 'default', value: 'redis', origin: { kind: 'dotenv', file: envFile, line: 2, variable: 'CACHE_DRIVER' } });
    expect(row(result, 'stores.redis.port')).toEqual({ key: 'stores.redis.port', value: 6380, origin: { kind: 'dotenv', file: envFile, line: 3, variable: 'REDIS_PORT' } });
    // The config file is over .env; the environment over both.
    expect(row(result, 'stores.redis.database')).toMatchObject({ value: 2, origin: { kind: 'config-file', file: join(dir, 'cache.config.json') } });
    expect(row(result, 'stores.redis.host')).toMatchObject({ value: '10.1.2.3', origin: { kind: 'env', variable: 'REDIS_HOST' } });
    expect(row(result, 'stampede_protection.lock_ttl')).toMatchObject({ value: 90, origin: { kind: 'env', variable: 'CACHE_STAMPEDE_LOCK_TTL' } });
    // Two variables for one setting: the one read last decides, and is named.
    expect(row(result, 'fallback_to_file')).toMatchObject({ value: false, origin: { variable: 'CACHE_FALLBACK_FILE', line: 7 } });
    expect(row(result, 'prefix')).toMatchObject({ value: 'cfg_', origin: { kind: 'config-file' } });
    expect(row(result, 'tagging.categories.users')).toMatchObject({ value: ['users', 'user'], origin: { kind: 'config-file' } });
    // What nothing set: the schema's defaults and the driver's.
    expect(row(result, 'stampede_protection.max_wait_time')).toEqual({ key: 'stampede_protection.max_wait_time', value: 30, origin: { kind: 'default' } });
    expect(row(result, 'stores.redis.timeout')).toEqual({ key: 'stores.redis.timeout', value: 2.5, origin: { kind: 'default' } });
    expect(row(result, 'stores.redis.password')).toMatchObject({ value: '***', origin: { kind: 'dotenv', line: 5, variable: 'REDIS_PASSWORD' } });
    expect(JSON.stringify(toJson(result))).not.toContain('hunter2');
    expect(await printed(result)).not.toContain('hunter2');

    const flagged = await describeIn(dir, {}, { store: 'file', prefix: '' });
    expect(flagged.store).toBe('file');
    expect(flagged.storeOrigin).toEqual({ kind: 'flag', flag: '--store' });
    expect(row(flagged, 'prefix')).toEqual({ key: 'prefix', value: '', origin: { kind: 'flag', flag: '--prefix' } });
    expect(row(flagged, 'stores.file.path')).toEqual({ key: 'stores.file.path', value: join(dir, '.cache', 'glueful-cache'), origin: { kind: 'default' } });
    expect(flagged.settings.some((s) => s.key.startsWith('stores.redis'))).toBe(false);
  });

  it('lists the unknown settings (with the nearest known one) and those that do not apply (with why)', async () => {
    writeFileSync(join(dir, 'cache.config.json'), JSON.stringify({ stores: { redis: { hots: 'x', persistent: true } }, tagging: { storage: 'redis' } }));
    const result = await describeIn(dir);
    expect(result.unknown).toEqual(["unknown setting 'stores.redis.hots' is ignored (did you mean 'host'?)"]);
    expect(result.notices).toEqual(
      expect.arrayContaining([expect.stringMatching(/^stores\.redis\.persistent does not apply here: /), expect.stringMatching(/^tagging\.storage does not apply here: /)]),
    );
    expect(toJson(result)).toEqual({ store: 'file', settings: result.settings, notices: result.notices, unknown: result.unknown });
    const text = await printed(result);
    expect(text).toMatch(/^Unknown settings \(ignored\)\n {2}unknown setting 'stores\.redis\.hots' is ignored \(did you mean 'host'\?\)$/m);
    expect(text).toMatch(/^Settings that do not apply here\n {2}\S/m);
  });

  it('shows the ring when it is on, its nodes from the config file, their passwords masked; edge providers when configured', async () => {
    writeFileSync(
      join(dir, 'cache.config.json'),
      JSON.stringify({ distributed: { enabled: true, nodes: [{ host: '10.0.0.1', port: 6379, password: 'nodesecret' }, { host: '10.0.0.2', port: 6379 }] }, edge: { providers: { cloudflare: { zone_id: 'z1' } } } }),
    );
    const result = await describeIn(dir, { CLOUDFLARE_API_TOKEN: 'cf-token-value', CACHE_REPLICAS: '1' });
    expect(result.store).toBe('distributed');
    expect(result.storeOrigin).toMatchObject({ kind: 'config-file' });
    expect(row(result, 'distributed.nodes[0].host')).toMatchObject({ value: '10.0.0.1', origin: { kind: 'config-file' } });
    expect(row(result, 'distributed.nodes[0].password')).toMatchObject({ value: '***' });
    expect(row(result, 'distributed.replicas')).toMatchObject({ value: 1, origin: { kind: 'env', variable: 'CACHE_REPLICAS' } });
    expect(row(result, 'edge.providers.cloudflare.zone_id')).toMatchObject({ value: 'z1', origin: { kind: 'config-file' } });
    expect(row(result, 'edge.providers.cloudflare.api_token')).toMatchObject({ value: '***', origin: { kind: 'env', variable: 'CLOUDFLARE_API_TOKEN' } });
    const json = JSON.stringify(toJson(result));
    expect(json).not.toMatch(/nodesecret|cf-token-value/);
  });

  it('a value too long for its column pushes its origin to the next line; warmup strategies are one line each', async () => {
    const deep = 'a-rather-long-directory-name/for-the-cache-entries/of-this-project';
    writeFileSync(
      join(dir, 'cache.config.json'),
      JSON.stringify({ stores: { file: { path: deep } }, warmup: { strategies: [{ name: 'users', type: 'static', entries: { a: 1, b: 2 } }, { module: './w.js' }] } }),
    );
    const result = await describeIn(dir);
    expect(row(result, 'warmup.strategies')).toMatchObject({ value: ['users (static)', './w.js (module ./w.js)'], origin: { kind: 'config-file' } });
    expect(result.settings.some((s) => s.key.includes('entries'))).toBe(false);
    const text = await printed(result);
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('  path '));
    expect(lines[at]).toBe(`  path${' '.repeat(lines[at]!.indexOf(join(dir, deep)) - 6)}${join(dir, deep)}`);
    expect(lines[at + 1]).toMatch(/^ +cache\.config\.json$/);
    // The origin starts where every other origin starts.
    expect(lines[at + 1]!.indexOf('cache.config.json')).toBe(lines.find((l) => l.startsWith('  hash_levels'))!.indexOf('built-in default'));
  });

  it('an unknown --store is a configuration error (exit 3)', async () => {
    const traced = await traceConfig({ cwd: dir, env: {} });
    expect(() => describeConfig(traced, { store: 'nope' }, dir)).toThrow(ConfigError);
    expect(() => describeConfig(traced, { store: 'nope' }, dir)).toThrow(/unknown store 'nope': configured stores are file/);
  });
});

describe('inside a Glueful app', () => {
  it("tells the app's defaults from its .env, even where .env says the same", async () => {
    const app = makeGluefulApp({ env: `${SKELETON_ENV.replace('CACHE_DRIVER=file', 'CACHE_DRIVER=redis')}REDIS_TIMEOUT=5\nDISTRIBUTED_CACHE_ENABLED=true\n` });
    apps.push(app);
    const envFile = join(app.root, '.env');
    const result = await describeIn(app.public, { REDIS_PASSWORD: 'realsecret' });
    expect(result.store).toBe('redis');
    expect(result.storeOrigin).toEqual({ kind: 'dotenv', file: envFile, line: 11, variable: 'CACHE_DRIVER' });
    expect(row(result, 'prefix')).toEqual({ key: 'prefix', value: '', origin: { kind: 'app-default' } });
    expect(row(result, 'stampede_protection.enabled')).toEqual({ key: 'stampede_protection.enabled', value: false, origin: { kind: 'app-default' } });
    // min(REDIS_TIMEOUT, 1) is 1, the app's default too: .env set it last.
    expect(row(result, 'stores.redis.connect_timeout')).toEqual({ key: 'stores.redis.connect_timeout', value: 1, origin: { kind: 'dotenv', file: envFile, line: 14, variable: 'REDIS_TIMEOUT' } });
    expect(row(result, 'stores.redis.database')).toMatchObject({ value: 1, origin: { line: 8, variable: 'REDIS_DB' } });
    expect(row(result, 'stores.redis.password')).toMatchObject({ value: '***', origin: { kind: 'env', variable: 'REDIS_PASSWORD' } });
    // DISTRIBUTED_CACHE_ENABLED is the app's, and does not turn a ring on here: no ring, a notice says why.
    expect(result.settings.some((s) => s.key.startsWith('distributed.'))).toBe(false);
    expect(result.notices).toEqual(expect.arrayContaining([expect.stringMatching(/^DISTRIBUTED_CACHE_ENABLED \/ CACHE_REPLICAS do not apply here/)]));

    const file = await describeIn(app.root, {}, { store: 'file' });
    expect(row(file, 'stores.file.path')).toEqual({ key: 'stores.file.path', value: app.runtimeCache, origin: { kind: 'app-default' } });
    expect(row(file, 'stores.file.hash_levels')).toMatchObject({ value: 0, origin: { kind: 'app-default' } });

    const text = await printed(result);
    expect(text).toMatch(/^ {2}connect_timeout +1 +\.\.\/\.env:14 REDIS_TIMEOUT$/m);
    expect(text).toMatch(/^ {2}prefix +'' +Glueful app default \(CacheFactory\)$/m);
    expect(text).toMatch(/^ {2}password +\*\*\* +env REDIS_PASSWORD$/m);
    expect(text).toMatch(/^ {2}timeout +5 +\.\.\/\.env:14 REDIS_TIMEOUT$/m);
    expect(text).toMatch(/^ {2}max_value_bytes +1048576 +built-in default$/m);
    expect(text).not.toContain('realsecret');
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });
});
