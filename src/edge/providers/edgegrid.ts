/**
 * Akamai EdgeGrid request signing (EG1-HMAC-SHA256), as Akamai's client
 * libraries compute it:
 *
 *   timestamp   = UTC "yyyyMMddTHH:mm:ss+0000"
 *   auth        = "EG1-HMAC-SHA256 client_token=<ct>;access_token=<at>;timestamp=<ts>;nonce=<uuid>;"
 *   signing key = base64(HMAC-SHA256(key = client_secret, timestamp))
 *   content     = POST with a body: base64(SHA-256(body cut at max_body bytes)); else ""
 *   data        = method \t scheme \t host \t path+query \t signed headers ("" here) \t content \t auth
 *   header      = auth + "signature=" + base64(HMAC-SHA256(key = signing key as text, data))
 *
 * Fast Purge signs no extra headers. Checked against the known answers of
 * Akamai's edgegrid-node test data (test/edge-providers.test.ts).
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';

/** The credentials of an API client (from ~/.edgerc or the environment). */
export interface EdgeGridCredentials {
  clientToken: string;
  clientSecret: string;
  accessToken: string;
}

/** Akamai's default max_body: 128 KiB of the body are hashed. */
export const MAX_BODY = 131072;

const hmac = (key: string, data: string): string => createHmac('sha256', key).update(data).digest('base64');

/** The EdgeGrid timestamp of `date`. */
export function edgeGridTimestamp(date = new Date()): string {
  const iso = date.toISOString(); // 2014-03-21T19:34:21.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 19)}+0000`;
}

/** The Authorization header value for one request. */
export function edgeGridAuthorization(
  credentials: EdgeGridCredentials,
  request: { method: string; url: string; body?: string },
  { timestamp = edgeGridTimestamp(), nonce = randomUUID(), maxBody = MAX_BODY }: { timestamp?: string; nonce?: string; maxBody?: number } = {},
): string {
  const url = new URL(request.url);
  const auth = `EG1-HMAC-SHA256 client_token=${credentials.clientToken};access_token=${credentials.accessToken};timestamp=${timestamp};nonce=${nonce};`;
  const method = request.method.toUpperCase();
  const body = request.body ?? '';
  const content = method === 'POST' && body.length > 0 ? createHash('sha256').update(body.slice(0, maxBody)).digest('base64') : '';
  const data = [method, url.protocol.replace(':', ''), url.host, `${url.pathname}${url.search}`, '', content, auth].join('\t');
  return `${auth}signature=${hmac(hmac(credentials.clientSecret, timestamp), data)}`;
}
