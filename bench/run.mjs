// Runs a TypeScript benchmark: `node bench/run.mjs redis-purge [args]`.
// esbuild bundles bench/<name>.ts (with the test harness that starts real
// servers) into node_modules/.cache (so its imports resolve), then node runs it.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [name, ...args] = process.argv.slice(2);
if (!name) {
  console.error('usage: node bench/run.mjs <cold-start|redis-purge|redis-bulk-set|memcached|warmup|inspect|transfer|file-store> [args]');
  process.exit(2);
}
const cache = resolve(import.meta.dirname, '../node_modules/.cache');
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(join(cache, 'glueful-bench-'));
const outfile = join(dir, `${name}.mjs`);
await build({
  entryPoints: [resolve(import.meta.dirname, `${name}.ts`)],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const result = spawnSync(process.execPath, [outfile, ...args], { stdio: 'inherit' });
rmSync(dir, { recursive: true, force: true });
process.exitCode = result.status ?? 1;
