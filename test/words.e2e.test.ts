/**
 * One way to say counts, sizes and durations in every command: "1 key",
 * "2 keys", "200,000", "1.5 KiB", "420 ms" / "3.2s" / "4m07s" for work,
 * "59m59s" for a lifetime; and pointers into the README that lead somewhere.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatElapsed, formatQuantity } from '../src/output/format.js';
import { RecentRate } from '../src/output/progress.js';
import { glueful, tempProject } from './helpers/cli.js';

let project: ReturnType<typeof tempProject>;
beforeAll(() => {
  project = tempProject();
});
afterAll(() => project.cleanup());
const run = (args: string[]) => glueful(args, { cwd: project.dir });

describe('formatQuantity', () => {
  it('says one and many, with thousands separated', () => {
    expect([formatQuantity(0, 'key'), formatQuantity(1, 'key'), formatQuantity(200000, 'key')]).toEqual(['0 keys', '1 key', '200,000 keys']);
    expect(formatQuantity(1, 'entry', 'entries')).toBe('1 entry');
    expect(formatQuantity(2, 'entry', 'entries')).toBe('2 entries');
  });

  it('a latency under 10 ms keeps its fraction', () => {
    expect([formatElapsed(0.214), formatElapsed(3.4), formatElapsed(420), formatElapsed(3240)]).toEqual(['0.21 ms', '3.4 ms', '420 ms', '3.2s']);
  });
});

describe('the rate a spinner shows', () => {
  it('is of the last 3 seconds, and follows whichever count moves (a clear lists, then unlinks)', () => {
    const rate = new RecentRate(0);
    const seen: number[] = [];
    // Listing: 10,000 scanned a second for 10 s, nothing deleted.
    for (let ms = 100; ms <= 10_000; ms += 100) seen.push(rate.at(ms, [ms * 10, 0]));
    expect(seen.at(-1)).toBe(10_000);
    // Unlinking: scanned stands still at 100,000, 2,000 deleted a second.
    for (let ms = 10_100; ms <= 20_000; ms += 100) seen.push(rate.at(ms, [100_000, (ms - 10_000) * 2]));
    expect(seen.at(-1)).toBe(2_000);
    // A stall shows as 0 once the window has passed it, not as a slowly falling average.
    for (let ms = 20_100; ms <= 24_000; ms += 100) seen.push(rate.at(ms, [100_000, 20_000]));
    expect(seen.at(-1)).toBe(0);
  });
});

describe('the words of each command', () => {
  it('delete, purge and clear say "1 key", with the time as every command says it', async () => {
    await run(['cache:set', 'w:1', 'v']);
    expect((await run(['cache:delete', 'w:1'])).stderr).toBe('deleted 1 key\n');
    await run(['cache:set', 'w:2', 'v']);
    expect((await run(['cache:purge', 'w:*', '--dry-run'])).stdout).toMatch(/^1 key matching 'w:\*' would be deleted/);
    expect((await run(['cache:purge', 'w:*', '--force'])).stderr).toMatch(/^deleted 1 key matching 'w:\*' in (\d+(\.\d+)? ms|\d+\.\ds)\n$/);
  });

  it('set says the size in units; inspect gives a lifetime as ttl does', async () => {
    expect((await run(['cache:set', 'w:ttl', 'v', '--ttl', '1h'])).stderr).toBe("stored 'w:ttl' (8 B, expires in 1h)\n");
    const inspect = await run(['cache:inspect']);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toMatch(/ttl (59m\d\ds|1h) +w:ttl/);
    expect(inspect.stdout).not.toMatch(/ttl \d{3,}s/);
    expect(inspect.stderr).toMatch(/^1 key, .* in (\d+(\.\d+)? ms|\d+\.\ds)\n$/m);
  });

  it('cache:purge --list-providers points to a README section that exists', async () => {
    const list = await run(['cache:purge', '--list-providers']);
    const pointer = /README[^"]*"([^"]+)"/.exec(list.stdout + list.stderr)?.[1];
    expect(pointer).toBeDefined();
    const headings = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8').split('\n').filter((l) => l.startsWith('#'));
    expect(headings.some((h) => h.includes(pointer!))).toBe(true);
  });
});
