/** Timing, peak memory and latency helpers shared by the benchmarks. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Runs a command; resolves with wall time (ms), peak RSS (MiB, from /proc VmHWM), output. */
export function measureProcess(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; shell?: boolean } = {},
): Promise<{ ms: number; peakMiB: number; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakKiB = 0;
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const poll = setInterval(() => {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (match) peakKiB = Math.max(peakKiB, Number(match[1]));
      } catch {
        // exited between polls
      }
    }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ ms: performance.now() - started, peakMiB: peakKiB / 1024, code, stdout, stderr });
    });
  });
}

/** Latency percentiles from samples in ms. */
export function percentiles(samples: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN };
}

/** Prints one result row. */
export function row(name: string, value: string, note = ''): void {
  console.log(`  ${name.padEnd(44)} ${value.padStart(12)}  ${note}`);
}

/**
 * GETs `key` through `probe` once per millisecond (a busy app, not a CPU hog) until stopped;
 * `stop()` disconnects the probe and resolves with the round-trip times in ms.
 */
export function probeLatency(
  probe: { get(key: string): Promise<unknown>; disconnect(): void },
  key: string,
): { stop: () => Promise<number[]> } {
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      await probe.get(key);
      samples.push(performance.now() - started);
      await sleep(1);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      probe.disconnect();
      return samples;
    },
  };
}
