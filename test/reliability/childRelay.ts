/**
 * A relay in its own Node process (the real entry, `tsx relay/entry/node.ts`,
 * configured by env like a deployment), so a test can SIGKILL it: no close(),
 * no finally, no settlement pass. Its JSON log lines are kept, so the test
 * knows what it submitted even when the answer never left the process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newApiKey } from '../../relay/tenants/auth.ts';
import { repoRoot } from '../../scripts/local/toolchain.ts';
import { freePort } from '../helpers/redis.ts';
import type { FaultStack } from './fixtures.ts';

export interface ChildRelay {
  url: string;
  apiKey: string;
  proc: ChildProcess;
  /** `execute.submitted` events it logged: the transactions it sent and recorded. */
  submitted: { trackingId: string; txHash: string }[];
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

export async function startChildRelay(f: FaultStack): Promise<ChildRelay> {
  const key = await newApiKey('test');
  const dir = mkdtempSync(join(tmpdir(), 'ciro-child-relay-'));
  const config = {
    rpcUrl: f.chain.devnet.url,
    manifest: f.chain.manifest,
    relayers: f.chain.relayers.map((r) => ({ address: r.address, privateKey: r.privateKey })),
    relayerTip: '0',
    gasTokens: { STRK: { priceInStrk: '1000000000000000000' } },
    nodeWork: { perApiKeyPerMinute: 0, perClientPerMinute: 0, perSenderPerMinute: 0, refusalsPerApiKeyPerHour: 0, refusalsPerClientPerHour: 0, refusalsPerSenderPerHour: 0 },
    // Same tenant id as the in-process relay: one budget, one usage, whichever instance serves.
    tenants: [{ id: 'test', name: 'Test tenant', apiKeys: [{ id: 'test', secretHash: key.secretHash, scope: 'sponsor' }], policies: ['load'] }],
    store: { kind: 'redis', url: f.redis.url, prefix: 'rel:' },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const port = await freePort();
  const proc = spawn(join(repoRoot, 'node_modules', '.bin', 'tsx'), ['relay/entry/node.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, CIRO_CONFIG: join(dir, 'config.json'), CIRO_POLICY_DIR: f.policyDir, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  const submitted: ChildRelay['submitted'] = [];
  let out = '';
  let pending = '';
  proc.stderr!.on('data', (b) => (out += b));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child relay did not start:\n${out.slice(-2000)}`)), 60_000);
    proc.once('exit', (code) => reject(new Error(`child relay exited ${code}:\n${out.slice(-2000)}`)));
    proc.stdout!.on('data', (b: Buffer) => {
      pending += b.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        out += `${line}\n`;
        // Plain or structured (JSON) logs: either way the line names where it listens.
        if (/relay listening on/.test(line)) {
          clearTimeout(timer);
          resolve();
        }
        if (!line.startsWith('{')) continue;
        const ev = JSON.parse(line) as { event?: string; trackingId?: string; txHash?: string };
        if (ev.event === 'execute.submitted') submitted.push({ trackingId: ev.trackingId!, txHash: ev.txHash! });
      }
    });
  });
  await ready;
  return {
    url: `http://127.0.0.1:${port}/`,
    apiKey: key.key,
    proc,
    submitted,
    kill: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
