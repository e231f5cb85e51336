/**
 * Shell completion: `glueful completion bash|zsh|fish` prints a script
 * that asks `glueful __complete <words...>` for the candidates of the word
 * being typed (the last one), as gh and kubectl do: commands, their
 * options, store names from the config, and for cache:get / delete / ttl /
 * expire the keys of the store when it can list them cheaply (a key walk
 * cut short after 300 ms and 100 keys; never on memcached, whose listing
 * dumps the whole server).
 */
import type { Command, Option } from 'commander';
import { loadConfig } from '../src/config/load.js';
import { escapeGlob } from '../src/core/glob.js';
import { createStore } from '../src/store.js';

/** Shells a script is printed for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** What completion may look up, each within its own bounds; failures are no candidates. */
export interface CompletionLookups {
  /** Store names from the configuration. */
  stores(globals: CompletionGlobals): Promise<string[]>;
  /** Keys starting with `prefix`, from the store the words name. */
  keys(globals: CompletionGlobals, prefix: string): Promise<string[]>;
}

/** The global options already typed (they decide which config and store to look in). */
export interface CompletionGlobals {
  config?: string;
  store?: string;
  prefix?: string;
}

/** Commands whose argument is a key of the store. */
const KEY_COMMANDS = new Set(['cache:get', 'cache:delete', 'cache:ttl', 'cache:expire']);
/** Values some options take, completed from a fixed list. */
const FIXED_VALUES: Record<string, string[]> = { '--format': ['human', 'prometheus'] };

const takesValue = (option: Option): boolean => option.required || option.optional;
const spellings = (option: Option): string[] => [option.long, option.short].filter((f): f is string => Boolean(f));

function findOption(options: readonly Option[], flag: string): Option | undefined {
  return options.find((o) => spellings(o).includes(flag));
}

/** The globals in `words` (flags with their values), for the config and store look-ups. */
function globalsOf(words: readonly string[]): CompletionGlobals {
  const globals: CompletionGlobals = {};
  const names: Record<string, keyof CompletionGlobals> = { '--config': 'config', '-c': 'config', '--store': 'store', '-s': 'store', '--prefix': 'prefix', '-p': 'prefix' };
  for (let i = 0; i < words.length - 1; i++) {
    const name = names[words[i]!];
    if (name) globals[name] = words[i + 1];
  }
  return globals;
}

/**
 * Candidates for the last of `words` (the words after `glueful`, the last
 * one being typed, possibly empty), each starting with it.
 */
export async function complete(program: Command, words: readonly string[], lookups: CompletionLookups): Promise<string[]> {
  const current = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  const name = before.find((w) => program.commands.some((c) => c.name() === w));
  const command = program.commands.find((c) => c.name() === name);
  const options = [...program.options, ...(command?.options ?? [])].filter((o) => !o.hidden);
  const starting = (list: Iterable<string>) => [...new Set(list)].filter((c) => c.startsWith(current)).sort();

  const previous = before[before.length - 1];
  const pending = previous?.startsWith('-') ? findOption([...program.options, ...(command?.options ?? [])], previous) : undefined;
  if (pending && takesValue(pending)) {
    if (pending.long === '--store') return starting(await lookups.stores(globalsOf(before)).catch(() => []));
    return starting(FIXED_VALUES[pending.long ?? ''] ?? []);
  }
  if (current.startsWith('-')) return starting(options.flatMap((o) => (o.long ? [o.long] : [])).concat('--help'));
  if (!command) return starting(program.commands.filter((c) => !(c as Command & { _hidden?: boolean })._hidden).map((c) => c.name()));
  if (command.name() === 'completion') return starting(SHELLS);
  if (KEY_COMMANDS.has(command.name())) return starting(await lookups.keys(globalsOf(before), current).catch(() => []));
  return [];
}

/** The glob for keys starting with `prefix`. */
export function keyGlob(prefix: string): string {
  return `${escapeGlob(prefix)}*`;
}

/** Drivers whose keys can be listed cheaply (a SCAN, a directory walk); memcached's listing dumps the whole server. */
const CHEAP_LISTING = new Set(['redis', 'file', 'array']);
/** How long and how many keys a completion may spend on the store. */
const KEY_BUDGET = { ms: 300, keys: 100 };

/** The look-ups of a real run: the configuration found from the working directory (or --config). */
export const storeLookups: CompletionLookups = {
  async stores(globals) {
    return Object.keys((await loadConfig({ configPath: globals.config })).stores);
  },
  async keys(globals, prefix) {
    const config = await loadConfig({ configPath: globals.config });
    const name = globals.store ?? config.default;
    if (!CHEAP_LISTING.has(config.stores[name]?.driver ?? '')) return [];
    const { store, fallback } = await createStore({ ...config, prefix: globals.prefix ?? config.prefix }, name, { onWarning: () => undefined });
    try {
      if (fallback) return []; // another store than the one asked about
      const signal = AbortSignal.timeout(KEY_BUDGET.ms);
      const found: string[] = [];
      for await (const batch of store.getKeys(keyGlob(prefix), { signal, batchSize: KEY_BUDGET.keys })) {
        found.push(...batch);
        if (found.length >= KEY_BUDGET.keys) break;
      }
      return found.slice(0, KEY_BUDGET.keys);
    } finally {
      await store.dispose();
    }
  },
};

/**
 * The script for a shell. Each asks `glueful __complete` with the words up
 * to the cursor; bash, which splits words at ':', gets candidates with the
 * part before the last ':' of the word taken off.
 */
export function completionScript(shell: Shell): string {
  return SCRIPTS[shell];
}

const SCRIPTS: Record<Shell, string> = {
  bash: `# glueful completion for bash: add to ~/.bashrc
#   source <(glueful completion bash)
# or save it as ~/.local/share/bash-completion/completions/glueful
_glueful_complete() {
  local line="\${COMP_LINE:0:COMP_POINT}"
  local -a words
  read -ra words <<< "$line"
  [[ "$line" =~ [[:space:]]$ ]] && words+=("")
  local cur="\${words[\${#words[@]}-1]}"
  local IFS=$'\\n'
  local -a candidates
  candidates=($(glueful __complete "\${words[@]:1}" 2>/dev/null))
  # bash takes ':' as a word break: complete only the part after the last ':'.
  if [[ "$cur" == *:* && "$COMP_WORDBREAKS" == *:* ]]; then
    local colon="\${cur%"\${cur##*:}"}"
    candidates=("\${candidates[@]#"$colon"}")
  fi
  # Quoted as the shell reads them back (a key with a space).
  COMPREPLY=()
  local c
  for c in "\${candidates[@]}"; do COMPREPLY+=("$(printf '%q' "$c")"); done
}
complete -o default -F _glueful_complete glueful
`,
  zsh: `#compdef glueful
# glueful completion for zsh: add to ~/.zshrc (after compinit)
#   source <(glueful completion zsh)
# or save it as _glueful in a directory of $fpath
_glueful() {
  local -a candidates
  candidates=("\${(@f)$(glueful __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if (( \${#candidates[@]} )) && [[ -n "\${candidates[1]}" ]]; then
    compadd -Q -- "\${candidates[@]}"
  else
    _files
  fi
}
if (( $+functions[compdef] )); then compdef _glueful glueful; fi
`,
  fish: `# glueful completion for fish:
#   glueful completion fish > ~/.config/fish/completions/glueful.fish
function __glueful_complete
    set -l tokens (commandline -opc) (commandline -ct)
    glueful __complete $tokens[2..-1] 2>/dev/null
end
complete -c glueful -f -a '(__glueful_complete)'
complete -c glueful -s c -l config -r -F
`,
};
