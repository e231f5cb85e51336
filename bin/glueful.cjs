#!/usr/bin/env node
// The built CLI (npm run build makes dist/). `cache:get <key>` runs the lean
// bundle dist/glueful-get.cjs (commands/fast-get.ts), every other command
// line the full program, dist/glueful.cjs. Each bundle runs through a V8
// code cache: parsing and compiling a bundle is a large part of what a short
// command costs, and Node 20 has no compile cache of its own
// (module.enableCompileCache came in Node 22).
//
// A bundle's cache is written once, after a run that found none, beside the
// bundle when that folder is writable, else in the user's cache folder
// ($XDG_CACHE_HOME or ~/.cache, never a shared /tmp), 0600 by temp + rename.
// V8 itself rejects a cache made from another bundle or another node; it is
// then rewritten. GLUEFUL_NO_CODE_CACHE=1 turns it off.
'use strict';
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const dist = join(__dirname, '..', 'dist');
const home = process.env.XDG_CACHE_HOME || (process.env.HOME ? join(process.env.HOME, '.cache') : null);
const useCache = !process.env.GLUEFUL_NO_CODE_CACHE;

/** Where the code cache of `bundle` may be: beside it, else in the user's cache folder. */
function placesOf(bundle) {
  const name = `${bundle.slice(dist.length + 1).replace(/\.cjs$/, '')}-${process.version}-${process.arch}.v8cache`;
  const places = [join(dist, name)];
  if (home) places.push(join(home, 'glueful-cache', `${dist.replace(/[^A-Za-z0-9]+/g, '_')}-${name}`));
  return places;
}

function readCache(places) {
  for (const place of places) {
    try {
      return readFileSync(place);
    } catch {
      // not there: try the next place
    }
  }
  return undefined;
}

function writeCache(script, places) {
  const data = script.createCachedData();
  for (const place of places) {
    const temp = `${place}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(place), { recursive: true, mode: 0o700 });
      writeFileSync(temp, data, { mode: 0o600 });
      renameSync(temp, place);
      return;
    } catch {
      // not writable here: try the next place
    }
  }
}

/** Loads a bundle of dist/ as a CommonJS module, compiled with its code cache. */
function load(file) {
  const bundle = join(dist, file);
  const places = placesOf(bundle);
  const cachedData = useCache ? readCache(places) : undefined;
  const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  const bundleModule = new Module(bundle, module);
  bundleModule.filename = bundle;
  bundleModule.paths = Module._nodeModulePaths(dist);
  const wrapper = script.runInThisContext();
  wrapper.call(bundleModule.exports, bundleModule.exports, Module.createRequire(bundle), bundleModule, bundle, dist);
  // Written after the run, so the functions this run compiled are in it too.
  if (useCache && (cachedData === undefined || script.cachedDataRejected)) process.once('beforeExit', () => writeCache(script, places));
  return bundleModule.exports;
}

// `cache:get <key>` has a lean bundle of its own (commands/fast-get.ts); it
// declines (undefined) any command line it does not read exactly as the
// full program would, and the full program runs it.
const run = process.argv.includes('cache:get')
  ? load('glueful-get.cjs').main(process.argv).then((code) => code ?? load('glueful.cjs').main(process.argv))
  : load('glueful.cjs').main(process.argv);
run.then((code) => {
  process.exitCode = code;
});
