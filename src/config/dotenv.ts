/**
 * Reads a `.env` file the way Glueful apps keep their settings: KEY=value
 * lines, optional `export `, quotes, `#` comments. Variables already in the
 * real environment win; process.env is never modified.
 */
import { readFileSync } from 'node:fs';

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$/;

function unquote(raw: string): string {
  const quote = raw[0];
  if ((quote === '"' || quote === "'") && raw.length >= 2) {
    const end = raw.indexOf(quote, 1);
    if (end > 0) {
      const inner = raw.slice(1, end);
      return quote === '"' ? inner.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1') : inner;
    }
  }
  const hash = raw.search(/\s#/);
  return (hash >= 0 ? raw.slice(0, hash) : raw).trim();
}

/**
 * Parses .env text into a map. `lines`, when given, receives the line
 * number (from 1) each variable was last set on, for cache:config.
 */
export function parseDotenv(text: string, lines?: Map<string, number>): Map<string, string> {
  const vars = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, index) => {
    if (/^\s*(#|$)/.test(line)) return;
    const match = LINE.exec(line);
    if (!match) return;
    vars.set(match[1]!, unquote(match[2]!));
    lines?.set(match[1]!, index + 1);
  });
  return vars;
}

/** The variables of the `.env` file at `path`; empty when there is none. */
export function readDotenv(path: string | null, lines?: Map<string, number>): Map<string, string> {
  if (!path) return new Map();
  try {
    return parseDotenv(readFileSync(path, 'utf8'), lines);
  } catch {
    return new Map(); // no .env
  }
}
