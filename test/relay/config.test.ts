/**
 * A wrong config stops the relay process before it serves anything, with a
 * message naming the field; the real entry is spawned, not imported.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig, ConfigError } from '../../relay/config.ts';
import { withOperatorKey } from '../../relay/entry/env.ts';
import { configFromEnv } from '../../relay/entry/node.ts';
import { newApiKey } from '../../relay/tenants/auth.ts';
import { repoRoot } from '../../scripts/local/toolchain.ts';
import { felt, fakeManifest as manifest } from '../helpers/fakeManifest.ts';

const good = { rpcUrl: 'http://127.0.0.1:5050/rpc', manifest, relayers: [{ address: felt(50), privateKey: felt(51) }] };

function runEntry(config: unknown, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ciro-config-'));
  writeFileSync(join(dir, 'relay.json'), JSON.stringify(config));
  return spawnSync(join(repoRoot, 'node_modules', '.bin', 'tsx'), ['relay/entry/node.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, CIRO_CONFIG: join(dir, 'relay.json'), PORT: '0', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('config validation at boot', () => {
  it('accepts a minimal config and fills the defaults', () => {
    const c = parseConfig(good);
    expect(c.store).toEqual({ kind: 'memory' });
    expect(c.fees.maxFeeMultiplierPct).toBe(150);
  });

  it('names every bad field', () => {
    try {
      parseConfig({ ...good, rpcUrl: 'not a url', relayers: [], store: { kind: 'redis' } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const paths = (e as ConfigError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['rpcUrl', 'relayers', 'store.url']));
    }
  });

  it('refuses a relayer lease shorter than a send can hold it (five node timeouts)', () => {
    expect(() => parseConfig({ ...good, rpcTimeoutMs: 30_000 })).toThrow(/relayerLeaseMs: must be at least 5 × rpcTimeoutMs \(150000 ms\)/);
    expect(parseConfig({ ...good, rpcTimeoutMs: 30_000, relayerLeaseMs: 150_000 }).relayerLeaseMs).toBe(150_000);
  });

  it('stops the process with exit code 2 and the field in the message', () => {
    const res = runEntry({ ...good, relayers: [{ address: 'nope', privateKey: felt(1) }] });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('relayers[0].address');
    expect(res.stdout).not.toContain('listening');
  }, 60_000);

  it('never prints any part of a relayer key from a malformed source', () => {
    const secret = '0x5ec7e7deadbeef5ec7e7deadbeef5ec7e7deadbeef';
    const res = runEntry(good, { CIRO_RELAYERS: `[{"address": "0x50", "privateKey": "${secret}"},]` });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('CIRO_RELAYERS');
    expect(res.stderr + res.stdout).not.toMatch(/5ec7e7|deadbeef/);
    const bad = runEntry({ ...good, relayers: [{ address: felt(50), privateKey: secret + 'zz' }] });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('relayers[0].privateKey');
    expect(bad.stderr + bad.stdout).not.toMatch(/5ec7e7|deadbeef/);
  }, 60_000);

  it('takes the Redis servers from the env and keeps the key prefix of the file', () => {
    const file = { ...good, store: { kind: 'redis', url: 'redis://file:6379', prefix: 'acme:' } };
    expect(configFromEnv({ CIRO_REDIS_URL: 'redis://env:6379' }, file).store).toEqual({ kind: 'redis', url: 'redis://env:6379', prefix: 'acme:' });
    const cluster = configFromEnv({ CIRO_REDIS_CLUSTER_URLS: 'redis://a:7000, redis://b:7001' }, { ...good, store: { kind: 'memory' } }).store;
    expect(cluster).toEqual({ kind: 'redis', cluster: ['redis://a:7000', 'redis://b:7001'], prefix: 'ciro:' });
  });

  it('takes a first operator key from CIRO_OPERATOR_KEY, hashed, and refuses a malformed one without quoting it', async () => {
    const op = await newApiKey('boot-op');
    const raw = await withOperatorKey({ ...good, operatorKeys: [{ id: 'op-1', secretHash: 'a'.repeat(64) }] }, op.key);
    expect(parseConfig(raw).operatorKeys).toEqual([{ id: 'op-1', secretHash: 'a'.repeat(64) }, { id: 'boot-op', secretHash: op.secretHash }]);
    expect(await withOperatorKey(good, undefined)).toBe(good);
    const bad = await withOperatorKey(good, 'boot-op:5ec7e7deadbeef').catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ConfigError);
    expect(String((bad as Error).message)).toContain('CIRO_OPERATOR_KEY');
    expect(String((bad as Error).message)).not.toMatch(/5ec7e7|deadbeef/);
    // An id the config already gives another key is refused by the schema, like any duplicate.
    const twice = await withOperatorKey({ ...good, operatorKeys: [{ id: 'boot-op', secretHash: 'a'.repeat(64) }] }, op.key);
    expect(() => parseConfig(twice)).toThrow(/key id 'boot-op' is used twice/);
  });

  it('stops cleanly on SIGTERM: stops listening, closes the relay, exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ciro-config-'));
    writeFileSync(join(dir, 'relay.json'), JSON.stringify(good));
    const op = await newApiKey('boot-op');
    const child = spawn(join(repoRoot, 'node_modules', '.bin', 'tsx'), ['relay/entry/node.ts'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, CIRO_CONFIG: join(dir, 'relay.json'), PORT: '0', CIRO_OPERATOR_KEY: op.key },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await expect.poll(() => out, { timeout: 30_000, interval: 100 }).toContain('listening on');
    const url = /listening on (http:\/\/[^\s"]+)/.exec(out)![1]!;
    expect((await fetch(`${url}/v1/openapi.json`)).status).toBe(200);
    expect((await fetch(`${url}/v1/tenants`, { headers: { 'x-paymaster-api-key': op.key } })).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('"event":"relay.stopping","signal":"SIGTERM"');
    await expect(fetch(`${url}/v1/openapi.json`)).rejects.toThrow();
  }, 60_000);
});
