/**
 * cache:config — the resolved configuration of the store a command would
 * use, each value with where it came from (built-in default, the Glueful
 * app's defaults, `.env` and its line, our config file, the environment, a
 * flag), secrets masked as cache:status --detailed masks them, then the
 * settings that are unknown or do not apply, with the reason. As
 * `git config --show-origin`: the answer to "why is it doing that".
 */
import { basename, relative } from 'node:path';
import { traceConfig, type TracedConfig } from '../src/config/load.js';
import type { Origin } from '../src/config/origins.js';
import { redactConfig } from '../src/config/redact.js';
import { GLUEFUL_MAX_VALUE_BYTES } from '../src/core/codec.js';
import { ConfigError } from '../src/core/errors.js';
import type { Output } from '../src/output/output.js';
import type { CommandContext } from './context.js';
import { defineCommand } from './define.js';

/** cache:config, declared. */
export const command = defineCommand({
  name: 'config',
  description: 'print the resolved configuration of the store, with where each setting came from',
  examples: ['glueful cache:config', 'glueful cache:config --store redis', 'glueful cache:config --json'],
});

/** One setting: its path as the config file writes it, its value (secrets masked), its origin. */
export interface SettingRow {
  key: string;
  value: unknown;
  origin: Origin;
}

/** What cache:config returns. */
export interface ConfigResult {
  store: string;
  /** Why this store: --store, or the origin of `default` (or of distributed.enabled for the ring). */
  storeOrigin: Origin;
  settings: SettingRow[];
  notices: string[];
  /** Settings nothing knows, ignored (with the nearest known one). */
  unknown: string[];
  /** For people: the files read and where paths are shown from. */
  configFile: string | null;
  envFile: string | null;
  appRoot: string | null;
  cwd: string;
}

/** The flags that override the configuration. */
export interface ConfigFlags {
  store?: string;
  prefix?: string;
}

export async function run(ctx: CommandContext): Promise<ConfigResult> {
  const traced = await traceConfig({ configPath: ctx.globals.config });
  if (ctx.globals.strictConfig && traced.config.warnings.length) {
    throw new ConfigError(`${traced.config.warnings.join('; ')} (--strict-config)`);
  }
  return describeConfig(traced, { store: ctx.globals.store, prefix: ctx.globals.prefix });
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isScalar = (v: unknown): boolean => v === null || (typeof v !== 'object' && typeof v !== 'function');

/**
 * `[path, value]` for each value under `value`: objects walked, lists of
 * plain values kept whole, lists of objects walked item by item (`nodes[0].host`).
 */
function flatten(path: string, value: unknown): Array<[string, unknown]> {
  if (value === undefined) return [];
  if (typeof value === 'function') return [[path, '(function)']];
  if (isPlainObject(value)) return Object.entries(value).flatMap(([key, v]) => flatten(`${path}.${key}`, v));
  if (Array.isArray(value) && !value.every(isScalar)) return value.flatMap((v, i) => flatten(`${path}[${i}]`, v));
  return [[path, value]];
}

/**
 * What the drivers use for a server store's unset settings (see
 * src/drivers/redis/connection.ts and src/drivers/memcached/): shown so the
 * listing says where the tool connects, not just what was written.
 */
function driverDefaults(driver: string, store: Record<string, unknown>): Record<string, unknown> {
  const defaults: Record<string, unknown> = { max_value_bytes: GLUEFUL_MAX_VALUE_BYTES };
  if (driver === 'redis' || driver === 'memcached') defaults.timeout = 2.5;
  if (driver === 'redis' && store.url === undefined && store.cluster === undefined) {
    if (store.sentinels === undefined) Object.assign(defaults, { host: '127.0.0.1', port: 6379 });
    else defaults.name = 'mymaster';
    defaults.database = 0;
  }
  if (driver === 'memcached' && store.servers === undefined) Object.assign(defaults, { host: '127.0.0.1', port: 11211 });
  return Object.fromEntries(Object.entries(defaults).filter(([key]) => store[key] === undefined || store[key] === null));
}

/** A warmup strategy in a few words, `users (static)`: its declaration is cache:warmup --list's to show. */
function strategySummary(declared: unknown): string {
  if (!isPlainObject(declared)) return typeof declared === 'string' ? declared : typeof declared === 'function' ? '(function)' : JSON.stringify(declared);
  const own = typeof declared.name === 'string' ? declared.name : undefined;
  if (typeof declared.module === 'string') return `${own ?? declared.module} (module ${declared.module})`;
  if (typeof declared.type === 'string') return `${own ?? declared.type} (${declared.type})`;
  const inline = isPlainObject(declared.strategy) && typeof declared.strategy.name === 'string' ? declared.strategy.name : undefined;
  return `${own ?? inline ?? '(unnamed)'} (inline)`;
}

/** The settings a command on `store` works with, each with its origin. */
export function describeConfig(traced: TracedConfig, flags: ConfigFlags = {}, cwd = process.cwd()): ConfigResult {
  const { config, settings, origins } = traced;
  const store = flags.store ?? config.default;
  const definition = config.stores[store];
  if (!definition) throw new ConfigError(`unknown store '${store}': configured stores are ${Object.keys(config.stores).join(', ')}`);
  const ring = settings.distributed.enabled;
  const storeOrigin: Origin = flags.store !== undefined ? { kind: 'flag', flag: '--store' } : origins.of(ring ? 'distributed.enabled' : 'default');
  const checked = definition.driver === 'distributed' ? undefined : (settings.stores[store] ?? {});
  const filled = checked ? driverDefaults(definition.driver, checked) : {};

  // Secrets are masked before anything is picked out, exactly as cache:status --detailed masks them.
  const shown = redactConfig({
    default: settings.default ?? 'file',
    prefix: flags.prefix ?? settings.prefix,
    fallback_to_file: settings.fallback_to_file,
    ...(checked ? { stores: { [store]: { ...checked, ...filled } } } : {}),
    stampede_protection: settings.stampede_protection,
    tagging: settings.tagging,
    warmup: { ...settings.warmup, strategies: settings.warmup.strategies?.map(strategySummary) },
    ...(ring ? { distributed: settings.distributed } : {}),
    ...(Object.keys(settings.edge.providers).length ? { edge: settings.edge } : {}),
  }) as Record<string, unknown>;
  const originOf = (key: string): Origin => {
    if (key === 'prefix' && flags.prefix !== undefined) return { kind: 'flag', flag: '--prefix' };
    const storeKey = key.slice(`stores.${store}.`.length);
    return key.startsWith(`stores.${store}.`) && storeKey in filled ? { kind: 'default' } : origins.of(key);
  };
  const rows = Object.entries(shown)
    .flatMap(([key, value]) => flatten(key, value))
    .map(([key, value]): SettingRow => ({ key, value, origin: originOf(key) }));
  return {
    store,
    storeOrigin,
    settings: rows,
    notices: config.notices,
    unknown: config.warnings,
    configFile: config.source,
    envFile: traced.envFile,
    appRoot: config.app?.root ?? null,
    cwd,
  };
}

/** The --json document. */
export function toJson(r: ConfigResult): unknown {
  return { store: r.store, settings: r.settings, notices: r.notices, unknown: r.unknown };
}

/** A path as short as it stays clear: relative to where the command ran, unless that climbs far. */
function shortPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel.startsWith('../../..') ? basename(file) : rel;
}

