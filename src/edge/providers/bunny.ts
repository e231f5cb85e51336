/**
 * bunny.net, with the `AccessKey` header:
 * - one URL:  `POST {api_base}/purge?url=<url>&async=false`; a trailing `*`
 *             in the URL purges everything under it (used for prefixes);
 * - one tag:  `POST {api_base}/pullzone/{pull_zone_id}/purgeCache` with
 *             `{ "CacheTag": "<tag>" }` (tags come from the `CDN-Tag` response header);
 * - all:      the same without a body.
 * Errors answer `{ "ErrorKey", "Field", "Message" }`.
 */
import { ConfigError } from '../../core/errors.js';
import type { EdgeProvider, EdgeRequest, EdgeResponse, EdgeVerdict, ProviderOptions } from '../provider.js';
import { apiBase, badApiBase, checkUrls, json, missing, text, verdictOf } from './options.js';

/** The provider's name. */
export const NAME = 'bunny';

function check(response: EdgeResponse): EdgeVerdict {
  const answer = json(response);
  return verdictOf(response, typeof answer?.Message === 'string' ? answer.Message : response.body);
}

function request(options: ProviderOptions, path: string, items: string[], body?: Record<string, unknown>): EdgeRequest {
  return {
    method: 'POST',
    url: `${apiBase(options, 'https://api.bunny.net')}${path}`,
    headers: { accesskey: text(options, 'api_key'), accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
    secretHeaders: ['accesskey'],
    ...(body ? { body: JSON.stringify(body) } : {}),
    items,
    check,
  };
}

/** The pull zone's purge path; tag and whole-zone purges need its id, URL purges do not. */
function zone(options: ProviderOptions): string {
  const id = text(options, 'pull_zone_id');
  if (id === '') throw new ConfigError('bunny: pull_zone_id is not set (or BUNNY_PULL_ZONE_ID): tag and whole-zone purges name the pull zone');
  return `/pullzone/${encodeURIComponent(id)}/purgeCache`;
}
const purgeUrl = (options: ProviderOptions, url: string, item: string): EdgeRequest =>
  request(options, `/purge?url=${encodeURIComponent(url)}&async=false`, [item]);

/** The built-in bunny.net provider. */
export const bunny: EdgeProvider = {
  name: NAME,
  description: 'bunny.net: URL purge (prefixes with a trailing *), CDN-Tag purge and whole pull zone; AccessKey',
  tagHeader: 'CDN-Tag',
  validate: (options) => [...missing(options, { api_key: 'BUNNY_API_KEY' }), ...badApiBase(options)],
  purgeUrls(urls, options) {
    checkUrls(urls);
    return urls.map((url) => purgeUrl(options, url, url));
  },
  purgePrefixes(prefixes, options) {
    checkUrls(prefixes);
    return prefixes.map((p) => purgeUrl(options, p.endsWith('*') ? p : `${p}*`, p));
  },
  purgeTags(tags, options) {
    const path = zone(options);
    return tags.map((tag) => request(options, path, [tag], { CacheTag: tag }));
  },
  purgeAll: (options) => [request(options, zone(options), ['*'])],
};
