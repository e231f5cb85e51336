/**
 * Fastly, with the `Fastly-Key` header:
 * - one URL:  `POST {api_base}/purge/{host}{path}` (one request per URL);
 * - keys:     `POST {api_base}/service/{service_id}/purge` with
 *             `Surrogate-Key: k1 k2 …`, at most 256 keys per request;
 * - all:      `POST {api_base}/service/{service_id}/purge_all`.
 * `soft: true` adds `Fastly-Soft-Purge: 1` (marks stale instead of
 * evicting) to URL and key purges; purge_all cannot be soft. Errors answer
 * `{ "msg": "...", "detail": "..." }`.
 */
import { batches } from '../batch.js';
import type { EdgeProvider, EdgeRequest, EdgeResponse, EdgeVerdict, ProviderOptions } from '../provider.js';
import { apiBase, badApiBase, checkUrls, json, missing, text, verdictOf } from './options.js';

/** The provider's name. */
export const NAME = 'fastly';

const KEYS_PER_REQUEST = 256;

function check(response: EdgeResponse): EdgeVerdict {
  const answer = json(response);
  const message = [answer?.msg, answer?.detail].filter((m) => typeof m === 'string' && m !== '').join(': ');
  return verdictOf(response, message || response.body);
}

function request(options: ProviderOptions, path: string, items: string[], extra: Record<string, string> = {}, soft = options.soft === true): EdgeRequest {
  return {
    method: 'POST',
    url: `${apiBase(options, 'https://api.fastly.com')}${path}`,
    headers: { 'fastly-key': text(options, 'api_token'), accept: 'application/json', ...(soft ? { 'fastly-soft-purge': '1' } : {}), ...extra },
    secretHeaders: ['fastly-key'],
    items,
    check,
  };
}

const service = (options: ProviderOptions): string => `/service/${encodeURIComponent(text(options, 'service_id'))}`;

/** The built-in Fastly provider. */
export const fastly: EdgeProvider = {
  name: NAME,
  description: 'Fastly: URL purge, surrogate-key purge (256 per request), purge all; soft purge with soft: true',
  tagHeader: 'Surrogate-Key',
  validate: (options) => [...missing(options, { service_id: 'FASTLY_SERVICE_ID', api_token: 'FASTLY_API_TOKEN' }), ...badApiBase(options)],
  purgeUrls(urls, options) {
    return checkUrls(urls).map((url, i) => request(options, `/purge/${url.host}${url.pathname}${url.search}`, [urls[i]!]));
  },
  purgeTags(tags, options) {
    return batches(tags, KEYS_PER_REQUEST).map((batch) => request(options, `${service(options)}/purge`, batch, { 'surrogate-key': batch.join(' ') }));
  },
  purgeAll: (options) => [request(options, `${service(options)}/purge_all`, ['*'], {}, false)],
};
