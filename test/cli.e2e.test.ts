/** End to end: the real bin/glueful in a subprocess, on the embedded file store. */
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { BIN, cleanEnv, glueful, tempProject } from './helpers/cli.js';

let project: ReturnType<typeof tempProject>;
const run = (args: string[], input?: string | Buffer, env?: Record<string, string | undefined>) =>
  glueful(args, { cwd: project.dir, input, env });
const json = async (args: string[], input?: string) => {
  const result = await run([...args, '--json'], input);
  return { ...result, data: JSON.parse(result.stdout) };
};

beforeAll(() => {
  project = tempProject();
});
afterAll(() => project.cleanup());

describe('get / set', () => {
  it('sets and gets a string, printing only the value', async () => {
    const set = await run(['cache:set', 'greeting', 'hello world', '--ttl', '15m']);
    expect(set).toMatchObject({ code: 0, stdout: '' });
    expect(set.stderr).toMatch(/stored 'greeting' .*expires in 15m/);
    expect(await run(['cache:get', 'greeting'])).toMatchObject({ code: 0, stdout: 'hello world\n' });
  });

  it('prints the documented --json shapes', async () => {
    await run(['cache:set', 'user:1', '{"name":"Ada"}', '--json-value', '--tags', 'users,admins', '--ttl', '1h']);
    const get = await json(['cache:get', 'user:1']);
    expect(get.data).toEqual({ key: 'user:1', value: { name: 'Ada' }, ttl: expect.any(Number), format: 'json' });
    expect(get.data.ttl).toBeGreaterThan(3590);
    const set = await json(['cache:set', 'n', '5', '--json-value']);
    expect(set.data).toEqual({ key: 'n', written: true, ttl: -1, tags: [], bytes: 6, encoding: 'json', warnings: [] }); // -1: no expiry, as get and ttl say
    expect((await json(['cache:ttl', 'n'])).data).toEqual({ key: 'n', ttl: -1 });
  });

  it('with --json, an argument error is the same JSON error document as any other error', async () => {
    for (const [args, message] of [
      [['--json', 'cache:get'], "missing required argument 'key'"],
      [['cache:get', 'k', '--json', '--bogus'], "unknown option '--bogus'"],
      [['cache:set', 'k', 'v', '--json', '--ttl'], "option '-t, --ttl <duration>' argument missing"],
    ] as const) {
      const result = await run([...args]);
      expect(result.code).toBe(2);
      expect(JSON.parse(result.stdout)).toEqual({ error: { code: 2, type: 'UsageError', message } });
      expect(result.stderr).toBe(`glueful: error: ${message}\n`);
    }
    const missing = await run(['--json', 'cache:get', 'no-such-key']);
    expect(JSON.parse(missing.stdout)).toEqual({ error: { code: 4, type: 'KeyNotFoundError', message: expect.any(String) } });
  });

  it('--raw shows the stored bytes', async () => {
    await run(['cache:set', 'raw-demo', 'x']);
    expect((await run(['cache:get', 'raw-demo', '--raw'])).stdout).toBe('json:"x"');
    expect((await json(['cache:get', 'raw-demo', '--raw'])).data).toMatchObject({ raw: 'json:"x"', rawEncoding: 'utf8' });
  });

  it("reads the value from stdin with '-', binary-safe", async () => {
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x0a, 0x80]);
    expect((await run(['cache:set', 'blob', '-'], bytes)).code).toBe(0);
    const result = await json(['cache:get', 'blob', '--raw']);
    expect(Buffer.from(result.data.raw, 'base64').equals(bytes)).toBe(true);
    // --json is lossless for bytes that are not text: base64, said by `encoding`.
    const plain = await json(['cache:get', 'blob']);
    expect(plain.data).toMatchObject({ key: 'blob', format: 'raw', encoding: 'base64' });
    expect(Buffer.from(plain.data.value, 'base64').equals(bytes)).toBe(true);
    // Into a pipe the bytes go as they are, as redis-cli writes them.
    const piped = spawnSync(process.execPath, [BIN, 'cache:get', 'blob'], { cwd: project.dir, env: cleanEnv() });
    expect(piped.stdout.equals(Buffer.concat([bytes, Buffer.from('\n')]))).toBe(true);
    await run(['cache:set', 'text', '-'], 'line one\nline two\n');
    expect((await run(['cache:get', 'text'])).stdout).toBe('line one\nline two\n\n');
  });

  it('--nx does not overwrite', async () => {
    await run(['cache:set', 'lock', 'first']);
    const again = await json(['cache:set', 'lock', 'second', '--nx']);
    expect(again.code).toBe(0);
    expect(again.data.written).toBe(false);
    expect((await run(['cache:get', 'lock'])).stdout).toBe('first\n');
  });

  it('warns when the Glueful PHP app could not read the key', async () => {
    const result = await run(['cache:set', 'a/b', 'v']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: .*Glueful PHP app cannot read it/);
  });

  it('a missing key is exit 4 with a message on stderr', async () => {
    const result = await run(['cache:get', 'nope']);
    expect(result).toMatchObject({ code: 4, stdout: '' });
    expect(result.stderr).toBe('glueful: error: key not found: nope\n');
    const asJson = await json(['cache:get', 'nope']);
    expect(asJson.data).toEqual({ error: { code: 4, type: 'KeyNotFoundError', message: 'key not found: nope' } });
  });
});

