/**
 * glueful-cache configuration: copy to `cache.config.ts` (or .js/.json/.yaml,
 * `.cacherc`, or a "glueful-cache" key in package.json) in your project root.
 * Every field is optional; the values below are the defaults unless noted.
 * Environment variables (and a .env file in the project root) override this
 * file: see the README's table.
 *
 * TypeScript configs are transpiled once and cached beside this file as
 * `.cache.config.ts.glueful.cjs` (add `*.glueful.cjs` to .gitignore).
 */
import { defineConfig, defineWarmupStrategy } from 'glueful-cache';

/**
 * A warmup strategy as code: yields entries (or writes through ctx.store).
 * ctx.remember() is stampede-protected across hosts; ctx.log() goes to stderr
 * (or the --background log). Put it in its own module and declare it as
 * `{ module: './warmup/system.ts' }` to share it between configs.
 */
const systemInfo = defineWarmupStrategy({
  name: 'system',
  category: 'config',
  description: 'Glueful system:* keys',
  async *warm(ctx) {
    const environment = await ctx.remember('system:environment', () => process.env.APP_ENV ?? 'production', 7200);
    yield { key: 'system:environment', value: environment, ttl: 7200 };
    yield { key: 'system:warmup_timestamp', value: Math.floor(Date.now() / 1000), ttl: 7200 };
  },
});

