/**
 * Faults for tests, done to the real servers test/helpers/servers.ts starts:
 * kill -9 when a condition is met, restart on the same port and directory,
 * cut client connections, stall the server, fill its memory, move cluster
 * slots while work runs, fail a Sentinel group over, stop one memcached of
 * a pool. Each is a small function that returns when the fault is in place
 * (or, for the long ones, a promise of it being over).
 *
 * Admin commands go over a connection of their own (ioredis, no retries), so
 * they never share a socket with the client under test.
 */
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { HOST, startRedis, type ServerHandle } from './servers.js';

/** Runs one command on a fresh admin connection to the port and closes it. */
export async function adminCommand(port: number, args: Array<string | number>): Promise<unknown> {
  const admin = new Redis({ host: HOST, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    return await admin.call(String(args[0]), ...args.slice(1).map(String));
  } finally {
    admin.disconnect();
  }
}

/** Polls `check` every `everyMs` until it is true; throws naming `what` after `timeoutMs`. */
export async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`fault: ${what} did not happen within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** Keys in a database of one server (DBSIZE). */
export async function dbsize(port: number, database = 0): Promise<number> {
  if (database === 0) return Number(await adminCommand(port, ['DBSIZE']));
  const admin = new Redis({ host: HOST, port, db: database, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    return await admin.dbsize();
  } finally {
    admin.disconnect();
  }
}

/** Keys matching a glob on one server, counted with SCAN (never KEYS). */
export async function countMatching(port: number, glob: string): Promise<number> {
  const admin = new Redis({ host: HOST, port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    let cursor = '0';
    let count = 0;
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', glob, 'COUNT', 5000);
      cursor = next;
      count += keys.length;
    } while (cursor !== '0');
    return count;
  } finally {
    admin.disconnect();
  }
}

/** Waits until DBSIZE of the server is at least `atLeast`. */
export function untilDbsizeAtLeast(port: number, atLeast: number, timeoutMs?: number): Promise<void> {
  return until(async () => (await dbsize(port)) >= atLeast, `DBSIZE >= ${atLeast}`, timeoutMs);
}

/** Waits until DBSIZE of the server is at most `atMost` (a purge under way). */
export function untilDbsizeAtMost(port: number, atMost: number, timeoutMs?: number): Promise<void> {
  return until(async () => (await dbsize(port)) <= atMost, `DBSIZE <= ${atMost}`, timeoutMs);
}

/** kill -9 of the server as soon as `condition` holds (as a crash would). */
export async function killWhen(server: ServerHandle, condition: () => Promise<void>): Promise<void> {
  await condition();
  await server.kill();
}

/** Starts a killed redis-server again on the same port and directory, with the same arguments. */
export function restartRedis(server: ServerHandle): Promise<ServerHandle> {
  return startRedis(server.args ?? [], { port: server.port, dir: server.dir });
}

/** Cuts every normal client connection (CLIENT KILL TYPE normal SKIPME yes); returns how many. */
export async function cutClients(port: number): Promise<number> {
  return Number(await adminCommand(port, ['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']));
}

/**
 * Stalls the server for `seconds` with DEBUG SLEEP (start it with
 * REDIS_DEBUG). Resolves once the stall has begun; `over` settles when the
 * server answers again.
 */
export async function stall(port: number, seconds: number): Promise<{ over: Promise<void> }> {
  const admin = new Redis({ host: HOST, port, maxRetriesPerRequest: 0, retryStrategy: () => null, commandTimeout: seconds * 1000 + 10_000 });
  admin.on('error', () => undefined);
  await admin.ping();
  const over = admin.call('DEBUG', 'SLEEP', String(seconds)).then(
    () => admin.disconnect(),
    (error: unknown) => {
      admin.disconnect();
      throw error;
    },
  );
  // DEBUG SLEEP blocks the event loop: a PING from elsewhere waits behind it.
  await sleep(20);
  return { over: over.then(() => undefined) };
}

/** Limits memory to `bytes` with noeviction: writes beyond it get -OOM. */
export async function setMaxmemory(port: number, bytes: number): Promise<void> {
  await adminCommand(port, ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
  await adminCommand(port, ['CONFIG', 'SET', 'maxmemory', bytes]);
}

/** Bytes the server uses now (INFO memory used_memory). */
export async function usedMemory(port: number): Promise<number> {
  const info = String(await adminCommand(port, ['INFO', 'memory']));
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

/** A cluster node's id (CLUSTER MYID). */
export async function nodeId(port: number): Promise<string> {
  return String(await adminCommand(port, ['CLUSTER', 'MYID']));
}

/** Slots a cluster master serves, from its own CLUSTER SLOTS view. */
export async function slotsOf(port: number): Promise<number[]> {
  const ranges = (await adminCommand(port, ['CLUSTER', 'SLOTS'])) as Array<[number, number, [string, number]]>;
  const slots: number[] = [];
  for (const [from, to, [, owner]] of ranges) if (owner === port) for (let s = from; s <= to; s++) slots.push(s);
  return slots;
}

/** How a slot move runs. */
export interface MoveSlotsOptions {
  /** Keys per MIGRATE. Default 100. */
  keysPerMigrate?: number;
  /** Pause after each MIGRATE, so the move overlaps the work under test. Default 0. */
  pauseMs?: number;
  /** Every master of the cluster, told the slot's new owner at the end of each slot. */
  masters: ServerHandle[];
}

/**
 * Moves slots from one master to another the way redis-cli --cluster reshard
 * does, one slot at a time: SETSLOT IMPORTING on the target, MIGRATING on the
 * source, MIGRATE the keys in small groups, then SETSLOT NODE everywhere.
 * Returns how many keys moved.
 */
export async function moveSlots(from: ServerHandle, to: ServerHandle, slots: number[], options: MoveSlotsOptions): Promise<number> {
  const connect = (port: number) => new Redis({ host: HOST, port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  const source = connect(from.port);
  const target = connect(to.port);
  const everyone = options.masters.map((m) => connect(m.port));
  const [sourceId, targetId] = [String(await source.call('CLUSTER', 'MYID')), String(await target.call('CLUSTER', 'MYID'))];
  let moved = 0;
  try {
    for (const slot of slots) {
      await target.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', sourceId);
      await source.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', targetId);
      for (;;) {
        const keys = (await source.call('CLUSTER', 'GETKEYSINSLOT', String(slot), String(options.keysPerMigrate ?? 100))) as string[];
        if (keys.length === 0) break;
        await source.call('MIGRATE', HOST, String(to.port), '', '0', '5000', 'REPLACE', 'KEYS', ...keys);
        moved += keys.length;
        if (options.pauseMs) await sleep(options.pauseMs);
      }
      // The target first, as redis-cli does: the slot is never left without an owner.
      await target.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', targetId);
      await source.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', targetId);
      await Promise.all(everyone.map((c) => c.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', targetId).catch(() => undefined)));
    }
  } finally {
    for (const c of [source, target, ...everyone]) c.disconnect();
  }
  return moved;
}

/** The master a Sentinel names for `name` now, as a port. */
export async function sentinelMaster(sentinelPort: number, name = 'mymaster'): Promise<number> {
  const [, port] = (await adminCommand(sentinelPort, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name])) as [string, string];
  return Number(port);
}

/** Waits until a replica has caught up with its master (master_link_status:up, offsets equal). */
export async function untilReplicated(replicaPort: number, timeoutMs = 15_000): Promise<void> {
  await until(async () => String(await adminCommand(replicaPort, ['INFO', 'replication'])).includes('master_link_status:up'), 'replication link up', timeoutMs, 50);
}

/**
 * Fails a Sentinel group over the way a crash does: kill -9 of the master,
 * then waits until the sentinel names another master. Returns its port.
 */
export async function failOver(master: ServerHandle, sentinelPort: number, name = 'mymaster', timeoutMs = 20_000): Promise<number> {
  await master.kill();
  let promoted = master.port;
  await until(
    async () => {
      promoted = await sentinelMaster(sentinelPort, name);
      return promoted !== master.port;
    },
    `sentinel failover of ${name}`,
    timeoutMs,
    50,
  );
  // The promoted replica takes writes once it knows it is a master.
  await until(async () => String(await adminCommand(promoted, ['ROLE'])).startsWith('master'), 'promoted replica to become master', timeoutMs, 50);
  return promoted;
}

/** Stops one memcached of a pool (kill -9); the rest keep running. */
export async function stopOneOf(pool: ServerHandle[], index: number): Promise<ServerHandle> {
  const server = pool[index];
  if (!server) throw new Error(`fault: no server ${index} in a pool of ${pool.length}`);
  await server.kill();
  return server;
}
