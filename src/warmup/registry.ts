/**
 * The strategies a config declares (`warmup.strategies`), loaded and checked
 * once: built-in types, inline strategy objects (JS/TS configs), local module
 * paths (.js/.cjs/.mjs/.ts) and package names. Every mistake is one
 * ConfigError naming the entry.
 */
import { ConfigError } from '../core/errors.js';
import { loadPluginModule } from '../config/plugin-module.js';
import { BUILTIN_TYPES, builtinStrategy } from './builtins.js';
import type { WarmupStrategy } from './strategy.js';

/** A declared strategy, ready to run. */
export interface RegisteredStrategy {
  strategy: WarmupStrategy;
  category?: string;
  description?: string;
  /** Default TTL for its entries, seconds. */
  ttl?: number;
  tags: string[];
  options: Record<string, unknown>;
  /** Where it came from: `builtin:file`, a module path, `inline`. */
  source: string;
}

function isStrategy(value: unknown): value is WarmupStrategy {
  const s = value as WarmupStrategy | null;
  return typeof s === 'object' && s !== null && typeof s.warm === 'function';
}

/** Loads and validates every declared strategy. */
export async function loadStrategies(declared: unknown, baseDir: string): Promise<RegisteredStrategy[]> {
  if (declared === undefined) return [];
  if (!Array.isArray(declared)) throw new ConfigError('invalid configuration: warmup.strategies: expected a list');
  const seen = new Map<string, number>();
  const registered: RegisteredStrategy[] = [];
  for (const [index, raw] of declared.entries()) {
    const where = `invalid configuration: warmup.strategies[${index}]`;
    const decl = (isStrategy(raw) ? { strategy: raw } : raw) as Record<string, unknown>;
    if (typeof decl !== 'object' || decl === null) throw new ConfigError(`${where}: expected an object`);
    let strategy: WarmupStrategy;
    let source: string;
    if (isStrategy(decl.strategy)) {
      [strategy, source] = [decl.strategy, 'inline'];
    } else if (typeof decl.module === 'string') {
      [strategy, source] = [await loadPluginModule(decl.module, baseDir, where, isStrategy, 'a strategy (expected a default export with warm(ctx))'), decl.module];
    } else if (typeof decl.type === 'string') {
      const name = typeof decl.name === 'string' ? decl.name : decl.type;
      const builtin = builtinStrategy(decl.type, name, baseDir);
      if (!builtin) throw new ConfigError(`${where}: unknown type '${decl.type}': expected one of ${BUILTIN_TYPES.join(', ')}`);
      [strategy, source] = [builtin, `builtin:${decl.type}`];
    } else {
      throw new ConfigError(`${where}: expected "type" (${BUILTIN_TYPES.join(', ')}), "module" or an inline strategy`);
    }
    const name = typeof decl.name === 'string' ? decl.name : strategy.name;
    if (typeof name !== 'string' || name === '') throw new ConfigError(`${where}: the strategy has no name`);
    if (seen.has(name)) throw new ConfigError(`${where}: duplicate strategy name '${name}' (also warmup.strategies[${seen.get(name)}])`);
    seen.set(name, index);
    const ttl = decl.ttl;
    if (ttl !== undefined && !(Number.isInteger(ttl) && (ttl as number) > 0)) throw new ConfigError(`${where}: ttl: expected whole seconds > 0`);
    registered.push({
      strategy: { ...strategy, name },
      category: (decl.category as string | undefined) ?? strategy.category,
      description: (decl.description as string | undefined) ?? strategy.description,
      ttl: ttl as number | undefined,
      tags: Array.isArray(decl.tags) ? (decl.tags as string[]) : [],
      options: { ...((decl.options as Record<string, unknown> | undefined) ?? {}), ...pick(decl, ['entries', 'path', 'command', 'args', 'urls', 'timeout']) },
      source,
    });
  }
  return registered;
}

/** Built-in options may sit beside `type` as well as under `options`. */
function pick(decl: Record<string, unknown>, names: string[]): Record<string, unknown> {
  return Object.fromEntries(names.filter((n) => n in decl).map((n) => [n, decl[n]]));
}
