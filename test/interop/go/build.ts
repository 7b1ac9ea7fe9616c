/**
 * Builds the starknet.go driver into ~/.cache/ciro-interop/go-<go.sum hash>/
 * (outside the repo). scripts/interop.sh does the same with the same key, so a
 * test after setup only relinks when main.go changed. go.sum is authoritative:
 * -mod=readonly fails instead of rewriting it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const here = import.meta.dirname;
const run = promisify(execFile);

/** `go` from PATH, else the usual install places (Debian's golang, the official tarball). */
export function findGo(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'go'))) return join(dir, 'go');
  for (const p of ['/usr/local/go/bin/go', '/usr/lib/go/bin/go', '/usr/bin/go']) if (existsSync(p)) return p;
  throw new Error('no Go toolchain found: run scripts/interop.sh (it installs one)');
}

export function goDriverPath(): string {
  const key = createHash('sha256').update(readFileSync(join(here, 'go.sum'))).digest('hex').slice(0, 16);
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'ciro-interop', `go-${key}`, 'ciro-interop-go');
}

export async function buildGoDriver(): Promise<string> {
  const out = goDriverPath();
  await run(findGo(), ['build', '-o', out, '.'], {
    cwd: here,
    env: { ...process.env, GOFLAGS: '-mod=readonly -buildvcs=false' },
    maxBuffer: 16 << 20,
  });
  return out;
}
