/**
 * The CLI on a real terminal (a pseudo-terminal from util-linux `script`):
 * colours unless NO_COLOR, the ora spinner during a long purge, and the
 * confirmation prompt. Pipes never see any of these; the other e2e tests
 * cover that side.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, glueful, tempProject } from './helpers/cli.js';
import { HOST, redisCli, startRedis } from './helpers/servers.js';

let project: ReturnType<typeof tempProject>;
beforeAll(() => {
  project = tempProject();
});
afterAll(() => project.cleanup());

/** Runs the CLI inside a pseudo-terminal; `input` is typed at it. */
function onTerminal(
  args: string[],
  env: Record<string, string> = {},
  input = '',
  columns = 100,
  cwd = project.dir,
): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  return new Promise((resolve) => {
    // stty gives the pseudo-terminal a size, as a real terminal has.
    const sized = `stty cols ${columns} rows 30 2>/dev/null; ${command}`;
    const child = spawn('script', ['-qefc', sized, '/dev/null'], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm', ...env },
    });
    let screen = '';
    child.stdout.on('data', (d: Buffer) => (screen += d));
    // script(1) runs until its own stdin ends: type the input, then close it.
    setTimeout(() => child.stdin.end(input), input ? 500 : 0);
    // Long enough for a loaded machine; a hang still ends the test.
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen: screen.slice(0, 20_000) });
    });
  });
}

