/**
 * Purge half of a Redis database by prefix, side by side in one run:
 *   - a bare SCAN pass over every key (the floor: no deletes at all),
 *   - the recipe operators type: redis-cli --scan | xargs -n 1000 redis-cli unlink,
 *   - glueful cache:purge, with another client's GET latency sampled meanwhile.
 * Goals: <= 0.25x the xargs recipe, <= 1.4x the bare SCAN pass, other
 * client's p99 <= 5 ms, peak RSS <= 150 MB.
 *
 *   node bench/run.mjs redis-purge [total keys, default 2000000]
 */
import { Redis } from 'ioredis';
import { resolve } from 'node:path';
import { HOST, redisCli, startRedis } from '../test/helpers/servers.js';
import { measureProcess, percentiles, probeLatency, row } from './measure.js';

const total = Number(process.argv[2] ?? 2_000_000);
const half = Math.floor(total / 2);
/** Run from the repository root (bench/run.mjs is). */
const bin = resolve(process.cwd(), 'bin/glueful.cjs');

const server = await startRedis(['--enable-debug-command', 'yes']);
const port = server.port;
const client = new Redis({ host: HOST, port });

async function populate(prefix: string): Promise<void> {
  redisCli(port, ['debug', 'populate', String(half), prefix, '8']);
}

async function bareScan(): Promise<{ ms: number; seen: number }> {
  const started = performance.now();
  let cursor = '0';
  let seen = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', 'glueful_user:*', 'COUNT', 5000);
    cursor = next;
    seen += keys.length;
  } while (cursor !== '0');
  return { ms: performance.now() - started, seen };
}

try {
  await populate('keep');
  await populate('glueful_user');
  console.log(`redis purge: ${half} of ${total} keys, redis-server on ${HOST}:${port}`);

  const scan = await bareScan();
  row('bare SCAN pass (COUNT 5000, no deletes)', `${(scan.ms / 1000).toFixed(2)} s`, `${scan.seen} matched`);

  const xargs = await measureProcess('sh', [
    '-c',
    `redis-cli -p ${port} --scan --pattern 'glueful_user:*' | xargs -n 1000 redis-cli -p ${port} unlink > /dev/null`,
  ]);
  const afterXargs = Number(redisCli(port, ['dbsize']));
  row('redis-cli --scan | xargs -n 1000 unlink', `${(xargs.ms / 1000).toFixed(2)} s`, `${total - afterXargs} deleted`);

  await populate('glueful_user');
  const probe = probeLatency(new Redis({ host: HOST, port }), 'keep:1');
  const ours = await measureProcess(process.execPath, [bin, 'cache:purge', 'user:*', '--force', '--json'], {
    env: { ...process.env, CACHE_DRIVER: 'redis', REDIS_HOST: HOST, REDIS_PORT: String(port), CACHE_PREFIX: 'glueful_' },
  });
  const latency = percentiles(await probe.stop());
  if (ours.code !== 0) throw new Error(`cache:purge failed: ${ours.stderr}`);
  const result = JSON.parse(ours.stdout) as { deleted: number };
  const left = Number(redisCli(port, ['dbsize']));
  row('glueful cache:purge user:*', `${(ours.ms / 1000).toFixed(2)} s`, `${result.deleted} deleted, ${left} keys left`);

  console.log('');
  const check = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const vsXargs = ours.ms / xargs.ms;
  const vsScan = ours.ms / scan.ms;
  row('ratio to the xargs recipe', `${vsXargs.toFixed(3)}x`, `goal <= 0.25x: ${check(vsXargs <= 0.25)}`);
  row('ratio to a bare SCAN pass', `${vsScan.toFixed(2)}x`, `goal <= 1.4x: ${check(vsScan <= 1.4)}`);
  row('other client GET p50 / p99 / max', `${latency.p99.toFixed(2)} ms`, `p50 ${latency.p50.toFixed(2)}, max ${latency.max.toFixed(2)}; goal p99 <= 5 ms: ${check(latency.p99 <= 5)}`);
  row('peak RSS of cache:purge', `${ours.peakMiB.toFixed(0)} MiB`, `goal <= 150 MB: ${check(ours.peakMiB * 1.048576 <= 150)}`);
  if (result.deleted !== half || left !== half) throw new Error('purge did not delete exactly the matching keys');
} finally {
  client.disconnect();
  await server.stop();
}
