/**
 * Finds and loads the configuration: `--config <path>`, or the first of the
 * search places from the working directory up to the project root. The
 * search itself is a few stat calls; cosmiconfig (and, for TypeScript, the
 * compiler) is loaded only when there is a file to read.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type * as Cosmiconfig from 'cosmiconfig';
import { ConfigError } from '../core/errors.js';
import { readDotenv } from './dotenv.js';
import { applyEnvironment } from './env.js';
import { findGluefulApp, gluefulDefaults, gluefulEnvValue, gluefulHelperPrefix } from './glueful-app.js';
import { appRuntime } from './glueful-runtime.js';
import { SettingOrigins } from './origins.js';
import { checkConfig, type CheckedSettings, type ResolvedConfig } from './schema.js';
import { syntaxProblem } from './syntax-error.js';
import { loadTypeScriptModule } from './ts-loader.js';

/** cosmiconfig module name: files are `cache.config.*` and `.cacherc*`. */
const MODULE = 'cache';
/** The key read from package.json. */
export const PACKAGE_PROP = 'glueful-cache';

/** Where a config file is looked for in each directory, in order. */
export const SEARCH_PLACES = [
  `${MODULE}.config.ts`,
  `${MODULE}.config.mts`,
  `${MODULE}.config.js`,
  `${MODULE}.config.mjs`,
  `${MODULE}.config.cjs`,
  `${MODULE}.config.json`,
  `${MODULE}.config.yaml`,
  `${MODULE}.config.yml`,
  `.${MODULE}rc`,
  `.${MODULE}rc.json`,
  `.${MODULE}rc.yaml`,
  `.${MODULE}rc.yml`,
  `.${MODULE}rc.js`,
  `.${MODULE}rc.mjs`,
  `.${MODULE}rc.cjs`,
  `.${MODULE}rc.ts`,
  `.config/${MODULE}rc`,
  `.config/${MODULE}rc.json`,
  `.config/${MODULE}rc.yaml`,
  `.config/${MODULE}rc.ts`,
  'package.json',
];

const ROOT_MARKERS = ['package.json', 'composer.json', '.git'];

/** The nearest directory at or above `cwd` holding package.json, composer.json or .git; else cwd. */
export function findProjectRoot(cwd: string): string {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (ROOT_MARKERS.some((m) => existsSync(join(dir, m)))) return dir;
    if (dirname(dir) === dir) return resolve(cwd);
  }
}

function hasPackageProp(path: string): boolean {
  try {
    return PACKAGE_PROP in (JSON.parse(readFileSync(path, 'utf8')) as object);
  } catch {
    return false;
  }
}

/** The first config file from `cwd` up to `root`, or null. */
export function discoverConfig(cwd: string, root: string): string | null {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const place of SEARCH_PLACES) {
      const path = join(dir, place);
      if (existsSync(path) && (place !== 'package.json' || hasPackageProp(path))) return path;
    }
    if (dir === root || dirname(dir) === dir) return null;
  }
}

/**
 * A JSON config file (package.json: its `glueful-cache` key) read with
 * JSON.parse: cosmiconfig's JSON loader loads a parser that draws code
 * frames, ~50 ms of every command's start, to read what JSON.parse reads.
 * undefined for any other file, or one JSON.parse refuses: cosmiconfig
 * reads that one, for its empty-file rule and its error message.
 */
