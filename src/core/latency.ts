/**
 * A store's response time from several round trips, not one. A single
 * ping on a busy machine measures this process waiting for a CPU as often
 * as the store: on a host with a load of 3.5, one loopback ping to an idle
 * memcached took 7–36 ms, and with the load at 17 even the median of 20
 * reached 15 ms while the fastest round trips stayed at 0.2 ms. Waiting
 * for a CPU only ever adds time, so the fast end is the store's own speed:
 * the first round trip opens the connection and is left out; of the rest,
 * the median is what a caller typically waits, the p99 the worst seen, and
 * the p25 what an alert should read (a store is slow when even its fastest
 * quarter of round trips is).
 */

/** How many round trips, within how long. */
export interface LatencyBudget {
  /** Round trips measured after the first (default 20). */
  samples?: number;
  /** Stop early after this long, with at least `minSamples` (default 250 ms). */
  budgetMs?: number;
  /** Never fewer than this, whatever the time (default 5). */
  minSamples?: number;
  signal?: AbortSignal;
}

/** Round-trip figures in milliseconds, rounded to 0.01. */
export interface Latency {
  /** A quarter of the round trips were at least this fast. */
  p25Ms: number;
  medianMs: number;
  p99Ms: number;
  samples: number;
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

/** The value below which `q` of the sorted samples lie (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Measures `ping` (which returns its own round trip in ms) over several calls. */
export async function measureLatency(ping: () => Promise<number>, budget: LatencyBudget = {}): Promise<Latency> {
  const { samples = 20, budgetMs = 250, minSamples = 5, signal } = budget;
  await ping(); // opens the connection: not a figure of the store's speed
  const times: number[] = [];
  const started = performance.now();
  while (times.length < samples && !signal?.aborted) {
    if (times.length >= minSamples && performance.now() - started > budgetMs) break;
    times.push(await ping());
  }
  if (times.length === 0) times.push(await ping());
  times.sort((a, b) => a - b);
  return { p25Ms: round(quantile(times, 0.25)), medianMs: round(quantile(times, 0.5)), p99Ms: round(quantile(times, 0.99)), samples: times.length };
}
