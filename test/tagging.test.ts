/** The tagging service: categories, per-tag results, statistics; and its CLI side. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NamespacedStore } from '../src/core/namespaced-store.js';
import { FileDriver } from '../src/drivers/file/index.js';
import { PREDEFINED_CATEGORIES, TaggingService } from '../src/tags/tagging.js';
import { glueful, tempProject } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'glueful-tags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function seeded(name: string) {
  const store = new NamespacedStore(new FileDriver({ path: join(dir, name), hashLevels: 1 }), { name: 'file', prefix: 'app:' });
  await store.set('user:1', 1, { tags: ['user_data'] });
  await store.set('user:1:profile', 2, { tags: ['user_profiles'] });
  await store.set('session:9', 3, { tags: ['session_data'] });
  await store.set('config:app', 4, { tags: ['app_config'] });
  await store.set('report:q3', 5, { tags: ['reports'] });
  return store;
}

describe('TaggingService', () => {
  it('invalidates a category and reports per tag, in Glueful\'s result shape', async () => {
    const store = await seeded('related');
    const service = new TaggingService(store);
    const dry = await service.invalidateRelated('users', { dryRun: true });
    expect(dry).toMatchObject({ status: 'success', invalidated: 2, failed: 0, dryRun: true });
    expect(await store.has('user:1')).toBe(true);
    const result = await service.invalidateRelated('users');
    expect(result).toEqual({
      status: 'success',
      invalidated: 2,
      failed: 0,
      counts: { user_data: 1, user_sessions: 0, user_profiles: 1 },
      dryRun: false,
      errors: [],
    });
    expect(await store.has('user:1')).toBe(false);
    expect(await store.has('session:9')).toBe(true);
    expect(await store.has('config:app')).toBe(true);
  });

  it('adds categories from the config and names the valid ones for an unknown category', async () => {
    const store = await seeded('custom');
    const service = new TaggingService(store, { reporting: ['reports'] });
    expect(Object.keys(service.categories())).toEqual([...Object.keys(PREDEFINED_CATEGORIES), 'reporting']);
    expect((await service.invalidateRelated('reporting')).invalidated).toBe(1);
    expect(() => service.tagsOf('nope')).toThrow(/unknown category 'nope': expected one of config, permissions, .*reporting/);
  });

  it('lists the keys of a tag and the tags of a key', async () => {
    const store = await seeded('lookup');
    await store.addTags('user:1', ['auth_cache']);
    const service = new TaggingService(store);
    const keys: string[] = [];
    for await (const batch of service.keysOf('user_data')) keys.push(...batch);
    expect(keys).toEqual(['user:1']);
    expect(await service.tagsOfKey('user:1')).toEqual(['auth_cache', 'user_data']);
    expect(await service.tagsOfKey('report:q3', ['reports', 'user_data'])).toEqual(['reports']);
  });

  it('counts keys per known tag without deleting', async () => {
    const store = await seeded('stats');
    const stats = await new TaggingService(store).statistics();
    expect(stats).toMatchObject({ user_data: 1, user_profiles: 1, session_data: 1, app_config: 1, user_roles: 0 });
    expect(await store.has('user:1')).toBe(true);
  });
});

describe('cache:clear --category', () => {
  const project = tempProject();
  afterAll(() => project.cleanup());
  const run = (args: string[]) => glueful(args, { cwd: project.dir });

  it('deletes the category\'s tags, asks for --force, and lists valid categories', async () => {
    writeFileSync(join(project.dir, 'cache.config.json'), JSON.stringify({ tagging: { categories: { reporting: ['reports'] } } }));
    await run(['cache:set', 'u', '1', '--tags', 'user_data']);
    await run(['cache:set', 'a', '1', '--tags', 'user_sessions']);
    await run(['cache:set', 'r', '1', '--tags', 'reports']);
    expect((await run(['cache:clear', '--category', 'users'])).code).toBe(2);
    const dry = JSON.parse((await run(['cache:clear', '--category', 'users', '--dry-run', '--json'])).stdout);
    expect(dry.invalidation).toMatchObject({ invalidated: 2, dryRun: true });
    const done = JSON.parse((await run(['cache:clear', '--category', 'users', '--force', '--json'])).stdout);
    expect(done).toMatchObject({ category: 'users', deleted: 2, invalidation: { status: 'success', counts: { user_data: 1, user_sessions: 1 } } });
    expect((await run(['cache:get', 'r'])).code).toBe(0);
    expect(JSON.parse((await run(['cache:clear', '--category', 'reporting', '--force', '--json'])).stdout).deleted).toBe(1);
    const unknown = await run(['cache:clear', '--category', 'billing', '--force']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown category 'billing': expected one of config, .*reporting/);
  });

  it('cache:status --detailed shows tag statistics', async () => {
    await run(['cache:set', 'n', '1', '--tags', 'notification_queue']);
    const status = JSON.parse((await run(['cache:status', '--detailed', '--json'])).stdout);
    expect(status.tags).toMatchObject({ notification_queue: 1, user_data: 0 });
  });
});
