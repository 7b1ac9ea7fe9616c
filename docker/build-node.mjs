/**
 * `npm run build:node`: the Node relay compiled to one JavaScript file,
 * dist/relay.mjs (+ .map, + .meta.json: esbuild's account of its imports), run with plain `node` (no tsx in production).
 *
 *   node docker/build-node.mjs [entry.ts outfile.mjs]
 *
 * Everything is bundled, the `redis` client included, so the runtime image
 * needs no node_modules at all; only Node built-ins stay external. Some
 * bundled CommonJS code calls require() for built-ins, which ESM output lacks,
 * hence the createRequire banner. Paths are relative to the repo root.
 *
 * docker/Dockerfile runs it as `npm run build:node`; docker/chain.Dockerfile
 * also bundles docker/deploy.ts with it; test/docker runs both bundles.
 */
import { build } from 'esbuild';
import { statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [entry = 'relay/entry/node.ts', out = 'dist/relay.mjs'] = process.argv.slice(2);
const outfile = resolve(root, out);

const result = await build({
  absWorkingDir: root,
  // What the bundle imports at run time, from esbuild itself: dist/relay.mjs.meta.json (test/docker reads it).
  metafile: true,
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  sourcemap: 'linked',
  // No keepNames: it wraps every function the relay creates in __name(), a defineProperty per closure, and
  // the request path makes closures per request (the bundled dry run: 0.26x -> 0.29x of hello-world in
  // bench/http.ts, README; and more garbage). Without minification only a clash between two modules renames
  // a class (Hono2, redis's ClientClosedError3), whose constructor.name then shows in stack traces and in
  // libraries' messages; the relay never branches on a name (errors set theirs, errors/base.ts; instanceof).
  keepNames: false,
  banner: {
    js: "import { createRequire as __ciroCreateRequire } from 'node:module'; const require = __ciroCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

writeFileSync(`${outfile}.meta.json`, JSON.stringify(result.metafile));
console.log(`[build:node] ${relative(root, outfile)} ${(statSync(outfile).size / 1024).toFixed(0)} KiB`);