export default defineConfig({
  // Store used when --store is not given. Env: CACHE_DRIVER.
  default: 'file',

  // Every key is namespaced by this prefix. Env: CACHE_PREFIX.
  // Glueful's PHP drivers store keys WITHOUT a prefix: set prefix: '' to see
  // (and clear) exactly the keys your PHP app wrote.
  prefix: 'glueful_',

  stores: {
    file: {
      // Cache directory, relative to this file. Env: CACHE_FILE_PATH.
      // Default: <project root>/.cache/glueful-cache. Point it at the PHP app's
      // storage/cache directory to share its cache.
      path: '.cache/glueful-cache',
      // 0 = Glueful's flat layout ({md5}.cache), 1 = its shard layout
      // ({md5[0:2]}/{md5[2:]}.cache); each level adds two hex characters.
      // Use the PHP app's setting when sharing its directory.
      hash_levels: 2,
      // Seconds between automatic removals of expired entries; 0 = never.
      cleanup_frequency: 3600,
      // Largest encoded value accepted, bytes (Glueful refuses to read more).
      max_value_bytes: 1048576,
      // Mode of new entries. Default: the mode of the directory's existing entries,
      // and, run as root, its owner: entries stay the PHP app's (www-data's) own.
      // permission: 0o664,
    },
    redis: {
      // Env: REDIS_HOST, REDIS_PORT, REDIS_PASSWORD, REDIS_DB, REDIS_TIMEOUT.
      host: '127.0.0.1',
      port: 6379,
      database: 0,
      // Connect and command timeout, seconds.
      timeout: 2.5,
      // Or one URL (rediss:// for TLS); credentials in it are never printed:
      // url: 'rediss://app:secret@redis.internal:6380/0',
      // ACL user and password: username: 'app', password: 'secret',
      // TLS: tls: { ca: '/etc/ssl/redis-ca.pem', servername: 'redis.internal' },
      // Sentinel: sentinels: ['10.0.0.7:26379', '10.0.0.8:26379'], name: 'mymaster',
      //   sentinel_password: '...' when the sentinels themselves ask for one,
      // Cluster: cluster: ['10.0.0.11:7000', '10.0.0.12:7000', '10.0.0.13:7000'],
      // The PHP app's phpredis options, when it sets them (the seed's production config does):
      // values are read and written through them, so the app reads back what this tool writes.
      // options: { serializer: 'igbinary', compression: 'lz4' },   // serializer: php | json | igbinary
      //                                                            // compression: lzf | lz4 | zstd
      // Accepted, not applied by a CLI (cache:status says why): options.compression_level,
      // options.persistent, options.tcp_keepalive, pool, persistent, retry_interval, read_timeout.
    },
    memcached: {
      // Env: MEMCACHED_HOST, MEMCACHED_PORT.
      host: '127.0.0.1',
      port: 11211,
      timeout: 2.5,
      // Several servers, placed by consistent hashing, optional weight:
      // servers: ['10.0.0.21:11211', '10.0.0.22:11211:2'],
      // SASL: username / password (Env: MEMCACHED_USERNAME, MEMCACHED_PASSWORD).
      // The app's php-memcached compression, when on: values over 2000 bytes are stored compressed,
      // as the app stores them (reads follow each item's flags either way):
      // options: { compression: true },
      // Accepted from Glueful's php-memcached settings, not applied (cache:status says why): weight,
      // persistent_id, sasl, options.compression_type, options.serializer, and its connection options
      // (binary_protocol, libketama_compatible, distribution, tcp_nodelay, no_block, connect_timeout,
      // retry_timeout, send_timeout, recv_timeout, poll_timeout, server_failure_limit, remove_failed_servers).
    },
    // An in-process store (tests, one-off scripts), as Glueful's array driver:
    // memory: { driver: 'array', max_entries: 10000 },
  },

  // When the configured server is unreachable, warn and use the file store.
  // Env: CACHE_FALLBACK_FILE.
  fallback_to_file: false,

  stampede_protection: {
    enabled: true, // Env: CACHE_STAMPEDE_PROTECTION
    lock_ttl: 60, // seconds a recompute lock lives
    max_wait_time: 30, // seconds a caller waits for another's recompute
    retry_interval: 100, // milliseconds between checks while waiting
    early_expiration: { enabled: false, threshold: 0.8 },
  },

  tagging: {
    enabled: true, // Env: CACHE_TAGGING_ENABLED
    // Extra tag categories on top of Glueful's predefined ones.
    categories: { reports: ['reports', 'exports'] },
    // The seed's tagging.storage and tagging.cleanup_frequency are accepted, not applied: tags live
    // where each store keeps them; cron `cache:clear --prune-tags` to tidy tag indexes.
  },

  // Several independent servers on a consistent-hashing ring (see README).
  distributed: {
    enabled: false, // Env: DISTRIBUTED_CACHE_ENABLED; when on, the default store
    // nodes: [
    //   { driver: 'redis', host: '10.0.0.31', port: 6379 },
    //   { driver: 'redis', host: '10.0.0.32', port: 6379, weight: 2 },
    //   { driver: 'memcached', host: '10.0.0.41', port: 11211, id: 'mc-a' },
    // ],
    // virtual_nodes: 150, replicas: 0,
    // health: { enabled: true, max_failures: 3, recovery_time: 30, timeout: 1 },
    // The seed's and Glueful's shapes are read too: replication: 'consistent-hashing',
    // strategies: { 'consistent-hashing': { virtual_nodes: 150, hash_function: 'md5' } },
    // failover: { enabled: true, timeout: 1, retry_after: 30 } (as health.timeout / recovery_time).
    // Accepted but not applied here, each said by cache:status: health.check_interval (a command has
    // no background thread), a node's role, strategies['round-robin'].sticky_sessions.
    // state_file: '.cache/glueful-distributed-health.json', // node health shared by processes
  },

  // The CDN or HTTP cache in front of the app: cache:purge --url / --url-prefix / --edge-tag /
  // --edge-all / --batch-file, and cache:clear --tag <t> --edge. Credentials may come from the
  // environment instead (CLOUDFLARE_API_TOKEN, FASTLY_API_TOKEN, BUNNY_API_KEY, AKAMAI_*; README).
  edge: {
    provider: 'varnish', // the default; env EDGE_CACHE_PROVIDER
    providers: {
      // servers get every purge; examples/varnish-purge.vcl is the VCL that understands them
      varnish: { servers: ['http://127.0.0.1:6081'], tag_header: 'xkey', soft: false },
      // cloudflare: { zone_id: '…', api_token: process.env.CLOUDFLARE_API_TOKEN, max_items_per_request: 30 },
      // fastly: { service_id: '…', api_token: '…', soft: false },
      // bunny: { api_key: '…', pull_zone_id: 12345 },
      // akamai: { host: 'akab-….luna.akamaiapis.net', client_token: '…', client_secret: '…', access_token: '…',
      //           network: 'production', action: 'invalidate', cp_codes: [12345] },
      //   (or edgerc: '~/.edgerc', section: 'ccu' instead of the four credentials)
      // 'eu-zone': { type: 'cloudflare', zone_id: '…' },     // a second zone of a built-in
      // 'in-house': { module: './edge/in-house.ts', key: '…' }, // a plugin: defineEdgeProvider({...})
      // Every HTTP provider takes api_base (its API's address; tests point it at loopback).
    },
    default_ttl: 3600, // env EDGE_CACHE_TTL: edge lifetime for edgeCacheHeaders() when none is asked
    timeout: 10, // seconds per request to the provider
    deadline: 120, // seconds for a whole purge, waits on 429 Retry-After included
    concurrency: 4, // requests to the provider in flight at once
    // enabled: true, // Glueful's EDGE_CACHE_ENABLED: shown by --list-providers; explicit purges run either way
  },

  // What `glueful cache:warmup` runs. Built-in types need no code:
  //   inline  — entries listed here
  //   file    — a JSON array or NDJSON file of {key, value, ttl?, tags?}
  //   command — a program printing NDJSON (e.g. your PHP app exporting data)
  //   http    — URLs whose bodies are cached under a key
  // or `module: './path.ts'` / a package name, or an inline strategy object.
  warmup: {
    lock_ttl: 60, // seconds the overlap lease outlives a crashed run (renewed every third of it while a run is alive)
    strategies: [
      { strategy: systemInfo },
      { name: 'settings', type: 'inline', category: 'config', ttl: 3600, entries: [{ key: 'config:app', value: { name: 'demo' } }] },
      // { name: 'permissions', type: 'command', category: 'permissions', ttl: 1800,
      //   command: 'php', args: ['glueful', 'cache:export', '--format=ndjson', 'permissions'] },
      // { name: 'catalog', type: 'file', path: 'storage/warmup/catalog.ndjson', tags: ['catalog'] },
      // { name: 'menus', type: 'http', timeout: 5, urls: [{ url: 'https://cms.internal/api/menus', key: 'menus:main', ttl: 900 }] },
      // { module: './warmup/countries.ts', options: { source: 'db' } },
    ],
  },
});
