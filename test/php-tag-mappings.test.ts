/**
 * Issue 19: a Glueful v1.76 app tags keys through its CacheTaggingService,
 * whose index is two cache entries (`_cache_tag_mappings`,
 * `_cache_key_tags`), not the driver's `_gf_tag:` sets. Real `php` writes
 * entries and both indexes the way the app does; the built CLI clears by
 * tag and by category; the test checks what is left in the store and that
 * both entries are byte for byte what PHP's own invalidation leaves. On the
 * app's file store and on Redis (phpredis).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { glueful } from './helpers/cli.js';
import { makeGluefulApp, runPhp, type PhpTarget } from './helpers/php-app-writer.js';
import { startRedis, type ServerHandle } from './helpers/servers.js';
import { makeGluefulApp as makeComposerApp } from './helpers/glueful-app-fixture.js';

let redis: ServerHandle;
const cleanups: Array<() => void> = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  cleanups.forEach((c) => c());
  await redis?.stop();
});

interface Setup {
  target: PhpTarget;
  cwd: string;
}

let db = 0;
/**
 * A fresh app on Redis (its own database), or on the file store: laid out as
 * composer lays it out, the tool finding the directory the app's cache:*
 * use (the framework package's storage/cache/) with no configuration.
 */
function fresh(kind: 'file' | 'redis'): Setup {
  if (kind === 'redis') {
    db++;
    const app = makeComposerApp({ env: `CACHE_DRIVER=redis\nREDIS_HOST=127.0.0.1\nREDIS_PORT=${redis.port}\nREDIS_DB=${db}\nCACHE_PREFIX=glueful:\n` });
    cleanups.push(app.cleanup);
    return { target: { kind: 'redis', port: redis.port, db }, cwd: app.root };
  }
  const app = makeComposerApp();
  cleanups.push(app.cleanup);
  return { target: { kind: 'file', dir: app.runtimeCache }, cwd: app.root };
}

const KEYS = ['user:1', 'user:2', 'profile:1', 'session:7', 'session:9', 'config:app', 'plain:1'];

/**
 * The app's entries, tagged through CacheTaggingService in one request
 * (a new request would start from empty maps and overwrite the stored ones,
 * as the framework's tagCache() does), which also invalidated user_sessions
 * (deleting user:1 and session:7, and leaving lists with PHP indexes:
 * `{"1":"user_data"}`) and tagged session:9 after. On Redis, user:1 and
 * other:9 also carry the driver's own tag; on the file store other:9 is
 * tagged through the CLI.
 */
async function seed(setup: Setup): Promise<void> {
  await runPhp(setup.target, `
    foreach (${JSON.stringify(KEYS)} as $k) $store->set($k, ['k' => $k], 3600);
    $tags->tag('user:1', ['user_sessions', 'user_data']);
    $tags->tag('user:2', ['user_data']);
    $tags->tag('profile:1', ['user_data', 'user_profiles']);
    $tags->tag('session:7', ['user_sessions']);
    $tags->tag('config:app', ['app_config']);
    $tags->invalidate('user_sessions');
    $tags->tag('session:9', ['user_sessions']);`);
  if (setup.target.kind === 'redis') {
    await runPhp(setup.target, `$store->set('other:9', 9, 3600); $store->driverTag('other:9', ['user_data']); $store->driverTag('user:1', ['user_data']);`);
  } else {
    expect((await glueful(['cache:set', 'other:9', '9', '--tags', 'user_data'], { cwd: setup.cwd })).code).toBe(0);
  }
}

/** What is left: the raw mapping entries and which of the keys still exist, read by PHP. */
async function state(target: PhpTarget): Promise<{ mappings: string | null; keyTags: string | null; left: string[] }> {
  return JSON.parse(
    await runPhp(target, `echo json_encode(['mappings' => $store->raw('_cache_tag_mappings'), 'keyTags' => $store->raw('_cache_key_tags'),
      'left' => array_values(array_filter(${JSON.stringify([...KEYS, 'other:9'])}, fn($k) => $store->raw($k) !== null))]);`),
  );
}

