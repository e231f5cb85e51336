/**
 * Connecting to Redis the way a CLI must: lazily, failing fast (no offline
 * queue, no reconnect loop, connect and command timeouts), and turning every
 * connection failure into one line that names host:port and never a password.
 */
import { readFileSync } from 'node:fs';
import type { Cluster, ClusterNode, Redis, RedisOptions } from 'ioredis';
import { ConfigError, StoreUnavailableError } from '../../core/errors.js';
import { reasonFor, type Reason } from '../../core/network-errors.js';

/** A host and port. */
export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** TLS settings; certificate values are file paths. */
export interface RedisTlsOptions {
  /** CA certificate file to trust (self-signed or private CA). */
  ca?: string;
  /** Client certificate file, for servers that require client auth. */
  cert?: string;
  /** Client key file. */
  key?: string;
  /** Name expected in the server certificate, when it is not the host. */
  servername?: string;
  /** false accepts any certificate (never in production). Default true. */
  rejectUnauthorized?: boolean;
}

/** Options of the Redis store (`stores.redis`). */
export interface RedisConnectionOptions {
  /** Server host. Default 127.0.0.1. Env: REDIS_HOST. */
  host?: string;
  /** Server port. Default 6379. Env: REDIS_PORT. */
  port?: number;
  /** `redis://[user:pass@]host:port/db` or `rediss://` for TLS; overrides host/port/database. */
  url?: string;
  /** ACL user name (Redis 6+). */
  username?: string;
  /** Password (or the ACL user's password). Env: REDIS_PASSWORD. Never printed. */
  password?: string;
  /** Database number. Default 0. Env: REDIS_DB. */
  database?: number;
  /** Connect and command timeout, seconds. Default 2.5. Env: REDIS_TIMEOUT. */
  timeout?: number;
  /** Connect timeout alone, seconds, when it differs (a Glueful app's is min(REDIS_TIMEOUT, 1)). Default `timeout`. */
  connect_timeout?: number;
  /** true for TLS with the system CAs, or TLS settings. */
  tls?: boolean | RedisTlsOptions;
  /** Sentinels to ask for the master (`host:port` strings or objects). */
  sentinels?: Array<string | RedisNodeAddress>;
  /** The master's name at the sentinels. Default `mymaster`. */
  name?: string;
  /** Password of the sentinels themselves, when they have one. */
  sentinel_password?: string;
  /** Redis Cluster seed nodes (`host:port` strings or objects). */
  cluster?: Array<string | RedisNodeAddress>;
}

function parseAddress(value: string | RedisNodeAddress, where: string): RedisNodeAddress {
  if (typeof value !== 'string') return value;
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(value.trim());
  if (!match) throw new ConfigError(`invalid configuration: ${where}: expected "host:port", got "${value}"`);
  return { host: match[1]!, port: Number(match[2]) };
}

function tlsSettings(tls: RedisConnectionOptions['tls']): RedisOptions['tls'] {
  if (!tls) return undefined;
  if (tls === true) return {};
  const read = (path: string | undefined, what: string) => {
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new ConfigError(`cannot read the TLS ${what} file ${path}: ${(error as NodeJS.ErrnoException).code}`);
    }
  };
  return {
    ca: read(tls.ca, 'CA'),
    cert: read(tls.cert, 'certificate'),
    key: read(tls.key, 'key'),
    servername: tls.servername,
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
  };
}

/** The resolved connection: what to create and how to name it in messages. */
export interface ConnectionPlan {
  /** `host:port` (or the sentinel / cluster seeds), for messages: never credentials. */
  address: string;
  kind: 'standalone' | 'sentinel' | 'cluster';
  database: number;
  timeoutMs: number;
  connectTimeoutMs: number;
  options: RedisOptions;
  clusterNodes?: ClusterNode[];
}

