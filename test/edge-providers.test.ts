/**
 * The HTTP providers against loopback servers that play each provider's API
 * as its documentation describes it (../shared/reference/edge-providers.md
 * and the providers' own pages): method, path, headers, body, batching
 * within the per-request limits, EdgeGrid signing, 429 with Retry-After,
 * refused credentials. No traffic leaves the machine.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EdgeService } from '../src/edge/edge-service.js';
import { edgeGridAuthorization } from '../src/edge/providers/edgegrid.js';
import type { ResolvedConfig } from '../src/config/schema.js';
import { glueful, tempProject } from './helpers/cli.js';
import { HOST } from './helpers/servers.js';

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

/** A loopback API: records every request, answers with `respond` (200 {} by default). */
class FakeApi {
  seen: Seen[] = [];
  respond: (req: Seen, index: number) => Answer = () => ({ status: 200, body: {} });
  /** How long each answer waits, and the most requests seen waiting at once. */
  delayMs = 0;
  inFlight = 0;
  maxInFlight = 0;
  private server!: Server;
  base = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d));
      req.on('end', () => {
        const seen = { method: req.method!, path: req.url!, headers: req.headers, body };
        this.seen.push(seen);
        const answer = this.respond(seen, this.seen.length - 1);
        this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
        setTimeout(() => {
          this.inFlight--;
          res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
          res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
        }, this.delayMs);
      });
    });
    await new Promise<void>((r) => this.server.listen(0, HOST, () => r()));
    this.base = `http://${HOST}:${(this.server.address() as { port: number }).port}`;
  }

  reset(): void {
    this.seen = [];
    this.respond = () => ({ status: 200, body: {} });
    this.delayMs = 0;
    this.maxInFlight = 0;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

const api = new FakeApi();
beforeAll(() => api.start());
afterAll(() => api.stop());
afterEach(() => api.reset());

function service(providers: Record<string, unknown>, extra: Partial<ResolvedConfig['edge']> = {}): EdgeService {
  return new EdgeService({ provider: null, providers, defaultTtl: 3600, timeoutMs: 2000, deadlineMs: 10_000, concurrency: 4, enabled: null, baseDir: process.cwd(), ...extra });
}

const urls = (n: number, site = 'https://www.example.com') => Array.from({ length: n }, (_, i) => `${site}/p/${i}`);
const TOKEN = 'cf-token-0123456789abcdef';

describe('cloudflare', () => {
  const cf = () => service({ cloudflare: { zone_id: 'zone-1', api_token: TOKEN, api_base: `${api.base}/client/v4` } });
  const ok = { status: 200, body: { success: true, errors: [], messages: [], result: { id: 'p1' } } };

  it('purges files in batches of 30 with the bearer token', async () => {
    api.respond = () => ok;
    const result = await cf().purge('url', urls(65));
    expect(result.purged).toHaveLength(65);
    expect(api.seen.map((s) => [s.method, s.path])).toEqual(Array(3).fill(['POST', '/client/v4/zones/zone-1/purge_cache']));
    expect(api.seen.map((s) => JSON.parse(s.body).files.length).sort((a, b) => b - a)).toEqual([30, 30, 5]);
    expect(api.seen[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(api.seen[0]!.headers['content-type']).toBe('application/json');
    expect(api.seen.map((s) => JSON.parse(s.body).files).sort((a, b) => b.length - a.length)[2]).toEqual(urls(65).slice(60));
  });

  it('tags, prefixes (without the scheme), hosts and purge_everything each have their body', async () => {
    api.respond = () => ok;
    await cf().purge('tag', ['users', 'products']);
    await cf().purge('prefix', ['https://www.example.com/blog/']);
    await cf().purge('host', ['www.example.com', 'images.example.com', 'WWW.Example.com']);
    await cf().purge('all', []);
    expect(api.seen.map((s) => JSON.parse(s.body))).toEqual([
      { tags: ['users', 'products'] },
      { prefixes: ['www.example.com/blog/'] },
      { hosts: ['www.example.com', 'images.example.com'] },
      { purge_everything: true },
    ]);
  });

  it('keeps at most `concurrency` requests in flight (4 by default)', async () => {
    const providers = { cloudflare: { zone_id: 'z', api_token: TOKEN, api_base: api.base } };
    api.respond = () => ok;
    api.delayMs = 100;
    await service(providers).purge('url', urls(300)); // 10 requests
    expect(api.maxInFlight).toBe(4);
    api.reset();
    api.respond = () => ok;
    api.delayMs = 100;
    await service(providers, { concurrency: 1 }).purge('url', urls(90));
    expect([api.seen.length, api.maxInFlight]).toEqual([3, 1]);
  });

  it('max_items_per_request raises the batch for plans that allow it', async () => {
    api.respond = () => ok;
    await service({ cloudflare: { zone_id: 'z', api_token: TOKEN, api_base: api.base, max_items_per_request: 100 } }).purge('url', urls(150));
    expect(api.seen.map((s) => JSON.parse(s.body).files.length).sort((a, b) => b - a)).toEqual([100, 50]);
  });

  it('waits out a 429 as Retry-After says, then succeeds', async () => {
    api.respond = (_req, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: { success: false, errors: [{ code: 971, message: 'Please wait and consider throttling your request speed' }] } } : ok);
    const waits: number[] = [];
    const result = await service({ cloudflare: { zone_id: 'z', api_token: TOKEN, api_base: api.base } }).purge('tag', ['a'], { sleep: async (ms) => void waits.push(ms) });
    expect(waits).toEqual([1000]);
    expect(result).toMatchObject({ purged: ['a'], failed: [], requests: 2 });
  });

  it('a 429 whose Retry-After passes the deadline fails those items, and says why', async () => {
    api.respond = () => ({ status: 429, headers: { 'retry-after': '60' }, body: { success: false, errors: [] } });
    const result = await service({ cloudflare: { zone_id: 'z', api_token: TOKEN, api_base: api.base } }, { deadlineMs: 5000 }).purge('tag', ['a', 'b']);
    expect(result.purged).toEqual([]);
    expect(result.failed).toEqual([
      { item: 'a', reason: 'rate limited by cloudflare (HTTP 429) past the deadline of 5s' },
      { item: 'b', reason: 'rate limited by cloudflare (HTTP 429) past the deadline of 5s' },
    ]);
  });

  it('Ctrl-C stops sending and reports the purge as interrupted (exit 130), not as done', async () => {
    const controller = new AbortController();
    api.respond = (_req, i) => {
      if (i === 0) controller.abort();
      return ok;
    };
    await expect(cf().purge('url', urls(600), { signal: controller.signal })).rejects.toMatchObject({ exitCode: 130, message: expect.stringMatching(/^interrupted: \d+ of the items purged/) });
    expect(api.seen.length).toBeLessThanOrEqual(4); // the 20 batches were not all sent
  });

  it('an error answer fails its batch only', async () => {
    api.respond = (req) => (req.body.includes('/p/40') ? { status: 400, body: { success: false, errors: [{ code: 1012, message: 'Request must contain one of "purge_everything", "files"' }] } } : ok);
    const result = await service({ cloudflare: { zone_id: 'z', api_token: TOKEN, api_base: api.base } }, {}).purge('url', urls(45));
    expect(result.purged).toHaveLength(30);
    expect(result.failed).toHaveLength(15);
    expect(result.failed[0]!.reason).toBe('HTTP 400: Request must contain one of "purge_everything", "files" (1012)');
  });
});

describe('fastly', () => {
  const KEY = 'fastly-key-0123456789';
  const fastly = (extra: Record<string, unknown> = {}) => service({ fastly: { service_id: 'SU1Z0isxPaozGVKXdv0eY', api_token: KEY, api_base: api.base, ...extra } });

  it('purges one URL per request at /purge/<host><path> with Fastly-Key', async () => {
    await fastly().purge('url', ['https://www.example.com/a?x=1', 'https://cdn.example.com/b']);
    // Requests go a few at a time: compare in a fixed order.
    expect(api.seen.map((s) => [s.method, s.path, s.headers['fastly-key'], s.headers['fastly-soft-purge']]).sort()).toEqual([
      ['POST', '/purge/cdn.example.com/b', KEY, undefined],
      ['POST', '/purge/www.example.com/a?x=1', KEY, undefined],
    ]);
  });

  it('purges surrogate keys 256 per request in the Surrogate-Key header; soft adds Fastly-Soft-Purge', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `key-${i}`);
    await fastly({ soft: true }).purge('tag', keys);
    expect(api.seen.map((s) => s.path)).toEqual(['/service/SU1Z0isxPaozGVKXdv0eY/purge', '/service/SU1Z0isxPaozGVKXdv0eY/purge']);
    const sent = api.seen.map((s) => String(s.headers['surrogate-key']).split(' ')).sort((a, b) => b.length - a.length);
    expect(sent).toEqual([keys.slice(0, 256), keys.slice(256)]);
    expect(api.seen.every((s) => s.headers['fastly-soft-purge'] === '1')).toBe(true);
  });

  it('purge_all is never soft, and prefixes and hosts are not something Fastly purges (exit 6)', async () => {
    await fastly({ soft: true }).purge('all', []);
    expect(api.seen.map((s) => [s.path, s.headers['fastly-soft-purge']])).toEqual([['/service/SU1Z0isxPaozGVKXdv0eY/purge_all', undefined]]);
    await expect(fastly().purge('prefix', ['https://www.example.com/'])).rejects.toMatchObject({ exitCode: 6, message: expect.stringContaining('fastly cannot purge by prefix') });
    await expect(fastly().purge('host', ['www.example.com'])).rejects.toMatchObject({ exitCode: 6, message: expect.stringContaining('fastly cannot purge by host (it can purge by: url, tag, all)') });
  });

  it('a refused key stops the run with exit 5 and the provider\'s words', async () => {
    api.respond = () => ({ status: 401, body: { msg: 'Provided credentials are missing or invalid' } });
    await expect(fastly().purge('url', urls(5))).rejects.toMatchObject({ exitCode: 5, message: 'fastly refused the credentials: HTTP 401: Provided credentials are missing or invalid' });
    expect(api.seen.length).toBeLessThanOrEqual(4); // stopped: no request after the refusal was seen
  });
});

