/**
 * A streaming delete whose answers are lost: the keys of a delete that timed
 * out or met a closed connection may or may not be gone, so they are
 * reported as `unknown` (never folded into, or dropped from, the count);
 * deletes in flight when the walk fails still settle and count.
 */
import { describe, expect, it } from 'vitest';
import { streamDelete, withPartialFailure } from '../src/core/bulk.js';
import { PartialFailureError, StoreUnavailableError } from '../src/core/errors.js';

async function* batches(n: number, size: number, failAt?: number): AsyncIterable<string[]> {
  for (let i = 0; i < n; i += size) {
    if (failAt !== undefined && i >= failAt) throw new StoreUnavailableError('cannot use redis at x:1: connection refused');
    yield Array.from({ length: Math.min(size, n - i) }, (_, j) => `k${i + j}`);
  }
}
const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

describe('streamDelete with lost answers', () => {
  it('a delete that timed out: its keys are unknown, in done and in the message', async () => {
    let calls = 0;
    const work = withPartialFailure({}, (tracked) =>
      streamDelete(batches(5000, 500), async (keys) => {
        if (++calls === 3) throw new StoreUnavailableError('cannot use redis at x:1: timed out after 1s');
        return keys.length;
      }, { ...tracked, deleteBatch: 500, inFlight: 1 }),
    );
    await expect(work).rejects.toBeInstanceOf(PartialFailureError);
    await expect(work).rejects.toMatchObject({
      done: { deleted: 1000, unknown: 500 },
      message: /stopped after deleting 1000 keys and up to 500 more whose delete was sent but never answered: cannot use redis/,
    });
  });

  it('a refused delete never reached the server: nothing unknown', async () => {
    let calls = 0;
    const work = withPartialFailure({}, (tracked) =>
      streamDelete(batches(5000, 500), async (keys) => {
        if (++calls === 3) throw new StoreUnavailableError('cannot use redis at x:1: connection refused');
        return keys.length;
      }, { ...tracked, deleteBatch: 500, inFlight: 1 }),
    );
    await expect(work).rejects.toMatchObject({ done: { deleted: 1000 } });
    expect(((await work.catch((e: unknown) => e)) as PartialFailureError).done).not.toHaveProperty('unknown');
  });

  it('nothing confirmed, some unknown: the store error (exit 5) with the counts', async () => {
    const work = withPartialFailure({}, (tracked) =>
      streamDelete(batches(1000, 500), async () => {
        throw new StoreUnavailableError('cannot use redis at x:1: the connection was closed');
      }, { ...tracked, deleteBatch: 500, inFlight: 1 }),
    );
    await expect(work).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(work).rejects.toMatchObject({ done: { deleted: 0, unknown: 500 }, message: /up to 500 keys were sent for deletion but never answered/ });
  });

  it('the walk fails while deletes are in flight: they settle first and their keys count', async () => {
    const work = withPartialFailure({}, (tracked) =>
      streamDelete(batches(5000, 500, 2000), async (keys) => {
        await tick(20);
        return keys.length;
      }, { ...tracked, deleteBatch: 500, inFlight: 4 }),
    );
    await expect(work).rejects.toMatchObject({ done: { deleted: 2000 }, message: /stopped after deleting 2000 keys: cannot use redis at x:1: connection refused/ });
  });
});
