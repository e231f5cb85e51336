/** Runs the real built CLI (bin/glueful.cjs) as a subprocess. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const BIN = resolve(import.meta.dirname, '../../bin/glueful.cjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  timeoutMs?: number;
}

/**
 * An environment without the caller's cache settings, so tests see only what
 * they set. NO_COLOR is on unless `extra` removes it (`NO_COLOR: undefined`).
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs `glueful ...args` and collects its output. */
export function glueful(args: string[], options: CliOptions): Promise<CliResult> {
  return startGlueful(args, { timeoutMs: 20_000, ...options }).done;
}

/**
 * A fresh project directory with a package.json, so it is its own project
 * root: config discovery and the default cache directory stay inside it
 * instead of resolving to whatever project lies above the temp directory.
 */
export function tempProject(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'glueful-test-'));
  writeFileSync(join(dir, 'package.json'), '{"name":"glueful-cache-test","private":true}\n');
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A CLI run still going: its process (for signals) and its result when it ends. */
export interface RunningCli {
  child: ReturnType<typeof spawn>;
  done: Promise<CliResult>;
}

/** Starts `glueful ...args` without waiting for it, so a test can signal it mid-run. */
export function startGlueful(args: string[], options: CliOptions): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: cleanEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  child.stdin!.end(options.input ?? '');
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
  return { child, done };
}