describe('bunny', () => {
  const KEY = 'bunny-access-key-0123456789';
  const bunny = () => service({ bunny: { api_key: KEY, pull_zone_id: 42, api_base: api.base } });

  it('URL purge with AccessKey, async=false; a prefix adds the trailing *', async () => {
    await bunny().purge('url', ['https://cdn.example.com/a b.png']);
    await bunny().purge('prefix', ['https://cdn.example.com/img/']);
    expect(api.seen.map((s) => [s.method, s.path, s.headers.accesskey])).toEqual([
      ['POST', `/purge?url=${encodeURIComponent('https://cdn.example.com/a b.png')}&async=false`, KEY],
      ['POST', `/purge?url=${encodeURIComponent('https://cdn.example.com/img/*')}&async=false`, KEY],
    ]);
  });

  it('a tag purges the pull zone by CacheTag, one per request; all has no body', async () => {
    await bunny().purge('tag', ['users', 'posts']);
    await bunny().purge('all', []);
    expect(api.seen.map((s) => [s.path, s.body]).sort()).toEqual([
      ['/pullzone/42/purgeCache', ''],
      ['/pullzone/42/purgeCache', '{"CacheTag":"posts"}'],
      ['/pullzone/42/purgeCache', '{"CacheTag":"users"}'],
    ]);
  });

  it('tag purges without pull_zone_id are a configuration error naming the variable', async () => {
    await expect(service({ bunny: { api_key: KEY, api_base: api.base } }).purge('tag', ['x'])).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining('BUNNY_PULL_ZONE_ID') });
    expect(api.seen).toEqual([]);
  });
});

