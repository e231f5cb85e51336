/**
 * The lean `cache:get` entry (commands/fast-get.ts, dist/glueful-get.cjs)
 * is the full program, only faster to start: it takes a command line only
 * when it reads it exactly as commander does, and then its output, errors
 * and exit codes are the full program's, byte for byte — on the file store,
 * on Redis, with the store down, with a broken config, into a pipe.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFastGet } from '../commands/fast-get.js';
import { buildProgram } from '../commands/index.js';
import { cleanEnv, glueful, tempProject } from './helpers/cli.js';
import { startRedis, type ServerHandle } from './helpers/servers.js';

const DIST = resolve(import.meta.dirname, '../dist');

/** What commander makes of `args`: the parsed command, or null for an error, help or another command. */
async function commanderParse(args: string[]): Promise<unknown> {
  let parsed: unknown = null;
  const program = buildProgram(
    async (module, cmd) => {
      parsed = { module: module.command.name, args: cmd.processedArgs.flat(), options: cmd.opts(), globals: cmd.optsWithGlobals() };
    },
    { writeErr: () => undefined, writeOut: () => undefined },
  );
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return null;
    throw error;
  }
  return parsed;
}

const fast = (args: string[]) => {
  const parsed = parseFastGet(args);
  return parsed && { module: parsed.module.command.name, args: parsed.args, options: parsed.options, globals: { ...parsed.options, ...parsed.globals } };
};

describe('the lean cache:get entry reads argv as commander does', () => {
  const taken = [
    ['cache:get', 'user:1'],
    ['cache:get', 'user:1', '--json'],
    ['--json', 'cache:get', 'user:1'],
    ['cache:get', '--json', 'user:1'],
    ['cache:get', 'blob', '--raw'],
    ['cache:get', '--raw', 'blob', '--json'],
    ['cache:get', 'a b c'],
    ['cache:get', 'cache:set'],
    ['cache:get', 'ünïcode:☃'],
    ['cache:get', ''],
  ];
  it.each(taken)('takes %j, parsed exactly as commander parses it', async (...args) => {
    const ours = fast(args);
    expect(ours).not.toBeNull();
    expect(ours).toEqual(await commanderParse(args));
  });

  const declined = [
    ['cache:get'],
    ['cache:get', '--json'],
    ['cache:get', 'a', 'b'],
    ['cache:get', 'k', '--raw', '--raw'],
    ['cache:get', 'k', '--json', '--json'],
    ['--raw', 'cache:get', 'k'],
    ['cache:get', 'k', '--bogus'],
    ['cache:get', 'k', '--prefix', 'p'],
    ['--store', 'redis', 'cache:get', 'k'],
    ['cache:get', 'k', '-q'],
    ['cache:get', 'k', '--help'],
    ['cache:get', '--', '-k'],
    ['cache:get', '-k'],
    ['cache:get', 'k', '--no-color'],
    ['--prefix', 'cache:get', 'cache:get', 'k'],
    ['x', 'cache:get', 'k'],
    ['cache:set', 'k', 'v'],
    ['cache:get', 'cache:get'],
  ];
  it.each(declined)('leaves %j to the full program', (...args) => {
    expect(parseFastGet(args)).toBeNull();
  });
});

