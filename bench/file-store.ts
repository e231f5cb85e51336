/**
 * The file store at 100 k – 1 M entries (issue 20), side by side in one run
 * with the baselines it is measured against, each a separate process:
 *
 * - warmup of N NDJSON entries vs a naive synchronous writer: one Node
 *   process, writeFileSync tmp + renameSync, the same `.cache` and `.meta`
 *   bytes in the same layout. Goal <= 1.0x, and linear (compare runs at
 *   20 k, 100 k, 1 M); the warmup's peak RSS is printed (goal <= 150 MB at 1 M).
 * - purge `u:1*` vs Glueful's own PHP FileCacheDriver::deletePattern on a
 *   directory of the same entries (goal <= 0.5x), and vs a sequential Node
 *   floor doing what deletePattern does (list, read each `.meta`, match, unlink).
 * - `cache:clear` of everything under an empty prefix vs `find <dir> -type f
 *   -delete` on a directory of the same entries. Goal <= 1.5x.
 * - inspect of every key vs a plain read + parse of every `.meta` (goal
 *   <= 1.5x), and `--sample 10`, which should cost proportionally less.
 *
 * The PHP driver runs only when GLUEFUL_FRAMEWORK_DIR names a glueful/framework
 * source tree (a checkout or `git archive` of v1.76.0 with its src/): the
 * bench writes a small bootstrap of its own (PHP_DRIVER below, our code, not
 * the framework's) that requires the driver's real files and stubs only what
 * the driver takes from the rest of the framework. Its setMultiple of the same
 * entries is timed too. Without it those rows say "not measured".
 *
 * Where: GLUEFUL_BENCH_DIR (default the temp folder). On a machine shared
 * with other work, a file system of its own (an ext4 image on a loop device,
 * with its journal, as servers have) keeps others' creates and deletes out
 * of the figures.
 *
 * Layout: GLUEFUL_BENCH_HASH_LEVELS (or the 4th argument) 0 (flat, Glueful's
 * default), 1 (the PHP driver's shard layout) or 2 (PHP has none: not measured).
 *
 * Every timed delete (purge, clear, their baselines) starts right after a
 * `sync`, on files already on disk, as a cache directory is (see settle()).
 *
 * Rounds are interleaved (the machine is shared); medians are printed. Each
 * round's warmups start GLUEFUL_BENCH_SETTLE seconds after the last deletes
 * (default 61; 361 on ext4 without a journal), for the reason in the round
 * loop. With
 * GLUEFUL_BASE_BIN set (another checkout's bin/glueful.cjs, built), its
 * warmup, inspect, purge and clear run in the same rounds too, as "before".
 *
 *   node bench/run.mjs file-store [entries, default 100000] [rounds, default 3] [hash levels, default 0]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { measureProcess, row } from './measure.js';

const count = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 3);
const levels = Number(process.env.GLUEFUL_BENCH_HASH_LEVELS ?? process.argv[4] ?? 0);
const framework = process.env.GLUEFUL_FRAMEWORK_DIR;
const bin = resolve(process.cwd(), 'bin/glueful.cjs');
const dir = mkdtempSync(join(process.env.GLUEFUL_BENCH_DIR ?? tmpdir(), 'glueful-file-bench-'));
const journal = ext4Journal(dir);
/** Seconds the warmups wait after the last round's deletes (see the round loop). */
const settleSeconds = Number(process.env.GLUEFUL_BENCH_SETTLE ?? (journal === false ? 361 : 61));
const layout = levels === 0 ? 'flat layout' : `hash_levels ${levels}`;

/** Walks a directory of `levels` shard levels; `each` gets every file's folder and name. */
const WALK = `
import { readdirSync } from 'node:fs';
export function walk(root, levels, each) {
  const down = (at, depth) => {
    for (const e of readdirSync(at, { withFileTypes: true })) {
      if (depth < levels) { if (e.isDirectory()) down(at + '/' + e.name, depth + 1); }
      else if (e.isFile()) each(at, e.name);
    }
  };
  down(root, 0);
}`;