describe('akamai (Fast Purge v3, EdgeGrid)', () => {
  const credentials = { client_token: 'akab-client-token-xxx', client_secret: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==', access_token: 'akab-access-token-xxx' };
  const akamai = (extra: Record<string, unknown> = {}) => service({ akamai: { ...credentials, api_base: api.base, ...extra } });

  /** What the Akamai API checks: the signature over this request with this timestamp and nonce. */
  function verify(seen: Seen): { nonce: string } {
    const auth = String(seen.headers.authorization);
    const fields = Object.fromEntries(auth.replace(/^EG1-HMAC-SHA256 /, '').split(';').filter(Boolean).map((f) => f.split(/=(.*)/s).slice(0, 2)));
    expect(fields.client_token).toBe(credentials.client_token);
    expect(fields.access_token).toBe(credentials.access_token);
    expect(fields.timestamp).toMatch(/^\d{8}T\d{2}:\d{2}:\d{2}\+0000$/);
    const expected = edgeGridAuthorization(
      { clientToken: credentials.client_token, clientSecret: credentials.client_secret, accessToken: credentials.access_token },
      { method: seen.method, url: `${api.base}${seen.path}`, body: seen.body },
      { timestamp: fields.timestamp, nonce: fields.nonce },
    );
    expect(auth).toBe(expected);
    return { nonce: fields.nonce! };
  }

  it('invalidates URLs on production, signed, bodies within 50,000 bytes', async () => {
    api.respond = () => ({ status: 201, body: { httpStatus: 201, detail: 'Request accepted', estimatedSeconds: 5, purgeId: 'x' } });
    const long = urls(1500, `https://www.example.com/${'x'.repeat(40)}`);
    const result = await akamai().purge('url', long);
    expect(result.purged).toHaveLength(1500);
    expect(api.seen.length).toBeGreaterThan(1);
    for (const seen of api.seen) {
      expect([seen.method, seen.path]).toEqual(['POST', '/ccu/v3/invalidate/url/production']);
      expect(Buffer.byteLength(seen.body)).toBeLessThanOrEqual(50_000);
      verify(seen);
    }
    expect(api.seen.flatMap((s) => JSON.parse(s.body).objects).sort()).toEqual([...long].sort());
  });

  it('tags with delete on staging; purge all needs cp_codes and sends them as numbers', async () => {
    api.respond = () => ({ status: 201, body: { httpStatus: 201 } });
    await akamai({ action: 'delete', network: 'staging' }).purge('tag', ['users']);
    await expect(akamai().purge('all', [])).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining('cp_codes') });
    await akamai({ cp_codes: [12345, '678'] }).purge('all', []);
    expect(api.seen.map((s) => [s.path, JSON.parse(s.body)])).toEqual([
      ['/ccu/v3/delete/tag/staging', { objects: ['users'] }],
      ['/ccu/v3/invalidate/cpcode/production', { objects: [12345, 678] }],
    ]);
  });

  it('a retry after 429 is signed again with a new nonce (Akamai refuses a replayed one)', async () => {
    api.respond = (_req, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '0' }, body: { title: 'Too many requests' } } : { status: 201, body: {} });
    await akamai().purge('tag', ['t']);
    expect(api.seen).toHaveLength(2);
    expect(verify(api.seen[0]!).nonce).not.toBe(verify(api.seen[1]!).nonce);
  });

  it('takes the API client from an .edgerc section; a missing section is one configuration line', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'edgerc-'));
    const file = join(dir, '.edgerc');
    writeFileSync(file, `[default]\nclient_secret = other\n\n[ccu]\n; Fast Purge client\nclient_secret = ${credentials.client_secret}\nhost = akab-ccu.luna.akamaiapis.net\naccess_token = ${credentials.access_token}\nclient_token = ${credentials.client_token}\n`);
    api.respond = () => ({ status: 201, body: {} });
    await service({ akamai: { edgerc: file, section: 'ccu', api_base: api.base } }).purge('url', ['https://www.example.com/a']);
    verify(api.seen[0]!); // signed with the section's credentials
    await expect(service({ akamai: { edgerc: file, section: 'nope', api_base: api.base } }).purge('url', ['https://www.example.com/a'])).rejects.toMatchObject({
      exitCode: 3,
      message: `invalid configuration: edge.providers.akamai: no section [nope] in ${file}`,
    });
  });

  it('signs exactly as Akamai\'s edgegrid test data expects', () => {
    // From akamai/AkamaiOPEN-edgegrid-node test/test_data.json.
    const data = { clientToken: 'akab-client-token-xxx-xxxxxxxxxxxxxxxx', accessToken: 'akab-access-token-xxx-xxxxxxxxxxxxxxxx', clientSecret: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=' };
    const base = 'https://akaa-baseurl-xxxxxxxxxxx-xxxxxxxxxxxxx.luna.akamaiapis.net';
    const at = { timestamp: '20140321T19:34:21+0000', nonce: 'nonce-xx-xxxx-xxxx-xxxx-xxxxxxxxxxxx', maxBody: 2048 };
    const signature = (method: string, path: string, body?: string) => edgeGridAuthorization(data, { method, url: `${base}${path}`, body }, at).split('signature=')[1];
    expect(signature('GET', '/')).toBe('tL+y4hxyHxgWVD30X3pWnGKHcPzmrIF+LThiAOhMxYU=');
    expect(signature('GET', '/testapi/v1/t1?p1=1&p2=2')).toBe('hKDH1UlnQySSHjvIcZpDMbQHihTQ0XyVAKZaApabdeA=');
    expect(signature('POST', '/testapi/v1/t3', 'datadatadatadatadatadatadatadata')).toBe('hXm4iCxtpN22m4cbZb4lVLW5rhX8Ca82vCFqXzSTPe4=');
    expect(signature('POST', '/testapi/v1/t3', 'd'.repeat(2049))).toBe('6Q6PiTipLae6n4GsSIDTCJ54bEbHUBp+4MUXrbQCBoY=');
    expect(signature('POST', '/testapi/v1/t3', 'd'.repeat(2048))).toBe('6Q6PiTipLae6n4GsSIDTCJ54bEbHUBp+4MUXrbQCBoY=');
    expect(signature('POST', '/testapi/v1/t6', '')).toBe('1gEDxeQGD5GovIkJJGcBaKnZ+VaPtrc4qBUHixjsPCQ=');
    expect(signature('PUT', '/testapi/v1/t6', 'PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP')).toBe('GNBWEYSEWOLtu+7dD52da2C39aX/Jchpon3K/AmBqBU=');
  });
});

