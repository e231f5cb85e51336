/**
 * Small checks that turn a bad setting into one ConfigError naming the key,
 * the expected value and what was found.
 */
import { ConfigError } from '../core/errors.js';

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Throws a ConfigError "<where>: expected <expected>, got <value>". */
export function invalid(where: string, expected: string, value: unknown): never {
  throw new ConfigError(`invalid configuration: ${where}: expected ${expected}, got ${show(value)}`);
}

/** An integer in [min, max], or undefined when absent. */
export function optionalInt(where: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    invalid(where, `an integer from ${min} to ${max}`, value);
  }
  return n;
}

/** A finite number in [min, max], or undefined when absent. */
export function optionalNumber(where: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max) {
    invalid(where, `a number from ${min} to ${max}`, value);
  }
  return n;
}

/** A string, or undefined when absent. */
export function optionalString(where: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') invalid(where, 'a string', value);
  return value;
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off', '']);

/** A boolean; env-style strings (true/false/1/0/yes/no/on/off) are accepted. */
export function optionalBool(where: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (TRUE.has(text)) return true;
    if (FALSE.has(text)) return false;
  }
  return invalid(where, 'true or false', value);
}

/** A plain object, or an empty one when absent. */
export function section(where: string, value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) invalid(where, 'an object', value);
  return value as Record<string, unknown>;
}
