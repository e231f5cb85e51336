/**
 * The configured store is down and fallback_to_file is on: every command
 * says so (stderr, and `fellBack` / `fallback` in JSON), commands that
 * change data refuse the fallback file store unless --allow-fallback, and
 * cache:status exits 5 naming both stores.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { glueful, tempProject } from './helpers/cli.js';
import { freePort, HOST } from './helpers/servers.js';

let project: ReturnType<typeof tempProject>;
let env: Record<string, string>;
const cacheDir = () => join(project.dir, '.cache', 'glueful-cache');
const files = (): string[] => readdirSync(cacheDir(), { recursive: true }).map(String).filter((f) => f.endsWith('.cache')).sort();

beforeAll(async () => {
  project = tempProject();
  // A port nothing listens on: the configured Redis is down.
  env = { CACHE_DRIVER: 'redis', REDIS_HOST: HOST, REDIS_PORT: String(await freePort()), REDIS_TIMEOUT: '1', CACHE_FALLBACK: 'true' };
  // An entry already in the fallback directory, written on purpose through the file store.
  expect((await glueful(['--store', 'file', 'cache:set', 'kept', 'v'], { cwd: project.dir })).code).toBe(0);
});
afterAll(() => project.cleanup());

const run = (args: string[]) => glueful(args, { cwd: project.dir, env });

describe('a fallback is never silent', () => {
  it('cache:status exits 5, names the store it wanted and why, in text and JSON', async () => {
    const text = await run(['cache:status']);
    expect(text.code).toBe(5);
    expect(text.stdout + text.stderr).toMatch(/fell back to the file store/);
    expect(text.stdout).toMatch(/unreachable: .*redis/);
    const json = await run(['cache:status', '--json']);
    expect(json.code).toBe(5);
    const data = JSON.parse(json.stdout);
    expect(data.healthy).toBe(false);
    expect(data.fellBack).toBe(true);
    expect(data.fallback).toMatchObject({ wanted: 'redis', driver: 'redis' });
    expect(data.fallback.reason).toMatch(/refused|cannot/);
  });

  it.each([
    ['cache:clear', ['cache:clear', '--force']],
    ['cache:purge', ['cache:purge', '*', '--force']],
    ['cache:set', ['cache:set', 'new', 'v']],
    ['cache:delete', ['cache:delete', 'kept']],
    ['cache:expire', ['cache:expire', 'kept', '60']],
  ])('%s refuses to change the fallback store: exit 5, one line, nothing changed', async (_name, args) => {
    const before = files();
    const result = await run(args);
    expect(result.code).toBe(5);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/nothing changed: the fallback file store .* is not the redis store .*--allow-fallback/);
    expect(files()).toEqual(before);
    const json = JSON.parse((await run([...args, '--json'])).stdout);
    expect(json.error.code).toBe(5);
  });

  it('a dry run may look at the fallback, and says it is one', async () => {
    const result = await run(['cache:clear', '--dry-run', '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/falling back to the file store/);
    expect(JSON.parse(result.stdout)).toMatchObject({ matched: 1, fellBack: true, fallback: { wanted: 'redis' } });
  });

  it('reads say they read the fallback (stderr and JSON)', async () => {
    const result = await run(['cache:get', 'kept', '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/falling back to the file store/);
    expect(JSON.parse(result.stdout)).toMatchObject({ value: 'v', fellBack: true, fallback: { wanted: 'redis' } });
  });

  it('--allow-fallback lets a change through, with the warning', async () => {
    const result = await run(['--allow-fallback', 'cache:set', 'new', 'v2']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/falling back to the file store/);
    expect((await glueful(['--store', 'file', 'cache:get', 'new'], { cwd: project.dir })).stdout).toBe('v2\n');
  });
});
