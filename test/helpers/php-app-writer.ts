/**
 * Real `php` playing a Glueful v1.76 application's cache code against the
 * store a test uses (the app's flat file directory, or a Redis server
 * through phpredis): values as its drivers write them (`json:` + JSON, keys
 * as given, file entries as `{md5}.cache` + `{md5}.meta`), the Redis
 * driver's own tags (`SADD _gf_tag:<tag> <key>`), the two entries its
 * CacheTaggingService keeps (`_cache_tag_mappings`, `_cache_key_tags`,
 * rewritten whole, TTL one day, and — as in the framework — a process
 * starts from empty maps and loads the stored ones only before an
 * invalidation), and CacheHelper's stampede locks
 * (`<prefix>stampede_lock:<key>` holding `uniqid('lock_', true)`).
 *
 * Written from the framework's documented behaviour for these tests; none
 * of its code is copied here.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the PHP side writes: the app's file directory, or a Redis server (database `db`, default 0). */
export type PhpTarget = { kind: 'file'; dir: string } | { kind: 'redis'; port: number; db?: number };

const PRELUDE = String.raw`
final class AppStore {
  private $redis = null;
  public function __construct(private array $target) {
    if ($target['kind'] === 'redis') {
      $this->redis = new Redis();
      $this->redis->connect('127.0.0.1', (int) $target['port']);
      if (($target['db'] ?? 0) > 0) $this->redis->select((int) $target['db']);
    }
    // FileCacheDriver's constructor creates its directory (0755) when it is missing.
    if ($target['kind'] === 'file' && !is_dir($target['dir'])) mkdir($target['dir'], 0755, true);
  }
  public static function encode($value): string { return 'json:' . json_encode($value, JSON_THROW_ON_ERROR); }
  public static function decode(?string $raw) {
    if ($raw === null) return null;
    return str_starts_with($raw, 'json:') ? json_decode(substr($raw, 5), true) : $raw;
  }
  private function path(string $key, string $ext): string { return $this->target['dir'] . '/' . md5($key) . $ext; }
  public function raw(string $key): ?string {
    if ($this->redis) { $v = $this->redis->get($key); return $v === false ? null : $v; }
    if (!is_file($this->path($key, '.meta')) || !is_file($this->path($key, '.cache'))) return null;
    $meta = self::decode(file_get_contents($this->path($key, '.meta')));
    if ($meta['expires'] !== 0 && $meta['expires'] <= time()) return null;
    return file_get_contents($this->path($key, '.cache'));
  }
  public function get(string $key) { return self::decode($this->raw($key)); }
  public function set(string $key, $value, int $ttl = 0): void {
    if ($this->redis) { $ttl > 0 ? $this->redis->setex($key, $ttl, self::encode($value)) : $this->redis->set($key, self::encode($value)); return; }
    $now = time();
    file_put_contents($this->path($key, '.meta'), self::encode(['key' => $key, 'created' => $now, 'expires' => $ttl > 0 ? $now + $ttl : 0, 'ttl' => $ttl]));
    file_put_contents($this->path($key, '.cache'), self::encode($value));
  }
  public function setNx(string $key, $value, int $ttl): bool {
    if ($this->redis) return $this->redis->set($key, self::encode($value), ['nx', 'ex' => $ttl]) === true;
    if ($this->raw($key) !== null) return false;
    $this->set($key, $value, $ttl);
    return true;
  }
  public function delete(string $key): void {
    if ($this->redis) { $this->redis->del($key); return; }
    foreach (['.cache', '.meta'] as $ext) @unlink($this->path($key, $ext));
  }
  public function driverTag(string $key, array $tags): void { foreach ($tags as $t) $this->redis->sAdd('_gf_tag:' . $t, $key); }
}

// CacheTaggingService's observable behaviour: in-process maps, persisted whole.
final class TagIndex {
  private array $byTag = [];
  private array $byKey = [];
  private bool $loaded = false;
  public function __construct(private AppStore $store) {}
  public function tag(string $key, array $tags): void {
    $this->byKey[$key] = array_unique(array_merge($this->byKey[$key] ?? [], $tags));
    foreach ($tags as $t) {
      $list = $this->byTag[$t] ?? [];
      $list[] = $key;
      $this->byTag[$t] = array_unique($list);
    }
    $this->save();
  }
  public function invalidate(string $tag): array {
    if (!$this->loaded) {
      $m = $this->store->get('_cache_tag_mappings');
      $k = $this->store->get('_cache_key_tags');
      if (is_array($m)) $this->byTag = $m;
      if (is_array($k)) $this->byKey = $k;
      $this->loaded = true;
    }
    $keys = $this->byTag[$tag] ?? [];
    foreach ($keys as $key) {
      $this->store->delete($key);
      $this->byTag[$tag] = array_filter($this->byTag[$tag] ?? [], fn($x) => $x !== $key);
      if (($this->byTag[$tag] ?? null) === []) unset($this->byTag[$tag]);
      if (isset($this->byKey[$key])) {
        $this->byKey[$key] = array_filter($this->byKey[$key], fn($x) => $x !== $tag);
        if ($this->byKey[$key] === []) unset($this->byKey[$key]);
      }
    }
    $this->save();
    return array_values($keys);
  }
  private function save(): void {
    $this->store->set('_cache_tag_mappings', $this->byTag, 86400);
    $this->store->set('_cache_key_tags', $this->byKey, 86400);
  }
}
$store = new AppStore(json_decode(getenv('PHP_TARGET'), true));
$tags = new TagIndex($store);
`;

