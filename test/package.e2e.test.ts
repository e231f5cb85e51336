/**
 * The package as users get it: `npm pack`, installed into an empty prefix
 * (`npm install -g --prefix`), the `glueful` it puts on PATH, and the library
 * imported with `import` and `require` from a scratch project against the
 * file store, a real redis-server and a real memcached, type-checked with the
 * shipped declarations.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv } from './helpers/cli.js';
import { HOST, startMemcached, startRedis, type ServerHandle } from './helpers/servers.js';

const REPO = resolve(import.meta.dirname, '..');
const BUILTINS = new Set(builtinModules);
const VERSION = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version as string;

let root: string;
let tarball: string;
let prefix: string;
let scratch: string;
let redis: ServerHandle;
let memcached: ServerHandle;

function npm(args: string[], cwd: string): string {
  // --ignore-scripts on pack: `npm test` has just built dist/, and rebuilding it
  // here would pull it from under the other test files running in parallel.
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=warn'], { cwd, encoding: 'utf8', stdio: 'pipe' });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'glueful-pack-'));
  npm(['pack', '--ignore-scripts', '--pack-destination', root], REPO);
  tarball = join(root, readdirSync(root).find((f) => f.endsWith('.tgz'))!);
  prefix = join(root, 'prefix');
  npm(['install', '-g', '--prefix', prefix, tarball], root);
  scratch = join(root, 'scratch');
  mkdirSync(scratch);
  writeFileSync(join(scratch, 'package.json'), '{"name":"scratch","private":true}\n');
  // A TypeScript consumer brings its own compiler (glueful-cache no longer installs one).
  npm(['install', tarball, '@types/node@20', 'typescript@~5.9'], scratch);
  [redis, memcached] = await Promise.all([startRedis(), startMemcached()]);
}, 180_000);

afterAll(async () => {
  await Promise.all([redis?.stop(), memcached?.stop()]);
  rmSync(root, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the built CLI, the library and its declarations, the licence, not the sources: every file listed', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    const types = listing.filter((f) => f.startsWith('package/dist/types/'));
    expect(types).toContain('package/dist/types/index.d.ts');
    expect(types.filter((f) => !f.endsWith('.d.ts'))).toEqual([]);
    expect(listing.filter((f) => !types.includes(f)).sort()).toEqual([
      'package/LICENSE',
      'package/README.md',
      'package/bin/glueful.cjs',
      'package/cache.config.example.ts',
      'package/dist/glueful-edge.cjs',
      'package/dist/glueful-get.cjs',
      'package/dist/glueful.cjs',
      'package/dist/index.cjs',
      'package/dist/index.js',
      'package/dist/vendor-chalk.cjs',
      'package/dist/vendor-ioredis.cjs',
      'package/dist/vendor-ora.cjs',
      'package/dist/vendor-sucrase.cjs',
      'package/examples/varnish-purge.vcl',
      'package/package.json',
    ]);
    const licence = execFileSync('tar', ['-xzOf', tarball, 'package/LICENSE'], { encoding: 'utf8' });
    expect(licence).toMatch(/^MIT License\n/);
    expect(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).license).toBe('MIT');
  });

  it('installs under 10 MB: no TypeScript compiler, and nothing bundled into dist/ installed again', () => {
    const installed = join(prefix, 'lib', 'node_modules', 'glueful-cache');
    const size = Number(execFileSync('du', ['-sk', prefix], { encoding: 'utf8' }).split('\t')[0]) * 1024;
    expect(size).toBeLessThan(10 * 1024 * 1024);
    const present = (name: string) => spawnSync('test', ['-e', join(installed, 'node_modules', name)]).status === 0 || spawnSync('test', ['-e', join(prefix, 'lib', 'node_modules', name)]).status === 0;
    for (const bundled of ['typescript', 'sucrase', 'ioredis', 'chalk', 'ora', 'commander', 'cluster-key-slot']) expect([bundled, present(bundled)]).toEqual([bundled, false]);
    // What is installed is what dist/ requires at run time.
    const dependencies = Object.keys(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).dependencies).sort();
    const bundles = readdirSync(join(installed, 'dist')).filter((f) => f.endsWith('.cjs')).map((f) => readFileSync(join(installed, 'dist', f), 'utf8')).join('\n');
    // ('flow-enums-runtime' is text sucrase writes into Flow output, never required by us.)
    const required = [...bundles.matchAll(/(?:require|import)\("([a-z@][^"$]*)"\)/g)]
      .map((m) => m[1]!)
      .filter((n) => !n.startsWith('node:') && !BUILTINS.has(n) && n !== 'flow-enums-runtime');
    expect([...new Set(required)].sort()).toEqual(dependencies);
  });

  it('installs a working glueful into an empty prefix', () => {
    const bin = join(prefix, 'bin', 'glueful');
    const cwd = join(root, 'cli-project');
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'package.json'), '{}');
    const env = cleanEnv();
    const version = spawnSync(bin, ['--version'], { cwd, env, encoding: 'utf8' });
    expect(version.stdout.trim()).toBe(VERSION);
    const set = spawnSync(bin, ['cache:set', 'greeting', 'hello', '--ttl', '15m'], { cwd, env, encoding: 'utf8' });
    expect(set.status).toBe(0);
    const get = spawnSync(bin, ['cache:get', 'greeting', '--json'], { cwd, env, encoding: 'utf8' });
    expect(JSON.parse(get.stdout)).toMatchObject({ key: 'greeting', value: 'hello', format: 'json' });
    // The edge purge service ships as a file of its own, required on first use; its errors keep their exit codes.
    const providers = spawnSync(bin, ['cache:purge', '--list-providers', '--json'], { cwd, env, encoding: 'utf8' });
    expect(JSON.parse(providers.stdout).providers.map((p: { name: string }) => p.name)).toEqual(['varnish', 'cloudflare', 'fastly', 'bunny', 'akamai']);
    const unchosen = spawnSync(bin, ['cache:purge', '--edge-tag', 'a'], { cwd, env, encoding: 'utf8' });
    expect([unchosen.status, unchosen.stderr.trim()]).toEqual([3, 'glueful: error: no edge provider chosen: give --provider <name>, or set edge.provider (EDGE_CACHE_PROVIDER) in the configuration']);
  });

  it("runs the README's config step: the example copied as cache.config.ts, glueful-cache installed only globally", () => {
    const bin = join(prefix, 'bin', 'glueful');
    const cwd = join(root, 'readme-project');
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'package.json'), '{}');
    copyFileSync(join(prefix, 'lib', 'node_modules', 'glueful-cache', 'cache.config.example.ts'), join(cwd, 'cache.config.ts'));
    const status = spawnSync(bin, ['cache:status', '--json'], { cwd, env: cleanEnv(), encoding: 'utf8' });
    expect(status.stderr).toBe('');
    expect(status.status).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ config: join(cwd, 'cache.config.ts'), prefix: 'glueful_', healthy: true });
    const list = spawnSync(bin, ['cache:warmup', '--list', '--json'], { cwd, env: cleanEnv(), encoding: 'utf8' });
    expect(JSON.parse(list.stdout).registered.map((r: { name: string }) => r.name)).toEqual(['system', 'settings']);
  });

  // One script body, run as an ES module (import) and as CommonJS (require).
  const body = (load: string) => `
${load}
const stores = JSON.parse(process.argv[2]);
const results = {};
for (const [name, env] of Object.entries(stores)) {
  const config = await lib.loadConfig({ cwd: process.cwd(), env });
  const { store } = await lib.createStore(config);
  await store.set('consumer:' + name, { from: name, n: 1 }, { ttl: 60 });
  results[name] = { driver: store.driver, value: await store.get('consumer:' + name), ttl: await store.ttl('consumer:' + name) };
  await store.delete('consumer:' + name);
  await store.dispose();
}
results.edgeHeaders = lib.edgeCacheHeaders({ maxAge: 60, tags: ['a', 'b'], provider: 'varnish' });
console.log(JSON.stringify(results));
`;

  const storesEnv = () => ({
    file: { CACHE_DRIVER: 'file' },
    redis: { CACHE_DRIVER: 'redis', REDIS_HOST: HOST, REDIS_PORT: String(redis.port) },
    memcached: { CACHE_DRIVER: 'memcached', MEMCACHED_HOST: HOST, MEMCACHED_PORT: String(memcached.port) },
  });

  for (const [kind, file, load] of [
    ['import', 'consumer.mjs', "import * as lib from 'glueful-cache';"],
    ['require', 'consumer.cjs', "const lib = require('glueful-cache');\n(async () => {"],
  ] as const) {
    it(`${kind} of the library talks to the file store, Redis and Memcached`, () => {
      const source = kind === 'require' ? body(load) + '})().catch((e) => { console.error(e); process.exit(1); });\n' : body(load);
      writeFileSync(join(scratch, file), source);
      const result = spawnSync(process.execPath, [file, JSON.stringify(storesEnv())], { cwd: scratch, env: cleanEnv(), encoding: 'utf8', timeout: 30_000 });
      expect(result.stderr).toBe('');
      const data = JSON.parse(result.stdout);
      for (const name of ['file', 'redis', 'memcached']) {
        expect(data[name].driver).toBe(name);
        expect(data[name].value).toEqual({ from: name, n: 1 });
        expect(data[name].ttl).toBeGreaterThan(55);
        expect(data[name].ttl).toBeLessThanOrEqual(60);
      }
      expect(data.edgeHeaders).toEqual({ 'Cache-Control': 'public, max-age=60', 'Surrogate-Control': 'max-age=60', xkey: 'a b' });
    });
  }

  it('type-checks a strict TypeScript consumer with the shipped declarations (skipLibCheck off)', () => {
    writeFileSync(
      join(scratch, 'consumer.ts'),
      `import { createStore, defineConfig, defineEdgeProvider, edgeCacheHeaders, loadConfig, type CacheStore } from 'glueful-cache';
export const config = defineConfig({ default: 'file', prefix: 'app_', edge: { provider: 'cdn', providers: { cdn: { module: './cdn.js' } } } });
export const headers: Record<string, string> = edgeCacheHeaders({ maxAge: 60, sMaxAge: 600, tags: ['users'], provider: 'fastly' });
export const provider = defineEdgeProvider({ name: 'cdn', purgeUrls: (urls) => urls.map((url) => ({ method: 'POST', url, items: [url] })) });
export async function read(key: string): Promise<unknown> {
  const { store }: { store: CacheStore } = await createStore(await loadConfig());
  return store.get(key);
}
// @ts-expect-error: the prefix is a string
defineConfig({ prefix: 42 });
`,
    );
    const tsc = join(scratch, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', 'consumer.ts'];
    const result = spawnSync(process.execPath, [tsc, ...args], { cwd: scratch, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
