/**
 * Akamai Fast Purge v3: `POST {api_base}/ccu/v3/{action}/{type}/{network}`
 * with `{ "objects": [...] }` (one object type per request, body at most
 * 50,000 bytes), signed with EdgeGrid (edgegrid.ts). `action` is
 * `invalidate` (default: revalidate with the origin) or `delete` (evict);
 * `network` is `production` (default) or `staging`; types are `url`, `tag`
 * (Edge-Cache-Tag) and `cpcode`. Fast Purge has no "purge everything": with
 * `cp_codes` set, purge all purges those CP codes. `api_base` defaults to
 * `https://<host>` from the API client's credentials, which come from the
 * config, the environment, or an `.edgerc` section (edgerc.ts). Answers are
 * `{ "httpStatus": 201, "detail", "purgeId", "estimatedSeconds" }`, errors
 * problem+json `{ "title", "detail" }`.
 */
import { ConfigError } from '../../core/errors.js';
import { batches } from '../batch.js';
import type { EdgeProvider, EdgeRequest, EdgeResponse, EdgeVerdict, ProviderOptions } from '../provider.js';
import { edgeGridAuthorization } from './edgegrid.js';
import { withEdgerc } from './edgerc.js';
import { apiBase, badApiBase, checkUrls, json, missing, text, verdictOf } from './options.js';

/** The provider's name. */
export const NAME = 'akamai';

/** The body limit, less the `{"objects":[]}` around the items. */
const BODY_BYTES = 50_000 - 16;

function check(response: EdgeResponse): EdgeVerdict {
  const answer = json(response);
  const message = [answer?.title, answer?.detail].filter((m) => typeof m === 'string' && m !== '').join(': ');
  return verdictOf(response, message || response.body);
}

function base(options: ProviderOptions): string {
  const host = text(options, 'host').replace(/^https?:\/\//, '').replace(/\/+$/, '');
  return apiBase(options, `https://${host}`);
}

function requests(given: ProviderOptions, type: 'url' | 'tag' | 'cpcode', items: string[], objects: Array<string | number> = items): EdgeRequest[] {
  const options = withEdgerc(given);
  const action = text(options, 'action') || 'invalidate';
  const network = text(options, 'network') || 'production';
  const url = `${base(options)}/ccu/v3/${action}/${type}/${network}`;
  const credentials = { clientToken: text(options, 'client_token'), clientSecret: text(options, 'client_secret'), accessToken: text(options, 'access_token') };
  let start = 0;
  // Each item costs its JSON text plus a comma in the body.
  return batches(items.map((i) => JSON.stringify(i)), Number.POSITIVE_INFINITY, BODY_BYTES).map((batch) => {
    const sent = objects.slice(start, start + batch.length);
    const covered = items.slice(start, (start += batch.length));
    const body = JSON.stringify({ objects: sent });
    return {
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
      items: covered,
      sign: (req) => ({ authorization: edgeGridAuthorization(credentials, { method: req.method, url: req.url, body: req.body }) }),
      check,
    };
  });
}

/** The built-in Akamai provider. */
export const akamai: EdgeProvider = {
  name: NAME,
  description: 'Akamai Fast Purge v3 (EdgeGrid): URLs, Edge-Cache-Tag tags, CP codes as "all"; invalidate or delete',
  tagHeader: 'Edge-Cache-Tag',
  validate(given) {
    let options: ProviderOptions;
    try {
      options = withEdgerc(given);
    } catch (error) {
      if (error instanceof ConfigError) return [error.message.replace(/^akamai: /, '')];
      throw error;
    }
    const credentials = { client_token: 'AKAMAI_CLIENT_TOKEN', client_secret: 'AKAMAI_CLIENT_SECRET', access_token: 'AKAMAI_ACCESS_TOKEN' };
    // The API host is needed unless api_base names the endpoint.
    const problems = missing(options, text(options, 'api_base') === '' ? { host: 'AKAMAI_HOST', ...credentials } : credentials);
    const action = text(options, 'action');
    if (action !== '' && action !== 'invalidate' && action !== 'delete') problems.push(`action must be invalidate or delete, got ${JSON.stringify(action)}`);
    const network = text(options, 'network');
    if (network !== '' && network !== 'production' && network !== 'staging') problems.push(`network must be production or staging, got ${JSON.stringify(network)}`);
    return [...problems, ...badApiBase(options)];
  },
  purgeUrls(urls, options) {
    checkUrls(urls);
    return requests(options, 'url', urls);
  },
  purgeTags: (tags, options) => requests(options, 'tag', tags),
  purgeAll(options) {
    const codes = Array.isArray(options.cp_codes) ? options.cp_codes.map(Number) : [];
    if (codes.length === 0 || codes.some((c) => !Number.isInteger(c) || c <= 0)) {
      throw new ConfigError('akamai: Fast Purge has no "purge everything": set cp_codes (the site\'s CP codes) to purge all of them');
    }
    return requests(options, 'cpcode', codes.map(String), codes);
  },
};
