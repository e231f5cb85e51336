/**
 * Progress for long walks and writes: an ora spinner on a terminal, nothing
 * otherwise (pipes, CI, --json, --quiet).
 */
import type { Progress } from '../core/contract.js';
import { formatCount } from './format.js';
import type { Output } from './output.js';

/** A progress reporter; `update` is cheap to call often. */
export interface ProgressReporter<P = Progress> {
  update(progress: P): void;
  /** Writes a message above the spinner (a log line mid-run), which then carries on. */
  above(write: () => void): void;
  stop(): void;
}

const SILENT: ProgressReporter<never> = { update() {}, above: (write) => write(), stop() {} };

/** The spinner's words for a walk so far, given its rate in items per second. */
export type ProgressText<P = Progress> = (progress: P, rate: number) => string;

/** A deletion's words (purge, clear). */
const DELETION: ProgressText = (p, rate) =>
  `${formatCount(p.matched)} matched, ${formatCount(p.deleted)} deleted (${formatCount(rate)} keys/s)`;

/**
 * A deletion's counts for its rate: a file-store clear lists every entry
 * before it unlinks them (in inode order), so the scanned count stands
 * still while the deleted one climbs; the rate follows whichever moves.
 */
const DELETION_COUNTS = (p: Progress): readonly number[] => [p.scanned, p.deleted];

/** How far back (ms) the rate looks: a current rate, as pv and rsync show one. */
const RATE_WINDOW_MS = 3000;

/** Starts a spinner labelled `label` when the output is animated. */
export function startProgress(out: Output, label: string, text?: ProgressText): Promise<ProgressReporter>;
/** The same for progress of another shape: `count` says how many items it has done (for the rate; several: the fastest moving). */
export function startProgress<P>(out: Output, label: string, text: ProgressText<P>, count: (progress: P) => number | readonly number[]): Promise<ProgressReporter<P>>;
export async function startProgress<P>(
  out: Output,
  label: string,
  text: ProgressText<P> = DELETION as unknown as ProgressText<P>,
  count: (progress: P) => number | readonly number[] = DELETION_COUNTS as unknown as (progress: P) => readonly number[],
): Promise<ProgressReporter<P>> {
  if (!out.animated) return SILENT;
  const module = await import('ora');
  // In the CLI bundle ora is a CommonJS build, whose exports object arrives as `default`.
  const ora = typeof module.default === 'function' ? module.default : (module.default as unknown as typeof module).default;
  // discardStdin would put stdin in raw mode; nothing here needs that.
  const spinner = ora({ text: label, stream: out.stderr as NodeJS.WriteStream, discardStdin: false }).start();
  const rates = new RecentRate(Date.now());
  let last = 0;
  return {
    update(p) {
      const at = Date.now();
      if (at - last < 100) return;
      last = at;
      const counted = count(p);
      spinner.text = `${label}: ${text(p, rates.at(at, typeof counted === 'number' ? [counted] : counted))}`;
    },
    above(write) {
      spinner.clear();
      write();
      spinner.render();
    },
    stop() {
      spinner.stop();
    },
  };
}

/** Items per second over the last RATE_WINDOW_MS, of the fastest moving of several counts. */
export class RecentRate {
  private readonly samples: Array<{ at: number; counts: readonly number[] }>;

  constructor(started: number) {
    this.samples = [{ at: started, counts: [] }];
  }

  /** The rate at `at` (ms) given the counts then; call with times that do not go back. */
  at(at: number, counts: readonly number[]): number {
    // Keep one sample at or before the window's start, to measure from.
    while (this.samples.length > 1 && this.samples[1]!.at <= at - RATE_WINDOW_MS) this.samples.shift();
    const from = this.samples[0]!;
    this.samples.push({ at, counts });
    const seconds = Math.max(0.001, (at - from.at) / 1000);
    return Math.round(Math.max(0, ...counts.map((n, i) => (n - (from.counts[i] ?? 0)) / seconds)));
  }
}
