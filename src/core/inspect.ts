/**
 * The keyspace view behind `cache:inspect`: keys grouped by their first
 * `depth` `:`-separated segments — ids (numbers, hex hashes, UUIDs) folded
 * to `{id}`, so `user:123` and `user:456` are one group — with per group the
 * key count, bytes, TTL spread and the value formats seen; and the biggest
 * keys. Streams: it holds the groups and the top N, never every key. With
 * sampling, one key in N is measured and group figures are estimates.
 */

/** What a store can tell of one key. */
export interface KeyFacts {
  key: string;
  /** Bytes the key takes (server memory, or the files on disk). */
  bytes: number;
  /** Seconds left, -1 for no expiry. */
  ttl: number;
  /** How the value is stored, as far as the store can tell cheaply (json, php, integer, raw, ...). */
  format: string | null;
}

const ID = /^(\d+|[0-9a-f]{8,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** The group a key falls in at `depth` segments, ids folded. */
export function groupOf(key: string, depth: number): string {
  return key
    .split(':')
    .slice(0, depth)
    .map((segment) => (ID.test(segment) ? '{id}' : segment))
    .join(':');
}

/** The TTL spread buckets. */
export const TTL_BUCKETS = ['none', '<1m', '<1h', '<1d', 'longer'] as const;
export type TtlBucket = (typeof TTL_BUCKETS)[number];

const bucketOf = (ttl: number): TtlBucket => (ttl < 0 ? 'none' : ttl < 60 ? '<1m' : ttl < 3600 ? '<1h' : ttl < 86400 ? '<1d' : 'longer');

/** One group's figures. */
export interface GroupFigures {
  group: string;
  keys: number;
  /** Measured keys (all of them without sampling). */
  measured: number;
  bytes: number;
  ttl: Record<TtlBucket, number>;
  formats: Record<string, number>;
}

/** A group's figures scaled from the measured keys to all of them (sampling). */
export function estimated(g: GroupFigures): GroupFigures {
  if (g.measured === g.keys || g.measured === 0) return g;
  const scale = g.keys / g.measured;
  const ttl = Object.fromEntries(TTL_BUCKETS.map((b) => [b, Math.round(g.ttl[b] * scale)])) as Record<TtlBucket, number>;
  return { ...g, bytes: Math.round(g.bytes * scale), ttl };
}

/** Gathers the figures as keys stream by. */
export class KeyspaceAggregator {
  private readonly groups = new Map<string, GroupFigures>();
  private readonly top: KeyFacts[] = [];

  constructor(
    private readonly depth: number,
    private readonly topN: number,
  ) {}

  private group(key: string): GroupFigures {
    const name = groupOf(key, this.depth);
    let g = this.groups.get(name);
    if (!g) {
      g = { group: name, keys: 0, measured: 0, bytes: 0, ttl: { none: 0, '<1m': 0, '<1h': 0, '<1d': 0, longer: 0 }, formats: {} };
      this.groups.set(name, g);
    }
    return g;
  }

  /** A key counted but not measured (sampling). */
  count(key: string): void {
    this.group(key).keys++;
  }

  /** A key counted and measured. */
  add(facts: KeyFacts): void {
    const g = this.group(facts.key);
    g.keys++;
    g.measured++;
    g.bytes += facts.bytes;
    g.ttl[bucketOf(facts.ttl)]++;
    if (facts.format) g.formats[facts.format] = (g.formats[facts.format] ?? 0) + 1;
    if (this.topN > 0 && (this.top.length < this.topN || facts.bytes > this.top[this.top.length - 1]!.bytes)) {
      this.top.push(facts);
      this.top.sort((a, b) => b.bytes - a.bytes);
      if (this.top.length > this.topN) this.top.pop();
    }
  }

  /** Groups by bytes (estimated when sampled), biggest first, and the biggest keys. */
  result(): { groups: GroupFigures[]; top: KeyFacts[] } {
    const groups = [...this.groups.values()].map(estimated).sort((a, b) => b.bytes - a.bytes || b.keys - a.keys);
    return { groups, top: [...this.top] };
  }
}

/**
 * The format of a stored value from its first bytes (cheap: no full read):
 * Glueful's `json:` / `php:` envelopes; igbinary's version header
 * 00 00 00 02; zstd's frame magic 28 B5 2F FD and gzip's 1F 8B (phpredis
 * compression); bare PHP `serialize()` output (a phpredis `php` serializer,
 * php-memcached); plain JSON objects and arrays; integers. LZ4, LZF and
 * msgpack have no reliable marker: they show as raw.
 */
export function sniffFormat(head: Buffer | null): string | null {
  if (head === null) return null;
  if (head.length >= 4 && head.readUInt32BE(0) === 2) return 'igbinary';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x28b52ffd) return 'zstd';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  const text = head.toString('latin1');
  if (text.startsWith('json:')) return 'json';
  if (text.startsWith('php:')) return 'php';
  if (/^-?\d+$/.test(text)) return 'integer';
  if (/^(?:[aOC]:\d+:|s:\d+:"|[ibd]:[^;]*;|N;)/.test(text)) return 'php';
  if (/^[[{]/.test(text)) return 'json';
  return 'raw';
}
