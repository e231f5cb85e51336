/**
 * The response headers that make a response cacheable at the edge, as the
 * seed's EdgeCacheService::generateCacheHeaders describes them:
 *
 *   Cache-Control: public, max-age=60, s-maxage=3600, stale-while-revalidate=30, stale-if-error=86400
 *   Surrogate-Control: max-age=3600          (Fastly and Varnish: the edge's own lifetime, stripped before the browser)
 *   Surrogate-Key: users user-123            (the provider's tag header: Fastly Surrogate-Key, Varnish xkey
 *                                              space-separated; Cloudflare Cache-Tag, bunny CDN-Tag, Akamai
 *                                              Edge-Cache-Tag comma-separated)
 *   Vary: Accept-Encoding, Accept-Language
 *
 * A private response gets `Cache-Control: private, max-age=N` and nothing
 * for the edge.
 */

/** What to cache, for how long, and under which tags. */
export interface EdgeCacheHeaderOptions {
  /** Browser lifetime, seconds. Default 3600 (Glueful's edge default_ttl). */
  maxAge?: number;
  /** Shared-cache (edge) lifetime, seconds; default: maxAge. */
  sMaxAge?: number;
  /** Cacheable by shared caches (the default). */
  public?: boolean;
  /** Only the browser may cache it; excludes `public`, s-maxage and tags. */
  private?: boolean;
  vary?: string | string[];
  /** Surrogate keys / cache tags to purge it by later (cache:purge --edge-tag). */
  tags?: string[];
  staleWhileRevalidate?: number;
  staleIfError?: number;
  /** Which provider's tag header to use: varnish, cloudflare, fastly, bunny, akamai. Default: Surrogate-Key. */
  provider?: string;
}

/** Tag header and separator per provider. */
const TAG_HEADERS: Record<string, { name: string; separator: string }> = {
  fastly: { name: 'Surrogate-Key', separator: ' ' },
  varnish: { name: 'xkey', separator: ' ' },
  cloudflare: { name: 'Cache-Tag', separator: ',' },
  bunny: { name: 'CDN-Tag', separator: ',' },
  akamai: { name: 'Edge-Cache-Tag', separator: ',' },
};
/** Providers that read Surrogate-Control (and strip it before the browser). */
const SURROGATE_CONTROL = new Set(['fastly', 'varnish']);

function seconds(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`edgeCacheHeaders: ${name} must be whole seconds >= 0, got ${value}`);
  return value;
}

/** The response headers for edge caching (see the file's description). */
export function edgeCacheHeaders(options: EdgeCacheHeaderOptions = {}): Record<string, string> {
  if (options.private && options.public) throw new TypeError('edgeCacheHeaders: a response cannot be both public and private');
  const maxAge = seconds('maxAge', options.maxAge) ?? 3600;
  const vary = Array.isArray(options.vary) ? options.vary.join(', ') : options.vary;
  if (options.private) return { 'Cache-Control': `private, max-age=${maxAge}`, ...(vary ? { Vary: vary } : {}) };
  const sMaxAge = seconds('sMaxAge', options.sMaxAge);
  const swr = seconds('staleWhileRevalidate', options.staleWhileRevalidate);
  const sie = seconds('staleIfError', options.staleIfError);
  const stale = [swr === undefined ? '' : `stale-while-revalidate=${swr}`, sie === undefined ? '' : `stale-if-error=${sie}`].filter(Boolean);
  const control = ['public', `max-age=${maxAge}`, sMaxAge === undefined ? '' : `s-maxage=${sMaxAge}`, ...stale].filter(Boolean);
  const headers: Record<string, string> = { 'Cache-Control': control.join(', ') };
  const provider = options.provider?.toLowerCase();
  if (provider !== undefined && !TAG_HEADERS[provider]) {
    throw new TypeError(`edgeCacheHeaders: unknown provider ${JSON.stringify(options.provider)}: expected one of ${Object.keys(TAG_HEADERS).join(', ')}`);
  }
  if (provider && SURROGATE_CONTROL.has(provider)) headers['Surrogate-Control'] = [`max-age=${sMaxAge ?? maxAge}`, ...stale].join(', ');
  const tags = options.tags ?? [];
  const bad = tags.find((t) => !/^[^\s,]+$/.test(t));
  if (bad !== undefined) throw new TypeError(`edgeCacheHeaders: invalid tag ${JSON.stringify(bad)}: no spaces or commas`);
  if (tags.length) {
    const header = TAG_HEADERS[provider ?? 'fastly']!;
    headers[header.name] = tags.join(header.separator);
  }
  if (vary) headers.Vary = vary;
  return headers;
}
