/** edgeCacheHeaders (the library's response headers for edge caching), Retry-After reading and batching. */
import { describe, expect, it } from 'vitest';
import { edgeCacheHeaders } from '../src/index.js';
import { batches } from '../src/edge/batch.js';
import { retryAfterMs } from '../src/edge/runner.js';

describe('edgeCacheHeaders', () => {
  it('public with an edge lifetime, stale directives, tags in Fastly\'s Surrogate-Key and Surrogate-Control', () => {
    expect(edgeCacheHeaders({ maxAge: 60, sMaxAge: 3600, staleWhileRevalidate: 30, staleIfError: 86400, tags: ['users', 'user-1'], vary: ['Accept-Encoding', 'Accept-Language'], provider: 'fastly' })).toEqual({
      'Cache-Control': 'public, max-age=60, s-maxage=3600, stale-while-revalidate=30, stale-if-error=86400',
      'Surrogate-Control': 'max-age=3600, stale-while-revalidate=30, stale-if-error=86400',
      'Surrogate-Key': 'users user-1',
      Vary: 'Accept-Encoding, Accept-Language',
    });
  });

  it('each provider\'s tag header and separator', () => {
    const tagsOf = (provider: string) => Object.entries(edgeCacheHeaders({ tags: ['a', 'b'], provider })).find(([k]) => !['Cache-Control', 'Surrogate-Control'].includes(k));
    expect(tagsOf('cloudflare')).toEqual(['Cache-Tag', 'a,b']);
    expect(tagsOf('varnish')).toEqual(['xkey', 'a b']);
    expect(tagsOf('bunny')).toEqual(['CDN-Tag', 'a,b']);
    expect(tagsOf('akamai')).toEqual(['Edge-Cache-Tag', 'a,b']);
    expect(edgeCacheHeaders({ tags: ['a'] })['Surrogate-Key']).toBe('a');
  });

  it('defaults to an hour, public; private keeps everything away from the edge', () => {
    expect(edgeCacheHeaders()).toEqual({ 'Cache-Control': 'public, max-age=3600' });
    expect(edgeCacheHeaders({ private: true, maxAge: 10, tags: ['x'], vary: 'Cookie', provider: 'fastly' })).toEqual({ 'Cache-Control': 'private, max-age=10', Vary: 'Cookie' });
  });

  it('refuses what would make a wrong header', () => {
    expect(() => edgeCacheHeaders({ public: true, private: true })).toThrow(/both public and private/);
    expect(() => edgeCacheHeaders({ maxAge: -1 })).toThrow(/maxAge must be whole seconds/);
    expect(() => edgeCacheHeaders({ tags: ['a b'] })).toThrow(/invalid tag "a b"/);
    expect(() => edgeCacheHeaders({ tags: ['a'], provider: 'cloudfront' })).toThrow(/unknown provider "cloudfront"/);
  });
});

describe('Retry-After and batches', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('Wed, 25 Nov 2026 15:00:00 GMT');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Wed, 25 Nov 2026 15:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 25 Nov 2026 14:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  it('splits by count and by bytes; an oversized item travels alone', () => {
    expect(batches(['a', 'b', 'c', 'd', 'e'], 2)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(batches(['aaaa', 'bbbb', 'cccc'], 10, 9)).toEqual([['aaaa', 'bbbb'], ['cccc']]);
    expect(batches(['x'.repeat(20), 'y'], 10, 9)).toEqual([['x'.repeat(20)], ['y']]);
  });
});