describe('the CLI over a provider', () => {
  let project: { dir: string; cleanup: () => void };
  beforeAll(() => {
    project = tempProject();
  });
  afterAll(() => project.cleanup());
  const cfEnv = () => ({ CLOUDFLARE_API_TOKEN: TOKEN, CLOUDFLARE_ZONE_ID: 'zone-9' });
  const writeConfig = (edge: unknown) => writeFileSync(join(project.dir, 'cache.config.json'), JSON.stringify({ edge }));

  it('credentials come from the environment; a refusal is exit 5 with the provider\'s message and never the token', async () => {
    writeConfig({ provider: 'cloudflare', providers: { cloudflare: { api_base: api.base } } });
    api.respond = () => ({ status: 403, body: { success: false, errors: [{ code: 10000, message: `Authentication error for ${TOKEN}` }] } });
    const result = await glueful(['cache:purge', '--url', 'https://www.example.com/', '--json'], { cwd: project.dir, env: cfEnv() });
    expect(result.code).toBe(5);
    expect(api.seen[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(api.seen[0]!.path).toBe('/zones/zone-9/purge_cache');
    expect(JSON.parse(result.stdout).error.message).toContain('cloudflare refused the credentials: HTTP 403: Authentication error');
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
  });

  it('cache:status --detailed shows the edge settings with every credential masked', async () => {
    const secrets = { api_key: 'bunny-secret-1234567', client_secret: 'akamai-secret-123456', access_token: 'akamai-access-1234567', client_token: 'akamai-client-1234567' };
    writeConfig({ provider: 'bunny', providers: { bunny: { api_key: secrets.api_key, pull_zone_id: 1 }, akamai: { host: 'akab.example', ...secrets, api_key: undefined } } });
    const result = await glueful(['cache:status', '--detailed', '--json'], { cwd: project.dir, env: cfEnv() });
    expect(JSON.parse(result.stdout).effectiveConfig.edge.providers.bunny).toEqual({ api_key: '***', pull_zone_id: 1 });
    for (const secret of [...Object.values(secrets), TOKEN]) expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it('cache:clear --edge whose purge is refused says the cache entries went, and exits 7', async () => {
    writeConfig({ provider: 'cloudflare', providers: { cloudflare: { api_base: api.base } } });
    api.respond = () => ({ status: 403, body: { success: false, errors: [{ code: 10000, message: 'Authentication error' }] } });
    expect((await glueful(['cache:set', 'profile:1', '1', '--tags', 'users'], { cwd: project.dir })).code).toBe(0);
    const result = await glueful(['cache:clear', '--tag', 'users', '--edge', '--force', '--json'], { cwd: project.dir, env: cfEnv() });
    expect(result.code).toBe(7);
    expect(JSON.parse(result.stdout).error).toMatchObject({
      message: '1 cache entries tagged users were deleted, but the edge purge failed: cloudflare refused the credentials: HTTP 403: Authentication error (10000)',
      done: { deleted: 1, edgePurged: false },
    });
    expect((await glueful(['cache:get', 'profile:1'], { cwd: project.dir })).code).toBe(4);
  });

  it('part refused is exit 7, naming what was not purged', async () => {
    writeConfig({ provider: 'cloudflare', providers: { cloudflare: { api_base: api.base, max_items_per_request: 2 } } });
    api.respond = (req) => (req.body.includes('/p/2') ? { status: 500, body: { success: false, errors: [{ code: 1, message: 'internal' }] } } : { status: 200, body: { success: true } });
    const result = await glueful(['cache:purge', '--url', ...urls(3)], { cwd: project.dir, env: cfEnv() });
    expect(result.code).toBe(7);
    expect(result.stderr).toContain('purged 2 URLs');
    expect(result.stderr).toContain(`not purged: ${urls(3)[2]}: HTTP 500: internal (1)`);
  });

  it('inside a Glueful app, the provider and its credentials come from the app\'s .env', async () => {
    const app = tempProject();
    try {
      writeFileSync(join(app.dir, 'composer.json'), JSON.stringify({ name: 'acme/shop', require: { 'glueful/framework': '^1.76' } }));
      writeFileSync(join(app.dir, '.env'), `EDGE_CACHE_ENABLED=true\nEDGE_CACHE_PROVIDER=fastly\nFASTLY_SERVICE_ID=svc-from-env\nFASTLY_API_TOKEN=${TOKEN}\n`);
      const result = await glueful(['cache:purge', '--edge-tag', 'users', '--dry-run', '--json'], { cwd: app.dir });
      expect(result.code, result.stderr).toBe(0);
      const purge = JSON.parse(result.stdout).edge.purges[0];
      expect(purge).toMatchObject({ provider: 'fastly', plan: [{ url: 'https://api.fastly.com/service/svc-from-env/purge', headers: { 'fastly-key': '***', 'surrogate-key': 'users' } }] });
      expect(result.stdout).not.toContain(TOKEN);
    } finally {
      app.cleanup();
    }
  });

  it('--dry-run prints each request with the credentials masked, and sends nothing', async () => {
    writeConfig({ providers: { cloudflare: { api_base: api.base } } });
    const result = await glueful(['cache:purge', '--edge-all', '--dry-run'], { cwd: project.dir, env: cfEnv() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`POST ${api.base}/zones/zone-9/purge_cache`);
    expect(result.stdout).toContain('authorization: ***');
    expect(result.stdout).toContain('{"purge_everything":true}');
    expect(result.stdout).not.toContain(TOKEN);
    expect(api.seen).toEqual([]);
  });

  it('missing settings are one configuration error naming each, before anything is sent', async () => {
    writeConfig({ provider: 'fastly', providers: { fastly: { api_base: 'ftp://nope' } } });
    const result = await glueful(['cache:purge', '--edge-tag', 'a'], { cwd: project.dir });
    expect(result.code).toBe(3);
    expect(result.stderr.trim().split('\n')).toEqual([
      'glueful: error: invalid configuration: edge.providers.fastly: service_id is not set (or FASTLY_SERVICE_ID); edge.providers.fastly: api_token is not set (or FASTLY_API_TOKEN); edge.providers.fastly: api_base must be an http(s) URL, got "ftp://nope"',
    ]);
  });

  it('a plugin provider declared by module is listed and used', async () => {
    writeFileSync(
      join(project.dir, 'my-cdn.cjs'),
      `module.exports = { name: 'my-cdn', description: 'in-house CDN', purgeUrls: (urls, o) => [{ method: 'DELETE', url: o.api_base + '/cache', headers: { 'x-key': o.key }, secretHeaders: ['x-key'], body: JSON.stringify(urls), items: urls }] };\n`,
    );
    writeConfig({ provider: 'mine', providers: { mine: { module: './my-cdn.cjs', api_base: api.base, key: 'plugin-secret-123456' } } });
    const listed = await glueful(['cache:purge', '--list-providers', '--json'], { cwd: project.dir });
    expect(JSON.parse(listed.stdout).providers[0]).toMatchObject({ name: 'mine', source: './my-cdn.cjs', kinds: ['url'], configured: true, isDefault: true });
    const result = await glueful(['cache:purge', '--url', 'https://a.example/x'], { cwd: project.dir });
    expect(result.code, result.stderr).toBe(0);
    expect(api.seen.map((s) => [s.method, s.path, s.headers['x-key'], s.body])).toEqual([['DELETE', '/cache', 'plugin-secret-123456', '["https://a.example/x"]']]);
    const tags = await glueful(['cache:purge', '--edge-tag', 'x'], { cwd: project.dir });
    expect(tags.code).toBe(6);
    expect(tags.stderr).toContain('mine cannot purge by tag (it can purge by: url)');
  });

  it('--batch-file - reads stdin; a file too big to be a purge list is refused before it is read', async () => {
    writeConfig({ provider: 'cloudflare', providers: { cloudflare: { api_base: api.base } } });
    const piped = await glueful(['cache:purge', '--batch-file', '-', '--dry-run', '--json'], { cwd: project.dir, env: cfEnv(), input: '# from a deploy\nhttps://a.example/1\nusers\n' });
    expect(piped.code, piped.stderr).toBe(0);
    expect(JSON.parse(piped.stdout).edge.purges.map((p: { kind: string; items: string[] }) => [p.kind, p.items])).toEqual([['url', ['https://a.example/1']], ['tag', ['users']]]);
    const { truncateSync } = await import('node:fs');
    writeFileSync(join(project.dir, 'huge.txt'), '');
    truncateSync(join(project.dir, 'huge.txt'), 65 * 1024 * 1024); // sparse: nothing is written
    const huge = await glueful(['cache:purge', '--batch-file', 'huge.txt'], { cwd: project.dir, env: cfEnv() });
    expect([huge.code, huge.stderr.trim()]).toEqual([2, 'glueful: error: --batch-file huge.txt: over 64 MiB; is it the right file?']);
    expect(api.seen).toEqual([]);
  });

  it('bad input is exit 2: a pattern with edge flags, a malformed URL, a tag with a space, a batch line without a scheme, a URL as a host', async () => {
    writeConfig({ provider: 'cloudflare', providers: { cloudflare: { api_base: api.base } } });
    writeFileSync(join(project.dir, 'bad.txt'), 'https://ok.example/\nwww.example.com/page\n');
    const runs = await Promise.all([
      glueful(['cache:purge', 'user:*', '--url', 'https://a.example/'], { cwd: project.dir, env: cfEnv() }),
      glueful(['cache:purge', '--url', 'example.com/page'], { cwd: project.dir, env: cfEnv() }),
      glueful(['cache:purge', '--edge-tag', 'a b'], { cwd: project.dir, env: cfEnv() }),
      glueful(['cache:purge', '--batch-file', 'bad.txt'], { cwd: project.dir, env: cfEnv() }),
      glueful(['cache:purge'], { cwd: project.dir, env: cfEnv() }),
      glueful(['cache:clear', '--edge', '--force'], { cwd: project.dir, env: cfEnv() }),
      glueful(['cache:purge', '--edge-host', 'https://www.example.com/'], { cwd: project.dir, env: cfEnv() }),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2, 2, 2, 2]);
    expect(runs[6]!.stderr.trim()).toBe('glueful: error: invalid host "https://www.example.com/": give a host name such as www.example.com (no scheme, no path)');
    expect(runs[5]!.stderr).toContain('--edge purges the CDN by the cleared tags: give --tag, --tags or --category');
    expect(runs[3]!.stderr).toContain('bad.txt:2');
    expect(api.seen).toEqual([]);
  });
});
