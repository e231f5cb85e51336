/**
 * Redis-style globs (`*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\x`), the syntax
 * operators already type into `redis-cli --scan --pattern`. One syntax for
 * every store: Redis gets it as MATCH, the others get the RegExp.
 */
import { UsageError } from './errors.js';

const SPECIAL = /[*?[\]\\]/g;

/** Escapes a literal (a prefix) so it matches only itself inside a glob. */
export function escapeGlob(literal: string): string {
  return literal.replace(SPECIAL, (c) => `\\${c}`);
}

function escapeRegExp(char: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(char) ? `\\${char}` : char;
}

function classToRegExp(glob: string, start: number): [string, number] {
  let i = start + 1;
  let out = '[';
  if (glob[i] === '^' || glob[i] === '!') {
    out += '^';
    i++;
  }
  const bodyStart = i;
  while (i < glob.length && (glob[i] !== ']' || i === bodyStart)) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) {
      out += escapeRegExp(glob[++i]!);
    } else if (c === '-' && i > bodyStart && glob[i + 1] !== ']') {
      out += '-';
    } else {
      out += escapeRegExp(c);
    }
    i++;
  }
  if (i >= glob.length) throw new UsageError(`invalid pattern '${glob}': '[' is never closed`);
  return [out + ']', i];
}

/** Compiles a glob into an anchored RegExp over whole keys. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') source += '[\\s\\S]*';
    else if (c === '?') source += '[\\s\\S]';
    else if (c === '[') {
      const [cls, end] = classToRegExp(glob, i);
      source += cls;
      i = end;
    } else if (c === '\\' && i + 1 < glob.length) source += escapeRegExp(glob[++i]!);
    else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, 'u');
}

/** The glob under the prefix: `prefix` taken literally, `pattern` as a glob. */
export function prefixedGlob(prefix: string, pattern: string): string {
  return escapeGlob(prefix) + pattern;
}
