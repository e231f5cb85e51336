/**
 * cache:inspect over 1 M Redis keys in a few prefixes of known sizes, side by
 * side in one run with the floor it claims to approach: a minimal script
 * doing a bare SCAN pass plus pipelined MEMORY USAGE of every key.
 * Goals (issue 14): full measurement <= 1.5x the floor, --sample 10 <= 0.5x,
 * peak RSS <= 150 MB, another client's GET p99 <= 5 ms; group figures exact
 * without sampling, within 5% with --sample 10.
 *
 *   node bench/run.mjs inspect [total keys, default 1000000]
 */
import { Redis } from 'ioredis';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HOST, redisCli, startRedis } from '../test/helpers/servers.js';
import { measureProcess, percentiles, probeLatency, row } from './measure.js';

const total = Number(process.argv[2] ?? 1_000_000);
const bin = resolve(process.cwd(), 'bin/glueful.cjs');
const server = await startRedis(['--enable-debug-command', 'yes']);
const port = server.port;
const dir = mkdtempSync(join(tmpdir(), 'glueful-inspect-bench-'));
/** Prefixes with their share of the keys and value size (DEBUG POPULATE makes "prefix:N" keys). */
const FILL = [
  { prefix: 'glueful_user', share: 0.5, size: 64 },
  { prefix: 'glueful_session', share: 0.3, size: 256 },
  { prefix: 'glueful_report', share: 0.2, size: 1024 },
];

async function floor(): Promise<number> {
  const client = new Redis({ host: HOST, port });
  const started = performance.now();
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', 'glueful_*', 'COUNT', 5000);
    cursor = next;
    const pipeline = client.pipeline();
    for (const key of keys) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
    await pipeline.exec();
  } while (cursor !== '0');
  client.disconnect();
  return performance.now() - started;
}

try {
  for (const f of FILL) redisCli(port, ['debug', 'populate', String(Math.round(total * f.share)), f.prefix, String(f.size)]);
  writeFileSync(join(dir, 'package.json'), '{}');
  const env = { ...process.env, CACHE_DRIVER: 'redis', REDIS_HOST: HOST, REDIS_PORT: String(port), REDIS_TIMEOUT: '10' };
  console.log(`inspect: ${total} keys in ${FILL.length} prefixes, redis-server on ${HOST}:${port}`);
  const floorMs = await floor();
  row('floor: SCAN + pipelined MEMORY USAGE', `${(floorMs / 1000).toFixed(2)} s`);
  const runs: Record<string, { ms: number; peakMiB: number; p99: number; groups: Array<{ group: string; keys: number; bytes: number }> }> = {};
  for (const [label, extra] of [['full', []], ['sample 10', ['--sample', '10']]] as const) {
    const probe = probeLatency(new Redis({ host: HOST, port }), 'probe');
    const run = await measureProcess(process.execPath, [bin, 'cache:inspect', '--json', '--depth', '1', ...extra], { cwd: dir, env });
    const latencies = await probe.stop();
    if (run.code !== 0) throw new Error(run.stderr);
    runs[label] = { ms: run.ms, peakMiB: run.peakMiB, p99: percentiles(latencies).p99, groups: JSON.parse(run.stdout).groups };
    row(`glueful cache:inspect (${label})`, `${(run.ms / 1000).toFixed(2)} s`, `${(run.ms / floorMs).toFixed(2)}x, peak ${run.peakMiB.toFixed(0)} MiB, other client p99 ${percentiles(latencies).p99.toFixed(2)} ms`);
  }
  console.log('');
  const check = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const full = runs.full!;
  const sampled = runs['sample 10']!;
  row('full / floor', `${(full.ms / floorMs).toFixed(2)}x`, `goal <= 1.5x: ${check(full.ms / floorMs <= 1.5)}`);
  row('sample 10 / floor', `${(sampled.ms / floorMs).toFixed(2)}x`, `goal <= 0.5x: ${check(sampled.ms / floorMs <= 0.5)}`);
  const peak = Math.max(full.peakMiB, sampled.peakMiB);
  row('peak RSS', `${peak.toFixed(0)} MiB`, `goal <= 150 MB: ${check(peak * 1.048576 <= 150)}`);
  const p99 = Math.max(full.p99, sampled.p99);
  row("other client's GET p99", `${p99.toFixed(2)} ms`, `goal <= 5 ms: ${check(p99 <= 5)}`);
  for (const f of FILL) {
    const name = f.prefix.replace(/^glueful_/, '');
    const exact = full.groups.find((g) => g.group === name);
    const estimate = sampled.groups.find((g) => g.group === name);
    const expected = Math.round(total * f.share);
    const error = exact && estimate ? Math.abs(estimate.bytes - exact.bytes) / exact.bytes : NaN;
    row(`group ${name}`, `${exact?.keys ?? 0} keys`, `exact: ${check(exact?.keys === expected)}; sample 10 bytes off by ${(error * 100).toFixed(1)}% (goal 5%: ${check(error <= 0.05)})`);
  }
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
