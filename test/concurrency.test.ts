/**
 * Several real processes against one file store: setNx has one winner,
 * increments are never lost, and a writer killed mid-write leaves either the
 * old or the new value, never a torn one, and no lock that blocks the next writer.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NamespacedStore } from '../src/core/namespaced-store.js';
import { md5Hex } from '../src/core/md5.js';
import { FileDriver } from '../src/drivers/file/index.js';
import { glueful } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'glueful-concurrency-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const library = resolve(import.meta.dirname, '../dist/index.js');
const cacheDir = join(dir, 'cache');
const walk = (d: string): string[] =>
  readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));

/** Runs a script in a child process with `store` (file store over cacheDir) in scope. */
function child(body: string): ReturnType<typeof spawn> {
  const script = `
    const { createStore } = await import(${JSON.stringify(library)});
    const config = { default: 'file', prefix: 'c:', fallbackToFile: false,
      stores: { file: { driver: 'file', path: ${JSON.stringify(cacheDir)}, hashLevels: 1 } } };
    const { store } = await createStore(config);
    ${body}`;
  return spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
}

function finish(proc: ReturnType<typeof spawn>): Promise<string> {
  return new Promise((res, rej) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d));
    proc.on('error', rej);
    proc.on('close', (code) => (code === 0 ? res(out) : rej(new Error(`child exited ${code}`))));
  });
}

const local = new NamespacedStore(new FileDriver({ path: cacheDir, hashLevels: 1 }), { name: 'file', prefix: 'c:' });

describe('file store across processes', () => {
  it('increment: 4 processes x 50 increments lose nothing', async () => {
    const procs = Array.from({ length: 4 }, () => child(`for (let i = 0; i < 50; i++) await store.increment('counter');`));
    await Promise.all(procs.map(finish));
    expect(await local.get('counter')).toBe(200);
  });

  it('setNx: 8 processes race, exactly one wins', async () => {
    const procs = Array.from({ length: 8 }, (_, i) =>
      child(`process.stdout.write(String(await store.setNx('winner', ${i})));`),
    );
    const results = await Promise.all(procs.map(finish));
    expect(results.filter((r) => r === 'true')).toHaveLength(1);
    const winner = results.indexOf('true');
    expect(await local.get('winner')).toBe(winner);
  });

  it('cache:set --nx from 6 CLI processes: one written', async () => {
    const runs = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        glueful(['cache:set', 'cli-lock', `p${i}`, '--nx', '--json'], { cwd: dir, env: { CACHE_FILE_PATH: cacheDir } }),
      ),
    );
    expect(runs.every((r) => r.code === 0)).toBe(true);
    expect(runs.map((r) => JSON.parse(r.stdout).written).filter(Boolean)).toHaveLength(1);
  });

  it('a writer killed mid-write never leaves a torn value or a blocking lock', async () => {
    const a = 'a'.repeat(900_000);
    const b = 'b'.repeat(900_000);
    await local.set('big', a);
    let sawWriter = false;
    for (let round = 0; round < 5; round++) {
      const writer = child(`const a = 'a'.repeat(900000), b = 'b'.repeat(900000);
        for (;;) { await store.set('big', a); await store.set('big', b); }`);
      const deadline = Date.now() + 400 + round * 100;
      while (Date.now() < deadline) {
        const value = await local.get('big');
        expect(value === a || value === b).toBe(true);
        if (value === b) sawWriter = true;
      }
      writer.kill('SIGKILL');
      await new Promise((r) => writer.once('close', r));
      const after = await local.get('big');
      expect(after === a || after === b).toBe(true);
      const started = Date.now();
      await local.set('big', a);
      expect(Date.now() - started).toBeLessThan(2000);
    }
    expect(sawWriter).toBe(true); // the reader really raced a live writer
    // Whatever the killed writers left (temp files, lock claims), the prune pass removes, and status counts.
    const driver = new FileDriver({ path: cacheDir, hashLevels: 1 });
    const leftovers = () => walk(cacheDir).filter((f) => /\.tmp-|\.glock/.test(f));
    const left = leftovers().length;
    expect((await driver.stats()).info.leftoverFiles).toBe(left);
    await driver.prune();
    expect(leftovers()).toEqual([]);
    expect(await local.get('big')).toBe(a);
  });

  it('prune removes the temp and lock files of dead writers, keeps a live one, status counts them', async () => {
    const store = join(dir, 'leftovers');
    const driver = new FileDriver({ path: store, hashLevels: 0 });
    await driver.set('k', Buffer.from('json:1'), 0);
    const base = join(store, md5Hex('k'));
    const dead = 2 ** 22 + 1; // above Linux's default pid_max: no such process
    const deadFiles = [`${base}.cache.tmp-${dead}-abc123`, `${base}.glock.${dead}.xyz789`, `${base}.glock`];
    writeFileSync(deadFiles[0]!, 'half a val');
    writeFileSync(deadFiles[1]!, `${dead} 1 t`);
    writeFileSync(deadFiles[2]!, `${dead} 1 t`);
    const live = `${base}.meta.tmp-${process.pid}-live01`;
    writeFileSync(live, 'being written');
    const ancient = `${base}.cache.tmp-${process.pid}-old001`;
    writeFileSync(ancient, 'stuck');
    utimesSync(ancient, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    const foreign = join(store, 'php-driver.tmp');
    writeFileSync(foreign, 'not ours');
    const stats = await driver.stats();
    expect(stats.info.leftoverFiles).toBe(4);
    expect(stats.warnings).toEqual([expect.stringMatching(/^4 temp or lock files left by interrupted writers/)]);
    expect(await driver.prune()).toBe(4);
    for (const f of [...deadFiles, ancient]) expect(existsSync(f)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(foreign)).toBe(true);
    expect((await driver.get('k'))?.toString()).toBe('json:1');
    expect((await driver.stats()).info.leftoverFiles).toBe(0);
  });
});
