/**
 * Purging the edge: picks the provider (`--provider`, else `edge.provider`,
 * else the only one declared), checks its settings, asks it for the
 * requests a purge takes, and sends them (or, on a dry run, returns them).
 * Used by cache:purge --url/--edge-tag/--edge-all and cache:clear --edge.
 */
import type { ResolvedConfig } from '../config/schema.js';
import { CacheError, ConfigError, ExitCode, UsageError } from '../core/errors.js';
import { distinct } from './batch.js';
import { purgeKindsOf, purgeMethod, type PurgeKind } from './provider.js';
import { BUILTIN_PROVIDERS, loadProvider, problemsOf, type ConfiguredProvider } from './registry.js';
import { planned, sendPlan, type EdgeFailure, type PlannedRequest, type SendSettings } from './runner.js';

/** A provider that cannot do the kind of purge asked (exit 6). */
export class EdgeUnsupportedError extends CacheError {
  override readonly exitCode = ExitCode.UNSUPPORTED;
}

/** How one purge runs. */
export interface EdgePurgeOptions {
  /** A name from `edge.providers`, or a built-in's. */
  provider?: string;
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Waits between retries; tests pass a recorder. */
  sleep?: SendSettings['sleep'];
}

/** What a purge did (or, on a dry run, would send). */
export interface EdgePurgeResult {
  provider: string;
  kind: PurgeKind;
  dryRun: boolean;
  /** The distinct URLs, prefixes, hosts or tags asked for (`*` for all). */
  items: string[];
  purged: string[];
  failed: EdgeFailure[];
  /** HTTP requests sent, retries included (planned ones on a dry run). */
  requests: number;
  /** Objects the provider says it dropped, when it says (Varnish xkey). */
  objects?: number;
  /** On a dry run: every request, credentials masked. */
  plan?: PlannedRequest[];
  durationMs: number;
}

/** One line of `--list-providers`. */
export interface ProviderListing {
  name: string;
  source: string;
  description: string;
  kinds: PurgeKind[];
  tagHeader: string | null;
  configured: boolean;
  isDefault: boolean;
  /** What is missing or wrong in its settings (never a credential's value). */
  problems: string[];
}

const TAG = /^[^\s,]+$/;
/** A host name, optionally with a port: what a site's objects are cached under. */
const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i;

const PLURAL: Record<Exclude<PurgeKind, 'all'>, string> = { url: 'URLs', prefix: 'URL prefixes', host: 'hosts', tag: 'tags' };

/** The asked items, distinct, or a usage error naming the first malformed one. */
function checkedItems(kind: PurgeKind, items: string[]): string[] {
  if (kind === 'all') return ['*'];
  // Host names are case-insensitive; caches key objects by the lower-case form browsers send.
  const wanted = distinct(kind === 'host' ? items.map((h) => h.toLowerCase()) : items);
  if (wanted.length === 0) throw new UsageError(`nothing to purge: no ${PLURAL[kind]} given`);
  const badTag = kind === 'tag' ? wanted.find((t) => !TAG.test(t)) : undefined;
  if (badTag !== undefined) throw new UsageError(`invalid tag ${JSON.stringify(badTag)}: tags cannot contain spaces or commas (providers send them space- or comma-separated)`);
  const badHost = kind === 'host' ? wanted.find((h) => !HOST.test(h)) : undefined;
  if (badHost !== undefined) throw new UsageError(`invalid host ${JSON.stringify(badHost)}: give a host name such as www.example.com (no scheme, no path)`);
  return wanted;
}

/** The edge purge service over the `edge` section of the configuration. */
export class EdgeService {
  constructor(private readonly settings: ResolvedConfig['edge']) {}

  /** The provider used when none is named, or null. */
  get defaultName(): string | null {
    const declared = Object.keys(this.settings.providers);
    return this.settings.provider ?? (declared.length === 1 ? declared[0]! : null);
  }

  /** Loads the named provider (or the default) with its settings. */
  async resolve(name = this.defaultName ?? undefined): Promise<ConfiguredProvider> {
    if (name === undefined) {
      throw new ConfigError('no edge provider chosen: give --provider <name>, or set edge.provider (EDGE_CACHE_PROVIDER) in the configuration');
    }
    const declared = this.settings.providers[name];
    if (declared === undefined && !(name in BUILTIN_PROVIDERS)) {
      const known = [...new Set([...Object.keys(this.settings.providers), ...Object.keys(BUILTIN_PROVIDERS)])];
      throw new ConfigError(`unknown edge provider '${name}': expected one of ${known.join(', ')}`);
    }
    return loadProvider(name, declared ?? {}, this.settings.baseDir);
  }

  /** The built-ins and every declared provider, with what each can purge. */
  async list(): Promise<ProviderListing[]> {
    const names = [...new Set([...Object.keys(this.settings.providers), ...Object.keys(BUILTIN_PROVIDERS)])];
    const listing: ProviderListing[] = [];
    for (const name of names) {
      const configured = await this.resolve(name);
      listing.push({
        name,
        source: configured.source,
        description: configured.provider.description ?? '',
        kinds: purgeKindsOf(configured.provider),
        tagHeader: configured.provider.tagHeader ?? null,
        configured: name in this.settings.providers,
        isDefault: name === this.defaultName,
        problems: problemsOf(configured),
      });
    }
    return listing;
  }

  /** Purges `items` (URLs, prefixes, hosts or tags; ignored for `all`) through a provider. */
  async purge(kind: PurgeKind, items: string[], options: EdgePurgeOptions = {}): Promise<EdgePurgeResult> {
    const started = performance.now();
    const wanted = checkedItems(kind, items);
    const configured = await this.resolve(options.provider);
    const method = purgeMethod(configured.provider, kind);
    if (!method) {
      const can = purgeKindsOf(configured.provider).join(', ') || 'nothing';
      throw new EdgeUnsupportedError(`${configured.name} cannot purge by ${kind === 'all' ? 'everything' : kind} (it can purge by: ${can})`);
    }
    const problems = problemsOf(configured);
    if (problems.length) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
    const requests = method(wanted, configured.options);
    const base = { provider: configured.name, kind, items: wanted };
    if (options.dryRun) {
      return { ...base, dryRun: true, purged: [], failed: [], requests: requests.length, plan: requests.map(planned), durationMs: Math.round(performance.now() - started) };
    }
    const outcome = await sendPlan(requests, {
      provider: configured.name,
      timeoutMs: this.settings.timeoutMs,
      deadlineMs: this.settings.deadlineMs,
      concurrency: this.settings.concurrency,
      signal: options.signal,
      sleep: options.sleep,
    });
    return { ...base, dryRun: false, ...outcome, durationMs: Math.round(performance.now() - started) };
  }
}
