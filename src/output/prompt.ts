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
  try {
    const answer = await rl.question(`${question} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new InterruptedError('cancelled: nothing was deleted');
  } finally {
    rl.close();
  }
}
