/**
 * What an edge provider is: a CDN or HTTP cache in front of the app that can
 * be told to drop objects by URL, by prefix, by host, by tag (surrogate
 * key), or all of them. A provider does not send anything itself: each purge method
 * returns the HTTP requests that would do the work, already batched within
 * the provider's per-request limits. The runner (runner.ts) sends them with
 * timeouts, retries on 429 and a deadline, and `--dry-run` prints them
 * instead. The methods a provider has are what it can purge.
 *
 *   export default defineEdgeProvider({
 *     name: 'my-cdn',
 *     purgeUrls: (urls, options) => [{ method: 'POST', url: `${options.api_base}/purge`, body: JSON.stringify({ urls }), items: urls }],
 *   });
 */

/** What a purge targets. */
export type PurgeKind = 'url' | 'prefix' | 'host' | 'tag' | 'all';

/** Every kind, in the order a command runs them. */
export const PURGE_KINDS: readonly PurgeKind[] = ['url', 'prefix', 'host', 'tag', 'all'];

/** The parts of a provider's answer a request's `check` looks at. */
export interface EdgeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as text, cut at 64 KiB. */
  body: string;
}

/** What a request's `check` says about an answer. */
export interface EdgeVerdict {
  /** Items of this request the provider did not purge (default: none when ok, every one otherwise). */
  failed?: string[];
  ok: boolean;
  /** The provider's own words, one line. */
  message?: string;
  /** The credentials were refused: the whole run stops (exit 5). */
  authFailed?: boolean;
  /** Objects the provider says it dropped, when it says (Varnish xkey does). */
  purged?: number;
}

/** One HTTP request of a purge. */
export interface EdgeRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** The URLs, prefixes, hosts or tags this request purges (`*` for everything). */
  items: string[];
  /** Header names whose values are credentials: shown as `***` in dry runs. */
  secretHeaders?: string[];
  /**
   * Headers computed at each attempt, for signatures that carry a timestamp
   * and a nonce (Akamai EdgeGrid): a retry must not replay them. Their
   * values are secret.
   */
  sign?(req: EdgeRequest): Record<string, string>;
  /** Reads the answer; without it any 2xx is success, 401/403 a refusal of the credentials. */
  check?(response: EdgeResponse): EdgeVerdict;
}

/** A provider's settings from `edge.providers.<name>`, as written (snake_case). */
export type ProviderOptions = Record<string, unknown>;

/** A CDN or HTTP cache the tool can purge. */
export interface EdgeProvider {
  /** Unique name; a config's `edge.providers.<name>` refers to it (or gives `type`). */
  name: string;
  description?: string;
  /** Response header carrying tags for this provider (Surrogate-Key, Cache-Tag, xkey...). */
  tagHeader?: string;
  /**
   * Checks the settings before anything is sent, returning one line per
   * problem (a missing zone id, a malformed URL). Credentials are never
   * quoted in these lines.
   */
  validate?(options: ProviderOptions): string[];
  purgeUrls?(urls: string[], options: ProviderOptions): EdgeRequest[];
  purgePrefixes?(prefixes: string[], options: ProviderOptions): EdgeRequest[];
  /** Every object of these sites (host names, `www.example.com` or `host:port`). */
  purgeHosts?(hosts: string[], options: ProviderOptions): EdgeRequest[];
  purgeTags?(tags: string[], options: ProviderOptions): EdgeRequest[];
  purgeAll?(options: ProviderOptions): EdgeRequest[];
}

/** Declares a provider plugin; the identity, for type checking. */
export function defineEdgeProvider(provider: EdgeProvider): EdgeProvider {
  return provider;
}

/** The method of a provider that purges `kind`, if it has one. */
export function purgeMethod(provider: EdgeProvider, kind: PurgeKind): ((items: string[], options: ProviderOptions) => EdgeRequest[]) | undefined {
  switch (kind) {
    case 'url':
      return provider.purgeUrls?.bind(provider);
    case 'prefix':
      return provider.purgePrefixes?.bind(provider);
    case 'host':
      return provider.purgeHosts?.bind(provider);
    case 'tag':
      return provider.purgeTags?.bind(provider);
    case 'all':
      return provider.purgeAll ? (_items, options) => provider.purgeAll!(options) : undefined;
  }
}

/** What a provider can purge, from the methods it has. */
export function purgeKindsOf(provider: EdgeProvider): PurgeKind[] {
  return PURGE_KINDS.filter((kind) => purgeMethod(provider, kind) !== undefined);
}
