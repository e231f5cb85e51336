/**
 * Where commands render: results on stdout, messages on stderr, colour only
 * when wanted (NO_COLOR, --no-color and pipes turn it off), JSON for scripts.
 * chalk, cli-table3 and ora load only when something needs them.
 */
import type { ChalkInstance } from 'chalk';
import { redactUrls } from '../config/redact.js';

/** Output settings from the global flags and the environment. */
export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  /** false when --no-color was given. */
  color?: boolean;
  /** --wide: tables at their full width, whatever the terminal or pipe. */
  wide?: boolean;
  stdout?: NodeJS.WriteStream | NodeJS.WritableStream;
  stderr?: NodeJS.WriteStream | NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
}

const isTTY = (stream: NodeJS.WritableStream): boolean => (stream as NodeJS.WriteStream).isTTY === true;

/** The renderer handed to every command's print function. */
export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly wide: boolean;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  private readonly colorWanted: boolean;
  private readonly env: NodeJS.ProcessEnv;
  private style?: ChalkInstance;

  constructor(options: OutputOptions = {}) {
    this.json = options.json ?? false;
    this.quiet = options.quiet ?? false;
    this.verbose = options.verbose ?? false;
    this.wide = options.wide ?? false;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.env = options.env ?? process.env;
    // chalk's own detection ignores NO_COLOR: honour it here.
    this.colorWanted = options.color !== false && !this.env.NO_COLOR;
  }

  /** True when stdout is a terminal a person is looking at. */
  get interactive(): boolean {
    return isTTY(this.stdout) && !this.json;
  }

  /**
   * True when progress spinners may be drawn: stderr is a terminal with a
   * width (a pseudo-terminal without one, as `script` makes, reports 0
   * columns, and ora would then clear lines forever), not CI, not quiet.
   */
  get animated(): boolean {
    const columns = (this.stderr as NodeJS.WriteStream).columns ?? 0;
    return isTTY(this.stderr) && isTTY(this.stdout) && columns > 0 && !this.json && !this.quiet && !this.env.CI;
  }

  /**
   * Columns a table may take: the terminal's width; 80 into a pipe (as
   * gh and npm assume), so piped output reads the same in a terminal later;
   * unlimited with --wide.
   */
  get width(): number {
    if (this.wide) return Infinity;
    const columns = isTTY(this.stdout) ? ((this.stdout as NodeJS.WriteStream).columns ?? 0) : 0;
    return columns > 0 ? columns : 80;
  }

  /** chalk with colour on or off for stdout. */
  async colors(): Promise<ChalkInstance> {
    if (!this.style) {
      const { Chalk } = await import('chalk');
      const on = this.colorWanted && (isTTY(this.stdout) || Boolean(this.env.FORCE_COLOR));
      this.style = new Chalk({ level: on ? 1 : 0 });
    }
    return this.style;
  }

  /** Writes one line (or bytes) of result to stdout. */
  write(text: string | Buffer): void {
    this.stdout.write(text);
  }

  line(text = ''): void {
    this.stdout.write(text + '\n');
  }

  /** Prints a JSON document on stdout. */
  printJson(data: unknown): void {
    this.stdout.write(JSON.stringify(data, null, 2) + '\n');
  }

  /** A message for the operator on stderr (hidden by --quiet). */
  info(message: string): void {
    if (!this.quiet) this.stderr.write(redactUrls(message) + '\n');
  }

  /** A warning on stderr; shown even with --quiet. */
  warn(message: string): void {
    const prefix = this.stderrColor() ? '\x1b[33mwarning:\x1b[39m ' : 'warning: ';
    this.stderr.write(prefix + redactUrls(message) + '\n');
  }

  /** The one-line error the entry prints before exiting. */
  error(message: string): void {
    const prefix = this.stderrColor() ? '\x1b[31merror:\x1b[39m ' : 'error: ';
    this.stderr.write('glueful: ' + prefix + redactUrls(message) + '\n');
  }

  private stderrColor(): boolean {
    return this.colorWanted && isTTY(this.stderr);
  }
}
