/**
 * One HTTP request to a provider, with node:http/https rather than fetch:
 * Varnish purges need methods (PURGE, BAN) and a Host header naming the
 * site rather than the server, which fetch does not allow. The answer's
 * body is read up to 64 KiB: providers answer purges in a few hundred
 * bytes, and a misbehaving endpoint cannot fill memory.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { EdgeRequest, EdgeResponse } from './provider.js';

const BODY_LIMIT = 64 * 1024;

/** A request that could not complete: refused, reset, timed out, DNS. */
export class EdgeNetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EdgeNetworkError';
  }
}

function describe(error: NodeJS.ErrnoException, url: URL): string {
  const where = `${url.protocol}//${url.host}`;
  if (error.code === 'ECONNREFUSED') return `connection refused by ${where}`;
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return `cannot resolve ${url.hostname}`;
  if (error.name === 'TimeoutError' || error.code === 'ETIMEDOUT') return `no answer from ${where} in time`;
  return `${where}: ${error.code ?? error.message}`;
}

/** Sends `req`; resolves with the answer whatever its status, rejects with EdgeNetworkError when there is none. */
export function send(req: EdgeRequest, timeoutMs: number, signal?: AbortSignal): Promise<EdgeResponse> {
  const url = new URL(req.url);
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  const headers: Record<string, string> = { 'user-agent': 'glueful-cache', ...req.headers };
  if (body) headers['content-length'] = String(body.length);
  const abort = signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: req.method, headers, signal: abort }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < BODY_LIMIT) chunks.push(chunk.subarray(0, BODY_LIMIT - size));
        size += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as IncomingHttpHeaders, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => reject(new EdgeNetworkError(describe(error, url), { cause: error })));
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      const timedOut = abort.aborted && !signal?.aborted;
      reject(new EdgeNetworkError(timedOut ? `no answer from ${url.protocol}//${url.host} within ${timeoutMs / 1000}s` : describe(error, url), { cause: error }));
    });
    outgoing.end(body);
  });
}
