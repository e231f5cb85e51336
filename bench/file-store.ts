/**
 * The file store at 100 k entries (issue 20), side by side in one run with
 * the floors it is measured against, each a separate Node process:
 *
 * - warmup of N NDJSON entries (flat layout, Glueful's default) vs a naive
 *   synchronous writer: one process, writeFileSync tmp + renameSync, the
 *   same `.cache` and `.meta` bytes. Goal <= 1.0x, and linear.
 * - purge `u:1*` vs what Glueful's deletePattern does, in Node: list the
 *   directory, read each `.meta`, match, unlink, one after another. Goal <= 0.5x.
 * - inspect of every key vs a plain read + parse of every `.meta`. Goal <= 1.5x.
 *
 * Rounds are interleaved (the machine is shared); medians are printed.
 *
 * With GLUEFUL_BASE_BIN set (another checkout's bin/glueful.cjs, built), its
 * warmup, inspect and purge run in the same rounds too, as "before".
 *
 *   node bench/run.mjs file-store [entries, default 100000] [rounds, default 3]
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { measureProcess, row } from './measure.js';

const count = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 3);
const bin = resolve(process.cwd(), 'bin/glueful.cjs');
const dir = mkdtempSync(join(tmpdir(), 'glueful-file-bench-'));

/** The floors, as plain scripts run by their own Node process. */
const FLOORS = {
  // The same bytes the store writes: md5(prefixed key) names, `json:` value and meta.
  warmup: `
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
const [file, out] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const created = Math.floor(Date.now() / 1000);
for (const line of readFileSync(file, 'utf8').split('\\n')) {
  if (!line) continue;
  const { key, value, ttl } = JSON.parse(line);
  const full = 'glueful_' + key;
  const base = out + '/' + createHash('md5').update(full).digest('hex');
  writeFileSync(base + '.cache.tmp', 'json:' + JSON.stringify(value));
  renameSync(base + '.cache.tmp', base + '.cache');
  writeFileSync(base + '.meta.tmp', 'json:' + JSON.stringify({ key: full, created, expires: created + ttl, ttl }));
  renameSync(base + '.meta.tmp', base + '.meta');
}`,
  // Glueful's FileCacheDriver::deletePattern: glob the directory, read each meta, match, unlink.
  purge: `
import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
const [out, prefix] = process.argv.slice(2);
let deleted = 0;
for (const name of readdirSync(out)) {
  if (!name.endsWith('.meta')) continue;
  const meta = JSON.parse(readFileSync(out + '/' + name, 'utf8').slice(5));
  if (!meta.key.startsWith(prefix)) continue;
  const base = out + '/' + name.slice(0, -5);
  unlinkSync(base + '.cache');
  unlinkSync(base + '.meta');
  deleted++;
}
console.log(deleted);`,
  inspect: `
import { readdirSync, readFileSync } from 'node:fs';
const [out] = process.argv.slice(2);
let n = 0;
for (const name of readdirSync(out)) if (name.endsWith('.meta') && JSON.parse(readFileSync(out + '/' + name, 'utf8').slice(5)).key) n++;
console.log(n);`,
};