/** The floors, as plain scripts run by their own Node process. */
const FLOORS = {
  // The same bytes the store writes: md5(prefixed key) names, `json:` value and meta, in the same layout.
  warmup: `
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
const [file, out, levels] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const made = new Set();
const created = Math.floor(Date.now() / 1000);
for (const line of readFileSync(file, 'utf8').split('\\n')) {
  if (!line) continue;
  const { key, value, ttl } = JSON.parse(line);
  const full = 'glueful_' + key;
  const hash = createHash('md5').update(full).digest('hex');
  let folder = out;
  for (let i = 0; i < levels; i++) folder += '/' + hash.slice(i * 2, i * 2 + 2);
  if (!made.has(folder)) mkdirSync(folder, { recursive: true }), made.add(folder);
  const base = folder + '/' + hash.slice(levels * 2);
  writeFileSync(base + '.cache.tmp', 'json:' + JSON.stringify(value));
  renameSync(base + '.cache.tmp', base + '.cache');
  writeFileSync(base + '.meta.tmp', 'json:' + JSON.stringify({ key: full, created, expires: created + ttl, ttl }));
  renameSync(base + '.meta.tmp', base + '.meta');
}`,
  // What Glueful's FileCacheDriver::deletePattern does: list, read each meta, match, unlink.
  purge: `
import { readFileSync, unlinkSync } from 'node:fs';
import { walk } from './walk.mjs';
const [out, prefix, levels] = [process.argv[2], process.argv[3], Number(process.argv[4])];
let deleted = 0;
walk(out, levels, (at, name) => {
  if (!name.endsWith('.meta')) return;
  const meta = JSON.parse(readFileSync(at + '/' + name, 'utf8').slice(5));
  if (!meta.key.startsWith(prefix)) return;
  const base = at + '/' + name.slice(0, -5);
  unlinkSync(base + '.cache');
  unlinkSync(base + '.meta');
  deleted++;
});
console.log(deleted);`,
  inspect: `
import { readFileSync } from 'node:fs';
import { walk } from './walk.mjs';
const [out, levels] = [process.argv[2], Number(process.argv[3])];
let n = 0;
walk(out, levels, (at, name) => { if (name.endsWith('.meta') && JSON.parse(readFileSync(at + '/' + name, 'utf8').slice(5)).key) n++; });
console.log(n);`,
};

/**
 * Our bootstrap for Glueful's PHP FileCacheDriver (see the header): the
 * driver, SecureSerializer, CacheStore and CacheException are the
 * framework's own files; the rest is a stand-in for what the driver calls.
 */