function readJsonConfig(path: string): unknown {
  if (!path.endsWith('.json')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  const config = basename(path) === 'package.json' ? (parsed as Record<string, unknown> | null)?.[PACKAGE_PROP] : parsed;
  return config ?? {};
}

async function readConfigFile(path: string): Promise<unknown> {
  if (!existsSync(path)) throw new ConfigError(`config file not found: ${path}`);
  // TypeScript bypasses cosmiconfig, whose loader runs the compiler on every call.
  if (/\.m?ts$/.test(path)) return loadTypeScriptModule(path);
  const json = readJsonConfig(path);
  if (json !== undefined) return json;
  // cosmiconfig is CommonJS: bundled, its exports sit on `default`.
  const module = (await import('cosmiconfig')) as typeof Cosmiconfig & { default?: typeof Cosmiconfig };
  const { cosmiconfig, defaultLoaders } = module.default ?? module;
  const explorer = cosmiconfig(MODULE, {
    packageProp: PACKAGE_PROP,
    cache: false,
    loaders: defaultLoaders,
  });
  try {
    const result = await explorer.load(path);
    return result?.config ?? {};
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const reason = syntaxProblem(error, readFileSync(path, 'utf8')) ?? (error instanceof Error ? error.message.split('\n')[0] : String(error));
    throw new ConfigError(`cannot load ${path}: ${reason}`, { cause: error });
  }
}

/** Where to look and what to override. */
export interface LoadOptions {
  cwd?: string;
  /** Explicit config file (`--config`). */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
}

/** Objects merged key by key (the later wins); anything else replaced. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const below = out[key];
    const bothObjects = [below, value].every((v) => v !== null && typeof v === 'object' && !Array.isArray(v));
    out[key] = bothObjects ? merge(below as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return out;
}

/**
 * Loads and validates the configuration. Settings apply in this order, each
 * over the ones before: built-in defaults; a Glueful application's own
 * defaults (when the working directory is inside one); the project's `.env`;
 * our config file (found, or --config); the real environment. Command-line
 * flags (--store, --prefix) come last, in the command context.
 */
export async function loadConfig(options: LoadOptions = {}): Promise<ResolvedConfig> {
  return (await traceConfig(options)).config;
}

/** A configuration with where each setting came from (cache:config). */
export interface TracedConfig {
  config: ResolvedConfig;
  /** The settings under the config file's keys, defaults filled. */
  settings: CheckedSettings;
  origins: SettingOrigins;
  /** The .env read, when it set anything. */
  envFile: string | null;
}

/** loadConfig, recording which layer set each setting. */
export async function traceConfig(options: LoadOptions = {}): Promise<TracedConfig> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const app = findGluefulApp(cwd);
  const projectRoot = app?.root ?? findProjectRoot(cwd);
  const source = options.configPath ? resolve(cwd, options.configPath) : discoverConfig(cwd, projectRoot);
  const raw = source ? await readConfigFile(source) : {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`invalid configuration in ${source}: expected an object (export default { ... })`);
  }
  const envFile = join(projectRoot, '.env');
  const lines = new Map<string, number>();
  const dotenv = readDotenv(envFile, lines);
  const real = options.env ?? process.env;
  const notices: string[] = [];
  const origins = new SettingOrigins();
  const rules = { gluefulApp: app !== null, notices };
  const runtime = app ? appRuntime(app.root, (name) => gluefulEnvValue(real[name] ?? dotenv.get(name))) : null;
  const appDefaults = runtime ? gluefulDefaults(runtime) : {};
  origins.setLayer(appDefaults, { kind: 'app-default' });
  const fromDotenv = applyEnvironment(appDefaults, (name) => dotenv.get(name), {
    ...rules,
    onSetting: (path, variable) => origins.set(path, { kind: 'dotenv', file: envFile, line: lines.get(variable), variable }),
  });
  if (source) origins.setLayer(raw as Record<string, unknown>, { kind: 'config-file', file: source });
  const merged = applyEnvironment(merge(fromDotenv, raw as Record<string, unknown>), (name) => real[name], {
    ...rules,
    onSetting: (path, variable) => origins.set(path, { kind: 'env', variable }),
  });
  if (app) keepRingOurs(merged, raw as Record<string, unknown>, notices);
  origins.keepOnly(merged);
  const { config: resolved, settings } = checkConfig(merged, { source, baseDir: source ? dirname(source) : projectRoot, projectRoot });
  const lockPrefix = app ? gluefulHelperPrefix(real.CACHE_PREFIX ?? dotenv.get('CACHE_PREFIX')) : '';
  const config = {
    ...resolved,
    stampede: { ...resolved.stampede, lockPrefix },
    notices: [...new Set([...notices, ...resolved.notices])],
    app: app && runtime && { root: app.root, name: app.name, envFile: dotenv.size ? envFile : null, runtime },
  };
  return { config, settings, origins, envFile: dotenv.size ? envFile : null };
}

/**
 * Inside an app, DISTRIBUTED_CACHE_ENABLED and CACHE_REPLICAS belong to the
 * app's config/cache.php, whose ring its cache:* commands never use (they
 * take CACHE_DRIVER's store): they turn the ring on only when our config file
 * declares its nodes.
 */
function keepRingOurs(merged: Record<string, unknown>, raw: Record<string, unknown>, notices: string[]): void {
  const ours = raw.distributed !== null && typeof raw.distributed === 'object' && 'nodes' in raw.distributed;
  const ring = merged.distributed;
  if (ours || ring === null || typeof ring !== 'object' || Array.isArray(ring)) return;
  const { enabled, replicas, ...rest } = ring as Record<string, unknown>;
  if (enabled === undefined && replicas === undefined) return;
  notices.push("DISTRIBUTED_CACHE_ENABLED / CACHE_REPLICAS do not apply here: the app's cache:* commands use CACHE_DRIVER's store, never the ring; declare distributed.nodes in our config file to work on a ring");
  merged.distributed = rest;
}
