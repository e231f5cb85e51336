// Bundles the CLI with esbuild into one CommonJS file (dist/glueful.cjs):
// CommonJS starts faster than ES modules on Node 20, and one file skips the
// module-resolution walk. Command and driver modules stay lazily evaluated
// inside it; heavy dependencies stay external and load from node_modules
// only when a command needs them (ioredis, memjs, cosmiconfig, ora, ...).
// The library entry (defineConfig for config files) is built for import and require.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

// commander requires node:child_process at load time for executable
// subcommands, which this CLI never uses; loading it (and net, dgram...)
// costs ~3 ms on every call. Hand commander a proxy that loads it on first use.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes('node_modules/commander/') ? { path: 'lazy-child-process', namespace: 'lazy' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, name) => require('node:child_process')[name] });",
      loader: 'js',
    }));
  },
};

const common = {
  plugins: [lazyChildProcess],
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true, // less for V8 to parse on every start
  keepNames: true, // error classes report their own names
  external: ['typescript', 'cosmiconfig', 'cli-table3', 'ora', 'chalk', 'ioredis', 'memjs'],
  define: { __VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
};

await Promise.all([
  build({ ...common, entryPoints: ['commands/index.ts'], outfile: 'dist/glueful.cjs', format: 'cjs' }),
  build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.cjs', format: 'cjs' }),
  build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', format: 'esm' }),
]);