describe('on a terminal', () => {
  it('colours the status table, and NO_COLOR turns it off', async () => {
    const coloured = await onTerminal(['cache:status']);
    expect(coloured.code).toBe(0);
    expect(coloured.screen).toMatch(/\x1b\[1mKeys/); // section titles in bold
    expect(coloured.screen).toMatch(/\x1b\[32mhealthy/); // the state in green
    const plain = await onTerminal(['cache:status'], { NO_COLOR: '1' });
    expect(plain.code).toBe(0);
    expect(plain.screen).not.toMatch(/\x1b\[1m/);
    expect((await onTerminal(['cache:status', '--no-color'])).screen).not.toMatch(/\x1b\[1m/);
  });

  it('status reads as sections with units, no code names, on a narrow terminal too', async () => {
    for (const columns of [40, 160]) {
      const { code, screen } = await onTerminal(['cache:status', '--detailed'], { NO_COLOR: '1' }, '', columns);
      expect(code).toBe(0);
      expect(screen).toMatch(/^Store +file \(file driver\)/m);
      expect(screen).toMatch(/^Keys\r?$/m);
      expect(screen).toMatch(/^ {2}Size +[\d.]+ (B|KiB|MiB)/m);
      expect(screen).toMatch(/^ {2}TTL reads +yes/m);
      // The report speaks in labels; only the effective configuration, at the end, shows config names.
      const report = screen.split('Effective configuration')[0]!;
      expect(report).not.toMatch(/hashLevels|expiredEntries|usedMemory|uptimeSeconds|listKeys/);
      expect(report).not.toMatch(/[┌─│]/); // no table rules between facts
    }
  });

  it('a value with control or non-text bytes is shown escaped, never written into the terminal', async () => {
    const set = spawn(process.execPath, [BIN, 'cache:set', 'binary', '-'], { cwd: project.dir, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    set.stdin.end(Buffer.from([0x00, 0x01, 0x1b, 0x5b, 0x32, 0x4a, 0x72, 0x65, 0x64, 0xff, 0xfe, 0x5c]));
    await new Promise((resolve) => set.on('close', resolve));
    const binary = await onTerminal(['cache:get', 'binary'], { NO_COLOR: '1' });
    expect(binary.code).toBe(0);
    expect(binary.screen).toContain('\\x00\\x01\\x1b[2Jred\\xff\\xfe\\\\');
    expect(binary.screen).not.toMatch(/\x1b\[2J|\x00/);
    await onTerminal(['cache:set', 'bell', 'a\x07b\x1b[31mc']);
    const text = await onTerminal(['cache:get', 'bell'], { NO_COLOR: '1' });
    expect(text.screen).toContain('a\\x07b\\x1b[31mc');
    expect(text.screen).not.toMatch(/\x07|\x1b\[31m/);
    await onTerminal(['cache:delete', 'binary', 'bell']); // the prompt test below counts what is left
  });

  it('cache:config lists settings with their origins within 80 columns: titles bold, defaults dimmed; NO_COLOR plain', async () => {
    const env = { CACHE_PREFIX: 'tty_', REDIS_PASSWORD: 'tty-secret' };
    const coloured = await onTerminal(['cache:config', '--store', 'file'], env, '', 80);
    expect(coloured.code).toBe(0);
    expect(coloured.screen).toMatch(/\x1b\[1mstores\.file\x1b\[22m/);
    expect(coloured.screen).toMatch(/\x1b\[2mbuilt-in default\x1b\[22m/);
    const plain = await onTerminal(['cache:config', '--store', 'file'], { ...env, NO_COLOR: '1' }, '', 80);
    expect(plain.code).toBe(0);
    expect(plain.screen).not.toMatch(/\x1b\[/);
    expect(plain.screen).toMatch(/^store +file \(--store\)\r?$/m);
    expect(plain.screen).toMatch(/^ {2}prefix +tty_ +env CACHE_PREFIX\r?$/m);
    expect(plain.screen).toMatch(/^ {2}hash_levels +2 +built-in default\r?$/m);
    expect(plain.screen).not.toContain('tty-secret');
    for (const line of plain.screen.split(/\r?\n/)) expect(line.length, line).toBeLessThanOrEqual(80);
  });

  it('asks before deleting, and deletes on yes', async () => {
    await onTerminal(['cache:set', 'doomed', 'v']);
    const no = await onTerminal(['cache:clear'], {}, 'n\r');
    expect(no.screen).toMatch(/Delete every key under the prefix 'glueful_'.*\[y\/N\]/);
    expect(no.code).toBe(130);
    const yes = await onTerminal(['cache:clear'], {}, 'y\r');
    expect(yes.code).toBe(0);
    expect(yes.screen).toMatch(/deleted 1 key\b/);
  });

  it.each([
    ['Ctrl-C', '\x03'],
    ['Ctrl-D', '\x04'],
  ])('%s at the prompt is a no: exit 130, nothing deleted', async (_name, key) => {
    await onTerminal(['cache:set', 'spared', 'v']);
    const result = await onTerminal(['cache:clear'], {}, key);
    expect(result.screen).toMatch(/\[y\/N\]/);
    expect(result.code).toBe(130);
    expect(result.screen).toMatch(/cancelled: nothing was deleted/);
    expect(result.screen).not.toMatch(/Aborted with Ctrl\+C/);
    expect((await onTerminal(['cache:get', 'spared'])).screen).toMatch(/^v\r?$/m);
  });

  it('draws a progress spinner during a purge, and stops it', async () => {
    await onTerminal(['cache:set', 'p:1', 'v']);
    const result = await onTerminal(['cache:purge', 'p:*', '--force']);
    expect(result.code).toBe(0);
    expect(result.screen).toMatch(/deleting/); // ora's spinner text
    expect(result.screen).toMatch(/deleted 1 key matching 'p:\*'/);
    expect(result.screen.length).toBeLessThan(5000);
  });

  it('draws no spinner on a terminal without a width (and does not hang)', async () => {
    await onTerminal(['cache:set', 'q:1', 'v']);
    const result = await onTerminal(['cache:purge', 'q:*', '--force'], {}, '', 0);
    expect(result.code).toBe(0);
    expect(result.screen).not.toMatch(/deleting/);
    expect(result.screen).toMatch(/deleted 1 key\b/);
  });

  it('inspect shows how many keys it has walked and its rate while it walks, then the table', async () => {
    const redis = await startRedis();
    try {
      // 200 k keys in one script: a walk long enough for the spinner to show its figures.
      redisCli(redis.port, ['eval', "for i = 1, 200000 do redis.call('SET', 'big:' .. i, 'json:1') end return 1", '0']);
      const env = { CACHE_DRIVER: 'redis', REDIS_HOST: HOST, REDIS_PORT: String(redis.port), CACHE_PREFIX: '', NO_COLOR: '1' };
      const result = await onTerminal(['cache:inspect', '--top', '0'], env);
      expect(result.code).toBe(0);
      expect(result.screen).toMatch(/inspecting: [\d,]+ keys \([\d,]+ keys\/s\)/);
      expect(result.screen).not.toMatch(/deleted/);
      expect(result.screen).toMatch(/big:\{id\}[\s│]+200,000/);
    } finally {
      await redis.stop();
    }
  });

  it('warmup shows entries, how far through the input, and the rate while it writes, then the report', { timeout: 120_000 }, async () => {
    const dir = join(project.dir, 'warm');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{}');
    // 3 k entries into the file store from NDJSON, 2 k from an inline list: the spinner shows figures from the first batch.
    let lines = '';
    for (let i = 0; i < 3000; i++) lines += `{"key":"w:${i}","value":{"id":${i}},"ttl":600}\n`;
    writeFileSync(join(dir, 'entries.ndjson'), lines);
    const inline = Array.from({ length: 2000 }, (_, i) => ({ key: `l:${i}`, value: i }));
    const strategies = [{ name: 'users', type: 'file', path: 'entries.ndjson' }, { name: 'list', type: 'inline', entries: inline }];
    writeFileSync(join(dir, 'cache.config.json'), JSON.stringify({ stores: { file: { path: join(dir, 'store') } }, warmup: { strategies } }));
    const both = await onTerminal(['cache:warmup', '--concurrency', '1'], { NO_COLOR: '1' }, '', 100, dir);
    expect(both.code).toBe(0);
    expect(both.screen).toMatch(/warming: [\d,]+ entries, \d+% of the input \([\d,]+ entries\/s\)/);
    expect(both.screen).toMatch(/done: 5,000 entries warmed in /);
    const listed = await onTerminal(['cache:warmup', '--strategy', 'list'], { NO_COLOR: '1' }, '', 100, dir);
    expect(listed.code).toBe(0);
    expect(listed.screen).toMatch(/done: 2,000 entries warmed in /);
    // The inline list's length is known: the spinner says done / total.
    expect(listed.screen).toMatch(/warming: [\d,]+ \/ 2,000 entries \([\d,]+ entries\/s\)/);
    const piped = await glueful(['cache:warmup', '--strategy', 'list'], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(piped.code).toBe(0);
    expect(piped.stderr + piped.stdout).not.toMatch(/warming/);
  });
});
