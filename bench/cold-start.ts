// Cold start of `glueful cache:get` against `node -e 0`, side by side in one
// run: the file store with no config file, with a cache.config.ts, and the
// Redis store (a redis-server the harness starts). Output goes into a pipe,
// as in a script's $(glueful cache:get key).
// Runs are interleaved (baseline, no-config, ts-config, ...) so machine noise
// hits all of them alike; medians and p90s are printed with the ratios and
// the ms over `node -e 0`. The goal (issue 20): cache:get on the file store
// and on Redis at most 15 ms over `node -e 0`, in both environments: the
// machine's own (here NODE_EXTRA_CA_CERTS makes every node start load the CA
// bundle, ~40 ms) and a clean one without NODE_* variables.
//
// GLUEFUL_BASE_BIN=/path/to/other/bin/glueful.cjs adds that build's cache:get
// (file and Redis) to the same interleaved runs: before and after, side by side.
//
//   node bench/run.mjs cold-start [runs]        (default 40; needs `npm run build`)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startRedis } from '../test/helpers/servers.js';

const runs = Number(process.argv[2] ?? 40);
/** Run from the repository root (bench/run.mjs is). */
const bin = resolve(process.cwd(), 'bin/glueful.cjs');
const baseBin = process.env.GLUEFUL_BASE_BIN ? resolve(process.env.GLUEFUL_BASE_BIN) : undefined;
const redis = await startRedis();
const ambient: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
const clean = Object.fromEntries(Object.entries(ambient).filter(([k]) => !k.startsWith('NODE_')));
let env = ambient;
const onRedis = { CACHE_DRIVER: 'redis', REDIS_HOST: '127.0.0.1', REDIS_PORT: String(redis.port) };

function project(withTsConfig: boolean, extraEnv: NodeJS.ProcessEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'glueful-bench-'));
  writeFileSync(join(dir, 'package.json'), '{}');
  if (withTsConfig) {
    writeFileSync(
      join(dir, 'cache.config.ts'),
      "const prefix: string = 'bench_';\nexport default { prefix, stores: { file: { hash_levels: 2 } } };\n",
    );
  }
  const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: dir, env: { ...env, ...extraEnv }, encoding: 'utf8' });
  const set = run(['cache:set', 'bench:key', 'value']);
  if (set.status !== 0) throw new Error(`setup failed: ${set.stderr}`);
  return dir;
}

function time(args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd, env: { ...env, ...extraEnv }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return ms;
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, p90: s[Math.floor(s.length * 0.9)]! };
};

/** Most ms over `node -e 0`. */
const GOAL_MS = 15;
const goals = new Set(['cache:get, no config', 'cache:get, redis']);

function measure(label: string) {
  const plain = project(false);
  const typed = project(true);
  const remote = project(false, onRedis);
  const cases = {
    'node -e 0': [['-e', '0'], plain],
    'cache:get, no config': [[bin, 'cache:get', 'bench:key'], plain],
    'cache:get, cache.config.ts': [[bin, 'cache:get', 'bench:key'], typed],
    'cache:get, redis': [[bin, 'cache:get', 'bench:key'], remote, onRedis],
    ...(baseBin
      ? {
          'base: cache:get, no config': [[baseBin, 'cache:get', 'bench:key'], plain],
          'base: cache:get, redis': [[baseBin, 'cache:get', 'bench:key'], remote, onRedis],
        }
      : {}),
  } satisfies Record<string, [string[], string, NodeJS.ProcessEnv?]>;
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const all = Object.entries(cases) as Array<[string, [string[], string, NodeJS.ProcessEnv?]]>;
  for (const [, [args, cwd, extra]] of all) for (let i = 0; i < 3; i++) time(args, cwd, extra); // warm-up
  for (let i = 0; i < runs; i++) {
    for (const [name, [args, cwd, extra]] of all) samples[name]!.push(time(args, cwd, extra));
  }
  for (const dir of [plain, typed, remote]) rmSync(dir, { recursive: true, force: true });

  const base = stats(samples['node -e 0']!).median;
  console.log(`\n${label}: ${runs} interleaved runs each (median / p90 ms, ratio of medians, ms over node -e 0)`);
  for (const [name, xs] of Object.entries(samples)) {
    const { median, p90 } = stats(xs);
    const ratio = median / base;
    const over = median - base;
    const goal = goals.has(name) ? `  goal +${GOAL_MS} ms over node -e 0: ${over <= GOAL_MS ? 'met' : 'MISSED'}` : '';
    const extra = name === 'node -e 0' ? '' : `  (${over >= 0 ? '+' : ''}${over.toFixed(1)} ms)`;
    console.log(`  ${name.padEnd(32)} ${median.toFixed(1).padStart(6)} / ${p90.toFixed(1).padStart(6)}  ${ratio.toFixed(2)}x${extra}${goal}`);
  }
}

try {
  measure('machine environment');
  env = clean;
  measure('clean environment (no NODE_* variables)');
} finally {
  await redis.stop();
}