describe('delete / ttl / expire', () => {
  it('deletes several keys and reports the missing ones', async () => {
    await run(['cache:set', 'd1', '1']);
    await run(['cache:set', 'd2', '2']);
    const result = await json(['cache:delete', 'd1', 'd2', 'd3']);
    expect(result.data).toEqual({ deleted: 2, keys: ['d1', 'd2'], missing: ['d3'] });
    expect(result.code).toBe(0);
    expect((await run(['cache:delete', 'd1'])).code).toBe(4);
  });

  it('sets, reads and removes expiry', async () => {
    await run(['cache:set', 'e', 'v']);
    expect((await json(['cache:expire', 'e', '2h'])).data).toEqual({ key: 'e', ttl: 7200 });
    const ttl = Number((await run(['cache:ttl', 'e'])).stdout);
    expect(ttl).toBeGreaterThan(7190);
    await run(['cache:expire', 'e', 'never']);
    expect((await run(['cache:ttl', 'e'])).stdout).toBe('-1\n');
    expect((await run(['cache:expire', 'missing', '10'])).code).toBe(4);
    expect((await run(['cache:ttl', 'missing'])).code).toBe(4);
  });
});

describe('purge / clear', () => {
  it('purges a glob inside the prefix, with a dry run first', async () => {
    for (const k of ['p:user:1', 'p:user:2', 'p:post:1']) await run(['cache:set', k, 'v']);
    const dry = await json(['cache:purge', 'p:user:*', '--dry-run']);
    expect(dry.data).toMatchObject({ pattern: 'p:user:*', matched: 2, deleted: 0, dryRun: true });
    expect(dry.data.sample.sort()).toEqual(['p:user:1', 'p:user:2']);
    const human = await run(['cache:purge', 'p:user:*', '--dry-run']);
    expect(human.stdout).toMatch(/^2 keys matching 'p:user:\*' would be deleted \(dry run/);
    expect((await json(['cache:purge', 'p:user:*', '--force'])).data).toMatchObject({ matched: 2, deleted: 2, dryRun: false });
    expect((await run(['cache:get', 'p:post:1'])).code).toBe(0);
  });

  it('refuses to delete without --force when not on a terminal', async () => {
    const result = await run(['cache:clear']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/pass --force/);
    expect((await run(['cache:purge', '*'])).code).toBe(2);
  });

  it('clears only the prefix, leaving another prefix alone', async () => {
    await run(['cache:set', 'mine', '1']);
    await run(['cache:set', 'theirs', '1', '--prefix', 'other_']);
    const result = await json(['cache:clear', '--force']);
    expect(result.data.deleted).toBeGreaterThan(0);
    expect(result.data.prefix).toBe('glueful_');
    expect((await run(['cache:get', 'theirs', '--prefix', 'other_'])).stdout).toBe('1\n');
    expect((await json(['cache:status'])).data.keys).toBe(0);
  });

  it('clears by tag', async () => {
    await run(['cache:set', 'u1', '1', '--tags', 'users']);
    await run(['cache:set', 'u2', '2', '--tags', 'users,admins']);
    await run(['cache:set', 'p1', '3', '--tags', 'posts']);
    const dry = await json(['cache:clear', '--tag', 'users', '--dry-run']);
    expect(dry.data).toMatchObject({ matched: 2, deleted: 0, tags: ['users'] });
    const result = await json(['cache:clear', '--tag', 'users', '--force']);
    expect(result.data).toMatchObject({ deleted: 2, tags: ['users'] });
    expect((await run(['cache:get', 'p1'])).code).toBe(0);
    expect((await run(['cache:get', 'u1'])).code).toBe(4);
  });
});

describe('status', () => {
  it('says which config and store it used', async () => {
    const result = await json(['cache:status']);
    expect(result.code).toBe(0);
    expect(result.data).toMatchObject({
      store: 'file',
      driver: 'file',
      config: null,
      prefix: 'glueful_',
      healthy: true,
      location: join(project.dir, '.cache', 'glueful-cache'),
    });
    expect(result.data.latencyMs).toBeTypeOf('number');
    const human = await run(['cache:status']);
    expect(human.stdout).toMatch(/none \(defaults and environment\)/);
  });

  it('--detailed adds capabilities and the config with secrets redacted', async () => {
    writeFileSync(
      join(project.dir, 'cache.config.json'),
      JSON.stringify({ stores: { redis: { host: 'h', password: 'hunter2', url: 'redis://u:hunter2@h:1' } } }),
    );
    try {
      const result = await json(['cache:status', '--detailed']);
      expect(result.data.config).toBe(join(project.dir, 'cache.config.json'));
      expect(result.data.capabilities).toMatchObject({ listKeys: true, tags: 'emulated' });
      expect(result.stdout).not.toContain('hunter2');
      expect(result.data.effectiveConfig.stores.redis.password).toBe('***');
    } finally {
      writeFileSync(join(project.dir, 'cache.config.json'), '{}');
    }
  });

  it('--store redis with nothing configured says how to configure it', async () => {
    const result = await run(['--store', 'redis', 'cache:get', 'x']);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      "glueful: error: unknown store 'redis': configured stores are file; to use Redis, set REDIS_HOST and REDIS_PORT (the environment or the project .env), or add stores.redis to the config\n",
    );
  });

  it('is exit 5 with a reason when the store cannot be used', async () => {
    writeFileSync(join(project.dir, 'blocker'), 'a file where the cache directory should be');
    const result = await glueful(['cache:status', '--json'], {
      cwd: project.dir,
      env: { CACHE_FILE_PATH: join(project.dir, 'blocker', 'cache') },
    });
    expect(result.code).toBe(5);
    expect(JSON.parse(result.stdout)).toMatchObject({ healthy: false, error: expect.stringMatching(/ENOTDIR/) });
  });
});