function script(body: string): string {
  return `${PRELUDE}\n${body}`;
}

/** Runs PHP code after the prelude (`$store`, `$tags` ready); resolves with its stdout. */
export function runPhp(target: PhpTarget, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('php', ['-d', 'display_errors=stderr'], { env: { ...process.env, PHP_TARGET: JSON.stringify(target) } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`php failed (php-cli with php-redis is needed): ${stderr || error.message}`));
      else resolve(stdout);
    });
    child.stdin!.end(`<?php\n${script(body)}`);
  });
}

/**
 * A PHP process that takes CacheHelper's stampede lock for `key` and holds
 * it for `holdMs`, then stores `value` under `key` and releases the lock
 * (get, compare, delete, as the framework does). Resolves once the lock is
 * taken; `done` resolves when the process ends.
 */
export async function phpHoldingLock(
  target: PhpTarget,
  options: { prefix: string; key: string; value: unknown; holdMs: number },
): Promise<{ process: ChildProcess; lockValue: string; done: Promise<void> }> {
  const body = `
    $lock = ${JSON.stringify(options.prefix)} . 'stampede_lock:' . ${JSON.stringify(options.key)};
    $token = uniqid('lock_', true);
    if (!$store->setNx($lock, $token, 60)) { echo "busy\\n"; exit(0); }
    echo $token, "\\n";
    flush();
    usleep(${options.holdMs * 1000});
    $store->set(${JSON.stringify(options.key)}, json_decode(${JSON.stringify(JSON.stringify(options.value))}, true), 600);
    if ($store->get($lock) === $token) $store->delete($lock);
  `;
  const child = spawn('php', ['-d', 'display_errors=stderr'], { env: { ...process.env, PHP_TARGET: JSON.stringify(target) }, stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(`<?php\n${script(body)}`);
  const done = new Promise<void>((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`php lock holder exited ${code}`)))));
  done.catch(() => undefined); // told through lockValue below when it fails early
  const lockValue = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.on('close', () => reject(new Error(`php lock holder ended before taking the lock: ${out}`)));
  });
  if (lockValue === 'busy') throw new Error('the lock was already taken');
  return { process: child, lockValue, done };
}

/** A Glueful application directory (composer.json requiring the framework, .env, storage/cache/). */
export function makeGluefulApp(env: string): { root: string; cache: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'glueful-php-app-'));
  writeFileSync(join(root, 'composer.json'), JSON.stringify({ name: 'acme/shop', require: { php: '^8.2', 'glueful/framework': '^1.76' } }));
  writeFileSync(join(root, '.env'), env);
  const cache = join(root, 'storage', 'cache');
  mkdirSync(cache, { recursive: true });
  return { root, cache, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
