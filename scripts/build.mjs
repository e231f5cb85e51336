// Bundles the CLI with esbuild into one CommonJS file (dist/glueful.cjs):
// CommonJS starts faster than ES modules on Node 20, and one file skips the
// module-resolution walk. Command and driver modules stay lazily evaluated
// inside it; dependencies that only some commands need stay external and
// load from node_modules when a command needs them (cosmiconfig, ora, ...).
// The library entry (defineConfig for config files) is built for import and require.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

// Some dependencies require Node built-ins at load time that most runs never
// use: commander loads child_process (for executable subcommands, unused
// here), ioredis loads tls (only needed for rediss://). Each costs ms on every
// call; hand those packages a proxy that loads the built-in on first use.
const LAZY_BUILTINS = { child_process: ['commander'], tls: ['ioredis'] };
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?(child_process|tls)$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      const users = LAZY_BUILTINS[name];
      return users.some((pkg) => args.importer.includes(`node_modules/${pkg}/`))
        ? { path: name, namespace: 'lazy-builtin' }
        : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: `module.exports = new Proxy({}, { get: (_, key) => require('node:${args.path}')[key] });`,
      loader: 'js',
    }));
  },
};

const common = {
  plugins: [lazyBuiltins],
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true, // less for V8 to parse on every start
  keepNames: true, // error classes report their own names
  external: ['typescript', 'cosmiconfig', 'cli-table3', 'memjs'],
  define: { __VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
};

// Some dependencies go into files of their own, required on first use:
// ioredis because resolving its tree from node_modules costs ~30 ms per call
// and inside the main bundle every command would parse 170 kB more; ora and
// chalk because they are ES modules, which require() cannot hand over with a
// usable default export, while esbuild's CommonJS build of them can.
const VENDORED = ['ioredis', 'ora', 'chalk'];
const vendored = {
  name: 'vendored',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${VENDORED.join('|')})$`) }, (args) => ({
      path: `./vendor-${args.path}.cjs`,
      external: true,
    }));
  },
};

await Promise.all([
  build({
    ...common,
    plugins: [...common.plugins, vendored],
    entryPoints: ['commands/index.ts'],
    outfile: 'dist/glueful.cjs',
    format: 'cjs',
    // import() of an external becomes require(): the ES module loader costs
    // ~5 ms to start, and Node >= 20.19 can require() the ESM-only chalk and ora.
    supported: { 'dynamic-import': false },
  }),
  build({
    ...common,
    entryPoints: Object.fromEntries(VENDORED.map((name) => [`vendor-${name}`, name])),
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
  }),
  build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.cjs', format: 'cjs' }),
  build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', format: 'esm' }),
]);
