/**
 * Key rules shared by every store. Backends hold almost any key; Glueful's
 * PHP app is stricter, so keys it could not read produce a warning, not an error.
 */
import { UsageError } from './errors.js';

/** Characters Glueful's PHP cache refuses in keys. */
const PHP_RESERVED = /[{}()/\\@]/;
/** Longest key Glueful's PHP file driver accepts, in bytes. */
const PHP_MAX_KEY_BYTES = 255;

/** Refuses keys no store can hold; `maxBytes` is the backend's limit for the full key. */
export function assertValidKey(key: string, fullKey: string, driver: string, maxBytes: number): void {
  if (key.length === 0) throw new UsageError('invalid key: the key is empty');
  if (fullKey.length * 3 <= maxBytes) return; // UTF-8 takes at most 3 bytes per UTF-16 unit: nothing to count
  const bytes = Buffer.byteLength(fullKey, 'utf8');
  if (bytes > maxBytes) {
    throw new UsageError(`invalid key: ${bytes} bytes with the prefix, the ${driver} store allows at most ${maxBytes}`);
  }
}

/** Why the Glueful PHP app could not read this key, or null when it can. */
export function phpCompatibilityWarning(fullKey: string, driver?: string): string | null {
  // php-memcached speaks the text protocol by default, where a key must be printable ASCII ("BAD KEY" otherwise).
  if (driver === 'memcached' && /[^\x21-\x7e]/.test(fullKey)) {
    return `key '${fullKey}' has characters outside printable ASCII: php-memcached (the Glueful PHP app) refuses it as a bad key`;
  }
  if (PHP_RESERVED.test(fullKey)) {
    return `key '${fullKey}' contains one of {}()/\\@: the Glueful PHP app cannot read it`;
  }
  if (Buffer.byteLength(fullKey, 'utf8') > PHP_MAX_KEY_BYTES) {
    return `key '${fullKey.slice(0, 40)}…' is longer than ${PHP_MAX_KEY_BYTES} bytes: the Glueful PHP app cannot read it`;
  }
  return null;
}
