/**
 * Where each setting's value came from, for cache:config (as
 * `git config --show-origin`): the layers of load.ts record what they set,
 * by setting path (`stores.redis.host`), each over the ones before. A path
 * nothing recorded holds a built-in default.
 */

/** One layer that set a setting. */
export type Origin =
  | { kind: 'default' }
  /** The Glueful app's own defaults (what CacheFactory uses where nothing is set). */
  | { kind: 'app-default' }
  | { kind: 'dotenv'; file: string; line?: number; variable: string }
  | { kind: 'config-file'; file: string }
  | { kind: 'env'; variable: string }
  | { kind: 'flag'; flag: string };

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The paths in `layer`, each with whether it holds a value (anything but an
 * object: objects are walked, as load.ts merges them key by key).
 */
function paths(layer: Record<string, unknown>, base = ''): Array<[path: string, isValue: boolean]> {
  return Object.entries(layer).flatMap(([key, value]): Array<[string, boolean]> => {
    const path = base ? `${base}.${key}` : key;
    return isPlainObject(value) ? [[path, false], ...paths(value, path)] : [[path, true]];
  });
}

/** The path of what encloses `path`: `a.b` for `a.b.c` and `a.b[2]`; '' at the top. */
function parentOf(path: string): string {
  return path.replace(/(^|\.)[^.[]*$|\[\d+\]$/, '');
}

/** The origin of every setting some layer set; the last layer to set a path wins. */
export class SettingOrigins {
  private readonly byPath = new Map<string, Origin>();

  /** `origin` set the value at `path`, replacing what set it, or anything under it, before. */
  set(path: string, origin: Origin): void {
    for (const known of this.byPath.keys()) if (known.startsWith(`${path}.`)) this.byPath.delete(known);
    this.byPath.set(path, origin);
  }

  /** `origin` set every value in `layer` (a config file, the app's defaults). */
  setLayer(layer: Record<string, unknown>, origin: Origin): void {
    for (const [path, isValue] of paths(layer)) if (isValue) this.set(path, origin);
  }

  /** Forgets what a later step took out again (load.ts's keepRingOurs): only paths of `merged` keep an origin. */
  keepOnly(merged: Record<string, unknown>): void {
    const present = new Set(paths(merged).map(([path]) => path));
    for (const path of [...this.byPath.keys()]) if (!present.has(path)) this.byPath.delete(path);
  }

  /** The origin of the value at `path`: its own, else its enclosing setting's (a list's items), else a built-in default. */
  of(path: string): Origin {
    for (let at = path; at !== ''; at = parentOf(at)) {
      const origin = this.byPath.get(at);
      if (origin) return origin;
    }
    return { kind: 'default' };
  }
}
