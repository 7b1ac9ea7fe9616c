/**
 * docker/ checked without a container engine: hadolint on both Dockerfiles,
 * `docker compose config` on the stack (alone and with the prebuilt override),
 * and the properties the images promise, read from the files themselves.
 * hadolint and docker compose come from docker/check.sh (pinned, cached in
 * ~/.cache/ciro-docker); where they are missing those tests are skipped and
 * say so. docker/smoke.sh runs the real thing under podman (CIRO_CONTAINER_SMOKE=1).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, versions } from '../../scripts/local/toolchain.ts';

const docker = join(repoRoot, 'docker');
const toolDir = join(process.env.CIRO_DOCKER_TOOLS ?? join(homedir(), '.cache', 'ciro-docker'), 'bin');

/** The cached binary, else one on PATH that answers `--version`. */
function findTool(name: string, versionArgs: string[]): string | undefined {
  const cached = join(toolDir, name);
  if (existsSync(cached)) return cached;
  const res = spawnSync(name, versionArgs, { encoding: 'utf8' });
  return res.status === 0 ? name : undefined;
}

const hadolint = findTool('hadolint', ['--version']);
const compose = findTool('docker-compose', ['version']);
const missing = (tool: string) => `${tool} not installed: run bash docker/check.sh`;
if (!hadolint) console.warn(`[test/docker] skipping hadolint checks: ${missing('hadolint')}`);
if (!compose) console.warn(`[test/docker] skipping compose checks: ${missing('docker compose')}`);

/** A Dockerfile's stages: name (or index) → its instructions, continuation lines joined. */
function stages(file: string): Map<string, { from: string; lines: string[] }> {
  const text = readFileSync(join(docker, file), 'utf8').replace(/\\\n/g, ' ');
  const out = new Map<string, { from: string; lines: string[] }>();
  let current: { from: string; lines: string[] } | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      current = { from: from[1]!, lines: [] };
      out.set(from[2] ?? String(out.size), current);
    } else current?.lines.push(line);
  }
  return out;
}

const args = (file: string) =>
  Object.fromEntries(
    [...readFileSync(join(docker, file), 'utf8').matchAll(/^ARG\s+(\w+)=(\S+)/gm)].map((m) => [m[1]!, m[2]!]),
  );

function composeConfig(...files: string[]): any {
  const out = execFileSync(compose!, [...files.flatMap((f) => ['-f', join(docker, f)]), 'config', '--format', 'json'], {
    encoding: 'utf8',
    env: { ...process.env, COMPOSE_PROFILES: 'two-relays' },
  });
  return JSON.parse(out);
}

