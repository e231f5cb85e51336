/**
 * cache:export / cache:import / cache:copy against floors measured in the
 * same run (issue 22):
 * - export of N Redis keys <= 1.5x `redis-cli --scan` piped into a
 *   pipelined GET + PTTL of the same keys (`redis-cli --pipe`);
 * - import into Redis >= 0.8x `redis-benchmark -P 64` sending the same
 *   `SET key value EX 3600` commands;
 * - copy file → Redis of M entries <= the file store's read floor (every
 *   entry's files read, `cat`) + the Redis import of the same entries;
 * - peak RSS of export and import of N entries, and of the copy of M
 *   entries from the file store, <= 150 MB.
 *
 *   node bench/run.mjs transfer [N, default 1000000] [M, default 100000]
 *
 * TRANSFER_BASELINE_BIN=/path/to/other/bin/glueful.cjs also runs that
 * build's export and copy in the same run (before/after figures).
 */
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { HOST, redisCli, startRedis } from '../test/helpers/servers.js';
import { measureProcess, row } from './measure.js';

const count = Number(process.argv[2] ?? 1_000_000);
const copyCount = Number(process.argv[3] ?? 100_000);
const bin = resolve(process.cwd(), 'bin/glueful.cjs');
const baselineBin = process.env.TRANSFER_BASELINE_BIN;
const dir = mkdtempSync(join(tmpdir(), 'glueful-transfer-bench-'));
// The bench's own redis-server on a free loopback port: its FLUSHALLs empty only this bench's data.
const server = await startRedis();
const check = (ok: boolean) => (ok ? 'met' : 'MISSED');
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** SET ... EX for `n` entries as RESP, for redis-cli --pipe. */
async function writeResp(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < n; i += 10_000) {
    let chunk = '';
    for (let j = i; j < Math.min(i + 10_000, n); j++) {
      const key = `glueful_item:${j}`;
      const value = `json:{"id":${j},"name":"item ${j}"}`;
      chunk += `*5\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n${value}\r\n$2\r\nEX\r\n$4\r\n3600\r\n`;
    }
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

async function glueful(args: string[], env: Record<string, string> = {}, which = bin) {
  const run = await measureProcess(process.execPath, [which, ...args], { cwd: dir, env: { ...process.env, ...env } });
  if (run.code !== 0) throw new Error(`glueful ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run;
}

try {
  writeFileSync(join(dir, 'package.json'), '{}');
  writeFileSync(
    join(dir, 'cache.config.json'),
    JSON.stringify({ default: 'redis', prefix: 'glueful_', stores: { redis: { host: HOST, port: server.port }, file: { path: join(dir, 'file-cache'), hash_levels: 2 } } }),
  );
  console.log(`transfer: ${count} entries, redis-server on ${HOST}:${server.port}; the machine is shared, figures move with its load`);
  const resp = join(dir, 'entries.resp');
  await writeResp(resp, count);
  const fill = () => execFileSync('sh', ['-c', `redis-cli -h ${HOST} -p ${server.port} --pipe < ${resp}`], { stdio: 'ignore' });
  fill();

  // Export floor: the keys from SCAN, then GET and PTTL of each, pipelined.
  const floorRun = await measureProcess('sh', ['-c', `redis-cli -h ${HOST} -p ${server.port} --scan --pattern 'glueful_*' | awk '{ print "GET " $0; print "PTTL " $0 }' | redis-cli -h ${HOST} -p ${server.port} --pipe`]);
  if (floorRun.code !== 0) throw new Error(floorRun.stderr);
  row('floor: redis-cli --scan | GET+PTTL --pipe', seconds(floorRun.ms), `${Math.round(count / (floorRun.ms / 1000) / 1000)} k keys/s`);
  const exportFile = join(dir, 'export.ndjson');
  const exported = await glueful(['cache:export', '--output', exportFile]);
  row('glueful cache:export', seconds(exported.ms), `${(exported.ms / floorRun.ms).toFixed(2)}x the floor, peak ${exported.peakMiB.toFixed(0)} MiB`);
  if (baselineBin) {
    const before = await glueful(['cache:export', '--output', join(dir, 'baseline.ndjson')], {}, baselineBin);
    row('baseline build: cache:export', seconds(before.ms), `${(before.ms / floorRun.ms).toFixed(2)}x the floor, peak ${before.peakMiB.toFixed(0)} MiB`);
    rmSync(join(dir, 'baseline.ndjson'));
  }

  // Import ceiling: redis-benchmark sending the same SET ... EX, 64 per round trip.
  // The bench's own redis-server on a free port (startRedis above): emptied between runs, never anyone's data.
  redisCli(server.port, ['flushall']);
  const bench = execFileSync('redis-benchmark', ['-h', HOST, '-p', String(server.port), '-n', String(count), '-r', String(count), '-P', '64', '-q', 'SET', 'glueful_item:__rand_int__', 'json:{"id":1,"name":"item 1"}', 'EX', '3600'], { encoding: 'utf8' });
  const ceiling = Number(/([\d.]+) requests per second/.exec(bench)![1]);
  row('redis-benchmark -P 64 SET ... EX 3600', `${Math.round(ceiling / 1000)} k/s`);
  redisCli(server.port, ['flushall']);
  const imported = await glueful(['cache:import', exportFile, '--keep-ttl-as-is']);
  const importRate = count / (imported.ms / 1000);
  const stored = Number(redisCli(server.port, ['dbsize']));
  if (stored !== count) throw new Error(`imported ${stored} of ${count}`);
  row('glueful cache:import', `${Math.round(importRate / 1000)} k/s`, `${seconds(imported.ms)}, ${(importRate / ceiling).toFixed(2)}x redis-benchmark, peak ${imported.peakMiB.toFixed(0)} MiB`);

  // Copy file → Redis of copyCount entries, against reading the files plus importing the same entries.
  redisCli(server.port, ['flushall']);
  const small = join(dir, 'small.ndjson');
  execFileSync('sh', ['-c', `head -n ${copyCount + 1} ${exportFile} > ${small}`]);
  await glueful(['--store', 'file', 'cache:import', small, '--keep-ttl-as-is']);
  execFileSync('sh', ['-c', 'sync; true']);
  const fileFloor = await measureProcess('sh', ['-c', `find ${join(dir, 'file-cache')} -type f -name '*.cache' -o -type f -name '*.meta' | xargs cat > /dev/null`]);
  row(`floor: reading the file store's ${copyCount} entries (cat)`, seconds(fileFloor.ms));
  const smallImport = await glueful(['cache:import', small, '--keep-ttl-as-is']);
  row(`glueful cache:import of the ${copyCount} into Redis`, seconds(smallImport.ms));
  redisCli(server.port, ['flushall']);
  const copied = await glueful(['cache:copy', '--from', 'file', '--to', 'redis']);
  row('glueful cache:copy file → redis', seconds(copied.ms), `${(copied.ms / (fileFloor.ms + smallImport.ms)).toFixed(2)}x (read floor + import), peak ${copied.peakMiB.toFixed(0)} MiB`);
  if (baselineBin) {
    redisCli(server.port, ['flushall']);
    const before = await glueful(['cache:copy', '--from', 'file', '--to', 'redis'], {}, baselineBin);
    row('baseline build: cache:copy file → redis', seconds(before.ms), `${(before.ms / (fileFloor.ms + smallImport.ms)).toFixed(2)}x (read floor + import), peak ${before.peakMiB.toFixed(0)} MiB`);
  }

  console.log('');
  row('export / floor', `${(exported.ms / floorRun.ms).toFixed(2)}x`, `goal <= 1.5x: ${check(exported.ms / floorRun.ms <= 1.5)}`);
  row('import / redis-benchmark', `${(importRate / ceiling).toFixed(2)}x`, `goal >= 0.8x: ${check(importRate / ceiling >= 0.8)}`);
  row('copy / (file read floor + import)', `${(copied.ms / (fileFloor.ms + smallImport.ms)).toFixed(2)}x`, `goal <= 1x: ${check(copied.ms <= fileFloor.ms + smallImport.ms)}`);
  row('peak RSS export / import', `${exported.peakMiB.toFixed(0)} / ${imported.peakMiB.toFixed(0)} MiB`, `goal <= 150 MB: ${check(Math.max(exported.peakMiB, imported.peakMiB) * 1.048576 <= 150)}`);
  row('peak RSS copy from the file store', `${copied.peakMiB.toFixed(0)} MiB`, `goal <= 150 MB: ${check(copied.peakMiB * 1.048576 <= 150)}`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
