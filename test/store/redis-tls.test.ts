/**
 * `rediss://`: the relay's Redis over TLS, on a real redis-server serving TLS
 * with a certificate from a private CA made here with openssl. Node trusts
 * the system's CAs; a private one is given to the relay process with Node's
 * own NODE_EXTRA_CA_CERTS (the README says so). Without it the relay refuses
 * the server (fail closed, naming the certificate problem); with it the
 * spawned entry serves with the store up, and a tenant created through its
 * admin API is on the server.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../relay/errors/base.ts';
import { RedisStore } from '../../relay/store/redis/store.ts';
import { newApiKey } from '../../relay/tenants/auth.ts';
import { repoRoot } from '../../scripts/local/toolchain.ts';
import { fakeManifest as manifest, felt } from '../helpers/fakeManifest.ts';
import { freePort, startRedis, type TestRedis } from '../helpers/redis.ts';

const dir = mkdtempSync(join(tmpdir(), 'ciro-tls-'));
const file = (name: string) => join(dir, name);
let server: TestRedis;
let tlsUrl: string;

function openssl(...args: string[]): void {
  const res = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (res.error || res.status !== 0) throw new Error(`openssl ${args[0]} failed (apt-get install -y openssl): ${res.error?.message ?? res.stderr}`);
}

beforeAll(async () => {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=ciro-test-ca');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(file('san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.cnf');
  const tlsPort = await freePort();
  // The plain port stays open too: the test helper's readiness check speaks plain RESP.
  server = await startRedis({
    args: ['--tls-port', String(tlsPort), '--tls-cert-file', file('server.crt'), '--tls-key-file', file('server.key'), '--tls-ca-cert-file', file('ca.crt'), '--tls-auth-clients', 'no'],
  });
  tlsUrl = `rediss://127.0.0.1:${tlsPort}`;
}, 60_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('RedisStore over TLS (rediss://)', () => {
  it('refuses a server whose certificate it cannot trust: fail closed, saying why', async () => {
    const err = await RedisStore.connect(tlsUrl, { connectTimeoutMs: 3_000 }).then(
      (s) => (void s.close(), undefined),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(String((err as Error).cause ?? err)).toMatch(/certificate/i);
  });

  it("serves through the Node entry once the private CA is trusted (NODE_EXTRA_CA_CERTS)", async () => {
    const op = await newApiKey('tls-op');
    writeFileSync(file('relay.json'), JSON.stringify({ rpcUrl: 'http://127.0.0.1:9/rpc', manifest, relayers: [{ address: felt(50), privateKey: felt(51) }] }));
    const child = spawn(join(repoRoot, 'node_modules', '.bin', 'tsx'), ['relay/entry/node.ts'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, CIRO_CONFIG: file('relay.json'), PORT: '0', CIRO_REDIS_URL: tlsUrl, NODE_EXTRA_CA_CERTS: file('ca.crt'), CIRO_OPERATOR_KEY: op.key },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      await expect.poll(() => out, { timeout: 30_000, interval: 100 }).toContain('listening on');
      const url = /listening on (http:\/\/[^\s"]+)/.exec(out)![1]!;
      // The node is unreachable (503 overall), but the store is up: over TLS.
      expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ store: true });
      // A tenant created through the admin API is written to the store, over TLS: the server has it.
      const created = await fetch(`${url}/v1/tenants`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-paymaster-api-key': op.key }, body: JSON.stringify({ id: 'tls-tenant', name: 'TLS' }) });
      expect(created.status).toBe(201);
      const plain = createClient({ url: server.url });
      await plain.connect();
      const keys = await plain.keys('ciro:*');
      await plain.close();
      expect(keys.some((k) => k.includes('tls-tenant'))).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);
});