function writeNdjson(path: string): void {
  let text = '';
  for (let i = 0; i < count; i++) text += `{"key":"u:${i}","value":{"id":${i},"name":"user ${i}"},"ttl":3600}\n`;
  writeFileSync(path, text);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function run(command: string, args: string[], cwd = dir): Promise<{ ms: number; stdout: string }> {
  const result = await measureProcess(command, args, { cwd, env: { ...process.env, CACHE_DRIVER: 'file' } });
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${result.code}\n${result.stderr}`);
  return result;
}

const base = process.env.GLUEFUL_BASE_BIN;

/** Warmup, inspect and purge through one build of the CLI, in a project of its own. */
async function cliRound(cli: string, project: string, expected: number): Promise<{ warm: number; inspect: number; purge: number }> {
  const store = join(project, 'store');
  rmSync(store, { recursive: true, force: true });
  mkdirSync(store, { recursive: true });
  const glueful = (args: string[]) => run(process.execPath, [cli, ...args, '--json'], project);
  const warm = (await glueful(['cache:warmup'])).ms;
  // Plus warmup:last_run and warmup:last_result.
  const files = readdirSync(store).filter((n) => n.endsWith('.cache') || n.endsWith('.meta')).length;
  if (files !== 2 * count + 4) throw new Error(`warmup left ${files} files, expected ${2 * count + 4}`);
  const inspect = (await glueful(['cache:inspect'])).ms;
  const purged = await glueful(['cache:purge', 'u:1*', '--force']);
  const deleted = (JSON.parse(purged.stdout) as { deleted: number }).deleted;
  if (deleted !== expected) throw new Error(`purge deleted ${deleted}, expected ${expected}`);
  return { warm, inspect, purge: purged.ms };
}

function project(name: string, ndjson: string): string {
  const at = join(dir, name);
  mkdirSync(at, { recursive: true });
  writeFileSync(join(at, 'package.json'), '{}');
  writeFileSync(
    join(at, 'cache.config.json'),
    JSON.stringify({
      stores: { file: { path: join(at, 'store'), hash_levels: 0 } },
      warmup: { strategies: [{ name: 'users', type: 'file', path: ndjson }] },
    }),
  );
  return at;
}

try {
  const ndjson = join(dir, 'entries.ndjson');
  writeNdjson(ndjson);
  for (const [name, code] of Object.entries(FLOORS)) writeFileSync(join(dir, `floor-${name}.mjs`), code);
  const floorDir = join(dir, 'floor');
  const mine = project('after', ndjson);
  const before = base ? project('before', ndjson) : undefined;
  const expectedPurge = [...Array(count).keys()].filter((i) => String(i).startsWith('1')).length;
  console.log(`file store: ${count} entries, flat layout, ${rounds} rounds (medians), in ${dir}`);
  const t = { warmFloor: [] as number[], warm: [] as number[], inspectFloor: [] as number[], inspect: [] as number[], purgeFloor: [] as number[], purge: [] as number[] };
  const b = { warm: [] as number[], inspect: [] as number[], purge: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    rmSync(floorDir, { recursive: true, force: true });
    t.warmFloor.push((await run(process.execPath, [join(dir, 'floor-warmup.mjs'), ndjson, floorDir])).ms);
    t.inspectFloor.push((await run(process.execPath, [join(dir, 'floor-inspect.mjs'), floorDir])).ms);
    const floorPurge = await run(process.execPath, [join(dir, 'floor-purge.mjs'), floorDir, 'glueful_u:1']);
    if (Number(floorPurge.stdout) !== expectedPurge) throw new Error(`floor purge deleted ${floorPurge.stdout.trim()}, expected ${expectedPurge}`);
    t.purgeFloor.push(floorPurge.ms);
    const after = await cliRound(bin, mine, expectedPurge);
    t.warm.push(after.warm);
    t.inspect.push(after.inspect);
    t.purge.push(after.purge);
    if (before) {
      const old = await cliRound(base!, before, expectedPurge);
      b.warm.push(old.warm);
      b.inspect.push(old.inspect);
      b.purge.push(old.purge);
    }
  }
  const check = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const rate = (ms: number) => `${Math.round(count / (ms / 1000) / 1000)} k/s`;
  const line = (label: string, mine: number[], floor: number[], goal: number, old: number[]) => {
    const ratio = median(mine) / median(floor);
    row(`${label}: floor`, secs(median(floor)), rate(median(floor)));
    row(`  glueful`, secs(median(mine)), `${rate(median(mine))}, ${ratio.toFixed(2)}x the floor, goal <= ${goal}x: ${check(ratio <= goal)}`);
    if (old.length) row(`  glueful before (GLUEFUL_BASE_BIN)`, secs(median(old)), `${rate(median(old))}, ${(median(old) / median(floor)).toFixed(2)}x the floor`);
  };
  line('warmup (naive sync tmp+rename)', t.warm, t.warmFloor, 1.0, b.warm);
  line(`purge u:1* (${expectedPurge}; deletePattern-like)`, t.purge, t.purgeFloor, 0.5, b.purge);
  line('inspect (read + parse every .meta)', t.inspect, t.inspectFloor, 1.5, b.inspect);
  const runs = (o: Record<string, number[]>) => Object.entries(o).filter(([, v]) => v.length).map(([k, v]) => `${k} ${v.map((x) => (x / 1000).toFixed(2)).join('/')}`).join('; ');
  console.log(`  runs (s): ${runs(t)}${base ? `; before: ${runs(b)}` : ''}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
