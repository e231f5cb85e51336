/**
 * The distributed store, side by side in one run:
 *   get/set throughput through the ring (3 redis nodes) against the same
 *   work on a single node (goal: ring overhead <= 10%);
 *   a purge fanned out to 3 nodes against the same purge on one node holding
 *   the same total (goal <= 0.5x: the nodes work in parallel).
 *
 *   node bench/run.mjs distributed [keys, default 30000] [purge keys, default 600000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CacheStore } from '../src/core/contract.js';
import { loadDriver } from '../src/drivers/registry.js';
import { NamespacedStore } from '../src/core/namespaced-store.js';
import { DistributedDriver } from '../src/drivers/distributed/index.js';
import { RedisDriver } from '../src/drivers/redis/index.js';
import { HOST, redisCli, startRedis } from '../test/helpers/servers.js';
import { row } from './measure.js';

const ops = Number(process.argv[2] ?? 30_000);
const purgeKeys = Number(process.argv[3] ?? 600_000);
const dir = mkdtempSync(join(tmpdir(), 'glueful-distributed-bench-'));
const servers = await Promise.all([startRedis(['--enable-debug-command', 'yes']), startRedis(['--enable-debug-command', 'yes']), startRedis(['--enable-debug-command', 'yes']), startRedis(['--enable-debug-command', 'yes'])]);
const single = servers[0]!;
const ring = servers.slice(1);

const singleStore = (): CacheStore => new NamespacedStore(new RedisDriver({ host: HOST, port: single.port }), { name: 'redis', prefix: 'b:' });
const ringStore = (nodes = ring): CacheStore =>
  new NamespacedStore(
    new DistributedDriver({ nodes: nodes.map((n) => ({ driver: 'redis', host: HOST, port: n.port })), stateFile: join(dir, 'health.json') }, { loadDriver }),
    { name: 'distributed', prefix: 'b:' },
  );

/** ops sets then ops gets, 64 in flight, as a cache client would. */
async function throughput(store: CacheStore): Promise<number> {
  const started = performance.now();
  for (const phase of ['set', 'get'] as const) {
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < ops) {
          const i = next++;
          if (phase === 'set') await store.set(`k${i}`, i);
          else await store.get(`k${i}`);
        }
      }),
    );
  }
  return (2 * ops) / ((performance.now() - started) / 1000);
}

try {
  console.log(`distributed: ${ops} sets + ${ops} gets; purge of ${purgeKeys} keys`);
  const a = singleStore();
  const b = ringStore();
  const singleRate = await throughput(a);
  const viaRing = ringStore([single]);
  const ringOfOneRate = await throughput(viaRing);
  await viaRing.dispose();
  const ringRate = await throughput(b);
  row('one redis node, direct', `${Math.round(singleRate / 1000)} k ops/s`);
  row('the same node through the ring', `${Math.round(ringOfOneRate / 1000)} k ops/s`, 'the ring\'s own cost');
  row('ring of 3 redis nodes', `${Math.round(ringRate / 1000)} k ops/s`, '3 servers + client on 2 cores');

  redisCli(single.port, ['debug', 'populate', String(purgeKeys), 'b:p', '8']);
  for (const n of ring) redisCli(n.port, ['debug', 'populate', String(Math.floor(purgeKeys / 3)), 'b:p', '8']);
  let started = performance.now();
  const one = await a.deletePattern('p*');
  const oneMs = performance.now() - started;
  started = performance.now();
  const three = await b.deletePattern('p*');
  const threeMs = performance.now() - started;
  row('purge on one node', `${(oneMs / 1000).toFixed(2)} s`, `${one.deleted} deleted`);
  row('purge fanned out to 3 nodes', `${(threeMs / 1000).toFixed(2)} s`, `${three.deleted} deleted`);
  await Promise.all([a.dispose(), b.dispose()]);

  console.log('');
  const check = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const overhead = 1 - ringOfOneRate / singleRate;
  row('ring overhead (same server)', `${(overhead * 100).toFixed(1)}%`, `goal <= 10%: ${check(overhead <= 0.1)}`);
  row('3-node ring vs one node', `${(ringRate / singleRate).toFixed(2)}x`, 'context: CPU-bound here, servers share 2 cores');
  row('fan-out purge / single-node purge', `${(threeMs / oneMs).toFixed(2)}x`, `goal <= 0.5x: ${check(threeMs / oneMs <= 0.5)} (2 cores: the 3 servers share them)`);
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
}
