#!/usr/bin/env node
/**
 * The `ciro` bin (package.json "bin"). The CLI is TypeScript run through
 * tsx's loader in this same process, so a clean clone needs nothing beyond
 * `npm ci`: no build step, no generated file to go stale. npx puts
 * node_modules/.bin first on PATH, so `node` here is the project's Node 22.
 */
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  process.stderr.write(`ciro needs Node 22 or later (this is ${process.version}); run it as \`npx ciro\` to use the project's Node.\n`);
  process.exit(2);
}
const { register } = await import('tsx/esm/api');
register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
