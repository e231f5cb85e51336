/**
 * Memcached, side by side in one run:
 *   bulk set of 200 k keys: store.setMultiple against a raw memjs loop with
 *   the same 64 requests in flight (goal >= 0.8x), and memcslap for context;
 *   purge 100 k of 200 k keys by prefix: `memcdump | grep | xargs memcrm`
 *   (the recipe an operator types), a bare metadump plus pipelined
 *   `delete … noreply` (the floor), and glueful cache:purge (goal: every
 *   matching key removed, none other touched, <= 2x the floor, RSS <= 150 MB).
 *
 *   node bench/run.mjs memcached [keys, default 200000]
 */
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { HOST, startMemcached } from '../test/helpers/servers.js';
import { measureProcess, row } from './measure.js';

const count = Number(process.argv[2] ?? 200_000);
const half = Math.floor(count / 2);
const library = resolve(process.cwd(), 'dist/index.cjs');
const bin = resolve(process.cwd(), 'bin/glueful.cjs');
const server = await startMemcached(['-m', '1024']);
const port = server.port;

/** Sends text-protocol commands and returns the reply up to `until`. */
function text(payload: string, until: RegExp): Promise<string> {
  return new Promise((done, fail) => {
    const socket = connect(port, HOST);
    let reply = '';
    socket.on('data', (d) => {
      reply += d.toString('latin1');
      if (until.test(reply)) {
        socket.end();
        done(reply);
      }
    });
    socket.on('error', fail);
    socket.write(payload);
  });
}
const stat = async (name: string) => Number(new RegExp(`STAT ${name} (\\d+)`).exec(await text('stats\r\n', /END\r\n/))![1]);
const flush = () => text('flush_all\r\n', /OK\r\n/);

const RAW_MEMJS = `
const memjs = require('memjs');
const client = memjs.Client.create('${HOST}:${port}', { logger: { log() {} }, timeout: 5 });
(async () => {
  let next = 0;
  const worker = async () => { while (next < ${count}) { const i = next++; await client.set('glueful_raw:' + i, 'json:' + i, { expires: 0 }); } };
  await Promise.all(Array.from({ length: 64 }, worker));
  client.close();
})();`;

const STORE_BULK = (prefix: string, total: number) => `
const { createStore } = require(${JSON.stringify(library)});
(async () => {
  const config = { default: 'memcached', prefix: '${prefix}', fallbackToFile: false,
    stores: { memcached: { driver: 'memcached', host: '${HOST}', port: ${port} } } };
  const { store } = await createStore(config);
  function* entries() { for (let i = 0; i < ${total}; i++) yield [String(i), i]; }
  const result = await store.setMultiple(entries());
  await store.dispose();
  if (result.written !== ${total}) throw new Error('wrote ' + JSON.stringify(result));
})();`;

async function load(): Promise<void> {
  await flush();
  for (const prefix of ['glueful_user:', 'keep:']) {
    const run = await measureProcess(process.execPath, ['-e', STORE_BULK(prefix, half)]);
    if (run.code !== 0) throw new Error(run.stderr);
  }
}

/**
 * The floor, as its own process like cache:purge: one `metadump hash`
 * streamed straight into pipelined `delete … noreply` on a second connection.
 */
const FLOOR = `
const net = require('node:net');
const dumper = net.connect(${port}, '${HOST}');
const deleter = net.connect(${port}, '${HOST}');
let partial = '';
dumper.on('data', (chunk) => {
  const lines = (partial + chunk.toString('latin1')).split('\\n');
  partial = lines.pop();
  let out = '';
  for (const line of lines) {
    if (line.startsWith('key=glueful_user')) out += 'delete ' + decodeURIComponent(line.slice(4, line.indexOf(' '))) + ' noreply\\r\\n';
    else if (line.startsWith('END')) {
      dumper.end();
      out += 'version\\r\\n';
      deleter.on('data', (d) => { if (d.toString().includes('VERSION')) deleter.end(); });
    }
  }
  if (out) deleter.write(out);
});
dumper.write('lru_crawler metadump hash\\r\\n');`;

