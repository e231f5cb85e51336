/**
 * Real servers for the driver tests: redis-server (plain, password + ACL
 * user, TLS, 3-master Cluster, Sentinel) started on free loopback ports in
 * temporary directories, and stopped after. Never 6379 / 11211, never
 * someone's data. A missing binary fails the suite (no silent skip).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const HOST = '127.0.0.1';

function requireBinary(name: string, pkg: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${name} is not installed: apt-get install ${pkg} (the driver tests need a real server)`);
  }
}

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** A free port in 20000-44999 (so port + 10000, a cluster bus port, is valid too). */
export async function freePort(needBus = false): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 25000);
    if ((await isFree(port)) && (!needBus || (await isFree(port + 10000)))) return port;
  }
  throw new Error('no free port found');
}

/** Waits until something accepts TCP connections on the port. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, HOST, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(25);
  }
  throw new Error(`nothing listening on ${HOST}:${port} after ${timeoutMs} ms`);
}

/** A running server process. */
export interface ServerHandle {
  port: number;
  dir: string;
  process: ChildProcess;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  stop(): Promise<void>;
  /** The extra arguments a redis-server was started with (to start it again the same way). */
  args?: string[];
}

function exited(proc: ChildProcess): Promise<void> {
  return proc.exitCode !== null || proc.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => proc.once('exit', () => resolve()));
}

async function launch(command: string, args: string[], port: number, dir: string, waitPort = port): Promise<ServerHandle> {
  return adopt(spawn(command, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] }), port, dir, waitPort);
}

/** Waits for a started server to listen, and wraps it in a handle. */
async function adopt(proc: ChildProcess, port: number, dir: string, waitPort = port): Promise<ServerHandle> {
  const command = proc.spawnfile;
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d));
  try {
    await Promise.race([
      waitForPort(waitPort),
      exited(proc).then(() => {
        throw new Error(`${command} exited at start: ${stderr}`);
      }),
    ]);
  } catch (error) {
    proc.kill('SIGKILL');
    throw error;
  }
  const handle: ServerHandle = {
    port,
    dir,
    process: proc,
    async kill() {
      proc.kill('SIGKILL');
      await exited(proc);
    },
    async stop() {
      proc.kill('SIGTERM');
      await Promise.race([exited(proc), sleep(3000).then(() => proc.kill('SIGKILL'))]);
      await exited(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

const REDIS_BASE = ['--bind', HOST, '--save', '', '--appendonly', 'no', '--protected-mode', 'no'];

/** Lets a test stall the server with DEBUG SLEEP (Redis 7 refuses DEBUG unless told). */
export const REDIS_DEBUG = ['--enable-debug-command', 'yes'];

/**
 * Starts redis-server with extra arguments on a free port; `port` and `dir`
 * start it again where a killed one ran (see faults.ts restartRedis).
 */
export async function startRedis(extra: string[] = [], options: { port?: number; cluster?: boolean; dir?: string } = {}): Promise<ServerHandle> {
  requireBinary('redis-server', 'redis-server');
  const port = options.port ?? (await freePort(options.cluster));
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'glueful-redis-'));
  const handle = await launch('redis-server', ['--port', String(port), '--dir', dir, ...REDIS_BASE, ...extra], port, dir);
  handle.args = extra;
  return handle;
}

/** Runs redis-cli against a port and returns its output. */
export function redisCli(port: number, args: string[], auth: string[] = []): string {
  return execFileSync('redis-cli', ['-h', HOST, '-p', String(port), ...auth, ...args], { encoding: 'utf8' }).trim();
}

/** Certificates made with openssl: a CA and a server certificate for 127.0.0.1. */
export interface TlsFiles {
  dir: string;
  ca: string;
  cert: string;
  key: string;
}

export function makeCertificates(): TlsFiles {
  const dir = mkdtempSync(join(tmpdir(), 'glueful-tls-'));
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=glueful-test-ca']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext']);
  return { dir, ca: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}

