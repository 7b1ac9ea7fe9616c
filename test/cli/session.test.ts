/**
 * Session keys from the CLI, end to end on devnet (--predeclare-argent): an
 * Argent 0.4.0 account guarded by the relay's cosigner is created and
 * deployed sponsored; its owner key signs one session; from then on every
 * write (registration, heartbeats and the claim of `worker run`) is signed by
 * the session key and co-signed by the relay, the account holding 0 STRK.
 * Refusals keep the CLI's shape (exit 3, policy, rule, reason): a session
 * longer than the policy allows, a call outside the session, a revoked
 * session. Revocation by the owner, by a tenant admin, and on chain (the
 * account's own revoke_session, sponsored). Neither the owner
 * key nor the session key is ever printed.
 */
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { shortString, stark, ec } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeAndWait } from '../../scripts/local/accounts.ts';
import { CIRO, call, u256 } from '../../scripts/local/seed.ts';
import { newApiKey } from '../../relay/tenants/auth.ts';
import { balanceOf, STRK } from '../helpers/relay.ts';
import { revocationTypedData } from '../../relay/chain/argent.ts';
import { shown, startCliStack, type CliStack } from './harness.ts';
import { tamperingProxy } from './proxy.ts';

const ARGENT_CLASS = '0x36078334509b514626504edc9fb252328d1a240e4e948bef8d0c08dff45927f';
const cosignerKey = stark.randomAddress();
let st: CliStack;
let adminKey: string;
let owner = { file: '', address: '', privateKey: '' };
let sessionPath = '';

const pool = () => st.s.chain.manifest.contracts.cdc_pool.address;
const strkOf = (a: string) => balanceOf(st.s.chain.provider, STRK, a);
const ciro = (args: string[], env: Record<string, string | undefined> = {}) => st.ciro(['--json', '--key-file', owner.file, ...args], env);

async function ok(args: string[], env: Record<string, string | undefined> = {}) {
  const r = await ciro(args, env);
  expect(r.code, shown(r)).toBe(0);
  return r.json;
}

async function byRelayer(txHash: string) {
  const tx = (await st.s.chain.provider.getTransactionByHash(txHash)) as { sender_address?: string };
  expect(st.s.chain.relayers.map((r) => BigInt(r.address))).toContain(BigInt(tx.sender_address!));
}

beforeAll(async () => {
  st = await startCliStack({
    chain: { seed: false, devnet: { args: ['--predeclare-argent'] }, deploy: { accountClasses: [ARGENT_CLASS], heartbeatTimeout: 4 } },
    policies: ['cli-worker-sessions'],
    secrets: { 'test/SESSION_COSIGNER': cosignerKey },
  });
  const admin = await newApiKey('test-admin');
  st.s.relay.deps.config.tenants[0]!.apiKeys.push({ id: 'test-admin', secretHash: admin.secretHash, scope: 'admin' });
  adminKey = admin.key;
  owner.file = join(st.home, 'owner.json');
  sessionPath = join(st.env.XDG_CONFIG_HOME!, 'ciro', 'sessions', 'default.json');
}, 300_000);
afterAll(async () => st?.close());

describe('an Argent account guarded by the relay', () => {
  it('is created with the relay cosigner as guardian and deployed sponsored', async () => {
    const [created] = await ok(['account', 'create', '--argent']);
    expect(created).toMatchObject({ kind: 'argent', class_hash: ARGENT_CLASS });
    expect(BigInt(created!.guardian)).toBe(BigInt(ec.starkCurve.getStarkKey(cosignerKey)));
    owner = { ...owner, address: created!.address, privateKey: JSON.parse(readFileSync(owner.file, 'utf8')).privateKey };
    const [deployed] = await ok(['account', 'deploy']);
    await byRelayer(deployed!.transaction_hash);
    const [guardian] = await st.s.chain.provider.callContract({ contractAddress: owner.address, entrypoint: 'get_guardian' });
    expect(BigInt(guardian!)).toBe(BigInt(created!.guardian));
  });

  it('cannot sign alone: writes need a session (exit 2)', async () => {
    const r = await ciro(['worker', 'register', '--capabilities', '1']);
    expect(r.code, shown(r)).toBe(2);
    expect(r.json[0]!.hint).toContain('ciro session create');
  });
});

