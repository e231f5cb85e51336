/**
 * The edge providers a configuration declares (`edge.providers`), next to
 * the built-ins. An entry is a built-in by its name (`cloudflare: {...}`)
 * or by `type` (`eu-zone: { type: 'cloudflare', ... }`), a plugin by
 * `module` (a path relative to the config, or a package), or, in a JS/TS
 * config, an inline `provider` object. The entry's other keys are the
 * provider's settings.
 */
import { EDGE_PROVIDER_ENV } from '../config/env.js';
import { loadPluginModule } from '../config/plugin-module.js';
import { ConfigError } from '../core/errors.js';
import type { EdgeProvider, ProviderOptions } from './provider.js';
import { akamai } from './providers/akamai.js';
import { bunny } from './providers/bunny.js';
import { cloudflare } from './providers/cloudflare.js';
import { fastly } from './providers/fastly.js';
import { varnish } from './providers/varnish.js';

/** The providers that come with the tool. */
export const BUILTIN_PROVIDERS: Readonly<Record<string, EdgeProvider>> = { varnish, cloudflare, fastly, bunny, akamai };

/** A declared provider, loaded, with its settings. */
export interface ConfiguredProvider {
  /** The name the config gives it. */
  name: string;
  provider: EdgeProvider;
  options: ProviderOptions;
  /** `builtin:cloudflare`, a module specifier, or `inline`. */
  source: string;
}

function isProvider(value: unknown): value is EdgeProvider {
  const p = value as EdgeProvider | null;
  return typeof p === 'object' && p !== null && typeof p.name === 'string' && p.name !== '' &&
    ['purgeUrls', 'purgePrefixes', 'purgeHosts', 'purgeTags', 'purgeAll'].some((m) => typeof (p as unknown as Record<string, unknown>)[m] === 'function');
}

const EXPECTED = 'an edge provider (defineEdgeProvider({ name, purgeUrls?, purgePrefixes?, purgeHosts?, purgeTags?, purgeAll? }))';

/** Loads one entry of `edge.providers`. */
export async function loadProvider(name: string, declared: unknown, baseDir: string): Promise<ConfiguredProvider> {
  const where = `invalid configuration: edge.providers.${name}`;
  if (declared === null || typeof declared !== 'object' || Array.isArray(declared)) throw new ConfigError(`${where}: expected an object of settings`);
  const { type, module, provider: inline, ...options } = declared as Record<string, unknown>;
  if (inline !== undefined) {
    if (!isProvider(inline)) throw new ConfigError(`${where}.provider: expected ${EXPECTED}`);
    return { name, provider: inline, options, source: 'inline' };
  }
  if (module !== undefined) {
    if (typeof module !== 'string' || module === '') throw new ConfigError(`${where}.module: expected a module path or package name`);
    return { name, provider: await loadPluginModule(module, baseDir, where, isProvider, EXPECTED), options, source: module };
  }
  const builtin = typeof type === 'string' ? type : name;
  const provider = BUILTIN_PROVIDERS[builtin];
  if (!provider) {
    const what = typeof type === 'string' ? `type: unknown provider '${type}'` : `'${name}' is not a built-in provider: give type (or module)`;
    throw new ConfigError(`${where}: ${what}; built-ins: ${Object.keys(BUILTIN_PROVIDERS).join(', ')}`);
  }
  return { name, provider, options, source: `builtin:${builtin}` };
}

/** The problems with a provider's settings, one line each, prefixed with its name. */
export function problemsOf(configured: ConfiguredProvider): string[] {
  return (configured.provider.validate?.(configured.options) ?? []).map((p) => `edge.providers.${configured.name}: ${p}`);
}

/** The environment variables that fill a built-in's settings, for help text. */
export function environmentOf(configured: ConfiguredProvider): Readonly<Record<string, string>> {
  const type = configured.source.startsWith('builtin:') ? configured.source.slice('builtin:'.length) : '';
  return EDGE_PROVIDER_ENV[type] ?? {};
}
