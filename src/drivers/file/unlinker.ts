/**
 * The deleting half of a clear or purge (FileDriver.deleteMatching): the
 * entries a walk chose are handed over a chunk at a time and unlinked
 * inline until the I/O thread is ready, then on that thread, one or eight
 * at once as it finds faster (io-thread.ts), while this thread prepares
 * the next chunk. At most IN_FLIGHT batches wait for their answer, and
 * `deleted` is the count of entries whose files were removed: every batch
 * handed over is answered (drain()) before a result or a failure is
 * reported.
 */
import type { IoThread, ScoreMaps } from './io-thread.js';

/** Batches handed to the I/O thread and not answered yet, at most. */
const IN_FLIGHT = 2;

/** Unlinks one entry's files on this thread (FileDriver.deleteSync); true when a file of it was removed. */
export type UnlinkInline = (base: string, maps: ScoreMaps) => boolean;

/** Hands entries (their paths without extension) to be unlinked, and counts them. */
export class Unlinker {
  /** Entries removed so far (answered batches only). */
  deleted = 0;
  /** The first error that stopped a batch, or the thread's death; the walk starts nothing after it. */
  failure?: Error;
  private readonly answers: Array<Promise<void>> = [];

  constructor(
    private readonly inline: UnlinkInline,
    private readonly ioError: (error: unknown) => Error,
  ) {}

  /** Unlinks `bases` inline (an error then throws), or on `io` when given (waiting while IN_FLIGHT batches are unanswered). */
  async hand(io: IoThread | undefined, bases: string[], maps: ScoreMaps): Promise<void> {
    if (!bases.length) return;
    if (!io) {
      for (const base of bases) if (this.inline(base, maps)) this.deleted++;
      return;
    }
    this.answers.push(
      io.unlink(bases, maps).then(
        ({ removed, error }) => {
          for (const r of removed) this.deleted += r;
          if (error) this.failure ??= this.ioError(error);
        },
        // The thread died: what it was unlinking is unknown, and nothing more is sent.
        (error: Error) => void (this.failure ??= error),
      ),
    );
    while (this.answers.length >= IN_FLIGHT) await this.answers.shift();
  }

  /** Waits for every batch handed over. */
  async drain(): Promise<void> {
    while (this.answers.length) await this.answers.shift();
  }
}