/** An origin in a few words: `.env:12 CACHE_DRIVER`, `cache.config.ts`, `env REDIS_HOST`, `--prefix`. */
export function originText(origin: Origin, cwd: string): string {
  switch (origin.kind) {
    case 'default':
      return 'built-in default';
    case 'app-default':
      return 'Glueful app default (CacheFactory)';
    case 'dotenv':
      return `${shortPath(origin.file, cwd)}${origin.line ? `:${origin.line}` : ''} ${origin.variable}`;
    case 'config-file':
      return shortPath(origin.file, cwd);
    case 'env':
      return `env ${origin.variable}`;
    case 'flag':
      return origin.flag;
  }
}

/** A value for people: '' visible, lists comma-separated. */
function valueText(value: unknown): string {
  if (value === '') return "''";
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The group a row is listed under: `stores.<name>`, else its first part ('' for the top-level settings). */
function groupOf(key: string, store: string): string {
  if (key.startsWith(`stores.${store}.`)) return `stores.${store}`;
  const dot = key.indexOf('.');
  return dot < 0 ? '' : key.slice(0, dot);
}

/** `text` broken at spaces into lines of at most `width`: the first indented by two spaces, the rest by four. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = ' ';
  for (const word of text.split(' ')) {
    if (line.trim() && line.length + 1 + word.length > width) {
      lines.push(line);
      line = '   ';
    }
    line += ` ${word}`;
  }
  return [...lines, line];
}

/** The terminal's width, or 80 for anything else. */
function widthOf(out: Output): number {
  const columns = (out.stdout as NodeJS.WriteStream).isTTY ? (out.stdout as NodeJS.WriteStream).columns : 0;
  return columns && columns > 0 ? columns : 80;
}

export async function print(out: Output, r: ConfigResult): Promise<void> {
  const style = await out.colors();
  const width = widthOf(out);
  const facts: Array<[string, string | null]> = [
    ['store', `${r.store} (${originText(r.storeOrigin, r.cwd)})`],
    ['config file', r.configFile ?? 'none'],
    ['.env', r.envFile],
    ['Glueful app', r.appRoot],
  ];
  for (const [label, value] of facts) if (value !== null) out.line(`${label.padEnd(13)}${value}`);

  const rows = r.settings.map((s) => ({ group: groupOf(s.key, r.store), value: valueText(s.value), origin: originText(s.origin, r.cwd), isDefault: s.origin.kind === 'default', key: s.key }));
  const keyOf = (row: (typeof rows)[number]): string => (row.group ? row.key.slice(row.group.length + 1) : row.key);
  const keyWidth = Math.max(...rows.map((row) => keyOf(row).length));
  const originWidth = Math.max(...rows.map((row) => row.origin.length));
  // The value column takes what the key and origin columns leave of the line; a longer value pushes its origin to the next line.
  const valueRoom = Math.max(8, width - 2 - keyWidth - 2 - 2 - originWidth);
  const valueWidth = Math.max(0, ...rows.map((row) => row.value.length).filter((length) => length <= valueRoom));
  let group: string | undefined;
  for (const row of rows) {
    if (row.group !== group) {
      out.line('');
      if (row.group) out.line(style.bold(row.group));
      group = row.group;
    }
    const origin = row.isDefault ? style.dim(row.origin) : row.origin;
    const head = `  ${keyOf(row).padEnd(keyWidth)}  `;
    if (row.value.length <= valueWidth) out.line(`${head}${row.value.padEnd(valueWidth)}  ${origin}`);
    else out.line(`${head}${row.value}\n${' '.repeat(head.length + valueWidth + 2)}${origin}`);
  }
  const lists: Array<[string, string[]]> = [
    ['Unknown settings (ignored)', r.unknown],
    ['Settings that do not apply here', r.notices],
  ];
  for (const [title, items] of lists) {
    if (!items.length) continue;
    out.line('');
    out.line(style.bold(title));
    for (const item of items) for (const line of wrap(item, width)) out.line(line);
  }
}
