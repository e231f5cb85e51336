/**
 * cache:warmup of 1 M entries from an NDJSON file into Redis, side by side
 * with redis-benchmark -P 64 SET in the same run.
 * Goal (issue 12): >= 0.6x redis-benchmark's throughput with the default codec, peak RSS
 * <= 150 MB; the ratio with phpredis lz4 compression on is reported beside it.
 * redis-benchmark sends SET without a TTL; the warmup's entries have one,
 * and SET ... EX costs the server much more. So the same commands the
 * warmup sends (prefixed keys, Glueful-encoded values, EX 3600) are also
 * sent through `redis-cli --pipe`, Redis' own mass-insertion tool with no
 * parsing at all: the floor this workload can reach on this server.
 *
 *   node bench/run.mjs warmup [entries, default 1000000]
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HOST, redisCli, startRedis } from '../test/helpers/servers.js';
import { measureProcess, row } from './measure.js';

const count = Number(process.argv[2] ?? 1_000_000);
const bin = resolve(process.cwd(), 'bin/glueful.cjs');
const dir = mkdtempSync(join(tmpdir(), 'glueful-warmup-bench-'));
// The bench's own redis-server on a free loopback port: its FLUSHALLs between runs empty only this bench's data.
const server = await startRedis();

/** The RESP the warmup sends for the same entries: redis-cli --pipe's input. */
async function writeResp(path: string): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < count; i += 10_000) {
    let chunk = '';
    for (let j = i; j < Math.min(i + 10_000, count); j++) {
      const key = `glueful_item:${j}`;
      const value = `json:{"id":${j},"name":"item ${j}"}`;
      chunk += `*5\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n${value}\r\n$2\r\nEX\r\n$4\r\n3600\r\n`;
    }
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

async function writeNdjson(path: string): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < count; i += 10_000) {
    let chunk = '';
    for (let j = i; j < Math.min(i + 10_000, count); j++) chunk += `{"key":"item:${j}","value":{"id":${j},"name":"item ${j}"},"ttl":3600}\n`;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

try {
  const file = join(dir, 'entries.ndjson');
  await writeNdjson(file);
  writeFileSync(join(dir, 'package.json'), '{}');
  console.log(`warmup: ${count} NDJSON entries into redis-server on ${HOST}:${server.port}`);

  const out = execFileSync('redis-benchmark', ['-h', HOST, '-p', String(server.port), '-t', 'set', '-n', String(count), '-P', '64', '-r', String(count), '-q'], { encoding: 'utf8' });
  const ceiling = Number(/SET: ([\d.]+) requests per second/.exec(out)![1]);
  row('redis-benchmark -P 64 -t set', `${Math.round(ceiling / 1000)} k/s`);
  redisCli(server.port, ['flushall']);
  const resp = join(dir, 'entries.resp');
  await writeResp(resp);
  const piped = await measureProcess('sh', ['-c', `redis-cli -h ${HOST} -p ${server.port} --pipe < ${resp}`]);
  if (piped.code !== 0) throw new Error(piped.stderr);
  const floor = count / (piped.ms / 1000);
  row('redis-cli --pipe, the same SET ... EX', `${Math.round(floor / 1000)} k/s`, `${(piped.ms / 1000).toFixed(2)} s, ${(floor / ceiling).toFixed(2)}x redis-benchmark`);
  redisCli(server.port, ['flushall']);

  const check = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const warm = async (label: string, options?: Record<string, string>) => {
    redisCli(server.port, ['flushall']);
    const config = { warmup: { strategies: [{ name: 'catalog', type: 'file', path: 'entries.ndjson' }] }, ...(options ? { stores: { redis: { options } } } : {}) };
    writeFileSync(join(dir, 'cache.config.json'), JSON.stringify(config));
    const run = await measureProcess(process.execPath, [bin, 'cache:warmup', '--json'], {
      cwd: dir,
      env: { ...process.env, CACHE_DRIVER: 'redis', REDIS_HOST: HOST, REDIS_PORT: String(server.port) },
    });
    if (run.code !== 0) throw new Error(run.stderr);
    const result = JSON.parse(run.stdout) as { warmed: number };
    const rate = count / (run.ms / 1000);
    const stored = Number(redisCli(server.port, ['dbsize'])) - 2; // warmup:last_run and warmup:last_result
    row(label, `${Math.round(rate / 1000)} k/s`, `${(run.ms / 1000).toFixed(2)} s, ${(rate / ceiling).toFixed(2)}x redis-benchmark, ${(rate / floor).toFixed(2)}x --pipe, peak ${run.peakMiB.toFixed(0)} MiB`);
    if (stored !== count || result.warmed !== count) throw new Error(`warmed ${result.warmed}, stored ${stored} of ${count}`);
    return { rate, peakMiB: run.peakMiB };
  };
  const plain = await warm('glueful cache:warmup (NDJSON file)');
  const lz4 = await warm('  the same, phpredis lz4 compression', { compression: 'lz4' });
  console.log('');
  row('ratio to redis-benchmark', `${(plain.rate / ceiling).toFixed(2)}x`, `goal >= 0.6x: ${check(plain.rate / ceiling >= 0.6)}`);
  row('ratio to redis-cli --pipe (same commands)', `${(plain.rate / floor).toFixed(2)}x`, 'the server\'s own floor for SET ... EX');
  row('  with lz4 compression', `${(lz4.rate / ceiling).toFixed(2)}x`, 'reported');
  row('peak RSS, default codec', `${plain.peakMiB.toFixed(0)} MiB`, `goal <= 150 MB: ${check(plain.peakMiB * 1.048576 <= 150)}`);
  row('peak RSS, lz4', `${lz4.peakMiB.toFixed(0)} MiB`, `${check(lz4.peakMiB * 1.048576 <= 150)} (150 MB)`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
