/**
 * Cloudflare: `POST {api_base}/zones/{zone_id}/purge_cache` with a bearer
 * token and exactly one of `files`, `prefixes`, `hosts`, `tags` or
 * `{ "purge_everything": true }` in the JSON body. Items per request are
 * limited by plan (30 on older plans, 100 since); `max_items_per_request`
 * (default 30) keeps every plan within it. Prefixes are written without the
 * scheme (`www.example.com/blog/`). The answer is
 * `{ "success": bool, "errors": [{ "code", "message" }], "result": { "id" } }`;
 * error codes 9106, 9109 and 10000 are refused credentials.
 */
import { batches } from '../batch.js';
import type { EdgeProvider, EdgeRequest, EdgeResponse, EdgeVerdict, ProviderOptions } from '../provider.js';
import { apiBase, badApiBase, checkUrls, count, json, missing, text, verdictOf } from './options.js';

/** The provider's name. */
export const NAME = 'cloudflare';

const AUTH_CODES = new Set([9106, 9109, 10000]);

function check(response: EdgeResponse): EdgeVerdict {
  const answer = json(response);
  const errors = Array.isArray(answer?.errors) ? (answer.errors as Array<{ code?: number; message?: string }>) : [];
  const message = errors.map((e) => `${e.message ?? 'error'}${e.code ? ` (${e.code})` : ''}`).join('; ') || undefined;
  const verdict = verdictOf(response, message);
  if (verdict.ok && answer?.success === false) return { ok: false, message: message ?? 'success: false' };
  return errors.some((e) => e.code !== undefined && AUTH_CODES.has(e.code)) ? { ...verdict, ok: false, authFailed: true } : verdict;
}

function request(options: ProviderOptions, body: Record<string, unknown>, items: string[]): EdgeRequest {
  return {
    method: 'POST',
    url: `${apiBase(options, 'https://api.cloudflare.com/client/v4')}/zones/${encodeURIComponent(text(options, 'zone_id'))}/purge_cache`,
    headers: { authorization: `Bearer ${text(options, 'api_token')}`, 'content-type': 'application/json' },
    secretHeaders: ['authorization'],
    body: JSON.stringify(body),
    items,
    check,
  };
}

function batched(options: ProviderOptions, field: string, items: string[], values = items): EdgeRequest[] {
  const size = count(options, 'max_items_per_request', 30, 500);
  let start = 0;
  return batches(items, size).map((batch) => {
    const sent = values.slice(start, (start += batch.length));
    return request(options, { [field]: sent }, batch);
  });
}

/** The built-in Cloudflare provider. */
export const cloudflare: EdgeProvider = {
  name: NAME,
  description: 'Cloudflare: purge_cache by files, prefixes, hosts, tags (Cache-Tag) or everything; bearer token',
  tagHeader: 'Cache-Tag',
  validate: (options) => [...missing(options, { zone_id: 'CLOUDFLARE_ZONE_ID', api_token: 'CLOUDFLARE_API_TOKEN' }), ...badApiBase(options)],
  purgeUrls(urls, options) {
    checkUrls(urls);
    return batched(options, 'files', urls);
  },
  purgePrefixes(prefixes, options) {
    const bare = checkUrls(prefixes).map((u) => `${u.host}${u.pathname}`);
    return batched(options, 'prefixes', prefixes, bare);
  },
  purgeHosts: (hosts, options) => batched(options, 'hosts', hosts),
  purgeTags: (tags, options) => batched(options, 'tags', tags),
  purgeAll: (options) => [request(options, { purge_everything: true }, ['*'])],
};
