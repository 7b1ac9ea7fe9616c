/**
 * The compose stack under a real container engine: docker/smoke.sh builds the
 * three images and runs `docker compose up` against podman (this project's
 * machines have no Docker engine and no Docker Hub). Opt-in with
 * CIRO_CONTAINER_SMOKE=1: it installs Debian packages and takes about 4
 * minutes cold, 2 warm.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/local/toolchain.ts';

const enabled = process.env.CIRO_CONTAINER_SMOKE === '1';
if (!enabled) console.warn('[test/docker] skipping the podman smoke run: set CIRO_CONTAINER_SMOKE=1 (docker/smoke.sh)');

describe('docker compose up, under podman', () => {
  it.runIf(enabled)('healthy, serves, a gasless claim lands, chain and Redis survive down + up', () => {
    const res = spawnSync('bash', ['docker/smoke.sh'], { cwd: repoRoot, encoding: 'utf8', timeout: 1_500_000 });
    expect(res.status, res.stdout + res.stderr).toBe(0);
    for (const line of [/GET \/health: \{"ok":true/, /claim 0x[0-9a-f]+ succeeded/, /devnet kept the chain/, /\[smoke\] ok:/]) {
      expect(res.stdout).toMatch(line);
    }
  }, 1_500_000);
});
