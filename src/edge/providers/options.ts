/** Reading a provider's settings (`edge.providers.<name>`), shared by the built-ins. */
import { UsageError } from '../../core/errors.js';
import type { EdgeResponse, EdgeVerdict } from '../provider.js';

/** A setting as text ('' when absent). Numbers are accepted: ids often are. */
export function text(options: Record<string, unknown>, key: string): string {
  const value = options[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
}

/** One line per required setting that is missing, naming its environment variable. */
export function missing(options: Record<string, unknown>, required: Record<string, string | undefined>): string[] {
  return Object.entries(required)
    .filter(([key]) => text(options, key) === '')
    .map(([key, env]) => `${key} is not set${env ? ` (or ${env})` : ''}`);
}

/** `api_base` without its trailing slash, checked to be an http(s) URL. */
export function apiBase(options: Record<string, unknown>, fallback: string): string {
  return (text(options, 'api_base') || fallback).replace(/\/+$/, '');
}

/** A problem line when `api_base` is given and is not an http(s) URL. */
export function badApiBase(options: Record<string, unknown>): string[] {
  const base = text(options, 'api_base');
  return base === '' || /^https?:\/\/[^\s/]+/.test(base) ? [] : [`api_base must be an http(s) URL, got ${JSON.stringify(base)}`];
}

/** A positive whole number setting, or the fallback. */
export function count(options: Record<string, unknown>, key: string, fallback: number, max: number): number {
  const value = Number(options[key]);
  return Number.isInteger(value) && value > 0 ? Math.min(value, max) : fallback;
}

/** The body as JSON, or undefined when it is not JSON. */
export function json(response: EdgeResponse): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(response.body);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A verdict from a status and the provider's message. */
export function verdictOf(response: EdgeResponse, message: string | undefined): EdgeVerdict {
  if (response.status >= 200 && response.status < 300) return { ok: true };
  const line = `HTTP ${response.status}${message ? `: ${message.replace(/\s+/g, ' ').slice(0, 200)}` : ''}`;
  return { ok: false, message: line, authFailed: response.status === 401 || response.status === 403 };
}

/** Absolute http(s) URLs only: a purge of "example.com/x" would silently do nothing. */
export function checkUrls(urls: string[]): URL[] {
  return urls.map((u) => {
    const url = URL.canParse(u) ? new URL(u) : undefined;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new UsageError(`invalid URL ${JSON.stringify(u)}: expected an absolute http:// or https:// URL`);
    return url;
  });
}