const PHP_DRIVER = `<?php
// Written for this bench (not framework code). Loads Glueful's own
// FileCacheDriver, SecureSerializer, CacheStore and CacheException from
// GLUEFUL_FRAMEWORK_DIR/src and stubs only what the driver takes from
// elsewhere: the PSR-16 interfaces; the 'cache' disk of StorageManager, as
// Flysystem's LocalFilesystemAdapter does it (is_file, file_get_contents,
// file_put_contents with LOCK_EX, unlink after file_exists) but without
// Flysystem's path normalisation, so if anything a little faster than the
// app; and FileFinder's Symfony Finder as the driver uses it
// (files()->in()->name(): a recursive walk matching names by glob).
//   php driver.php set <dir> <entries.ndjson> | deletePattern <dir> <pattern> | clear <dir>
// BENCH_PHP_SHARD=1: the driver's shard layout (setShardDirectories).
declare(strict_types=1);

namespace Psr\\SimpleCache {
    interface CacheException extends \\Throwable {}
    interface InvalidArgumentException extends CacheException {}
    interface CacheInterface {}
}

namespace Glueful\\Storage {
    final class LocalDisk
    {
        public function __construct(private string $root) {}
        private function at(string $path): string { return $this->root . ltrim($path, '/'); }
        public function fileExists(string $path): bool { return is_file($this->at($path)); }
        public function read(string $path): string
        {
            $contents = @file_get_contents($this->at($path));
            if ($contents === false) throw new \\RuntimeException("Unable to read file at location: $path");
            return $contents;
        }
        public function write(string $path, string $contents): void
        {
            $file = $this->at($path);
            $dir = dirname($file);
            if (!is_dir($dir) && !@mkdir($dir, 0700, true) && !is_dir($dir)) throw new \\RuntimeException("Unable to create directory: $dir");
            if (@file_put_contents($file, $contents, LOCK_EX) === false) throw new \\RuntimeException("Unable to write file at location: $path");
        }
        public function delete(string $path): void
        {
            $file = $this->at($path);
            if (!file_exists($file)) return;
            if (!@unlink($file)) throw new \\RuntimeException("Unable to delete file at location: $path");
        }
    }

    class StorageManager
    {
        private LocalDisk $disk;
        public function __construct(string $root) { $this->disk = new LocalDisk(rtrim($root, '/') . '/'); }
        public function disk(?string $name = null): LocalDisk { return $this->disk; }
    }
}

namespace Glueful\\Services {
    final class Finder implements \\IteratorAggregate
    {
        private string $dir = '';
        private ?string $glob = null;
        public function files(): self { return $this; }
        public function in(string $dir): self { $this->dir = $dir; return $this; }
        public function name(string $glob): self { $this->glob = $glob; return $this; }
        public function getIterator(): \\Generator
        {
            $walk = new \\RecursiveIteratorIterator(new \\RecursiveDirectoryIterator($this->dir, \\FilesystemIterator::SKIP_DOTS));
            foreach ($walk as $file) {
                if ($file->isFile() && ($this->glob === null || fnmatch($this->glob, $file->getFilename()))) yield $file;
            }
        }
    }

    class FileFinder
    {
        public function createFinder(): Finder { return new Finder(); }
    }
}

namespace {
    $src = rtrim((string) getenv('GLUEFUL_FRAMEWORK_DIR'), '/') . '/src/';
    require $src . 'Security/SecureSerializer.php';
    require $src . 'Exceptions/CacheException.php';
    require $src . 'Cache/CacheStore.php';
    require $src . 'Cache/Drivers/FileCacheDriver.php';

    [, $mode, $dir] = $argv;
    $driver = new Glueful\\Cache\\Drivers\\FileCacheDriver($dir, new Glueful\\Storage\\StorageManager($dir), new Glueful\\Services\\FileFinder());
    $driver->setShardDirectories(getenv('BENCH_PHP_SHARD') === '1');
    $ok = match ($mode) {
        'set' => (function () use ($driver, $argv): bool {
            // One setMultiple per TTL, as a PHP warmer of these entries would call it.
            $byTtl = [];
            foreach (new SplFileObject($argv[3]) as $line) {
                if (trim($line) === '') continue;
                $entry = json_decode($line, true, 512, JSON_THROW_ON_ERROR);
                $byTtl[$entry['ttl'] ?? 0]['glueful_' . $entry['key']] = $entry['value'];
            }
            $ok = true;
            foreach ($byTtl as $ttl => $values) $ok = $driver->setMultiple($values, $ttl ?: null) && $ok;
            return $ok;
        })(),
        'deletePattern' => $driver->deletePattern($argv[3]),
        'clear' => $driver->clear(),
    };
    echo $ok ? "ok\\n" : "failed\\n";
    exit($ok ? 0 : 1);
}
`;

function writeNdjson(path: string): void {
  let text = '';
  for (let i = 0; i < count; i++) text += `{"key":"u:${i}","value":{"id":${i},"name":"user ${i}"},"ttl":3600}\n`;
  writeFileSync(path, text);
}

