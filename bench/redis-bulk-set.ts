/**
 * Bulk set of 1 M keys into Redis (the path cache:warmup uses), side by side
 * in one run with redis-benchmark -P 64 SET (the server's ceiling) and a plain
 * loop of ioredis pipelines of 1000 SETs (the obvious code).
 * Goal: >= 0.7x redis-benchmark's throughput, peak RSS <= 150 MB.
 *
 *   node bench/run.mjs redis-bulk-set [keys, default 1000000]
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { HOST, redisCli, startRedis } from '../test/helpers/servers.js';
import { measureProcess, row } from './measure.js';

const count = Number(process.argv[2] ?? 1_000_000);
const library = resolve(process.cwd(), 'dist/index.cjs');
// The bench's own redis-server on a free loopback port: its FLUSHALLs between runs empty only this bench's data.
const server = await startRedis();
const port = server.port;

function redisBenchmark(): number {
  const out = execFileSync('redis-benchmark', ['-h', HOST, '-p', String(port), '-t', 'set', '-n', String(count), '-P', '64', '-r', String(count), '-q'], {
    encoding: 'utf8',
  });
  const match = /SET: ([\d.]+) requests per second/.exec(out);
  if (!match) throw new Error(`unexpected redis-benchmark output: ${out}`);
  return Number(match[1]);
}

/** The obvious code, in a child process so its memory is measured alone. */
const PIPELINE_LOOP = `
const { Redis } = require('ioredis');
const client = new Redis({ host: '${HOST}', port: ${port} });
(async () => {
  for (let i = 0; i < ${count}; i += 1000) {
    const p = client.pipeline();
    for (let j = i; j < Math.min(i + 1000, ${count}); j++) p.set('glueful_bench:' + j, 'json:' + j);
    await p.exec();
  }
  client.disconnect();
})();`;

/** The store's bulk write, fed by a generator: what warmup does. */
const STORE_BULK = `
const { createStore } = require(${JSON.stringify(library)});
(async () => {
  const config = { default: 'redis', prefix: 'glueful_', fallbackToFile: false,
    stores: { redis: { driver: 'redis', host: '${HOST}', port: ${port} } } };
  const { store } = await createStore(config);
  function* entries() { for (let i = 0; i < ${count}; i++) yield ['bench:' + i, i]; }
  const result = await store.setMultiple(entries());
  await store.dispose();
  if (result.written !== ${count}) throw new Error('wrote ' + JSON.stringify(result));
})();`;

try {
  console.log(`redis bulk set: ${count} keys, redis-server on ${HOST}:${port}`);
  const ceiling = redisBenchmark();
  row('redis-benchmark -P 64 -t set', `${Math.round(ceiling / 1000)} k/s`);
  redisCli(port, ['flushall']);

  const naive = await measureProcess(process.execPath, ['-e', PIPELINE_LOOP], { cwd: process.cwd() });
  if (naive.code !== 0) throw new Error(naive.stderr);
  const naiveRate = count / (naive.ms / 1000);
  row('ioredis pipelines of 1000 SETs', `${Math.round(naiveRate / 1000)} k/s`, `${naive.peakMiB.toFixed(0)} MiB peak`);
  redisCli(port, ['flushall']);

  const ours = await measureProcess(process.execPath, ['-e', STORE_BULK], { cwd: process.cwd() });
  if (ours.code !== 0) throw new Error(ours.stderr);
  const rate = count / (ours.ms / 1000);
  const stored = Number(redisCli(port, ['dbsize']));
  row('store.setMultiple (json: values)', `${Math.round(rate / 1000)} k/s`, `${ours.peakMiB.toFixed(0)} MiB peak, ${stored} keys stored`);

  console.log('');
  const check = (ok: boolean) => (ok ? 'met' : 'MISSED');
  row('ratio to redis-benchmark', `${(rate / ceiling).toFixed(2)}x`, `goal >= 0.7x: ${check(rate / ceiling >= 0.7)}`);
  row('ratio to the pipeline loop', `${(rate / naiveRate).toFixed(2)}x`);
  row('peak RSS', `${ours.peakMiB.toFixed(0)} MiB`, `goal <= 150 MB: ${check(ours.peakMiB * 1.048576 <= 150)}`);
  const sample = new Redis({ host: HOST, port });
  const value = await sample.get('glueful_bench:12345');
  sample.disconnect();
  if (stored !== count || value !== 'json:12345') throw new Error(`bulk write stored ${stored} keys, sample ${value}`);
} finally {
  await server.stop();
}
