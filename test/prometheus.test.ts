/**
 * cache:status --format prometheus, read back by a strict parser of the
 * text exposition format (0.0.4) written here: every line a HELP, a TYPE or
 * a sample; HELP then TYPE then the family's samples, together; valid names,
 * escaped label values, numbers; no series twice. On the file store, a real
 * redis-server, three real memcached servers, and an unreachable store.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { glueful, tempProject } from './helpers/cli.js';
import { HOST, startMemcached, startRedis, type ServerHandle } from './helpers/servers.js';

interface Parsed {
  families: Map<string, { help: string; type: string; samples: Array<{ labels: Record<string, string>; value: number }> }>;
}

/** Parses exposition text, throwing on anything the format does not allow. */
function parseExposition(text: string): Parsed {
  const families: Parsed['families'] = new Map();
  const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
  const seen = new Set<string>();
  let current: string | null = null;
  let state: 'help' | 'type' | 'samples' = 'help';
  if (!text.endsWith('\n')) throw new Error('the text must end with a newline');
  for (const line of text.slice(0, -1).split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^# HELP (\S+) (.*)$/.exec(line))) {
      if (!NAME.test(m[1]!) || families.has(m[1]!)) throw new Error(`bad or repeated HELP: ${line}`);
      current = m[1]!;
      families.set(current, { help: m[2]!, type: '', samples: [] });
      state = 'type';
    } else if ((m = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line))) {
      if (m[1] !== current || state !== 'type') throw new Error(`TYPE out of place: ${line}`);
      families.get(current)!.type = m[2]!;
      state = 'samples';
    } else if ((m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line))) {
      if (m[1] !== current || state !== 'samples') throw new Error(`sample outside its family: ${line}`);
      const labels: Record<string, string> = {};
      const body = m[2] ?? '';
      const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
      for (let at = 0; at < body.length; ) {
        LABEL.lastIndex = at;
        const l = LABEL.exec(body);
        if (!l) throw new Error(`bad labels: ${line}`);
        labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        at = LABEL.lastIndex;
      }
      const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
      if (m[3] !== 'NaN' && Number.isNaN(value)) throw new Error(`bad value: ${line}`);
      const series = `${m[1]}${JSON.stringify(labels)}`;
      if (seen.has(series)) throw new Error(`series twice: ${line}`);
      seen.add(series);
      families.get(current)!.samples.push({ labels, value });
    } else {
      throw new Error(`not a line of the format: ${JSON.stringify(line)}`);
    }
  }
  return { families };
}

let project: ReturnType<typeof tempProject>;
let redis: ServerHandle;
let memcached: ServerHandle[];
beforeAll(async () => {
  project = tempProject();
  [redis, ...memcached] = await Promise.all([startRedis(), startMemcached(), startMemcached(), startMemcached()]);
});
afterAll(async () => {
  await Promise.all([redis, ...memcached].map((s) => s?.stop()));
  project?.cleanup();
});

const prom = async (env: Record<string, string> = {}, cwd = project.dir) => {
  const result = await glueful(['cache:status', '--format', 'prometheus'], { cwd, env });
  return { ...result, parsed: parseExposition(result.stdout) };
};
const value = (p: Parsed, name: string, labels: Record<string, string> = {}) =>
  p.families.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('cache:status --format prometheus', () => {
  it('the file store: up, latency, keys under the prefix, disk bytes, with store/driver labels', async () => {
    await glueful(['cache:set', 'a', '1'], { cwd: project.dir });
    await glueful(['cache:set', 'b', '2'], { cwd: project.dir });
    const { code, parsed } = await prom();
    expect(code).toBe(0);
    expect(value(parsed, 'glueful_cache_up', { store: 'file', driver: 'file' })).toBe(1);
    expect(value(parsed, 'glueful_cache_prefix_keys', { prefix: 'glueful_' })).toBe(2);
    expect(value(parsed, 'glueful_cache_latency_seconds')).toBeGreaterThan(0);
    expect(value(parsed, 'glueful_cache_latency_seconds')).toBeLessThan(1);
    expect(value(parsed, 'glueful_cache_memory_used_bytes')).toBeGreaterThan(0);
    expect(parsed.families.get('glueful_cache_up')!.type).toBe('gauge');
  });

  it('redis: memory, hit ratio, evictions as a counter', async () => {
    const { parsed } = await prom({ CACHE_DRIVER: 'redis', REDIS_HOST: HOST, REDIS_PORT: String(redis.port) });
    expect(value(parsed, 'glueful_cache_up', { store: 'redis', driver: 'redis' })).toBe(1);
    expect(value(parsed, 'glueful_cache_memory_used_bytes')).toBeGreaterThan(100_000);
    expect(parsed.families.get('glueful_cache_evictions_total')?.type).toBe('counter');
  });

  it('three memcached servers: one sample per node', async () => {
    const sub = tempProject();
    try {
      writeFileSync(join(sub.dir, 'cache.config.json'), JSON.stringify({ default: 'memcached', stores: { memcached: { servers: memcached.map((m) => `${HOST}:${m.port}`) } } }));
      const { parsed } = await prom({}, sub.dir);
      const nodes = parsed.families.get('glueful_cache_node_keys')!.samples.map((s) => s.labels.node).sort();
      expect(nodes).toEqual(memcached.map((m) => `${HOST}:${m.port}`).sort());
      expect(value(parsed, 'glueful_cache_nodes_unreachable')).toBe(0);
    } finally {
      sub.cleanup();
    }
  });

  it('an unreachable store is up 0 (exit 5 as documented), and --json with it is a usage error', async () => {
    const down = await prom({ CACHE_DRIVER: 'redis', REDIS_HOST: HOST, REDIS_PORT: '1', REDIS_TIMEOUT: '0.5' });
    expect(down.code).toBe(5);
    expect(value(down.parsed, 'glueful_cache_up')).toBe(0);
    const both = await glueful(['cache:status', '--format', 'prometheus', '--json'], { cwd: project.dir });
    expect(both.code).toBe(2);
    expect((await glueful(['cache:status', '--format', 'xml'], { cwd: project.dir })).code).toBe(2);
  });

  it('the strict parser refuses what the format does not allow (it can fail)', () => {
    expect(() => parseExposition('# HELP a x\n# TYPE a gauge\na{b="c} 1\n')).toThrow(/bad labels/);
    expect(() => parseExposition('a 1\n')).toThrow(/outside its family/);
    expect(() => parseExposition('# HELP a x\n# TYPE a gauge\na 1\na 2\n')).toThrow(/series twice/);
  });
});
