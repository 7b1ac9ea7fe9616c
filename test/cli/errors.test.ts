/**
 * How the CLI fails, against a real relay on devnet: refusals exit 3 and name
 * the policy, the rule and the reason (and a rate limit's retry_after);
 * an unreachable relay or node exits 4; unsafe or missing keys exit 2;
 * --json prints exactly one object per result and nothing else on stdout,
 * while the plain output shows each step of a write on stderr. Last, every
 * byte printed by every run in this file is searched for the private keys.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { chmodSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ciroBin, node22, shown, startCliStack, type CliStack } from './harness.ts';

let st: CliStack;
let demoEnv: Record<string, string>;
let fresh: string;
let freshKey: string;

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

beforeAll(async () => {
  st = await startCliStack();
  const demo = st.s.chain.demo!;
  // The seeded worker, keyed from the environment: registered, staked, 10 CIRO of rewards.
  demoEnv = { CIRO_PRIVATE_KEY: demo.worker.privateKey, CIRO_ACCOUNT_ADDRESS: demo.worker.address };
  fresh = `${st.home}/fresh.json`;
  const created = await st.ciro(['--key-file', fresh, 'account', 'create']);
  expect(created.code, shown(created)).toBe(0);
  const deployed = await st.ciro(['--key-file', fresh, 'account', 'deploy']);
  expect(deployed.code, shown(deployed)).toBe(0);
  freshKey = (await import('node:fs')).readFileSync(fresh, 'utf8').match(/"privateKey": "(0x[0-9a-f]+)"/)![1]!;
}, 300_000);
afterAll(async () => st?.close());

describe('refusals exit 3 and say which policy and rule, and when to retry', () => {
  it('a call no policy of the tenant sponsors: policy, rule, reason', async () => {
    const r = await st.ciro(['--json', '--key-file', fresh, 'worker', 'register', '--capabilities', '1'], { CIRO_API_KEY: st.s.keys.examples });
    expect(r.code, shown(r)).toBe(3);
    expect(r.json).toHaveLength(1);
    expect(r.json[0]).toMatchObject({ ok: false, exit: 3, kind: 'refused', code: -32002, reason: 'selector_not_allowed', policy: 'worker-rewards', rule: 'allow' });
    expect(r.json[0]!.details).toContain('not allowed on cdc_pool');
    const human = await st.ciro(['--key-file', fresh, 'worker', 'register', '--capabilities', '1'], { CIRO_API_KEY: st.s.keys.examples });
    expect(human.code).toBe(3);
    expect(human.stderr).toContain("refused by policy 'worker-rewards' (rule allow): selector_not_allowed");
  });

  it("a rate limit: the relay's retry_after is passed on", async () => {
    const env = { ...demoEnv, CIRO_API_KEY: st.s.keys.tight };
    const first = await st.ciro(['worker', 'heartbeat'], env);
    expect(first.code, shown(first)).toBe(0);
    const second = await st.ciro(['--json', 'worker', 'heartbeat'], env);
    expect(second.code, shown(second)).toBe(3);
    expect(second.json[0]).toMatchObject({ reason: 'rate_limited', policy: 'cli-one-heartbeat-an-hour', rule: 'rateLimits[0]' });
    expect(second.json[0]!.retry_after).toBeGreaterThan(0);
    expect(second.json[0]!.retry_after).toBeLessThanOrEqual(3600);
    const human = await st.ciro(['worker', 'heartbeat'], env);
    expect(human.code).toBe(3);
    expect(human.stderr).toMatch(/Retry after \d+s/);
  });

  it('an unknown API key', async () => {
    const r = await st.ciro(['--json', 'worker', 'heartbeat'], { ...demoEnv, CIRO_API_KEY: 'nobody.0000' });
    expect(r.code, shown(r)).toBe(3);
    expect(r.json[0]).toMatchObject({ reason: 'invalid_api_key', code: -32001 });
    expect(r.json[0]!.hint).toContain('CIRO_API_KEY');
  });
});

describe('unavailable exits 4', () => {
  it('no relay at the URL: relay status and a write', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const status = await st.ciro(['--json', 'relay', 'status'], { CIRO_RELAY_URL: url });
    expect(status.code, shown(status)).toBe(4);
    expect(status.json[0]).toMatchObject({ ok: false, exit: 4, kind: 'unavailable', reason: 'unreachable' });
    const write = await st.ciro(['worker', 'heartbeat'], { ...demoEnv, CIRO_RELAY_URL: url });
    expect(write.code, shown(write)).toBe(4);
    expect(write.stderr).toContain('ECONNREFUSED');
  });

  it('no node at the RPC URL', async () => {
    const r = await st.ciro(['--json', 'worker', 'rewards'], { ...demoEnv, CIRO_RPC_URL: `http://127.0.0.1:${await closedPort()}/rpc` });
    expect(r.code, shown(r)).toBe(4);
    expect(r.json[0]!.error).toContain('the Starknet node');
  });

  it('a ready relay answers relay status with exit 0', async () => {
    const r = await st.ciro(['--json', 'relay', 'status']);
    expect(r.code, shown(r)).toBe(0);
    expect(r.json[0]).toMatchObject({ ok: true, available: true, ready: true, health: { ok: true } });
    expect(r.json[0]!.supported_tokens.map((t: { symbol: string }) => t.symbol).sort()).toEqual(['CIRO', 'STRK']);
  });
});

describe('keys', () => {
  it('a key file readable by others is refused (exit 2, with the chmod to run)', async () => {
    chmodSync(fresh, 0o644);
    const r = await st.ciro(['--key-file', fresh, 'account', 'show']);
    chmodSync(fresh, 0o600);
    expect(r.code, shown(r)).toBe(2);
    expect(r.stderr).toContain(`chmod 600 ${fresh}`);
  });

  it('an existing key file is never overwritten; a broken one is not quoted', async () => {
    const again = await st.ciro(['--key-file', fresh, 'account', 'create']);
    expect(again.code, shown(again)).toBe(2);
    const broken = `${st.home}/broken.json`;
    writeFileSync(broken, `{"privateKey": "${freshKey}", oops`, { mode: 0o600 });
    const r = await st.ciro(['--key-file', broken, 'account', 'show']);
    expect(r.code, shown(r)).toBe(2);
    expect(r.stderr).toContain('is not valid JSON');
  });

  it('a key past the curve order (an Ethereum key pasted in) is refused, and never printed in any spelling', async () => {
    const eth = '0x' + 'c'.repeat(64);
    const file = `${st.home}/eth.json`;
    writeFileSync(file, JSON.stringify({ address: '0x123', privateKey: eth }), { mode: 0o600 });
    for (const r of [await st.ciro(['--json', '--key-file', file, 'worker', 'heartbeat']), await st.ciro(['--json', 'worker', 'heartbeat'], { CIRO_PRIVATE_KEY: eth, CIRO_ACCOUNT_ADDRESS: '0x123' })]) {
      expect(r.code, shown(r)).toBe(2);
      expect(r.stdout + r.stderr).toContain('not a Stark private key');
      for (const spelling of [eth.slice(2), BigInt(eth).toString(10)]) expect((r.stdout + r.stderr).toLowerCase()).not.toContain(spelling);
    }
  });
});

describe('output', () => {
  it('--json: one JSON object per result on stdout, nothing else, no progress on stderr', async () => {
    const r = await st.ciro(['--json', 'worker', 'claim'], demoEnv);
    expect(r.code, shown(r)).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.json[0]).toMatchObject({ ok: true, command: 'worker claim', claimed: (10n * 10n ** 18n).toString(), sponsored: true });
    expect(Object.keys(r.json[0]!)).toEqual(expect.arrayContaining(['tracking_id', 'transaction_hash', 'block']));
    expect(r.stderr).toBe('');
    const models = await st.ciro(['--json', 'model', 'list']);
    expect(models.stdout.trim().split('\n').map((l) => JSON.parse(l).command)).toEqual(['model list']);
  });

  it('without --json, stdout has the result and stderr every step of the write', async () => {
    const r = await st.ciro(['--key-file', fresh, 'worker', 'register', '--capabilities', '1']);
    expect(r.code, shown(r)).toBe(0);
    expect(r.stdout).toMatch(/^registered 0x[0-9a-f]+ with capabilities 1\ntx 0x[0-9a-f]{64} \(tracking id 0x[0-9a-f]+\), fee paid by the relay\n$/);
    const steps = r.stderr.trim().split('\n');
    expect(steps[0]).toBe('… building worker registration');
    expect(steps).toContain('… signed worker registration; submitting');
    expect(steps.find((s) => s.startsWith('… submitted worker registration: tracking id 0x'))).toMatch(/tx 0x[0-9a-f]{64}; waiting for the chain$/);
    expect(steps.at(-1)).toMatch(/^✔ accepted worker registration in block \d+: tracking id 0x[0-9a-f]+, tx 0x[0-9a-f]{64}$/);
  });

  it('on a terminal, an ora spinner on stderr ends in the accepted line', async () => {
    // script(1) runs the bin on a pseudo-terminal; everything it printed comes back on stdout.
    const cmd = `stty cols 120 rows 40; ${[node22, ciroBin, 'worker', 'heartbeat'].map((a) => `'${a}'`).join(' ')}`;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: st.home, env: { ...st.env, ...demoEnv, TERM: 'xterm' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise((r) => child.on('close', r));
    clearTimeout(timer);
    expect(code, out).toBe(0);
    expect(out).toContain('\u001b['); // cursor control: a spinner, not plain lines
    expect(out).not.toContain('… building');
    const plain = out.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    expect(plain).toMatch(/✔ accepted heartbeat in block \d+: tracking id 0x[0-9a-f]+, tx 0x[0-9a-f]{64}/);
    expect(out.toLowerCase()).not.toContain(BigInt(demoEnv.CIRO_PRIVATE_KEY!).toString(16));
  });

  it('a manifest file stands in for GET /v1/contracts and brings the node URL; a chain mismatch is caught', async () => {
    const file = `${st.home}/manifest.json`;
    writeFileSync(file, JSON.stringify(st.s.chain.manifest));
    const r = await st.ciro(['--json', '--manifest', file, 'model', 'show', '1'], { CIRO_RELAY_URL: undefined, CIRO_RPC_URL: undefined });
    expect(r.code, shown(r)).toBe(0);
    expect(r.json[0]).toMatchObject({ model_id: '1', price: (10n * 10n ** 18n).toString(), active: true });
    writeFileSync(file, JSON.stringify({ ...st.s.chain.manifest, chainId: '0x534e5f4d41494e' }));
    const wrong = await st.ciro(['--manifest', file, 'model', 'show', '1']);
    expect(wrong.code, shown(wrong)).toBe(2);
    expect(wrong.stderr).toContain('the node is on chain');
  });
});

describe('the private key is never printed', () => {
  it('by any run in this file, nor by config show or account show with the key in the environment', async () => {
    for (const args of [['config', 'show'], ['--json', 'config', 'show'], ['account', 'show'], ['--json', 'account', 'show']]) {
      expect((await st.ciro(args, demoEnv)).code).toBe(0);
    }
    const out = st.transcript().toLowerCase();
    expect(out.length).toBeGreaterThan(1000);
    for (const key of [st.s.chain.demo!.worker.privateKey, freshKey]) {
      const digits = BigInt(key).toString(16);
      expect(out).not.toContain(digits);
      expect(out).not.toContain(BigInt(key).toString(10));
    }
  });
});
