/**
 * Bad input: every command with missing or invalid arguments, bad TTLs,
 * hostile keys and broken config gets one clear line and its exit code,
 * never a stack trace and never a half-written entry.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { glueful, tempProject } from './helpers/cli.js';

let project: ReturnType<typeof tempProject>;
beforeAll(() => {
  project = tempProject();
});
afterAll(() => project.cleanup());

const run = (args: string[], env?: Record<string, string>, input?: string) =>
  glueful(args, { cwd: project.dir, env, input });

function expectOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines.some((l) => pattern.test(l)), stderr).toBe(true);
  expect(stderr).not.toMatch(/\n\s+at .*\(/); // no stack trace
}

const cases: Array<[string, string[], number, RegExp]> = [
  ['get without a key', ['cache:get'], 2, /missing required argument 'key'/],
  ['set without a value', ['cache:set', 'k'], 2, /missing required argument 'value'/],
  ['delete without keys', ['cache:delete'], 2, /missing required argument 'key'/],
  ['ttl without a key', ['cache:ttl'], 2, /missing required argument/],
  ['expire without a ttl', ['cache:expire', 'k'], 2, /missing required argument 'ttl'/],
  ['purge without a pattern', ['cache:purge'], 2, /missing pattern: give a key pattern, or --url \/ --edge-tag \/ --edge-all \/ --batch-file for the edge/],
  ['an unknown command', ['cache:flush'], 2, /unknown command 'cache:flush'/],
  ['an unknown option', ['cache:get', 'k', '--bogus'], 2, /unknown option '--bogus'/],
  ['a TTL of zero', ['cache:set', 'k', 'v', '--ttl', '0'], 2, /invalid TTL '0': must be at least 1 second/],
  ['a negative TTL', ['cache:set', 'k', 'v', '--ttl', '-5'], 2, /invalid TTL '-5'/],
  ['a TTL in words', ['cache:set', 'k', 'v', '--ttl', 'tomorrow'], 2, /invalid TTL 'tomorrow': use seconds or a duration/],
  ['a fractional TTL', ['cache:expire', 'k', '1.5h'], 2, /invalid TTL '1\.5h'/],
  ['expire to 0', ['cache:expire', 'k', '0'], 2, /invalid TTL '0': use 'never' to remove the expiry, or cache:delete/],
  ['an empty key', ['cache:set', '', 'v'], 2, /invalid key: the key is empty/],
  ['an empty key to get', ['cache:get', ''], 2, /invalid key: the key is empty/],
  ['an empty tag', ['cache:set', 'k', 'v', '--tags', 'a,,b'], 2, /argument 'a,,b' is invalid\. an item of the list is empty/],
  ['a tag with a space', ['cache:clear', '--tag', 'a b', '--force'], 2, /invalid tag 'a b'/],
  ['invalid JSON with --json-value', ['cache:set', 'k', '{oops', '--json-value'], 2, /--json-value: the value is not valid JSON/],
  ['--raw with --json-value', ['cache:set', 'k', '1', '--raw', '--json-value'], 2, /option '--json-value' cannot be used with option '--raw'/],
  ['--prune-tags with --dry-run (pruning has no dry run)', ['cache:clear', '--prune-tags', '--dry-run'], 2, /'--dry-run' cannot be used with option '--prune-tags'/],
  ['two modes of cache:clear (--category and --tag)', ['cache:clear', '--category', 'users', '--tag', 'x', '--force'], 2, /'--tag <tag>' cannot be used with option '--category <name>'/],
  ['--flush-database with --tags', ['cache:clear', '--tags', 'a', '--flush-database', '0', '--force'], 2, /cannot be used with option/],
  ['an unclosed glob', ['cache:purge', 'user:[ab', '--force'], 2, /invalid pattern 'user:\[ab': '\[' is never closed/],
  ['an empty pattern', ['cache:purge', '', '--force'], 2, /invalid pattern: the pattern is empty/],
  ['a bad --sample', ['cache:purge', '*', '--dry-run', '--sample', 'ten'], 2, /invalid --show 'ten'/],
  ['an unknown store', ['cache:get', 'k', '--store', 'nowhere'], 3, /unknown store 'nowhere': configured stores are file/],
  ['a missing --config file', ['cache:get', 'k', '--config', 'missing.ts'], 3, /config file not found: .*missing\.ts/],
];

describe('bad arguments', () => {
  it.each(cases)('%s', async (_name, args, code, message) => {
    const result = await run(args);
    expect(result.code).toBe(code);
    expect(result.stdout).toBe('');
    expectOneLine(result.stderr, message);
  });

  it('an oversized value is refused and nothing is written', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const result = await run(['cache:set', 'huge', '-'], undefined, big);
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, /over the 1048576-byte limit/);
    expect((await run(['cache:get', 'huge'])).code).toBe(4);
  });

  it('a key full of ../ is just a key: stored and read back inside the cache', async () => {
    const result = await run(['cache:set', '../../../../tmp/escape', 'v', '--json']);
    expect(result.code).toBe(0);
    expect((await run(['cache:get', '../../../../tmp/escape'])).stdout).toBe('v\n');
  });
});

describe('bad configuration', () => {
  const configCases: Array<[string, string, RegExp]> = [
    ['an unknown driver', '{"stores":{"cache":{"driver":"mongo"}}}', /stores\.cache\.driver: expected one of file, redis, memcached, array, got "mongo"/],
    ['a port that is not a number', '{"stores":{"redis":{"port":"abc"}}}', /stores\.redis\.port: expected an integer from 1 to 65535, got "abc"/],
    ['a negative lock ttl', '{"stampede_protection":{"lock_ttl":-1}}', /stampede_protection\.lock_ttl: expected a number from 1 to 86400, got -1/],
    ['broken JSON', '{"prefix": ', /cannot load .*broken\.json/],
  ];
  it.each(configCases)('%s is exit 3 naming the key', async (_name, text, message) => {
    writeFileSync(join(project.dir, 'broken.json'), text);
    const result = await run(['cache:get', 'k', '--config', 'broken.json']);
    expect(result.code).toBe(3);
    expectOneLine(result.stderr, message);
  });

  it('a bad environment value names the variable', async () => {
    const result = await run(['cache:status'], { REDIS_PORT: 'eighty' });
    expect(result.code).toBe(3);
    expectOneLine(result.stderr, /REDIS_PORT: expected an integer from 1 to 65535, got "eighty"/);
  });

  it('CACHE_DRIVER naming no store says which stores there are', async () => {
    const result = await run(['cache:get', 'k'], { CACHE_DRIVER: 'mongo' });
    expect(result.code).toBe(3);
    expectOneLine(result.stderr, /default: expected one of the configured stores \(file\), got "mongo"/);
  });

  it('--verbose adds the stack trace', async () => {
    const result = await run(['cache:get', 'k', '--verbose', '--store', 'nowhere']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/\n\s+at /);
  });
});
