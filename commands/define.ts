/**
 * How a command declares itself, next to its handler: name, arguments,
 * options (in commander's flag syntax), examples, and the options that
 * cannot go together. The option types its `run` receives are derived from
 * the flags, so the declaration and the handler cannot drift apart:
 * `--dry-run` is `dryRun?: boolean`, `--sample <n>` is `sample?: string`,
 * a repeatable `--tag <tag>` or a variadic `--url <url...>` is `string[]`.
 */

/** One option, in commander's syntax (`-f, --force`, `--sample <n>`). */
export interface OptionSpec {
  readonly flags: string;
  readonly description: string;
  /** Shown in help and used when the option is absent. */
  readonly default?: string;
  /** May be given several times; the values are collected in order. */
  readonly repeatable?: boolean;
  /**
   * Several values, passed the one way every command takes them: the
   * option repeated, commas accepted (`--tag a --tag b`, `--tag a,b`).
   */
  readonly list?: boolean;
  /**
   * An old spelling kept for a release: hidden from help, its value goes
   * to the option of this property name (`--tags` → `tag`).
   */
  readonly aliasOf?: string;
}

/** One positional argument: `<key>`, `<key...>`, `[pattern]`. */
export interface ArgumentSpec {
  readonly name: string;
  readonly description: string;
}

/** A command's declaration. */
export interface CommandSpec {
  /** Without the `cache:` prefix. */
  readonly name: string;
  readonly description: string;
  readonly examples: readonly string[];
  readonly arguments?: readonly ArgumentSpec[];
  readonly options?: readonly OptionSpec[];
  /**
   * Groups of options (by property name) of which at most one may be given:
   * a command's modes. Any two of a group together is a usage error (exit 2).
   */
  readonly exclusive?: ReadonlyArray<readonly string[]>;
  /** Options that make no sense with some others: `{ pruneTags: ['dryRun'] }`. */
  readonly conflicts?: Readonly<Record<string, readonly string[]>>;
  /**
   * The command writes or deletes entries (unless `--dry-run`): it refuses
   * to act on the fallback file store without `--allow-fallback`.
   */
  readonly changesData?: boolean;
}

type Camel<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;
/** `-f, --force` → `force`; `--sample <n>` → `sample`. */
type LongName<F extends string> = F extends `${string}--${infer Rest}`
  ? Rest extends `${infer Name} ${string}`
    ? Camel<Name>
    : Camel<Rest>
  : never;
type ValueOf<O extends OptionSpec> = O['flags'] extends `${string}<${string}>` | `${string}[${string}]`
  ? O['repeatable'] extends true
    ? string[]
    : O['list'] extends true
      ? string[]
    : O['flags'] extends `${string}...>` | `${string}...]`
      ? string[]
      : string
  : boolean;

/** The options object a command's `run` receives, derived from its spec. */
export type OptionsOf<S extends CommandSpec> = S['options'] extends readonly OptionSpec[]
  ? { [O in S['options'][number] as LongName<O['flags']>]?: ValueOf<O> }
  : Record<string, never>;

/** Declares a command; the literal types of the spec are kept for OptionsOf. */
export function defineCommand<const S extends CommandSpec>(spec: S): S {
  return spec;
}

/** The property name commander gives an option (`--dry-run` → `dryRun`). */
export function optionName(flags: string): string {
  const long = /--([\w-]+)/.exec(flags)?.[1] ?? flags;
  return long.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
}