/** The same floor without a process start: the bytes-on-the-wire minimum. */
function inProcessFloor(): Promise<number> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const dumper = connect(port, HOST);
    const deleter = connect(port, HOST);
    let partial = '';
    deleter.on('data', (d) => {
      if (d.toString().includes('VERSION')) {
        deleter.end();
        done(performance.now() - started);
      }
    });
    dumper.on('data', (chunk) => {
      const lines = (partial + chunk.toString('latin1')).split('\n');
      partial = lines.pop()!;
      let out = '';
      for (const line of lines) {
        if (line.startsWith('key=glueful_user')) out += `delete ${decodeURIComponent(line.slice(4, line.indexOf(' ')))} noreply\r\n`;
        else if (line.startsWith('END')) {
          dumper.end();
          out += 'version\r\n';
        }
      }
      if (out) deleter.write(out);
    });
    dumper.on('error', fail);
    dumper.write('lru_crawler metadump hash\r\n');
  });
}

try {
  console.log(`memcached: ${count} keys, memcached on ${HOST}:${port}`);
  const raw = await measureProcess(process.execPath, ['-e', RAW_MEMJS]);
  if (raw.code !== 0) throw new Error(raw.stderr);
  const rawRate = count / (raw.ms / 1000);
  row('raw memjs loop, 64 in flight', `${Math.round(rawRate / 1000)} k/s`, `${raw.peakMiB.toFixed(0)} MiB peak`);
  await flush();
  const ours = await measureProcess(process.execPath, ['-e', STORE_BULK('glueful_bulk:', count)]);
  if (ours.code !== 0) throw new Error(ours.stderr);
  const rate = count / (ours.ms / 1000);
  row('store.setMultiple', `${Math.round(rate / 1000)} k/s`, `${ours.peakMiB.toFixed(0)} MiB peak, ${await stat('curr_items')} items`);
  const slapPerThread = Math.min(25_000, half);
  const slapStarted = performance.now();
  execFileSync('memcslap', ['-s', `${HOST}:${port}`, '-t', 'set', '-c', '2', '-e', String(slapPerThread)], { stdio: 'ignore' });
  const slapRate = (2 * slapPerThread) / ((performance.now() - slapStarted) / 1000);
  row('memcslap -t set -c 2 (one request per round trip)', `${Math.round(slapRate / 1000)} k/s`);

  await load();
  const recipe = await measureProcess('sh', [
    '-c',
    `memcdump --servers=${HOST}:${port} | grep '^glueful_user:' | xargs -r -n 500 memcrm --servers=${HOST}:${port}`,
  ]);
  const recipeRemoved = count - (await stat('curr_items'));
  row('memcdump | grep | xargs memcrm', `${(recipe.ms / 1000).toFixed(2)} s`, `${recipeRemoved} of ${half} removed`);

  await load();
  const floor = await measureProcess(process.execPath, ['-e', FLOOR]);
  if (floor.code !== 0) throw new Error(floor.stderr);
  const floorMs = floor.ms;
  row('floor: metadump hash + delete noreply (a node process)', `${(floorMs / 1000).toFixed(2)} s`, `${count - (await stat('curr_items'))} removed`);
  await load();
  const inProcessMs = await inProcessFloor();
  row('floor, inside this process (no start-up)', `${(inProcessMs / 1000).toFixed(2)} s`, `${count - (await stat('curr_items'))} removed`);

  await load();
  const purge = await measureProcess(process.execPath, [bin, 'cache:purge', 'user:*', '--force', '--json'], {
    env: { ...process.env, CACHE_DRIVER: 'memcached', MEMCACHED_HOST: HOST, MEMCACHED_PORT: String(port), CACHE_PREFIX: 'glueful_' },
  });
  if (purge.code !== 0) throw new Error(purge.stderr);
  const left = await stat('curr_items');
  const deleted = (JSON.parse(purge.stdout) as { deleted: number }).deleted;
  row('glueful cache:purge user:*', `${(purge.ms / 1000).toFixed(2)} s`, `${deleted} deleted, ${left} items left`);

  console.log('');
  const check = (ok: boolean) => (ok ? 'met' : 'MISSED');
  row('bulk set, ratio to raw memjs', `${(rate / rawRate).toFixed(2)}x`, `goal >= 0.8x: ${check(rate / rawRate >= 0.8)}`);
  row('purge, ratio to the floor process', `${(purge.ms / floorMs).toFixed(2)}x`, `goal <= 2x: ${check(purge.ms / floorMs <= 2)}`);
  row('purge, ratio to the in-process floor', `${(purge.ms / inProcessMs).toFixed(2)}x`, 'includes our process start-up');
  row('purge removed every match, kept the rest', deleted === half && left === half ? 'yes' : 'NO');
  row('purge peak RSS', `${purge.peakMiB.toFixed(0)} MiB`, `goal <= 150 MB: ${check(purge.peakMiB * 1.048576 <= 150)}`);
} finally {
  await server.stop();
}
