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

/** Starts a spinner labelled `label` when the output is animated. */
export function startProgress(out: Output, label: string, text?: ProgressText): Promise<ProgressReporter>;
/** The same for progress of another shape: `count` says how many items it has done (for the rate). */
export function startProgress<P>(out: Output, label: string, text: ProgressText<P>, count: (progress: P) => number): Promise<ProgressReporter<P>>;
export async function startProgress<P>(
  out: Output,
  label: string,
  text: ProgressText<P> = DELETION as unknown as ProgressText<P>,
  count: (progress: P) => number = (p) => (p as Progress).scanned,
): Promise<ProgressReporter<P>> {
  if (!out.animated) return SILENT;
  const module = await import('ora');
  // In the CLI bundle ora is a CommonJS build, whose exports object arrives as `default`.
  const ora = typeof module.default === 'function' ? module.default : (module.default as unknown as typeof module).default;
  // discardStdin would put stdin in raw mode; nothing here needs that.
  const spinner = ora({ text: label, stream: out.stderr as NodeJS.WriteStream, discardStdin: false }).start();
  const started = Date.now();
  let last = 0;
  return {
    update(p) {
      const at = Date.now();
      if (at - last < 100) return;
      last = at;
      const rate = Math.round(count(p) / Math.max(0.001, (at - started) / 1000));
      spinner.text = `${label}: ${text(p, rate)}`;
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