describe('a session', () => {
  it('longer than the policy allows is refused by the relay (exit 3, policy and rule)', async () => {
    const r = await ciro(['session', 'create', '--methods', 'register_worker,heartbeat,claim_rewards', '--duration', '2d']);
    expect(r.code, shown(r)).toBe(3);
    expect(r.json[0]).toMatchObject({ ok: false, kind: 'refused', policy: 'cli-worker-sessions', rule: 'sessions' });
    expect(existsSync(sessionPath)).toBe(false);
  });

  it('is authorised by the relay and written 0600', async () => {
    const [s] = await ok(['session', 'create', '--methods', 'register_worker,heartbeat,claim_rewards', '--duration', '1h']);
    expect(s).toMatchObject({ status: 'active', policy: 'cli-worker-sessions', session_file: sessionPath });
    expect(s!.methods.map((m: string) => m.split('.')[1])).toEqual(['register_worker', 'heartbeat', 'claim_rewards']);
    expect(statSync(sessionPath).mode & 0o777).toBe(0o600);
    const [listed] = await ok(['session', 'list']);
    expect(listed).toMatchObject({ session_hash: s!.session_hash, status: 'active' });
  });

  it('signs registration and, in worker run, heartbeats and the claim; the relay co-signs, the account holds 0 STRK', async () => {
    const [registered] = await ok(['worker', 'register', '--capabilities', '1']);
    expect(registered!.session).toMatch(/^0x/);
    await byRelayer(registered!.transaction_hash);

    const { deployer } = st.s.chain;
    const token = st.s.chain.manifest.contracts.ciro_token.address;
    await executeAndWait(deployer.account, [
      call(pool(), 'grant_role', [shortString.encodeShortString('JOB_MANAGER_ROLE'), deployer.address]),
      call(token, 'approve', [pool(), ...u256(7n * CIRO)]),
      call(pool(), 'credit_reward', [owner.address, ...u256(7n * CIRO)]),
    ]);
    // The daemon needs no owner key: the session file alone.
    const run = await st.ciro(['--json', '--key-file', '/nonexistent', 'worker', 'run', '--max-heartbeats', '2', '--claim-threshold', '1']);
    expect(run.code, shown(run)).toBe(0);
    const writes = run.json.filter((e) => e.event === 'heartbeat' || e.event === 'claim');
    expect(writes.map((e) => e.event).sort()).toEqual(['claim', 'heartbeat', 'heartbeat']);
    for (const w of writes) {
      expect(w.session).toBe(registered!.session);
      await byRelayer(w.transaction_hash);
    }
    expect(await balanceOf(st.s.chain.provider, token, owner.address)).toBe(7n * CIRO);
    expect(await strkOf(owner.address)).toBe(0n);
  });

  it('a call the policy does not sponsor is refused before any co-signing (exit 3)', async () => {
    const r = await ciro(['worker', 'stake', '1']);
    expect(r.code, shown(r)).toBe(3);
    expect(r.json[0]).toMatchObject({ kind: 'refused', reason: 'contract_not_allowed', policy: 'cli-worker-sessions', rule: 'allow' });
  });

  it('revoked by its owner: the file is set aside and the relay co-signs nothing more for it', async () => {
    const kept = join(st.home, 'kept-session.json');
    copyFileSync(sessionPath, kept);
    // Through a relay that offers a transfer of the account's STRK as "the revocation" to sign: the relay is the
    // account's guardian, so the owner's signature on it would let the relay execute it. The CLI signs its own.
    const evil = { typedData: { ...revocationTypedData('0x1', '0x1'), message: { 'Session Hash': '0xbad' } } };
    const proxy = await tamperingProxy(st.url, (sent) => (/\/revocation$/.test(sent.path) ? evil : undefined));
    const [revoked] = await ok(['session', 'revoke'], { CIRO_RELAY_URL: proxy.url }).finally(() => proxy.close());
    expect(proxy.seen.filter((x) => /\/revocation$/.test(x.path))).toEqual([]);
    expect(revoked).toMatchObject({ status: 'revoked', revoked_by: 'owner', session_file: `${sessionPath}.revoked` });
    expect(existsSync(sessionPath)).toBe(false);
    const r = await ciro(['--session', kept, 'worker', 'heartbeat']);
    expect(r.code, shown(r)).toBe(3);
    expect(r.json[0]).toMatchObject({ reason: 'session_revoked', rule: 'sessions' });
    expect(r.json[0]!.hint).toContain('ciro session create');
  });

  it('a call the policy sponsors but the session does not cover: the relay refuses to co-sign (exit 3); a tenant admin revokes it', async () => {
    const [s] = await ok(['session', 'create', '--methods', 'heartbeat', '--duration', '10m']);
    // Ending within a default window: the heartbeat is built to end with the session, which the relay co-signs.
    const [beat] = await ok(['worker', 'heartbeat']);
    expect(beat).toMatchObject({ session: s!.session_hash });
    const token = st.s.chain.manifest.contracts.ciro_token.address;
    await executeAndWait(st.s.chain.deployer.account, [call(token, 'approve', [pool(), ...u256(CIRO)]), call(pool(), 'credit_reward', [owner.address, ...u256(CIRO)])]);
    const outside = await ciro(['worker', 'claim']);
    expect(outside.code, shown(outside)).toBe(3);
    expect(outside.json[0]).toMatchObject({ kind: 'refused', reason: 'session_call_not_allowed' });
    expect(outside.json[0]!.hint).toContain('--methods');
    const [revoked] = await ok(['session', 'revoke', s!.session_hash, '--admin'], { CIRO_API_KEY: adminKey });
    expect(revoked).toMatchObject({ status: 'revoked', revoked_by: 'admin:test-admin' });
  });

  it('revoked --onchain: the account\'s own revoke_session, relayed sponsored, holds on chain with 0 STRK', async () => {
    const [s] = await ok(['session', 'create', '--methods', 'heartbeat', '--duration', '10m']);
    expect(await ciro(['session', 'revoke', '--onchain', '--admin'])).toMatchObject({ code: 2 });
    const [revoked] = await ok(['session', 'revoke', '--onchain']);
    expect(revoked).toMatchObject({ session_hash: s!.session_hash, status: 'revoked', revoked_by: 'owner', onchain: { sponsored: true } });
    await byRelayer(revoked!.onchain.transaction_hash);
    const [flag] = await st.s.chain.provider.callContract({ contractAddress: owner.address, entrypoint: 'is_session_revoked', calldata: [s!.session_hash] });
    expect(BigInt(flag!)).toBe(1n);
  });

  it('neither the owner key nor any session key was ever printed; the account never held STRK', async () => {
    const out = st.transcript().toLowerCase();
    const sessionKeys = [sessionPath + '.revoked', join(st.home, 'kept-session.json')].map((f) => JSON.parse(readFileSync(f, 'utf8')).sessionKey.privateKey);
    for (const key of [owner.privateKey, ...sessionKeys]) expect(out).not.toContain(BigInt(key).toString(16));
    expect(await strkOf(owner.address)).toBe(0n);
  });
});
