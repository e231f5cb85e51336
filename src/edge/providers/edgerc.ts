/**
 * Akamai's credentials file, `~/.edgerc`, which every Akamai tool reads: an
 * INI file of sections, each an API client.
 *
 *   [default]
 *   client_secret = abcdEFGH...=
 *   host = akab-xxxx.luna.akamaiapis.net
 *   access_token = akab-xxxx
 *   client_token = akab-xxxx
 *
 * `;` and `#` start comments; values may be quoted. Only these four keys
 * are taken; settings given in the config or environment win over the file.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../core/errors.js';

const EDGERC_FIELDS = ['client_secret', 'host', 'access_token', 'client_token'] as const;

/** The keys of one section of an .edgerc text; null when the section is absent. */
export function parseEdgerc(text: string, section: string): Partial<Record<(typeof EDGERC_FIELDS)[number], string>> | null {
  let current: string | null = null;
  let found = false;
  const out: Partial<Record<(typeof EDGERC_FIELDS)[number], string>> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = header[1]!.trim();
      found ||= current === section;
      continue;
    }
    const pair = /^([\w-]+)\s*=\s*(.*)$/.exec(line);
    if (current !== section || !pair) continue;
    const key = pair[1]!.toLowerCase() as (typeof EDGERC_FIELDS)[number];
    if (EDGERC_FIELDS.includes(key)) out[key] = pair[2]!.trim().replace(/^(["'])(.*)\1$/, '$2');
  }
  return found ? out : null;
}

const files = new Map<string, string>();
/** The file's text, read once per process (validation and each purge kind ask for it). */
function read(path: string): string {
  let text = files.get(path);
  if (text === undefined) files.set(path, (text = readFileSync(path, 'utf8')));
  return text;
}

/**
 * The options with the .edgerc section filled in under them: `edgerc` names
 * the file (`~` is the home directory; default `~/.edgerc` when it exists),
 * `section` the client (default `default`). A named file or section that is
 * missing is a ConfigError; an absent default file is no error.
 */
export function withEdgerc(options: Record<string, unknown>): Record<string, unknown> {
  const named = typeof options.edgerc === 'string' && options.edgerc !== '';
  const path = named ? (options.edgerc as string).replace(/^~(?=$|\/)/, homedir()) : join(homedir(), '.edgerc');
  const section = typeof options.section === 'string' && options.section !== '' ? options.section : 'default';
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    if (!named) return options;
    throw new ConfigError(`akamai: cannot read edgerc ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const values = parseEdgerc(text, section);
  if (values === null) {
    if (!named) return options;
    throw new ConfigError(`akamai: no section [${section}] in ${path}`);
  }
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined && v !== ''));
  return { ...values, ...given };
}
