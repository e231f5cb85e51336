/**
 * Varnish, or any HTTP cache that takes purge requests, on one or several
 * servers (every server gets every request). The VCL decides what the
 * requests mean; examples/varnish-purge.vcl is the one this provider
 * speaks to, and the test suite runs it on a real varnishd:
 *
 * - one URL:   `PURGE <path>` with `Host: <site>`                → return (purge)
 * - a prefix:  `BAN /` with `x-ban-url: ^<path regex>` and `x-ban-host: <site>`
 *              → ban on obj.http.x-url / obj.http.x-host, stored on each object
 * - tags:      `PURGE /` with `xkey: a b c` (vmod xkey; header name
 *              configurable, `xkey-softpurge` when soft) → "Invalidated N"
 * - a host:    `BAN /` with `x-ban-url: .` and `x-ban-host: <site>` → every object of the site
 * - all:       `BAN /` with `x-ban-url: .` and no host     → every object
 *
 * A request header is limited by Varnish (http_req_hdr_len, 8 KiB by
 * default): tags travel in batches of at most 4 KiB of header.
 */
import type { EdgeProvider, EdgeRequest, EdgeResponse, EdgeVerdict, ProviderOptions } from '../provider.js';
import { batches } from '../batch.js';
import { checkUrls, text, verdictOf } from './options.js';

/** The provider's name. */
export const NAME = 'varnish';

const TAG_HEADER_BYTES = 4096;

function servers(options: ProviderOptions): string[] {
  const raw = options.servers;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [];
  return list.map((s) => String(s).trim().replace(/\/+$/, '')).filter((s) => s !== '');
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Varnish answers a synthetic response; the xkey VCL says how many objects went. */
function check(response: EdgeResponse): EdgeVerdict {
  const verdict = verdictOf(response, response.body.match(/<title>([^<]*)<\/title>/)?.[1] ?? response.body);
  const purged = /Invalidated (\d+)/.exec(response.body)?.[1];
  // Varnish's own refusal for a client outside the purge ACL is a 405 by convention.
  if (response.status === 405) return { ...verdict, authFailed: true, message: `${verdict.message} (is this machine in the VCL's purge ACL?)` };
  return purged === undefined ? verdict : { ...verdict, purged: Number(purged) };
}

function toEach(options: ProviderOptions, build: (server: string) => Omit<EdgeRequest, 'check'>): EdgeRequest[] {
  return servers(options).map((server) => ({ ...build(server), check }));
}

/** The built-in Varnish provider. */
export const varnish: EdgeProvider = {
  name: NAME,
  description: 'Varnish: PURGE per URL, BAN for prefixes, hosts and all, xkey for tags (examples/varnish-purge.vcl)',
  tagHeader: 'xkey',
  validate(options) {
    const list = servers(options);
    if (list.length === 0) return ['servers is not set (or VARNISH_SERVERS): the Varnish listeners, e.g. ["http://127.0.0.1:6081"]'];
    return list.filter((s) => !/^https?:\/\/[^\s/]+$/.test(s)).map((s) => `servers: ${JSON.stringify(s)} is not http(s)://host:port`);
  },
  purgeUrls(urls, options) {
    return checkUrls(urls).flatMap((url, i) =>
      toEach(options, (server) => ({ method: 'PURGE', url: `${server}${url.pathname}${url.search}`, headers: { host: url.host }, items: [urls[i]!] })),
    );
  },
  purgePrefixes(prefixes, options) {
    return checkUrls(prefixes).flatMap((url, i) =>
      toEach(options, (server) => ({
        method: 'BAN',
        url: `${server}/`,
        headers: { host: url.host, 'x-ban-url': `^${escapeRegExp(url.pathname)}`, 'x-ban-host': url.host },
        items: [prefixes[i]!],
      })),
    );
  },
  purgeHosts(hosts, options) {
    return hosts.flatMap((host) =>
      toEach(options, (server) => ({ method: 'BAN', url: `${server}/`, headers: { host, 'x-ban-url': '.', 'x-ban-host': host }, items: [host] })),
    );
  },
  purgeTags(tags, options) {
    const header = text(options, 'tag_header') || 'xkey';
    const name = options.soft === true ? `${header}-softpurge` : header;
    return batches(tags, Number.POSITIVE_INFINITY, TAG_HEADER_BYTES).flatMap((batch) =>
      toEach(options, (server) => ({ method: 'PURGE', url: `${server}/`, headers: { [name]: batch.join(' ') }, items: batch })),
    );
  },
  purgeAll(options) {
    return toEach(options, (server) => ({ method: 'BAN', url: `${server}/`, headers: { 'x-ban-url': '.' }, items: ['*'] }));
  },
};