/** redis-server speaking only TLS. */
export async function startRedisTls(tls: TlsFiles): Promise<ServerHandle> {
  requireBinary('redis-server', 'redis-server');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'glueful-redis-tls-'));
  const args = ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key];
  args.push('--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no', '--dir', dir, ...REDIS_BASE);
  return launch('redis-server', args, port, dir);
}

/** A 3-master Redis Cluster, created with redis-cli --cluster create. */
export async function startRedisCluster(masters = 3, extra: string[] = []): Promise<ServerHandle[]> {
  const nodes: ServerHandle[] = [];
  for (let i = 0; i < masters; i++) {
    nodes.push(
      await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000', ...extra], {
        cluster: true,
      }),
    );
  }
  const addresses = nodes.map((n) => `${HOST}:${n.port}`);
  execFileSync('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + 15_000;
  while (!nodes.every((n) => redisCli(n.port, ['cluster', 'info']).includes('cluster_state:ok'))) {
    if (Date.now() > deadline) throw new Error('cluster did not reach state ok');
    await sleep(100);
  }
  return nodes;
}

/** A Sentinel watching `master` under the name `mymaster`; `downAfterMs` is how long a silent master takes to be failed over. */
export async function startSentinel(masterPort: number, name = 'mymaster', downAfterMs = 2000): Promise<ServerHandle> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'glueful-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [`port ${port}`, `bind ${HOST}`, `dir ${dir}`, `sentinel monitor ${name} ${HOST} ${masterPort} 1`, `sentinel down-after-milliseconds ${name} ${downAfterMs}`, ''].join('\n'),
  );
  return launch('redis-server', [conf, '--sentinel'], port, dir);
}

/** Starts memcached on a free port (no UDP), with extra arguments. */
export async function startMemcached(extra: string[] = []): Promise<ServerHandle> {
  requireBinary('memcached', 'memcached');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'glueful-memcached-'));
  // memcached refuses to run as root unless told which user to be.
  const user = process.getuid?.() === 0 ? ['-u', 'root'] : [];
  return launch('memcached', ['-p', String(port), '-l', HOST, '-U', '0', '-m', '64', ...user, ...extra], port, dir);
}

/**
 * memcached with SASL on (binary protocol only; its text protocol is then
 * off), PLAIN against a sasldb made with saslpasswd2 (Debian sasl2-bin).
 */
export async function startMemcachedSasl(username: string, password: string): Promise<ServerHandle> {
  requireBinary('memcached', 'memcached');
  requireBinary('saslpasswd2', 'sasl2-bin');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'glueful-memcached-sasl-'));
  execFileSync('saslpasswd2', ['-p', '-a', 'memcached', '-c', '-f', join(dir, 'sasldb'), username], { input: password });
  writeFileSync(join(dir, 'memcached.conf'), `mech_list: plain\nsasldb_path: ${join(dir, 'sasldb')}\n`);
  const user = process.getuid?.() === 0 ? ['-u', 'root'] : [];
  const proc = spawn('memcached', ['-S', '-p', String(port), '-l', HOST, '-U', '0', '-m', '16', ...user], {
    cwd: dir,
    env: { ...process.env, SASL_CONF_PATH: dir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return adopt(proc, port, dir);
}

/**
 * varnishd in the foreground on a free port, running the VCL operators are
 * given (examples/varnish-purge.vcl) with its backend pointed at `backendPort`.
 * `-j none`: no privilege separation, so it runs as whoever runs the suite.
 */
export async function startVarnish(backendPort: number): Promise<ServerHandle> {
  requireBinary('varnishd', 'varnish varnish-modules');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'glueful-varnish-'));
  const vcl = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'varnish-purge.vcl'), 'utf8').replace('.port = "8080"', `.port = "${backendPort}"`);
  writeFileSync(join(dir, 'test.vcl'), vcl);
  const args = ['-F', '-j', 'none', '-a', `${HOST}:${port}`, '-T', 'none', '-f', join(dir, 'test.vcl'), '-n', join(dir, 'work'), '-s', 'malloc,32m', '-p', 'default_ttl=3600'];
  return launch('varnishd', args, port, dir);
}
