/**
 * Sends a provider's planned requests: a few at a time, each with a
 * timeout; a 429 or 503 is retried after the provider's Retry-After (or a
 * growing pause when it gives none) as long as the deadline allows;
 * connection failures are retried twice. Refused credentials stop the run.
 * The result says, item by item, what was purged and what was not.
 */
import { interruptedBy, StoreUnavailableError } from '../core/errors.js';
import { BoundedPool } from '../core/bulk.js';
import { send, EdgeNetworkError } from './http.js';
import type { EdgeRequest, EdgeResponse, EdgeVerdict } from './provider.js';

/** A request as a dry run shows it: credentials replaced by `***`. */
export interface PlannedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  items: string[];
}

/** An item the provider did not purge, and why. */
export interface EdgeFailure {
  item: string;
  reason: string;
}

/** What sending a plan did. */
export interface SendOutcome {
  purged: string[];
  failed: EdgeFailure[];
  /** Requests sent, retries included. */
  requests: number;
  /** Objects dropped, when the provider counts them (Varnish xkey). */
  objects?: number;
}

/** How to send. */
export interface SendSettings {
  /** Per request, ms. */
  timeoutMs: number;
  /** For the whole run including waits on 429, ms. */
  deadlineMs: number;
  concurrency: number;
  signal?: AbortSignal;
  /** The provider's name, for messages. */
  provider: string;
  /** Waits; tests pass a recorder. */
  sleep?: (ms: number) => Promise<void>;
}

const NETWORK_RETRIES = 2;

/** The request with its secret header values masked, for dry runs and messages. */
export function planned(req: EdgeRequest): PlannedRequest {
  const secret = new Set((req.secretHeaders ?? []).map((h) => h.toLowerCase()));
  const headers = Object.fromEntries(Object.entries(req.headers ?? {}).map(([k, v]) => [k, secret.has(k.toLowerCase()) ? '***' : v]));
  if (req.sign) headers.authorization = '*** (signed when sent)';
  return { method: req.method, url: req.url, headers, ...(req.body === undefined ? {} : { body: req.body }), items: req.items };
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function oneLine(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** The default reading of an answer: 2xx done, 401/403 refused credentials, anything else failed. */
export function defaultVerdict(response: EdgeResponse): EdgeVerdict {
  if (response.status >= 200 && response.status < 300) return { ok: true };
  const message = `HTTP ${response.status}${response.body ? `: ${oneLine(response.body)}` : ''}`;
  return { ok: false, message, authFailed: response.status === 401 || response.status === 403 };
}

/** The secret header values of a request, and their words ("Bearer <token>" → the token too). */
function secretValues(req: EdgeRequest): string[] {
  const names = new Set((req.secretHeaders ?? []).map((h) => h.toLowerCase()));
  const values = Object.entries(req.headers ?? {}).filter(([k]) => names.has(k.toLowerCase())).map(([, v]) => v);
  return [...values, ...values.flatMap((v) => v.split(/\s+/))].filter((v) => v.length >= 8);
}

/** Replaces every secret value in `text` (a provider could echo one back). */
function scrub(text: string, secrets: string[]): string {
  return secrets.reduce((t, s) => t.split(s).join('***'), text);
}

async function sendOne(req: EdgeRequest, settings: SendSettings, started: number, counter: { requests: number }): Promise<EdgeVerdict> {
  const sleep = settings.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const secrets = secretValues(req);
  let pause = 1000;
  for (let attempt = 0; ; attempt++) {
    const left = settings.deadlineMs - (performance.now() - started);
    let response: EdgeResponse;
    try {
      counter.requests++;
      const signed = req.sign ? { ...req, headers: { ...req.headers, ...req.sign(req) } } : req;
      response = await send(signed, Math.max(1, Math.ceil(Math.min(settings.timeoutMs, left))), settings.signal);
    } catch (error) {
      if (!(error instanceof EdgeNetworkError) || settings.signal?.aborted) throw error;
      if (attempt >= NETWORK_RETRIES || left < pause) return { ok: false, message: error.message };
      await sleep(pause);
      pause *= 2;
      continue;
    }
    if (response.status === 429 || response.status === 503) {
      const wait = retryAfterMs(response.headers['retry-after']) ?? pause;
      pause = Math.min(pause * 2, 30_000);
      if (wait <= settings.deadlineMs - (performance.now() - started) && !settings.signal?.aborted) {
        await sleep(wait);
        continue;
      }
      return { ok: false, message: `rate limited by ${settings.provider} (HTTP ${response.status}) past the deadline of ${settings.deadlineMs / 1000}s` };
    }
    const verdict = (req.check ?? defaultVerdict)(response);
    return verdict.message ? { ...verdict, message: scrub(verdict.message, secrets) } : verdict;
  }
}

/** Sends every request of a plan and gathers what each did. */
export async function sendPlan(requests: EdgeRequest[], settings: SendSettings): Promise<SendOutcome> {
  const started = performance.now();
  const counter = { requests: 0 };
  const outcome: SendOutcome = { purged: [], failed: [], requests: 0 };
  let refused: string | undefined;
  const pool = new BoundedPool(settings.concurrency);
  for (const req of requests) {
    if (refused || settings.signal?.aborted || pool.failed) break;
    await pool.add(async () => {
      if (refused) return;
      const verdict = await sendOne(req, settings, started, counter);
      if (verdict.authFailed) refused ??= verdict.message ?? 'refused';
      const failed = new Set(verdict.ok ? (verdict.failed ?? []) : (verdict.failed ?? req.items));
      for (const item of req.items) {
        if (failed.has(item)) outcome.failed.push({ item, reason: verdict.message ?? 'not purged' });
        else outcome.purged.push(item);
      }
      if (verdict.purged !== undefined) outcome.objects = (outcome.objects ?? 0) + verdict.purged;
    });
  }
  try {
    await pool.drain();
  } finally {
    // Ctrl-C: what was sent is done, the rest was not sent; say so rather than report a partial purge as whole.
    if (settings.signal?.aborted) {
      const purged = new Set(outcome.purged).size;
      throw interruptedBy(settings.signal, `interrupted: ${purged} of the items purged before stopping; run again to finish`, { purged });
    }
  }
  outcome.requests = counter.requests;
  // An item sent to several servers (Varnish) is purged only when every one of them did it,
  // and reported once, with the first reason.
  const failed = new Map(outcome.failed.reverse().map((f) => [f.item, f]));
  outcome.failed = [...failed.values()].reverse();
  outcome.purged = [...new Set(outcome.purged)].filter((item) => !failed.has(item));
  if (refused) {
    const done = outcome.purged.length ? ` (${outcome.purged.length} items were purged before that)` : '';
    throw new StoreUnavailableError(`${settings.provider} refused the credentials: ${refused}${done}`);
  }
  return outcome;
}
