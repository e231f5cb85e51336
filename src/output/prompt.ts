/**
 * Confirmation for destructive commands: asked on a terminal, refused
 * without one unless --force was given. Never prompts into a pipe.
 */
import { InterruptedError, UsageError } from '../core/errors.js';
import type { Output } from './output.js';

/** Asks "question [y/N]"; resolves when confirmed, throws otherwise. */
export async function confirm(out: Output, question: string, force: boolean, stdin = process.stdin): Promise<void> {
  if (force) return;
  if (!stdin.isTTY || !out.interactive) {
    throw new UsageError('refusing to delete without confirmation: pass --force (or --dry-run to preview)');
  }
  // readline is loaded only when a question is really asked.
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: stdin, output: out.stderr });
  // Ctrl-C at the prompt rejects the question, Ctrl-D (end of input) closes it unanswered: both are a no.
  const answered = new Promise<string | null>((resolve) => {
    rl.once('close', () => resolve(null));
    rl.question(`${question} [y/N] `).then(resolve, () => resolve(null));
  });
  try {
    const answer = await answered;
    if (answer === null) out.stderr.write('\n');
    if (!/^y(es)?$/i.test(answer?.trim() ?? '')) throw new InterruptedError('cancelled: nothing was deleted');
  } finally {
    rl.close();
  }
}
