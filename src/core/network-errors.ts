/**
 * The words for a failed connection, the same for every server driver:
 * "connection refused", "timed out", "host not found"... A driver adds the
 * reasons only its protocol has (Redis' WRONGPASS, memcached's SASL) in
 * front of these.
 */

/** A pattern over an error's message and code, and what it means for an operator. */
export type Reason = readonly [pattern: RegExp, words: string];

/** Reasons every TCP client meets. */
export const NETWORK_REASONS: readonly Reason[] = [
  [/ECONNREFUSED/, 'connection refused'],
  [/ETIMEDOUT|timed out|timeout/i, 'timed out'],
  [/ENOTFOUND|EAI_AGAIN/, 'host not found'],
  [/EHOSTUNREACH|ENETUNREACH/, 'host unreachable'],
  // EPIPE and the stream codes: a write that met a connection the server had already closed.
  [/ECONNRESET|EPIPE|ERR_STREAM_(WRITE_AFTER_END|DESTROYED)|Connection is closed|closed|socket hang up|Stream isn't writeable/i, 'the connection was closed'],
];

/** The error's message and code, for matching. */
export function errorText(error: unknown): string {
  return `${(error as Error)?.message ?? String(error)} ${(error as NodeJS.ErrnoException)?.code ?? ''}`;
}

/** The words for a failure: the driver's own reasons first, then the network's; null when none fits. */
export function reasonFor(error: unknown, own: readonly Reason[] = []): string | null {
  const text = errorText(error);
  return [...own, ...NETWORK_REASONS].find(([pattern]) => pattern.test(text))?.[1] ?? null;
}
