/**
 * Builds the starknet.go driver into ~/.cache/ciro-interop/go-<go.sum hash>/
 * (outside the repo). scripts/interop.sh does the same with the same key, so a
 * test after setup only relinks when main.go changed. go.sum is authoritative:
 * -mod=readonly fails instead of rewriting it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toolchainDir, versions } from '../../../scripts/local/toolchain.ts';

const here = import.meta.dirname;
const run = promisify(execFile);

/** The Go version go.mod asks for. */
const needed = () => /^go (\S+)$/m.exec(readFileSync(join(here, 'go.mod'), 'utf8'))![1]!;

function versionOf(go: string): string | undefined {
  try {
    return execFileSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' }).trim().replace(/^go/, '');
  } catch {
    return undefined;
  }
}

const atLeast = (have: string, need: string) => {
  const a = have.split(/[.a-z]/).map(Number);
  const b = need.split('.').map(Number);
  for (let i = 0; i < b.length; i++) if ((a[i] ?? 0) !== b[i]) return (a[i] ?? 0) > b[i]!;
  return true;
};

/**
 * The first `go` new enough for go.mod: on PATH, in the usual places (the official tarball, Debian's),
 * then the pinned toolchain scripts/interop.sh fetches from the Go module proxy when there is none.
 */
export function findGo(): string {
  const candidates = [
    ...(process.env.PATH ?? '').split(':').filter(Boolean).map((d) => join(d, 'go')),
    '/usr/local/go/bin/go',
    '/usr/lib/go/bin/go',
    join(toolchainDir, `go-${versions.GO_TOOLCHAIN_VERSION}`, 'bin', 'go'),
  ];
  const seen: string[] = [];
  for (const go of candidates.filter((c) => existsSync(c))) {
    const v = versionOf(go);
    if (v && atLeast(v, needed())) return go;
    seen.push(`${go} (go ${v ?? '?'})`);
  }
  throw new Error(`no Go toolchain >= ${needed()} found${seen.length ? `; found ${seen.join(', ')}` : ''}: run scripts/interop.sh`);
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