describe.each(['file', 'redis'] as const)('CacheTaggingService tags on the %s store', (kind) => {
  it('cache:clear --tag removes the keys both indexes list and updates both entries as invalidateByTag does', async () => {
    // What PHP's own invalidation leaves...
    const byPhp = fresh(kind);
    await seed(byPhp);
    await runPhp(byPhp.target, `$tags->invalidate('user_data');`);
    const expected = await state(byPhp.target);
    // ...and what the CLI leaves, from the same start.
    const byCli = fresh(kind);
    await seed(byCli);
    const dry = await glueful(['cache:clear', '--tag', 'user_data', '--dry-run', '--json'], { cwd: byCli.cwd });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, matched: 4 }); // user:1 (listed, and in both on Redis), user:2, profile:1, other:9
    const before = ['user:2', 'profile:1', 'session:9', 'config:app', 'plain:1', 'other:9'];
    expect((await state(byCli.target)).left).toEqual(before);

    const run = await glueful(['cache:clear', '--tag', 'user_data', '--force', '--json'], { cwd: byCli.cwd });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ tags: ['user_data'], deleted: 3 }); // user:1 was gone already
    const after = await state(byCli.target);
    expect(after.left).toEqual(['session:9', 'config:app', 'plain:1']);
    expect(expected.left).toEqual(['session:9', 'config:app', 'plain:1', 'other:9']); // PHP's service never sees the driver's tags
    expect(after.mappings).toBe(expected.mappings);
    expect(after.keyTags).toBe(expected.keyTags);
    // The shapes PHP arrays take in JSON: a list that lost its first element keeps its indexes.
    expect(after.mappings).toBe('json:{"user_profiles":["profile:1"],"app_config":["config:app"],"user_sessions":["session:9"]}');
    expect(after.keyTags).toBe('json:{"profile:1":{"1":"user_profiles"},"config:app":["app_config"],"session:9":["user_sessions"]}');
    // And the app reads what we left, for the tags that remain.
    const read = await runPhp(byCli.target, `echo json_encode($tags->invalidate('user_profiles'));`);
    expect(JSON.parse(read)).toEqual(['profile:1']);
  });

  it('cache:clear --category users clears Glueful\'s users tags (user_data, user_sessions, user_profiles)', async () => {
    const setup = fresh(kind);
    await seed(setup);
    const run = await glueful(['cache:clear', '--category', 'users', '--force', '--json'], { cwd: setup.cwd });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.tags).toEqual(['user_data', 'user_sessions', 'user_profiles']);
    expect(result.invalidation).toMatchObject({ status: 'success', counts: { user_data: 3, user_sessions: 1, user_profiles: 0 } });
    const after = await state(setup.target);
    expect(after.left).toEqual(['config:app', 'plain:1']);
    expect(after.mappings).toBe('json:{"app_config":["config:app"]}');
    expect(after.keyTags).toBe('json:{"config:app":["app_config"]}');
  });

  it('cache:status --detailed counts the keys of both indexes', async () => {
    const setup = fresh(kind);
    await seed(setup);
    const status = await glueful(['cache:status', '--detailed', '--json'], { cwd: setup.cwd });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).tags).toMatchObject({ user_data: 4, user_profiles: 1, app_config: 1, user_sessions: 1 });
  });
});

describe('cache:clear --category', () => {
  it('an unknown category is exit 2 and names the eight of Glueful', async () => {
    const app = makeGluefulApp('CACHE_DRIVER=array\n');
    cleanups.push(app.cleanup);
    const run = await glueful(['cache:clear', '--category', 'billing', '--force'], { cwd: app.root });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown category 'billing': expected one of config, permissions, roles, users, auth, api, files, notifications");
  });
});

describe('the entries are written as PHP json_encode() writes them', () => {
  it('escapes, lists and maps alike, for tags with slashes, accents and emoji', async () => {
    const { phpJsonArray, phpJsonString } = await import('../src/tags/tag-mappings.js');
    const php = await runPhp({ kind: 'file', dir: '/nonexistent' }, `echo json_encode([
      'api/v1' => ['café:1', "tab\\t", '😀'], '7' => [1 => 'x', 2 => 'y'], 'empty' => [], 'ctl' => ["\\x01<>&'\\""]]);`);
    const ours = phpJsonArray<Array<[string, unknown]>>(
      [
        ['api/v1', [['0', 'café:1'], ['1', 'tab\t'], ['2', '😀']]],
        ['7', [['1', 'x'], ['2', 'y']]],
        ['empty', []],
        ['ctl', [['0', '\x01<>&\'"']]],
      ],
      (list) => phpJsonArray(list, (v) => phpJsonString(String(v))),
    );
    expect(ours).toBe(php);
  });
});