describe('output conventions', () => {
  it('prints no colour codes into a pipe', async () => {
    const piped = await run(['cache:status'], undefined, { NO_COLOR: undefined });
    expect(piped.code).toBe(0);
    expect(piped.stdout).toMatch(/file/);
    expect(piped.stdout).not.toMatch(/\x1b\[/);
  });

  it('FORCE_COLOR colours a pipe, and NO_COLOR wins over it', async () => {
    const forced = await run(['cache:status'], undefined, { NO_COLOR: undefined, FORCE_COLOR: '1' });
    expect(forced.stdout).toMatch(/\x1b\[/);
    const both = await run(['cache:status'], undefined, { NO_COLOR: '1', FORCE_COLOR: '1' });
    expect(both.stdout).not.toMatch(/\x1b\[/);
  });

  it('--quiet hides messages but keeps results', async () => {
    const result = await run(['cache:set', 'q', 'v', '--quiet']);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('an option value that looks like a command does not confuse which command runs', async () => {
    expect((await run(['--prefix', 'cache:get', 'cache:set', 'odd', 'v'])).code).toBe(0);
    expect((await run(['--prefix', 'cache:get', 'cache:get', 'odd'])).stdout).toBe('v\n');
  });

  it('--version and --help exit 0', async () => {
    expect((await run(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+/);
    const help = await run(['cache:purge', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Examples:/);
  });
});

describe('into a pipe whose reader goes away', () => {
  /** Runs `glueful args | reader` in bash; returns both exit codes and the streams. */
  function piped(args: string[], reader: string): Promise<{ stdout: string; stderr: string; codes: number[] }> {
    const cli = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    return new Promise((resolve, reject) => {
      const child = spawn('bash', ['-c', `${cli} | ${reader}; echo "codes:\${PIPESTATUS[*]}" >&2`], {
        cwd: project.dir,
        env: cleanEnv(),
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('error', reject);
      child.on('close', () => {
        const codes = /codes:([\d ]+)/.exec(stderr)?.[1]?.trim().split(' ').map(Number) ?? [];
        resolve({ stdout, stderr: stderr.replace(/codes:.*\n/, ''), codes });
      });
    });
  }

  beforeAll(async () => {
    // Larger than a pipe's buffer, so the writer is still writing when head leaves.
    await run(['cache:set', 'big', '-'], 'x'.repeat(900_000));
  });

  it('cache:get big | head -c 100 ends quietly with 141 (as cat does)', async () => {
    const result = await piped(['cache:get', 'big'], 'head -c 100');
    expect(result.stdout).toBe('x'.repeat(100));
    expect(result.stderr).toBe('');
    expect(result.codes).toEqual([141, 0]);
  });

  it('--json output into head -n 1 ends quietly too', async () => {
    const result = await piped(['cache:get', 'big', '--json'], 'head -n 1');
    expect(result.stdout).toBe('{\n');
    expect(result.stderr).toBe('');
    expect(result.codes).toEqual([141, 0]);
  });

  it('a reader that reads everything sees exit 0', async () => {
    const result = await piped(['cache:get', 'big'], 'wc -c');
    expect(result.stdout.trim()).toBe('900001');
    expect(result.codes).toEqual([0, 0]);
  });
});

describe('the V8 code cache of the bundle', () => {
  it('is written once beside the bundle (0600), reused, and rewritten when it is garbage', async () => {
    // A private copy of bin/ and dist/, so the cache it writes is its own.
    const copy = mkdtempSync(join(tmpdir(), 'glueful-codecache-'));
    try {
      const repo = join(import.meta.dirname, '..');
      cpSync(join(repo, 'bin'), join(copy, 'bin'), { recursive: true });
      cpSync(join(repo, 'dist'), join(copy, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.v8cache') });
      symlinkSync(join(repo, 'node_modules'), join(copy, 'node_modules'));
      const bin = join(copy, 'bin', 'glueful.cjs');
      await run(['cache:set', 'code-cache', 'hello world']);
      const runCopy = () => spawnSync(process.execPath, [bin, 'cache:get', 'code-cache'], { cwd: project.dir, env: cleanEnv(), encoding: 'utf8' });
      const caches = () => readdirSync(join(copy, 'dist')).filter((f) => f.endsWith('.v8cache'));
      const first = runCopy();
      expect(first).toMatchObject({ status: 0, stdout: 'hello world\n' });
      expect(caches()).toHaveLength(1);
      const cache = join(copy, 'dist', caches()[0]!);
      expect(statSync(cache).mode & 0o777).toBe(0o600);
      const written = statSync(cache).mtimeMs;
      expect(runCopy()).toMatchObject({ status: 0, stdout: 'hello world\n' });
      expect(statSync(cache).mtimeMs).toBe(written); // reused, not rewritten
      writeFileSync(cache, 'not a code cache');
      expect(runCopy()).toMatchObject({ status: 0, stdout: 'hello world\n', stderr: '' });
      expect(statSync(cache).size).toBeGreaterThan(1000); // V8 rejected it; a good one replaced it
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('a misspelt setting', () => {
  it('is one warning naming the nearest valid key; the command still runs', async () => {
    const sub = tempProject();
    try {
      writeFileSync(join(sub.dir, 'cache.config.json'), JSON.stringify({ prefx: 'app_', stores: { file: { hash_level: 0 } } }));
      const result = await glueful(['cache:status', '--json'], { cwd: sub.dir });
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ prefix: 'glueful_' });
      expect(result.stderr.trim().split('\n')).toEqual([
        "warning: unknown setting 'prefx' is ignored (did you mean 'prefix'?)",
        "warning: unknown setting 'stores.file.hash_level' is ignored (did you mean 'hash_levels'?)",
      ]);
    } finally {
      sub.cleanup();
    }
  });
});

describe('--strict-config and switches that take effect', () => {
  it('--strict-config makes an unknown setting exit 3, naming it', async () => {
    const sub = tempProject();
    try {
      writeFileSync(join(sub.dir, 'cache.config.json'), JSON.stringify({ prefx: 'app_' }));
      const strict = await glueful(['cache:status', '--strict-config'], { cwd: sub.dir });
      expect(strict.code).toBe(3);
      expect(strict.stderr.trim()).toBe("glueful: error: unknown setting 'prefx' is ignored (did you mean 'prefix'?) (--strict-config)");
      expect((await glueful(['cache:status'], { cwd: sub.dir })).code).toBe(0);
    } finally {
      sub.cleanup();
    }
  });

  it('tagging.enabled: false (CACHE_TAGGING_ENABLED=false) refuses tag work with exit 6 and writes nothing', async () => {
    const off = { CACHE_TAGGING_ENABLED: 'false' };
    const set = await run(['cache:set', 'tagged', 'v', '--tags', 'users'], undefined, off);
    expect(set.code).toBe(6);
    expect(set.stderr).toMatch(/tagging is not supported by the file store \(it is turned off: tagging\.enabled is false/);
    expect((await run(['cache:get', 'tagged'])).code).toBe(4);
    expect((await run(['cache:clear', '--tag', 'users', '--force'], undefined, off)).code).toBe(6);
    expect((await run(['cache:clear', '--category', 'users', '--force'], undefined, { CACHE_TAGS: 'false' })).code).toBe(6);
    expect((await run(['cache:set', 'untagged', 'v'], undefined, off)).code).toBe(0);
  });
});

describe('TypeScript config', () => {
  it('loads the repository example config (defineConfig from glueful-cache)', async () => {
    const repo = join(import.meta.dirname, '..');
    const result = await glueful(['cache:status', '--json', '--config', join(repo, 'cache.config.example.ts')], {
      cwd: project.dir,
    });
    expect(result.code).toBe(0);
    const data = JSON.parse(result.stdout);
    expect(data).toMatchObject({ config: join(repo, 'cache.config.example.ts'), prefix: 'glueful_', store: 'file' });
    expect(data.location).toBe(join(repo, '.cache', 'glueful-cache'));
    const list = await glueful(['cache:warmup', '--list', '--json', '--config', join(repo, 'cache.config.example.ts')], { cwd: project.dir });
    expect(JSON.parse(list.stdout).registered.map((r: { name: string }) => r.name)).toEqual(['system', 'settings']);
  });

  it("loads the README's config (the example copied as cache.config.ts) where glueful-cache is not installed", async () => {
    const sub = tempProject(); // in the temp directory: no node_modules anywhere above it
    try {
      cpSync(join(import.meta.dirname, '..', 'cache.config.example.ts'), join(sub.dir, 'cache.config.ts'));
      const status = await glueful(['cache:status', '--json'], { cwd: sub.dir });
      expect(status.stderr).toBe('');
      expect([status.code, JSON.parse(status.stdout).config]).toEqual([0, join(sub.dir, 'cache.config.ts')]);
      // A module the config imports that is really missing is one line naming the config file.
      writeFileSync(join(sub.dir, 'cache.config.ts'), "import { x } from 'no-such-package';\nexport default { prefix: x };\n");
      const missing = await glueful(['cache:status'], { cwd: sub.dir });
      expect(missing.code).toBe(3);
      expect(missing.stderr.trim().split('\n')).toEqual([`glueful: error: cannot load ${join(sub.dir, 'cache.config.ts')}: Cannot find module 'no-such-package'`]);
    } finally {
      sub.cleanup();
    }
  });

  it('finds cache.config.ts in the project and says where a syntax error is', async () => {
    const sub = tempProject();
    try {
      writeFileSync(join(sub.dir, 'cache.config.ts'), "export default { prefix: 'typed_' as string };\n");
      const status = await glueful(['cache:status', '--json'], { cwd: sub.dir });
      expect(JSON.parse(status.stdout)).toMatchObject({ prefix: 'typed_', config: join(sub.dir, 'cache.config.ts') });
      writeFileSync(join(sub.dir, 'cache.config.ts'), 'export default { prefix: ;\n');
      const broken = await glueful(['cache:status'], { cwd: sub.dir });
      expect(broken.code).toBe(3);
      expect(broken.stderr).toBe(`glueful: error: cannot load ${join(sub.dir, 'cache.config.ts')}: line 1, column 26: Unexpected token\n`);
    } finally {
      sub.cleanup();
    }
  });
});

describe('cache:config', () => {
  it('prints every setting with its origin, secrets masked; --json for scripts; nothing on stderr', async () => {
    const sub = tempProject();
    try {
      writeFileSync(join(sub.dir, '.env'), 'APP_NAME=x\nCACHE_DRIVER=redis\nREDIS_PASSWORD=dotenv-secret\n');
      writeFileSync(join(sub.dir, 'cache.config.json'), JSON.stringify({ stores: { redis: { port: 6390, hots: 'x' } } }));
      const env = { REDIS_HOST: '10.9.8.7' };
      const human = await glueful(['cache:config'], { cwd: sub.dir, env });
      expect(human).toMatchObject({ code: 0, stderr: '' });
      expect(human.stdout).toMatch(/^store +redis \(\.env:2 CACHE_DRIVER\)$/m);
      expect(human.stdout).toMatch(/^stores\.redis\n {2}host +10\.9\.8\.7 +env REDIS_HOST\n {2}port +6390 +cache\.config\.json\n {2}password +\*\*\* +\.env:3 REDIS_PASSWORD$/m);
      expect(human.stdout).toMatch(/^Unknown settings \(ignored\)\n {2}unknown setting 'stores\.redis\.hots' is ignored \(did you mean 'host'\?\)$/m);
      expect(human.stdout).not.toContain('dotenv-secret');
      for (const line of human.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);

      const json = await glueful(['cache:config', '--json', '--store', 'file', '--prefix', 'cli_'], { cwd: sub.dir, env });
      expect(json.code).toBe(0);
      const data = JSON.parse(json.stdout);
      expect(Object.keys(data)).toEqual(['store', 'settings', 'notices', 'unknown']);
      expect(data.store).toBe('file');
      expect(data.settings).toEqual(
        expect.arrayContaining([
          { key: 'default', value: 'redis', origin: { kind: 'dotenv', file: join(sub.dir, '.env'), line: 2, variable: 'CACHE_DRIVER' } },
          { key: 'prefix', value: 'cli_', origin: { kind: 'flag', flag: '--prefix' } },
          { key: 'stores.file.hash_levels', value: 2, origin: { kind: 'default' } },
        ]),
      );
      expect(data.unknown).toEqual(["unknown setting 'stores.redis.hots' is ignored (did you mean 'host'?)"]);
    } finally {
      sub.cleanup();
    }
  });

  it('a bad setting, a bad variable, an unknown store or --strict-config is exit 3 with one line, never a stack trace', async () => {
    const sub = tempProject();
    try {
      writeFileSync(join(sub.dir, 'cache.config.json'), JSON.stringify({ stores: { redis: { port: 'abc' } } }));
      const bad = await glueful(['cache:config'], { cwd: sub.dir });
      expect(bad).toMatchObject({ code: 3, stdout: '' });
      expect(bad.stderr.trim()).toBe('glueful: error: invalid configuration: stores.redis.port: expected an integer from 1 to 65535, got "abc"');
      writeFileSync(join(sub.dir, 'cache.config.json'), JSON.stringify({ prefx: 'a_' }));
      const cases: Array<[string[], Record<string, string>, RegExp]> = [
        [['cache:config'], { REDIS_PORT: 'abc' }, /^glueful: error: invalid configuration: REDIS_PORT: expected an integer from 1 to 65535, got "abc"$/],
        [['cache:config', '--store', 'nope'], {}, /^glueful: error: unknown store 'nope': configured stores are file$/],
        [['cache:config', '--strict-config'], {}, /^glueful: error: unknown setting 'prefx' is ignored \(did you mean 'prefix'\?\) \(--strict-config\)$/],
      ];
      for (const [args, env, message] of cases) {
        const result = await glueful(args, { cwd: sub.dir, env });
        expect(result.code, args.join(' ')).toBe(3);
        expect(result.stderr.trim()).toMatch(message);
        expect(result.stderr).not.toMatch(/^\s+at /m);
      }
    } finally {
      sub.cleanup();
    }
  });
});