/** Entry files (`.cache`, `.meta`) below `root`, every level. */
function entryFiles(root: string): { values: number; metas: number } {
  let values = 0;
  let metas = 0;
  const down = (at: string) => {
    let listed;
    try {
      listed = readdirSync(at, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of listed) {
      if (e.isDirectory()) down(join(at, e.name));
      else if (e.name.endsWith('.cache')) values++;
      else if (e.name.endsWith('.meta')) metas++;
    }
  };
  down(root);
  return { values, metas };
}

/**
 * Flushes every dirty file before a timed delete. Deleting a file the kernel
 * has not written back yet frees no disk blocks (ext4 allocates them at
 * writeback), so whichever delete ran before the writeback of its files was
 * up to 10x faster than one that ran after it (find 1.2 s in one round,
 * 12.9 s in the next). A cache directory an operator clears has long been on
 * disk: every delete is timed in that state.
 */
function settle(): void {
  execFileSync('sync');
}

/**
 * Whether the ext4 file system holding `path` has a journal (jbd2 lists
 * every journal it runs in /proc/fs/jbd2 as `{device}-8`); undefined when
 * it is not ext4 or this cannot tell.
 */
function ext4Journal(path: string): boolean | undefined {
  try {
    const at = realpathSync(path);
    const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((line) => line.split(' '));
    const holder = mounts
      .filter(([, point]) => point && (at === point || at.startsWith(point.endsWith('/') ? point : point + '/')))
      .sort((a, b) => b[1]!.length - a[1]!.length)[0];
    if (!holder || holder[2] !== 'ext4' || !holder[0]!.startsWith('/dev/')) return undefined;
    return existsSync(`/proc/fs/jbd2/${basename(realpathSync(holder[0]!))}-8`);
  } catch {
    return undefined;
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

type Measured = { ms: number; stdout: string; peakMiB: number; cpuMs: number };

/**
 * Runs a command under /usr/bin/time for its CPU time (user + system), which
 * the shared machine's load moves less than wall time, and its peak RSS.
 */
async function run(command: string, args: string[], cwd = dir, env: NodeJS.ProcessEnv = {}): Promise<Measured> {
  const result = await measureProcess('/usr/bin/time', ['-f', '\n%U %S %M', command, ...args], { cwd, env: { ...process.env, CACHE_DRIVER: 'file', ...env } });
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${result.code}\n${result.stderr}`);
  const [user, system, maxKiB] = result.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { ...result, cpuMs: (user! + system!) * 1000, peakMiB: maxKiB! / 1024 };
}

const base = process.env.GLUEFUL_BASE_BIN;
const php = framework && levels <= 1;

/** Figures of one contestant, a list per measure (one value per round). */
type Figures = Record<'warm' | 'warmCpu' | 'warmMiB' | 'inspect' | 'sample' | 'purge' | 'clear', number[]>;
const figures = (): Figures => ({ warm: [], warmCpu: [], warmMiB: [], inspect: [], sample: [], purge: [], clear: [] });

/** One build of the CLI in a project of its own: warmup, inspect, purge and clear, called phase by phase. */
function cliContestant(cli: string, project: string, expected: number, into: Figures) {
  const store = join(project, 'store');
  const glueful = (args: string[]) => run(process.execPath, [cli, ...args, '--json'], project);
  return {
    reset() {
      rmSync(store, { recursive: true, force: true });
      mkdirSync(store, { recursive: true });
    },
    async warm() {
      const warmed = await glueful(['cache:warmup']);
      // Plus warmup:last_run and warmup:last_result.
      const files = entryFiles(store);
      if (files.values + files.metas !== 2 * count + 4) throw new Error(`warmup left ${JSON.stringify(files)}, expected ${count + 2} of each`);
      into.warm.push(warmed.ms);
      into.warmCpu.push(warmed.cpuMs);
      into.warmMiB.push(warmed.peakMiB);
    },
    async inspect() {
      into.inspect.push((await glueful(['cache:inspect'])).ms);
      into.sample.push((await glueful(['cache:inspect', '--sample', '10'])).ms);
    },
    async purge() {
      settle();
      const purged = await glueful(['cache:purge', 'u:1*', '--force']);
      const deleted = (JSON.parse(purged.stdout) as { deleted: number }).deleted;
      if (deleted !== expected) throw new Error(`purge deleted ${deleted}, expected ${expected}`);
      into.purge.push(purged.ms);
    },
    async clear() {
      settle();
      const cleared = await glueful(['cache:clear', '--prefix', '', '--force']);
      const left = entryFiles(store);
      if (left.values + left.metas !== 0) throw new Error(`cache:clear left ${JSON.stringify(left)}`);
      into.clear.push(cleared.ms);
    },
  };
}

function project(name: string, ndjson: string): string {
  const at = join(dir, name);
  mkdirSync(at, { recursive: true });
  writeFileSync(join(at, 'package.json'), '{}');
  writeFileSync(
    join(at, 'cache.config.json'),
    JSON.stringify({
      stores: { file: { path: join(at, 'store'), hash_levels: levels } },
      warmup: { strategies: [{ name: 'users', type: 'file', path: ndjson }] },
    }),
  );
  return at;
}

try {
  const ndjson = join(dir, 'entries.ndjson');
  writeNdjson(ndjson);
  writeFileSync(join(dir, 'walk.mjs'), WALK);
  for (const [name, code] of Object.entries(FLOORS)) writeFileSync(join(dir, `floor-${name}.mjs`), code);
  writeFileSync(join(dir, 'driver.php'), PHP_DRIVER);
  const floorDir = join(dir, 'floor');
  const phpDir = join(dir, 'php');
  const expectedPurge = [...Array(count).keys()].filter((i) => String(i).startsWith('1')).length;
  const L = String(levels);
  console.log(`file store: ${count} entries, ${layout}, ${rounds} rounds (medians), in ${dir}`);
  if (journal === false) console.log(`ext4 without a journal here: each round's warmups start ${settleSeconds} s after the last deletes (GLUEFUL_BENCH_SETTLE)`);
  const t = { warmFloor: [] as number[], warmFloorCpu: [] as number[], inspectFloor: [] as number[], purgeFloor: [] as number[], find: [] as number[], phpSet: [] as number[], phpPurge: [] as number[] };
  const a = figures();
  const b = figures();
  const mine = cliContestant(bin, project('after', ndjson), expectedPurge, a);
  const before = base ? cliContestant(base, project('before', ndjson), expectedPurge, b) : undefined;
  const phpEnv = { GLUEFUL_FRAMEWORK_DIR: framework, BENCH_PHP_SHARD: levels === 1 ? '1' : '0' };
  const floorWarm = async () => {
    const warmed = await run(process.execPath, [join(dir, 'floor-warmup.mjs'), ndjson, floorDir, L]);
    t.warmFloor.push(warmed.ms);
    t.warmFloorCpu.push(warmed.cpuMs);
  };
  const phpSet = async () => {
    t.phpSet.push((await run('php', [join(dir, 'driver.php'), 'set', phpDir, ndjson], dir, phpEnv)).ms);
    const written = entryFiles(phpDir);
    if (written.metas !== count || written.values !== count) throw new Error(`PHP setMultiple left ${JSON.stringify(written)}`);
  };
  const warmups = [floorWarm, ...(php ? [phpSet] : []), mine.warm, ...(before ? [before.warm] : [])];
  for (let round = 0; round < rounds; round++) {
    rmSync(floorDir, { recursive: true, force: true });
    rmSync(phpDir, { recursive: true, force: true });
    mine.reset();
    before?.reset();
    // On ext4 without a journal (this machine's disk) a create passes over every free inode
    // freed in the last 60 s, or 360 s once its block of the inode table is dirty again, which
    // the creates themselves make it (ialloc.c, recently_deleted(): kept for recovery): each
    // create then scans its group's bitmap, system time grows with the inodes freed, and a
    // 100 k warmup took 31 s where it takes 5 (perf: 75 % in recently_deleted()). Whoever
    // writes right after the last round's deletes pays for them. So the writes wait until
    // those are flushed and past that window (361 s there, 61 s elsewhere), and run back to
    // back in a rotating order.
    execFileSync('sync');
    await sleep(settleSeconds * 1000);
    // Each warmup starts with nothing of the one before it left to write back (200 k small
    // files are ~800 MB of blocks, flushed 30 s after they were written: into the next run).
    for (let i = 0; i < warmups.length; i++) {
      settle();
      await warmups[(round + i) % warmups.length]!();
    }
    t.inspectFloor.push((await run(process.execPath, [join(dir, 'floor-inspect.mjs'), floorDir, L])).ms);
    await mine.inspect();
    await before?.inspect();
    settle();
    const floorPurge = await run(process.execPath, [join(dir, 'floor-purge.mjs'), floorDir, 'glueful_u:1', L]);
    if (Number(floorPurge.stdout) !== expectedPurge) throw new Error(`floor purge deleted ${floorPurge.stdout.trim()}, expected ${expectedPurge}`);
    t.purgeFloor.push(floorPurge.ms);
    if (php) {
      settle();
      t.phpPurge.push((await run('php', [join(dir, 'driver.php'), 'deletePattern', phpDir, 'glueful_u:1*'], dir, phpEnv)).ms);
      const left = entryFiles(phpDir);
      if (left.metas !== count - expectedPurge) throw new Error(`PHP deletePattern left ${left.metas} metas, expected ${count - expectedPurge}`);
    }
    await mine.purge();
    await before?.purge();
    // What is left (the entries not purged) goes the plainest way there is.
    settle();
    t.find.push((await run('find', [floorDir, '-type', 'f', '-delete'])).ms);
    await mine.clear();
    await before?.clear();
  }
  const check = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const rate = (ms: number) => `${Math.round(count / (ms / 1000) / 1000)} k/s`;
  const vs = (mine: number[], against: number[]) => median(mine) / median(against);
  // The disk's speed drifts from round to round (writeback, inodes freed by the last round):
  // the ratio within each round, where the two ran minutes apart at most, is printed too.
  const paired = (mine: number[], against: number[]) => median(mine.map((x, i) => x / against[i]!));
  const notMeasured = framework ? 'not measured (the PHP driver has no 2-level layout)' : 'not measured (set GLUEFUL_FRAMEWORK_DIR)';

  row('warmup: naive floor (sync tmp+rename)', secs(median(t.warmFloor)), `${rate(median(t.warmFloor))}; CPU ${secs(median(t.warmFloorCpu))}`);
  row('  glueful', secs(median(a.warm)), `${vs(a.warm, t.warmFloor).toFixed(2)}x the floor, goal <= 1x: ${check(vs(a.warm, t.warmFloor) <= 1)}; per round ${paired(a.warm, t.warmFloor).toFixed(2)}x; CPU ${vs(a.warmCpu, t.warmFloorCpu).toFixed(2)}x; peak RSS ${Math.round(Math.max(...a.warmMiB))} MiB`);
  if (base) row('  glueful before (GLUEFUL_BASE_BIN)', secs(median(b.warm)), `${vs(b.warm, t.warmFloor).toFixed(2)}x the floor; CPU ${vs(b.warmCpu, t.warmFloorCpu).toFixed(2)}x; peak RSS ${Math.round(Math.max(...b.warmMiB))} MiB`);
  if (php) row('  PHP FileCacheDriver::setMultiple', secs(median(t.phpSet)), `${vs(t.phpSet, t.warmFloor).toFixed(2)}x the floor; glueful ${vs(a.warm, t.phpSet).toFixed(2)}x PHP`);
  else row('  PHP FileCacheDriver::setMultiple', '—', notMeasured);

  row(`purge u:1* (${expectedPurge})`, '', '');
  if (php) {
    row('  PHP FileCacheDriver::deletePattern', secs(median(t.phpPurge)), rate(median(t.phpPurge)));
  } else row('  PHP FileCacheDriver::deletePattern', '—', notMeasured);
  row('  sequential Node floor (deletePattern-like)', secs(median(t.purgeFloor)), '');
  const purgeNote = php ? `${vs(a.purge, t.phpPurge).toFixed(2)}x PHP, goal <= 0.5x: ${check(vs(a.purge, t.phpPurge) <= 0.5)}; ` : '';
  row('  glueful', secs(median(a.purge)), `${purgeNote}${vs(a.purge, t.purgeFloor).toFixed(2)}x the Node floor`);
  if (base) row('  glueful before (GLUEFUL_BASE_BIN)', secs(median(b.purge)), `${php ? `${vs(b.purge, t.phpPurge).toFixed(2)}x PHP; ` : ''}${vs(b.purge, t.purgeFloor).toFixed(2)}x the Node floor`);

  row(`clear, empty prefix (${count - expectedPurge} left)`, '', '');
  row('  find <dir> -type f -delete', secs(median(t.find)), '');
  row('  glueful cache:clear --prefix \'\'', secs(median(a.clear)), `${vs(a.clear, t.find).toFixed(2)}x find, goal <= 1.5x: ${check(vs(a.clear, t.find) <= 1.5)}`);
  if (base) row('  glueful before (GLUEFUL_BASE_BIN)', secs(median(b.clear)), `${vs(b.clear, t.find).toFixed(2)}x find`);

  row('inspect: floor (read + parse every .meta)', secs(median(t.inspectFloor)), rate(median(t.inspectFloor)));
  row('  glueful', secs(median(a.inspect)), `${vs(a.inspect, t.inspectFloor).toFixed(2)}x the floor, goal <= 1.5x: ${check(vs(a.inspect, t.inspectFloor) <= 1.5)}`);
  row('  glueful --sample 10', secs(median(a.sample)), `${vs(a.sample, a.inspect).toFixed(2)}x a full inspect`);
  if (base) {
    row('  glueful before (GLUEFUL_BASE_BIN)', secs(median(b.inspect)), `${vs(b.inspect, t.inspectFloor).toFixed(2)}x the floor`);
    row('  glueful before --sample 10', secs(median(b.sample)), `${vs(b.sample, b.inspect).toFixed(2)}x its full inspect`);
  }
  const runs = (o: Record<string, number[]>) =>
    Object.entries(o)
      .filter(([k, v]) => v.length && k !== 'warmMiB' && !k.endsWith('Cpu'))
      .map(([k, v]) => `${k} ${v.map((x) => (x / 1000).toFixed(2)).join('/')}`)
      .join('; ');
  console.log(`  runs (s): ${runs(t)}; glueful: ${runs(a)}${base ? `; before: ${runs(b)}` : ''}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