describe('the lean cache:get entry answers as the full program does', () => {
  let project: ReturnType<typeof tempProject>;
  let scripts: string;
  let redis: ServerHandle;
  let downPort: number;

  beforeAll(async () => {
    project = tempProject();
    scripts = mkdtempSync(join(tmpdir(), 'glueful-fast-get-'));
    // Each bundle's main() on process.argv; the lean one must take the command line (exit 99 if it declines).
    writeFileSync(join(scripts, 'full.cjs'), `require(${JSON.stringify(join(DIST, 'glueful.cjs'))}).main(process.argv).then((c) => { process.exitCode = c; });\n`);
    writeFileSync(join(scripts, 'lean.cjs'), `require(${JSON.stringify(join(DIST, 'glueful-get.cjs'))}).main(process.argv).then((c) => { process.exitCode = c ?? 99; });\n`);
    redis = await startRedis();
    const down = await startRedis();
    downPort = down.port;
    await down.stop();
    const set = (args: string[], input?: string, env?: Record<string, string>) => glueful(['cache:set', ...args], { cwd: project.dir, input, env });
    await set(['text', 'hello world']);
    await set(['lines', 'line one\nline two\n']);
    await set(['json', '{"a":[1,2]}', '--json-value']);
    await set(['big', '-'], 'x'.repeat(300_000));
    await set(['on-redis', 'from redis'], undefined, { CACHE_DRIVER: 'redis', REDIS_HOST: '127.0.0.1', REDIS_PORT: String(redis.port) });
  }, 60_000);

  afterAll(async () => {
    await redis?.stop();
    project?.cleanup();
    rmSync(scripts, { recursive: true, force: true });
  });

  const both = (args: string[], env: Record<string, string> = {}, cwd?: string) => {
    const one = (script: string) => {
      const r = spawnSync(process.execPath, [join(scripts, script), ...args], { cwd: cwd ?? project.dir, env: cleanEnv(env), encoding: 'utf8', maxBuffer: 1 << 24 });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    return { full: one('full.cjs'), lean: one('lean.cjs') };
  };

  const onRedis = () => ({ CACHE_DRIVER: 'redis', REDIS_HOST: '127.0.0.1', REDIS_PORT: String(redis.port) });
  const cases: Array<[string, string[], () => Record<string, string>, number]> = [
    ['a value', ['cache:get', 'text'], () => ({}), 0],
    ['text with newlines', ['cache:get', 'lines'], () => ({}), 0],
    ['--json', ['cache:get', 'json', '--json'], () => ({}), 0],
    ['--raw --json', ['cache:get', '--raw', 'json', '--json'], () => ({}), 0],
    ['a value larger than a pipe holds', ['cache:get', 'big'], () => ({}), 0],
    ['a missing key', ['cache:get', 'nope'], () => ({}), 4],
    ['a missing key, --json', ['--json', 'cache:get', 'nope'], () => ({}), 4],
    ['an invalid key', ['cache:get', ''], () => ({}), 2],
    ['a value on Redis', ['cache:get', 'on-redis', '--json'], onRedis, 0],
    ['Redis down', ['cache:get', 'on-redis'], () => ({ CACHE_DRIVER: 'redis', REDIS_HOST: '127.0.0.1', REDIS_PORT: String(downPort) }), 5],
    ['a bad setting', ['cache:get', 'text'], () => ({ CACHE_DRIVER: 'nosuch' }), 3],
  ];
  it.each(cases)('%s: same stdout, stderr and exit code', (_, args, env, code) => {
    const { full, lean } = both(args, env());
    expect(lean.code).toBe(code);
    expect(lean).toEqual(full);
  });

  it('Redis down, fallback_to_file on: the file store, the same warning and fellBack document', () => {
    writeFileSync(join(project.dir, 'cache.config.json'), JSON.stringify({ fallback_to_file: true }));
    try {
      const env = { CACHE_DRIVER: 'redis', REDIS_HOST: '127.0.0.1', REDIS_PORT: String(downPort) };
      const { full, lean } = both(['cache:get', 'text', '--json'], env);
      expect(lean.code).toBe(0);
      expect(JSON.parse(lean.stdout)).toMatchObject({ value: 'hello world', fellBack: true });
      expect(lean.stderr).toMatch(/falling back to the file store/);
      expect(lean).toEqual(full);
    } finally {
      rmSync(join(project.dir, 'cache.config.json'));
    }
  });

  it('with a config file that cannot be read: same error, exit 3', () => {
    const sub = tempProject();
    try {
      writeFileSync(join(sub.dir, 'cache.config.json'), '{ "prefix": ');
      const { full, lean } = both(['cache:get', 'k', '--json'], {}, sub.dir);
      expect(lean.code).toBe(3);
      expect(lean).toEqual(full);
    } finally {
      sub.cleanup();
    }
  });

  it('into a reader that leaves early: exit 141, nothing on stderr, as the full program', () => {
    const bash = (script: string) =>
      spawnSync('bash', ['-c', `"${process.execPath}" "${join(scripts, script)}" cache:get big | head -c 10; echo " \${PIPESTATUS[0]}"`], { cwd: project.dir, env: cleanEnv(), encoding: 'utf8' });
    const [lean, full] = [bash('lean.cjs'), bash('full.cjs')];
    expect(lean.stdout).toBe('xxxxxxxxxx 141\n');
    expect(lean.stderr).toBe('');
    expect({ stdout: lean.stdout, stderr: lean.stderr }).toEqual({ stdout: full.stdout, stderr: full.stderr });
  });
});
