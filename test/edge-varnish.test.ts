/**
 * Edge purge against a real Varnish (with vmod xkey) running the VCL the
 * README gives operators (examples/varnish-purge.vcl), in front of an
 * origin this test runs. Every purge kind goes through the CLI; each test
 * checks that the targeted objects are gone from the cache (the next
 * request reaches the origin) and that the others are still cached.
 */
import { createServer, request, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { glueful, tempProject } from './helpers/cli.js';
import { HOST, startVarnish, type ServerHandle } from './helpers/servers.js';

const SITE = 'shop.example.test';
/** Path -> xkey tags the origin sends with it. */
const TAGS: Record<string, string> = { '/a': 'users user-1', '/b': 'products', '/blog/one': 'posts', '/blog/two': 'posts', '/other': 'misc' };

let origin: Server;
let varnish: ServerHandle;
let project: { dir: string; cleanup: () => void };
const originHits = new Map<string, number>();

interface Fetched {
  status: number;
  hit: boolean;
  age: number;
}

/** GET through Varnish; a hit has two ids in X-Varnish (this request's and the object's). */
function get(path: string, options: { host?: string; method?: string; headers?: Record<string, string>; localAddress?: string } = {}): Promise<Fetched & { body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: HOST, port: varnish.port, path, method: options.method ?? 'GET', localAddress: options.localAddress, headers: { host: options.host ?? SITE, ...options.headers } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => {
          const ids = String(res.headers['x-varnish'] ?? '').trim().split(/\s+/);
          resolve({ status: res.statusCode ?? 0, hit: ids.length === 2, age: Number(res.headers.age ?? 0), body });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function cacheAll(): Promise<void> {
  for (const path of Object.keys(TAGS)) await get(path);
  for (const path of Object.keys(TAGS)) expect((await get(path)).hit, `${path} cached`).toBe(true);
}

/** Which paths are still served from the cache (checking fetches them again, so cache them after). */
async function cached(): Promise<string[]> {
  const out: string[] = [];
  for (const path of Object.keys(TAGS)) if ((await get(path)).hit) out.push(path);
  return out;
}

const cli = (args: string[]) => glueful(args, { cwd: project.dir });

beforeAll(async () => {
  origin = createServer((req, res) => {
    const path = req.url ?? '/';
    originHits.set(path, (originHits.get(path) ?? 0) + 1);
    res.setHeader('cache-control', 'public, max-age=600');
    if (TAGS[path]) res.setHeader('xkey', TAGS[path]!);
    res.end(`origin ${path}`);
  });
  await new Promise<void>((resolve) => origin.listen(0, HOST, () => resolve()));
  const originPort = (origin.address() as { port: number }).port;
  varnish = await startVarnish(originPort);
  project = tempProject();
  writeFileSync(
    join(project.dir, 'cache.config.json'),
    JSON.stringify({ edge: { provider: 'varnish', providers: { varnish: { servers: [`http://${HOST}:${varnish.port}`] } } } }),
  );
}, 60_000);

afterAll(async () => {
  await varnish?.stop();
  origin?.close();
  project?.cleanup();
});

beforeEach(async () => {
  // Start each test from an empty cache, then fill it.
  expect((await cli(['cache:purge', '--edge-all', '--force'])).code).toBe(0);
  await cacheAll();
});

describe('Varnish: purges reach a real varnishd and drop only what they target', () => {
  it('caches objects (Age > 0 after a second, hits in X-Varnish)', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const again = await get('/a');
    expect(again.hit).toBe(true);
    expect(again.age).toBeGreaterThanOrEqual(1);
  });

  it('--url purges one object (PURGE with the site as Host)', async () => {
    const result = await cli(['cache:purge', '--url', `https://${SITE}/a`, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc.edge.purges[0]).toMatchObject({ kind: 'url', purged: [`https://${SITE}/a`], failed: [] });
    expect(await cached()).toEqual(['/b', '/blog/one', '/blog/two', '/other']);
    const before = originHits.get('/a')!;
    await get('/a');
    expect(originHits.get('/a')).toBe(before); // refetched once by cached(), then served from cache again
  });

  it('--url on another site purges nothing of this one', async () => {
    expect((await cli(['cache:purge', '--url', 'https://elsewhere.example.test/a'])).code).toBe(0);
    expect(await cached()).toEqual(Object.keys(TAGS));
  });

  it('--edge-tag purges the tagged objects through xkey and reports how many', async () => {
    const result = await cli(['cache:purge', '--edge-tag', 'posts', 'user-1', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const purge = JSON.parse(result.stdout).edge.purges[0];
    expect(purge).toMatchObject({ kind: 'tag', purged: ['posts', 'user-1'], failed: [], objects: 3 });
    expect(await cached()).toEqual(['/b', '/other']);
  });

  it('--url-prefix bans everything under a path of the site', async () => {
    const result = await cli(['cache:purge', '--url-prefix', `http://${SITE}/blog/`]);
    expect(result.code, result.stderr).toBe(0);
    expect(await cached()).toEqual(['/a', '/b', '/other']);
  });

  it('--edge-host bans every object of that site and none of another site', async () => {
    // An untagged path, so that no xkey purge of a later test counts this object.
    const OTHER = 'other.example.test';
    await get('/untagged', { host: OTHER });
    expect((await get('/untagged', { host: OTHER })).hit).toBe(true);
    const result = await cli(['cache:purge', '--edge-host', SITE, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).edge.purges[0]).toMatchObject({ kind: 'host', items: [SITE], purged: [SITE], failed: [] });
    expect((await get('/untagged', { host: OTHER })).hit).toBe(true);
    expect(await cached()).toEqual([]);
  });

  it('--batch-file mixes URLs and tags, with comments', async () => {
    writeFileSync(join(project.dir, 'list.txt'), `# after the deploy\nhttps://${SITE}/other\n\nproducts\n`);
    const result = await cli(['cache:purge', '--batch-file', 'list.txt']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/purged 1 URL .*\n.*purged 1 tag/);
    expect(await cached()).toEqual(['/a', '/blog/one', '/blog/two']);
  });

  it('--edge-all empties it; without --force and off a terminal it refuses and purges nothing', async () => {
    const refused = await cli(['cache:purge', '--edge-all']);
    expect(refused.code).toBe(2);
    expect(await cached()).toEqual(Object.keys(TAGS));
    expect((await cli(['cache:purge', '--edge-all', '--force'])).code).toBe(0);
    expect(await cached()).toEqual([]);
  });

  it('--dry-run sends nothing', async () => {
    const result = await cli(['cache:purge', '--edge-tag', 'posts', '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`PURGE http://${HOST}:${varnish.port}/`);
    expect(result.stdout).toContain('xkey: posts');
    expect(await cached()).toEqual(Object.keys(TAGS));
  });

  it('cache:clear --tag users --edge clears the tagged cache entries and the CDN objects with the same tag', async () => {
    expect((await cli(['cache:set', 'profile:1', '"Ada"', '--tags', 'users'])).code).toBe(0);
    expect((await cli(['cache:set', 'catalog', '"list"', '--tags', 'products'])).code).toBe(0);
    const result = await cli(['cache:clear', '--tag', 'users', '--edge', '--force', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc.deleted).toBe(1);
    expect(doc.edge.purges[0]).toMatchObject({ kind: 'tag', purged: ['users'], objects: 1 });
    expect((await cli(['cache:get', 'profile:1'])).code).toBe(4);
    expect((await cli(['cache:get', 'catalog'])).code).toBe(0);
    expect(await cached()).toEqual(['/b', '/blog/one', '/blog/two', '/other']);
  });

  it('the VCL refuses purges from outside its ACL (a client on 127.0.0.2)', async () => {
    const refused = await get('/a', { method: 'PURGE', localAddress: '127.0.0.2' });
    expect(refused.status).toBe(405);
    expect(await cached()).toEqual(Object.keys(TAGS));
  });

  it('a server that is down is named, and the URL reported as not purged (exit 7)', async () => {
    const config = { edge: { provider: 'varnish', providers: { varnish: { servers: [`http://${HOST}:${varnish.port}`, `http://${HOST}:1`] } }, timeout: 2, deadline: 5 } };
    writeFileSync(join(project.dir, 'two.json'), JSON.stringify(config));
    const result = await cli(['cache:purge', '--url', `https://${SITE}/b`, '--config', 'two.json', '--json']);
    expect(result.code).toBe(7);
    const purge = JSON.parse(result.stdout).edge.purges[0];
    expect(purge.failed).toEqual([{ item: `https://${SITE}/b`, reason: expect.stringContaining(`connection refused by http://${HOST}:1`) }]);
    expect(await cached()).not.toContain('/b'); // the live server did purge it
  }, 30_000);
});
