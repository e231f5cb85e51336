/**
 * Pacing for long walks over a shared server: a Redis server runs one
 * command at a time, so a SCAN step that takes 5 ms keeps every other client
 * waiting 5 ms. The pacer sizes each step (SCAN's COUNT) from how long the
 * previous ones took: halved when a step takes longer than the target,
 * grown by a quarter while steps stay under half of it. A server busy with
 * other clients answers slower, and the walk backs off by itself.
 */

/** Step sizes adapted to measured step times. */
export class StepPacer {
  private size: number;

  /**
   * @param targetMs the longest a step should take (server time plus the round trip)
   * @param min smallest step, so a slow link still makes progress
   * @param max largest step
   */
  constructor(
    private readonly targetMs: number,
    private readonly min: number,
    private readonly max: number,
    start = min,
  ) {
    this.size = Math.min(max, Math.max(min, start));
  }

  /** The size for the next step. */
  get next(): number {
    return this.size;
  }

  /** Records how long a step of the current size took. */
  record(ms: number): void {
    if (ms > this.targetMs) this.size = Math.max(this.min, Math.floor(this.size / 2));
    else if (ms < this.targetMs / 2) this.size = Math.min(this.max, Math.ceil(this.size * 1.25));
  }
}
