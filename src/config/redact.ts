/**
 * Keeps secrets out of everything printed: config values under secret-looking
 * keys, and credentials inside URLs.
 */
const SECRET_KEY = /pass|secret|token|auth|credential|private|^key$|api_?key|access_?key/i;
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^:@/\s]*):([^@/\s]+)@/gi;

/** Replaces the password part of any URL in `text`. */
export function redactUrls(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1$2:***@');
}

/** A deep copy with secret values replaced by `***`. */
export function redactConfig(value: unknown, key = ''): unknown {
  if (SECRET_KEY.test(key) && value !== undefined && value !== null && value !== '') return '***';
  if (typeof value === 'string') return redactUrls(value);
  if (Array.isArray(value)) return value.map((v) => redactConfig(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfig(v, k)]));
  }
  return value;
}