function fromUrl(url: string): Partial<RedisOptions> & { tls?: RedisOptions['tls'] } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('invalid configuration: stores.redis.url: expected redis://host:port/db or rediss://...');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigError(`invalid configuration: stores.redis.url: expected redis:// or rediss://, got ${parsed.protocol}//`);
  }
  const db = parsed.pathname.replace(/^\//, '');
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: db ? Number(db) : undefined,
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Turns the store options into what ioredis needs. */
export function planConnection(options: RedisConnectionOptions): ConnectionPlan {
  const timeoutMs = Math.round((options.timeout ?? 2.5) * 1000);
  const connectTimeoutMs = Math.round((options.connect_timeout ?? options.timeout ?? 2.5) * 1000);
  const url = options.url ? fromUrl(options.url) : {};
  // The certificate files are read once; a rediss:// URL with a tls block takes the block's settings.
  const tls = tlsSettings(options.tls);
  const base: RedisOptions = {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 6379,
    username: options.username,
    password: options.password,
    db: options.database ?? 0,
    ...url,
    tls: tls && url.tls ? { ...url.tls, ...tls } : (tls ?? url.tls),
    connectTimeout: connectTimeoutMs,
    commandTimeout: timeoutMs,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    autoResubscribe: false,
    // disconnect() otherwise keeps a half-open socket (and the process) alive for 2 s.
    disconnectTimeout: 50,
  };
  if (options.cluster?.length) {
    const nodes = options.cluster.map((n, i) => parseAddress(n, `stores.redis.cluster[${i}]`));
    return {
      kind: 'cluster',
      address: nodes.map((n) => `${n.host}:${n.port}`).join(','),
      database: 0,
      timeoutMs,
      connectTimeoutMs,
      options: base,
      clusterNodes: nodes,
    };
  }
  if (options.sentinels?.length) {
    const sentinels = options.sentinels.map((n, i) => parseAddress(n, `stores.redis.sentinels[${i}]`));
    const name = options.name ?? 'mymaster';
    return {
      kind: 'sentinel',
      address: `sentinel ${name} via ${sentinels.map((n) => `${n.host}:${n.port}`).join(',')}`,
      database: base.db ?? 0,
      timeoutMs,
      connectTimeoutMs,
      options: { ...base, sentinels, name, sentinelPassword: options.sentinel_password, sentinelRetryStrategy: () => null },
    };
  }
  return { kind: 'standalone', address: `${base.host}:${base.port}`, database: base.db ?? 0, timeoutMs, connectTimeoutMs, options: base };
}

/** What only Redis says; the network's own reasons come from the core. */
const REDIS_REASONS: readonly Reason[] = [
  [/WRONGPASS|invalid password|invalid username-password/i, 'authentication failed (wrong user name or password)'],
  [/NOAUTH/, 'authentication required (set a password)'],
  [/NOPERM/, 'the ACL user lacks permission for this command'],
  [/certificate|SSL|TLS|wrong version number/i, 'TLS handshake failed'],
  [/All sentinels are unreachable|sentinel/i, 'no sentinel answered for the master'],
  [/Failed to refresh slots cache|ClusterAllFailedError|None of startup nodes/i, 'no cluster node answered'],
];

/** True for failures of the connection rather than of a command. */
export function isConnectionFailure(error: unknown): boolean {
  return reasonFor(error, REDIS_REASONS) !== null && !/^(ERR|WRONGTYPE)\b/.test((error as Error)?.message ?? '');
}

/** One line naming the server and the reason, without credentials. */
export function unavailable(error: unknown, plan: ConnectionPlan): StoreUnavailableError {
  const reason = reasonFor(error, REDIS_REASONS) ?? (error as Error)?.message ?? 'unknown error';
  const ms = /connect/i.test((error as Error)?.message ?? '') ? plan.connectTimeoutMs : plan.timeoutMs;
  const detail = reason === 'timed out' ? `timed out after ${ms / 1000}s` : reason;
  return new StoreUnavailableError(`cannot use redis at ${plan.address}: ${detail}`, { cause: error });
}

/** Creates and connects the client; rejects with a StoreUnavailableError. */
export async function connect(plan: ConnectionPlan): Promise<Redis | Cluster> {
  const { Redis, Cluster } = await import('ioredis');
  const { host: _h, port: _p, retryStrategy: _r, enableOfflineQueue: _q, lazyConnect: _l, ...nodeOptions } = plan.options;
  const client =
    plan.kind === 'cluster'
      ? new Cluster(plan.clusterNodes!, {
          lazyConnect: true,
          enableOfflineQueue: true, // needed while the slot map loads; bounded by the timeouts
          enableAutoPipelining: true,
          clusterRetryStrategy: () => null,
          // TRYAGAIN (a multi-key command on a slot mid-migration) is retried 16 times; retry soon, then split (see delete).
          retryDelayOnTryAgain: 10,
          slotsRefreshTimeout: plan.timeoutMs,
          redisOptions: nodeOptions,
        })
      : new Redis(plan.options);
  let lastError: unknown;
  // Without a listener ioredis prints "Unhandled error event" to the console.
  client.on('error', (error: unknown) => (lastError = error));
  const timer = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('connect ETIMEDOUT')), plan.connectTimeoutMs + 250).unref(),
  );
  try {
    await Promise.race([client.connect(), timer]);
    return client;
  } catch (error) {
    client.disconnect();
    // connect() often rejects with a bare "Connection is closed"; the 'error' event had the cause.
    throw unavailable(lastError ?? error, plan);
  }
}