describe('docker/Dockerfile (the relay image)', () => {
  const s = stages('Dockerfile');
  const runtime = [...s.values()].at(-1)!;

  it('ends in the runtime stage: node on the bundle, as a non-root user, with a /health check', () => {
    expect([...s.keys()]).toEqual(['native-build', 'native', 'build', 'relay']);
    expect(runtime.lines).toContain('CMD ["node", "relay.mjs"]');
    const user = runtime.lines.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toMatch(/^USER [1-9]\d*(:[1-9]\d*)?$/);
    expect(runtime.lines.find((l) => l.startsWith('HEALTHCHECK'))).toMatch(/\/health/);
  });

  it('carries no dev dependencies, no node_modules and no tsx at run time', () => {
    const body = runtime.lines.join('\n');
    expect(body).not.toMatch(/node_modules|tsx|npm /);
    expect(runtime.lines.filter((l) => l.startsWith('COPY'))).toEqual([
      'COPY --from=build /src/dist/ ./',
      'COPY --from=native /ciro_crypto.node ./native/ciro_crypto.node',
      'COPY policies/examples/ ./policies/',
    ]);
    expect(s.get('build')!.lines).toContain('RUN npm run build:node');
    // The addon comes from the crate's lockfile, in a stage a named context may replace.
    expect(s.get('native')!.from).toBe('scratch');
    expect(s.get('native-build')!.lines.join('\n')).toMatch(/cargo build --release --locked/);
  });

  it('pins its base images by exact version', () => {
    expect(args('Dockerfile').NODE_IMAGE).toMatch(/^node:22\.\d+\.\d+-bookworm-slim(@sha256:[0-9a-f]{64})?$/);
    expect(args('Dockerfile').RUST_IMAGE).toBe(args('chain.Dockerfile').RUST_IMAGE);
    for (const name of ['build', 'relay']) expect(s.get(name)!.from).toBe('${NODE_IMAGE}');
    expect(s.get('native-build')!.from).toBe('${RUST_IMAGE}');
  });

  it('npm run build:node is docker/build-node.mjs, and esbuild is a pinned dev dependency', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    expect(pkg.scripts['build:node']).toBe('node docker/build-node.mjs');
    // npm runs prebuild:node first: the script it names must be in the build stage and its context.
    const pre = /\bscripts\/[\w-]+\.ts\b/.exec(pkg.scripts['prebuild:node'] ?? '')?.[0];
    if (pre) {
      expect(s.get('build')!.lines).toContain(`COPY ${pre} ./scripts/`);
      expect(readFileSync(join(docker, 'Dockerfile.dockerignore'), 'utf8').split('\n')).toContain(`!${pre}`);
    }
    expect(pkg.devDependencies.esbuild).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.skipIf(!hadolint)('passes hadolint', () => {
    const res = spawnSync(hadolint!, ['--no-color', 'docker/Dockerfile'], { cwd: repoRoot, encoding: 'utf8' });
    expect(res.stdout + res.stderr).toBe('');
    expect(res.status).toBe(0);
  });
});

describe('docker/chain.Dockerfile (devnet and the deploy one-shot)', () => {
  const s = stages('chain.Dockerfile');
  const text = readFileSync(join(docker, 'chain.Dockerfile'), 'utf8');

  it('builds each native tool from crates.io at the version scripts/versions.env pins', () => {
    const installs = [...text.replace(/\\\n/g, ' ').matchAll(/cargo install ([^&\n]+)/g)].map((m) => m[1]!.trim());
    expect(installs).toHaveLength(3);
    for (const cmd of installs) expect(cmd).toMatch(/--locked/);
    expect(installs.join('\n')).toContain('--version "$STARKNET_DEVNET_VERSION" starknet-devnet');
    expect(installs.join('\n')).toContain('--version "$USC_VERSION" universal-sierra-compiler');
    expect(installs.join('\n')).toContain('--version "$CAIRO_VERSION" starknet-compile');
    // Sourced, not copied: every variable it reads is in the file.
    for (const v of text.matchAll(/\$\{?([A-Z][A-Z0-9_]+_(?:VERSION|CRATE|SHA256))\b/g)) expect(versions).toHaveProperty(v[1]!);
    expect(s.get('cairo-build')!.lines).toContain('RUN bash scripts/build-contracts.sh');
  });

  it('has the two runtime targets compose uses, both non-root, and the stages a named context may replace', () => {
    for (const name of ['devnet', 'deploy', 'devnet-bin', 'contracts']) expect(s.has(name), name).toBe(true);
    for (const name of ['devnet', 'deploy']) {
      expect(s.get(name)!.lines.filter((l) => l.startsWith('USER ')).at(-1)).toMatch(/^USER [1-9]\d*:[1-9]\d*$/);
    }
    expect(s.get('devnet-bin')!.from).toBe('scratch');
    expect(s.get('contracts')!.from).toBe('scratch');
  });

  it('pins its base images by exact version', () => {
    const a = args('chain.Dockerfile');
    expect(a.RUST_IMAGE).toMatch(/^rust:\d+\.\d+\.\d+-bookworm/);
    expect(a.DEBIAN_IMAGE).toMatch(/^debian:12\.\d+-slim/);
    expect(a.NODE_IMAGE).toBe(args('Dockerfile').NODE_IMAGE);
  });

  it.skipIf(!hadolint)('passes hadolint', () => {
    const res = spawnSync(hadolint!, ['--no-color', 'docker/chain.Dockerfile'], { cwd: repoRoot, encoding: 'utf8' });
    expect(res.stdout + res.stderr).toBe('');
    expect(res.status).toBe(0);
  });
});

describe('docker/compose.yaml', () => {
  it('reads its versions from scripts/versions.env (docker/.env links to it)', () => {
    expect(realpathSync(join(docker, '.env'))).toBe(realpathSync(join(repoRoot, 'scripts', 'versions.env')));
  });

  it.skipIf(!compose)('is valid and resolves to the local stack: devnet, deploy, Redis with AOF, the relay on :8080', () => {
    const c = composeConfig('compose.yaml');
    expect(Object.keys(c.services).sort()).toEqual(['deploy', 'devnet', 'redis', 'relay', 'relay-2']);
    const { devnet, deploy, redis, relay } = c.services;

    expect(devnet.build).toMatchObject({ dockerfile: 'docker/chain.Dockerfile', target: 'devnet' });
    expect(devnet.command).toEqual(expect.arrayContaining(['--dump-path', '/data/devnet.json']));
    expect(deploy.build).toMatchObject({ dockerfile: 'docker/chain.Dockerfile', target: 'deploy' });
    expect(deploy.depends_on.devnet.condition).toBe('service_healthy');

    expect(redis.command.join(' ')).toMatch(/--appendonly yes/);
    expect(redis.volumes.map((v: any) => v.target)).toContain('/data');
    expect(redis.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping']);

    expect(relay.build.dockerfile).toBe('docker/Dockerfile');
    expect(relay.depends_on).toMatchObject({
      deploy: { condition: 'service_completed_successfully' },
      redis: { condition: 'service_healthy' },
      devnet: { condition: 'service_healthy' },
    });
    expect(relay.environment).toMatchObject({ CIRO_CONFIG: '/state/relay.json', CIRO_REDIS_URL: 'redis://redis:6379' });
    expect(relay.ports).toEqual([expect.objectContaining({ host_ip: '127.0.0.1', published: '8080', target: 8080 })]);
    expect(relay.init).toBe(true);
    // What deploy writes is what the relay reads.
    const state = (svc: any) => svc.volumes.find((v: any) => v.target === '/state');
    expect(state(relay)).toMatchObject({ type: 'volume', source: 'state', read_only: true });
    expect(state(deploy)).toMatchObject({ type: 'volume', source: 'state' });
    expect(deploy.environment.CIRO_STATE_DIR).toBe('/state');

    expect(c.services['relay-2'].ports[0].published).toBe('8081');
    expect(c.services['relay-2'].profiles).toEqual(['two-relays']);
    expect(Object.keys(c.volumes).sort()).toEqual(['devnet', 'redis', 'state']);
  });

  it.skipIf(!compose)('with compose.prebuilt.yaml, takes devnet, the contracts and the relay addon from the host build', () => {
    const c = composeConfig('compose.yaml', 'compose.prebuilt.yaml');
    expect(c.services.devnet.build.additional_contexts['devnet-bin']).toMatch(
      new RegExp(`/starknet-devnet-${versions.STARKNET_DEVNET_VERSION!.replace(/\./g, '\\.')}/bin$`),
    );
    expect(c.services.deploy.build.additional_contexts.contracts).toBe(join(repoRoot, 'contracts', 'target'));
    // And both relays the Node addon setup.sh built, instead of the image's cargo stage.
    for (const r of ['relay', 'relay-2']) expect(c.services[r].build.additional_contexts.native).toBe(join(repoRoot, 'relay', 'entry', 'native'));
  });
});
