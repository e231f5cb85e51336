/** The shared bulk module: bounded pool, streaming delete, summed progress, partial failure; the SCAN step pacer. */
import { describe, expect, it } from 'vitest';
import { BoundedPool, streamDelete, summedProgress, withPartialFailure } from '../src/core/bulk.js';
import { PartialFailureError } from '../src/core/errors.js';
import { StepPacer } from '../src/core/pacing.js';

async function* batches(n: number, size: number): AsyncIterable<string[]> {
  for (let i = 0; i < n; i += size) yield Array.from({ length: Math.min(size, n - i) }, (_, j) => `k${i + j}`);
}
const tick = () => new Promise((r) => setTimeout(r, 1));

describe('BoundedPool', () => {
  it('never runs more than its limit at once, and drains', async () => {
    const pool = new BoundedPool(3);
    let running = 0;
    let peak = 0;
    for (let i = 0; i < 20; i++) {
      await pool.add(async () => {
        peak = Math.max(peak, ++running);
        await tick();
        running--;
      });
    }
    await pool.drain();
    expect(peak).toBe(3);
    expect(running).toBe(0);
  });

  it('keeps the first failure, refuses new work, and throws it on drain', async () => {
    const pool = new BoundedPool(2);
    let ran = 0;
    await pool.add(async () => {
      throw new Error('first');
    });
    await tick();
    await pool.add(async () => void ran++);
    expect(pool.failed).toBe(true);
    await expect(pool.drain()).rejects.toThrow('first');
    expect(ran).toBe(0);
  });
});

describe('streamDelete', () => {
  it('deletes every key in batches, with progress and a sample', async () => {
    const seen: number[] = [];
    const result = await streamDelete(batches(2500, 300), async (keys) => (await tick(), keys.length), {
      deleteBatch: 1000,
      sampleSize: 3,
      onProgress: (p) => seen.push(p.deleted),
    });
    expect(result).toEqual({ scanned: 2500, matched: 2500, deleted: 2500, sample: ['k0', 'k1', 'k2'] });
    expect(seen.at(-1)).toBe(2500);
  });

  it('counts but deletes nothing on a dry run', async () => {
    let calls = 0;
    const result = await streamDelete(batches(50, 10), async () => ++calls, { dryRun: true });
    expect(result).toMatchObject({ matched: 50, deleted: 0 });
    expect(calls).toBe(0);
  });

  it('stops between batches once aborted', async () => {
    const controller = new AbortController();
    const result = await streamDelete(batches(10_000, 100), async (keys) => {
      controller.abort();
      return keys.length;
    }, { deleteBatch: 100, signal: controller.signal });
    expect(result.deleted).toBeLessThan(10_000);
  });

  it('a failed delete ends the walk; withPartialFailure reports what was deleted (exit 7)', async () => {
    let calls = 0;
    const work = withPartialFailure({}, (tracked) =>
      streamDelete(batches(5000, 500), async (keys) => {
        if (++calls === 3) throw new Error('server went away');
        return keys.length;
      }, { ...tracked, deleteBatch: 500, inFlight: 1 }),
    );
    await expect(work).rejects.toBeInstanceOf(PartialFailureError);
    await expect(work).rejects.toMatchObject({ exitCode: 7, done: { deleted: 1000 }, message: /stopped after deleting 1000 keys: server went away/ });
  });
});

describe('summedProgress', () => {
  it('adds the progress of parallel parts', () => {
    const totals: number[] = [];
    const [a, b] = summedProgress((p) => totals.push(p.deleted), 2);
    a!({ scanned: 5, matched: 5, deleted: 5 });
    b!({ scanned: 3, matched: 3, deleted: 2 });
    a!({ scanned: 9, matched: 9, deleted: 9 });
    expect(totals).toEqual([5, 7, 11]);
  });
});

describe('StepPacer (SCAN step sizes from step times)', () => {
  it('halves a step that took longer than the target, grows while steps are quick, stays within bounds', () => {
    const pacer = new StepPacer(2, 100, 5000, 1000);
    expect(pacer.next).toBe(1000);
    pacer.record(3);
    expect(pacer.next).toBe(500);
    pacer.record(1.5); // under the target but not under half of it: unchanged
    expect(pacer.next).toBe(500);
    pacer.record(0.5);
    expect(pacer.next).toBe(625);
    for (let i = 0; i < 50; i++) pacer.record(0.1);
    expect(pacer.next).toBe(5000);
    for (let i = 0; i < 50; i++) pacer.record(10);
    expect(pacer.next).toBe(100);
  });
});
