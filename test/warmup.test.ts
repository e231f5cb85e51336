/**
 * cache:warmup end to end: built-in strategies (inline, JSON/NDJSON file,
 * command, HTTP against a local server), plugin modules and their loading
 * errors, a failing strategy beside succeeding ones, overlap between two
 * processes, background mode; on the file store and real Redis/Memcached.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { glueful, tempProject } from './helpers/cli.js';
import { HOST, startMemcached, startRedis, type ServerHandle } from './helpers/servers.js';

let project: ReturnType<typeof tempProject>;
let http: Server;
let httpPort = 0;
beforeAll(async () => {
  project = tempProject();
  http = createServer((req, res) => {
    if (req.url === '/menu') {
      res.setHeader('content-type', 'application/json');
      res.end('{"items":["home","about"]}');
    } else {
      res.statusCode = 503;
      res.end('down');
    }
  });
  await new Promise<void>((r) => http.listen(0, HOST, r));
  httpPort = (http.address() as { port: number }).port;
});
afterAll(() => {
  http.close();
  project.cleanup();
});

const config = (strategies: unknown[], extra: Record<string, unknown> = {}) =>
  writeFileSync(join(project.dir, 'cache.config.json'), JSON.stringify({ ...extra, warmup: { strategies } }));
const run = (args: string[], env: Record<string, string> = {}) => glueful(['cache:warmup', ...args], { cwd: project.dir, env });
const json = async (args: string[], env: Record<string, string> = {}) => {
  const result = await run([...args, '--json'], env);
  return { ...result, data: JSON.parse(result.stdout) };
};

describe('--list', () => {
  it('with nothing configured: the built-in types, one line each, and where to declare one', async () => {
    const empty = tempProject();
    try {
      const human = await glueful(['cache:warmup', '--list'], { cwd: empty.dir });
      expect(human.code).toBe(0);
      for (const type of ['inline', 'file', 'command', 'http']) expect(human.stdout).toMatch(new RegExp(`^  ${type} +\\S`, 'm'));
      expect(human.stdout).toContain(`warmup.strategies in ${join(empty.dir, 'cache.config.ts')}`);
      const data = JSON.parse((await glueful(['cache:warmup', '--list', '--json'], { cwd: empty.dir })).stdout);
      expect(data.registered).toEqual([]);
      expect(data.builtinTypes.map((t: { type: string }) => t.type)).toEqual(['inline', 'file', 'command', 'http']);
      expect(data.declareIn).toBe(join(empty.dir, 'cache.config.ts'));
    } finally {
      empty.cleanup();
    }
  });
});

describe('built-in strategies', () => {
  it('inline, file (JSON and NDJSON with bad lines), command, http: each reported, failures exit 7', async () => {
    writeFileSync(join(project.dir, 'entries.json'), JSON.stringify([{ key: 'j:1', value: 1 }, { key: 'j:2', value: 2, ttl: 60 }]));
    writeFileSync(join(project.dir, 'entries.ndjson'), '{"key":"n:1","value":1}\nnot json\n{"key":"n:2","value":2}\n{"value":3}\n');
    config([
      { name: 'inline', type: 'inline', category: 'config', ttl: 3600, entries: [{ key: 'config:app', value: { name: 'demo' } }] },
      { name: 'json', type: 'file', path: 'entries.json' },
      { name: 'ndjson', type: 'file', path: 'entries.ndjson', tags: ['imported'] },
      { name: 'export', type: 'command', command: process.execPath, args: ['-e', 'console.log(JSON.stringify({key:"c:1",value:"from php"}))'] },
      { name: 'menu', type: 'http', urls: [{ url: `http://${HOST}:${httpPort}/menu`, key: 'http:menu', ttl: 300 }] },
      { name: 'down', type: 'http', urls: [{ url: `http://${HOST}:${httpPort}/down`, key: 'http:down' }] },
    ]);
    const result = await json([]);
    expect(result.code).toBe(7);
    const by = Object.fromEntries(result.data.strategies.map((r: { name: string }) => [r.name, r]));
    expect(by.inline).toMatchObject({ warmed: 1, failed: 0, category: 'config' });
    expect(by.json).toMatchObject({ warmed: 2, failed: 0 });
    expect(by.ndjson).toMatchObject({ warmed: 2, failed: 2 });
    expect(by.export).toMatchObject({ warmed: 1 });
    expect(by.menu).toMatchObject({ warmed: 1 });
    expect(by.down.error).toMatch(/answered 503/);
    expect(result.stderr).toMatch(/entries\.ndjson line 2: not JSON/);
    expect(result.stderr).toMatch(/entries\.ndjson line 4: expected \{"key"/);
    const get = (key: string) => glueful(['cache:get', key, '--json'], { cwd: project.dir }).then((r) => JSON.parse(r.stdout));
    const app = await get('config:app');
    expect(app.value).toEqual({ name: 'demo' });
    // Written with 3600 s; seconds may have passed since (a range, never an exact clock).
    expect(app.ttl).toBeGreaterThan(3500);
    expect(app.ttl).toBeLessThanOrEqual(3600);
    expect(await get('http:menu')).toMatchObject({ value: { items: ['home', 'about'] } });
    expect(await get('c:1')).toMatchObject({ value: 'from php' });
    const tagged = await glueful(['cache:clear', '--tag', 'imported', '--dry-run', '--json'], { cwd: project.dir });
    expect(JSON.parse(tagged.stdout).matched).toBe(2);
    expect(Number((await get('warmup:last_run')).value)).toBeGreaterThan(1_700_000_000);
  });

  it('--dry-run writes nothing; --category and --strategy select; unknown names list the valid ones', async () => {
    config([
      { name: 'a', type: 'inline', category: 'config', entries: [{ key: 'dry:a', value: 1 }] },
      { name: 'b', type: 'inline', category: 'users', entries: [{ key: 'dry:b', value: 1 }] },
    ]);
    const dry = await json(['--dry-run']);
    expect(dry.data).toMatchObject({ dryRun: true, warmed: 2 });
    expect((await glueful(['cache:get', 'dry:a'], { cwd: project.dir })).code).toBe(4);
    expect((await json(['--category', 'users'])).data.strategies.map((r: { name: string }) => r.name)).toEqual(['b']);
    expect((await json(['--strategy', 'a'])).data.strategies.map((r: { name: string }) => r.name)).toEqual(['a']);
    const unknown = await run(['--strategy', 'c']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown strategy 'c': registered strategies are a, b/);
    expect((await run(['--category', 'nope'])).stderr).toMatch(/no strategy in category 'nope': categories in use are config, users/);
    const list = await json(['--list']);
    expect(list.data.registered).toEqual([
      { name: 'a', category: 'config', description: null, source: 'builtin:inline' },
      { name: 'b', category: 'users', description: null, source: 'builtin:inline' },
    ]);
  });

  it('--refresh-ahead rewarms only missing or nearly expired entries', async () => {
    config([{ name: 'r', type: 'inline', ttl: 100, entries: [{ key: 'ra:1', value: 1 }, { key: 'ra:2', value: 2 }] }]);
    await glueful(['cache:set', 'ra:1', '0', '--ttl', '100'], { cwd: project.dir });
    const result = await json(['--refresh-ahead', '0.8']);
    expect(result.data.strategies[0]).toMatchObject({ warmed: 1, skipped: 1 });
    expect((await run(['--refresh-ahead', '2'])).code).toBe(2);
  });
});

describe('plugin modules', () => {
  it('loads .mjs and .ts strategies that use ctx.remember and ctx.log', async () => {
    writeFileSync(
      join(project.dir, 'countries.mjs'),
      `export default { name: 'countries', category: 'config', description: 'Country list',
        async *warm(ctx) { const list = await ctx.remember('countries:source', () => ['NL', 'GH'], 60); ctx.log('loaded ' + list.length);
          yield { key: 'config:countries', value: list, ttl: 600 }; } };`,
    );
    writeFileSync(
      join(project.dir, 'menus.ts'),
      `const strategy = { name: 'menus', warm(ctx: { options: { depth: number } }) { return [{ key: 'menu:depth', value: ctx.options.depth as number }]; } };
      export default strategy;`,
    );
    config([{ module: './countries.mjs' }, { module: './menus.ts', options: { depth: 3 } }]);
    const result = await json([]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/countries: loaded 2/);
    expect((await json(['--list'])).data.registered[0]).toMatchObject({ name: 'countries', description: 'Country list', source: './countries.mjs' });
    expect((await glueful(['cache:get', 'menu:depth'], { cwd: project.dir })).stdout).toBe('3\n');
  });

  it('says clearly what is wrong with a declaration (exit 3)', async () => {
    writeFileSync(join(project.dir, 'shapeless.cjs'), 'module.exports = { name: "x" };');
    const cases: Array<[unknown[], RegExp]> = [
      [[{ module: './missing.js' }], /warmup\.strategies\[0\]: cannot load module '\.\/missing\.js': Cannot find module/],
      [[{ module: './shapeless.cjs' }], /warmup\.strategies\[0\]: module '\.\/shapeless\.cjs' does not export a strategy/],
      [[{ name: 'a', type: 'inline', entries: [] }, { name: 'a', type: 'file', path: 'x.json' }], /warmup\.strategies\[1\]: duplicate strategy name 'a' \(also warmup\.strategies\[0\]\)/],
      [[{ name: 'z', type: 'ftp' }], /unknown type 'ftp': expected one of inline, file, command, http/],
    ];
    for (const [strategies, message] of cases) {
      config(strategies);
      const result = await run([]);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(message);
    }
  });
});

describe('cron safety', () => {
  const slow = () =>
    config([{ name: 'slow', type: 'command', command: process.execPath, args: ['-e', 'setTimeout(() => console.log(JSON.stringify({key:"slow",value:1})), 1500)'] }]);

  it('a second, overlapping run exits 5 naming the run that holds the lock; --wait waits for the first', async () => {
    slow();
    const first = run([]);
    await sleep(600);
    const second = await run([]);
    expect(second.code).toBe(5);
    expect(second.stderr).toMatch(/nothing done: a warmup is already running: pid \d+ on /);
    const waited = await json(['--wait']);
    expect(waited.code).toBe(0);
    expect(waited.data.strategies[0].warmed).toBe(1);
    expect((await first).code).toBe(0);
  });

  it('--background returns at once and leaves a pid and a log', async () => {
    slow();
    const started = Date.now();
    const result = await json(['--background']);
    expect(Date.now() - started).toBeLessThan(1200);
    const { pid, logFile, pidFile } = result.data.background;
    expect(Number(readFileSync(pidFile, 'utf8'))).toBe(pid);
    const deadline = Date.now() + 10_000;
    while (isRunning(pid) && Date.now() < deadline) await sleep(100);
    expect(existsSync(logFile)).toBe(true);
    expect(readFileSync(logFile, 'utf8')).toMatch(/slow/);
    expect((await glueful(['cache:get', 'slow'], { cwd: project.dir })).stdout).toBe('1\n');
  });
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('on real servers', () => {
  let redis: ServerHandle;
  let memcached: ServerHandle;
  beforeAll(async () => {
    [redis, memcached] = await Promise.all([startRedis(), startMemcached()]);
  });
  afterAll(async () => {
    await Promise.all([redis.stop(), memcached.stop()]);
  });

  it.each([
    ['redis', () => ({ CACHE_DRIVER: 'redis', REDIS_HOST: HOST, REDIS_PORT: String(redis.port) })],
    ['memcached', () => ({ CACHE_DRIVER: 'memcached', MEMCACHED_HOST: HOST, MEMCACHED_PORT: String(memcached.port) })],
  ])('warms %s through the bulk path, and its tags invalidate', async (_name, env) => {
    config([{ name: 'bulk', type: 'command', command: process.execPath, args: ['-e', 'for (let i = 0; i < 5000; i++) console.log(JSON.stringify({key: "w:" + i, value: i, ttl: 300}))'], tags: ['warm'] }]);
    const result = await json([], env());
    expect(result.code).toBe(0);
    expect(result.data.warmed).toBe(5000);
    const check = await glueful(['cache:get', 'w:4999', '--json'], { cwd: project.dir, env: env() });
    expect(JSON.parse(check.stdout)).toMatchObject({ value: 4999 });
    const invalidated = await glueful(['cache:clear', '--tag', 'warm', '--force', '--json'], { cwd: project.dir, env: env() });
    expect(JSON.parse(invalidated.stdout).deleted).toBe(5000);
  });
});
