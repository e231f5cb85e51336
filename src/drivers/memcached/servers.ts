/** Parsing the memcached server list, and naming servers in errors. */
import { ConfigError, StoreUnavailableError } from '../../core/errors.js';
import { reasonFor, type Reason } from '../../core/network-errors.js';

/** A server with its ring weight. */
export interface MemcachedServer {
  host: string;
  port: number;
  weight: number;
}

type ServerSpec = string | { host: string; port: number; weight?: number };

function parseOne(spec: ServerSpec, index: number): MemcachedServer {
  if (typeof spec !== 'string') return { host: spec.host, port: spec.port, weight: spec.weight ?? 1 };
  const match = /^\[?([^\]]+?)\]?:(\d+)(?::(\d+))?$/.exec(spec.trim());
  if (!match) throw new ConfigError(`invalid configuration: stores.memcached.servers[${index}]: expected "host:port[:weight]", got "${spec}"`);
  const weight = match[3] === undefined ? 1 : Number(match[3]);
  if (weight < 1) throw new ConfigError(`invalid configuration: stores.memcached.servers[${index}]: weight must be at least 1`);
  return { host: match[1]!, port: Number(match[2]), weight };
}

/** The servers from `servers`, or the single host/port. */
export function parseServers(options: { host?: string; port?: number; servers?: ServerSpec[] }): MemcachedServer[] {
  if (options.servers?.length) return options.servers.map(parseOne);
  return [{ host: options.host ?? '127.0.0.1', port: options.port ?? 11211, weight: 1 }];
}

/** What only memcached says; the network's own reasons come from the core. */
const MEMCACHED_REASONS: readonly Reason[] = [[/auth|SASL/i, 'authentication failed']];

/** One line naming the server(s) and the reason, without credentials. */
export function memcachedUnavailable(error: unknown, servers: MemcachedServer[]): StoreUnavailableError {
  const reason = reasonFor(error, MEMCACHED_REASONS) ?? (error as Error)?.message ?? 'unknown error';
  const where = servers.map((s) => `${s.host}:${s.port}`).join(',');
  return new StoreUnavailableError(`cannot use memcached at ${where}: ${reason}`, { cause: error });
}
