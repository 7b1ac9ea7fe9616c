/**
 * Session keys end to end, the way a worker would use them: a relay on devnet
 * (started with --predeclare-argent, Argent 0.4.0 accepted by the relay and
 * the Paymaster) serving HTTP on a real socket, a tenant whose cosigner key is
 * a secret, an Argent account deployed sponsored with that key as guardian,
 * sessions made with @argent/x-sessions and run through the relay's SNIP-29
 * endpoint with starknet.js PaymasterRpc. Nothing is mocked: x-sessions talks
 * to the relay's /sessions/argent routes over HTTP with its own fetch.
 */
import { join } from 'node:path';
import * as xs from '@argent/x-sessions';
import { Account, ec, PaymasterRpc, stark, typedData, type Call, type TypedData } from 'starknet';
import type { ConfigInput } from '../../../relay/config.ts';
import { listen } from '../../../relay/entry/node.ts';
import { newApiKey } from '../../../relay/tenants/auth.ts';
import { argentDeployment, WITH_ARGENT } from '../../../scripts/local/argent.ts';
import { repoRoot } from '../../../scripts/local/toolchain.ts';
import { startRelayStack, type RelayStack } from '../../helpers/relay.ts';

export { ARGENT_CLASS } from '../../../scripts/local/argent.ts';
export const PROJECT = 'ciro-workers';
export const sponsored = { version: '0x1' as const, feeMode: { mode: 'sponsored' as const } };
const wire = { version: '0x1', fee_mode: { mode: 'sponsored' } };

export interface SessionStack {
  s: RelayStack;
  url: string;
  cosignerKey: string;
  guardian: string;
  key: string;
  /** An admin-scope key of the same tenant. */
  adminKey: string;
  paymaster: PaymasterRpc;
  /** The relay's REST routes over HTTP, with the tenant's sponsor key unless `key` says otherwise. */
  http(method: string, path: string, body?: unknown, key?: string | null, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/** `config` adds to the relay's (limits, a proxy header). */
export async function startSessionStack(config: Partial<ConfigInput> = {}): Promise<SessionStack> {
  const cosignerKey = stark.randomAddress();
  const s = await startRelayStack({
    chain: WITH_ARGENT,
    policyDir: join(repoRoot, 'policies', 'examples'),
    policies: ['worker-sessions'],
    secrets: { 'test/SESSION_COSIGNER': cosignerKey },
    // Another tenant on the same relay, with the same policy but no cosigner secret.
    tenants: { other: ['worker-sessions'] },
    config,
  });
  // The tenant's admin key, beside the sponsor key startRelayStack made (the directory reads this config object).
  const admin = await newApiKey('test-admin');
  s.relay.deps.config.tenants[0]!.apiKeys.push({ id: 'test-admin', secretHash: admin.secretHash, scope: 'admin' });
  const { server, url } = await listen(s.relay, 0);
  const http = async (method: string, path: string, body?: unknown, key: string | null = s.apiKey, headers: Record<string, string> = {}) => {
    const res = await fetch(url + path, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { 'x-paymaster-api-key': key } : {}), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    s,
    url,
    cosignerKey,
    guardian: ec.starkCurve.getStarkKey(cosignerKey),
    key: s.apiKey,
    adminKey: admin.key,
    paymaster: new PaymasterRpc({ nodeUrl: url, headers: { 'x-paymaster-api-key': s.apiKey } }),
    http,
    stop: async () => {
      await new Promise((r) => server.close(r));
      await s.stop();
    },
  };
}

export interface ArgentAccount {
  address: string;
  ownerKey: string;
  owner: Account;
}

const sig = (h: string, key: string) => {
  const x = ec.starkCurve.sign(h, key);
  return ['0x' + x.r.toString(16), '0x' + x.s.toString(16)];
};

/** Deploys an Argent 0.4.0 account (owner: a fresh key, guardian: the relay's cosigner) through the relay, sponsored. */
export async function deployArgent(st: SessionStack, guardian = st.guardian): Promise<ArgentAccount> {
  const ownerKey = stark.randomAddress();
  const deployment = argentDeployment(ownerKey, guardian);
  const { address } = deployment;
  const r = await st.s.rpc('paymaster_executeTransaction', { transaction: { type: 'deploy', deployment }, parameters: wire });
  if (r.body.error) throw new Error(`deploy refused: ${JSON.stringify(r.body.error)}`);
  await st.s.chain.provider.waitForTransaction(r.body.result.transaction_hash);
  return { address, ownerKey, owner: new Account({ provider: st.s.chain.provider, address, signer: ownerKey }) };
}

/** An owner transaction: build through the relay, signed by owner and guardian (the test holds the cosigner key), executed sponsored. */
export async function ownerExecute(st: SessionStack, a: ArgentAccount, calls: Call[]): Promise<string> {
  const built = await st.paymaster.buildTransaction({ type: 'invoke', invoke: { userAddress: a.address, calls } }, sponsored);
  if (built.type !== 'invoke') throw new Error('expected an invoke');
  const h = typedData.getMessageHash(built.typed_data, a.address);
  const signature = [...sig(h, a.ownerKey), ...sig(h, st.cosignerKey)];
  const r = await st.paymaster.executeTransaction({ type: 'invoke', invoke: { userAddress: a.address, typedData: built.typed_data, signature } }, sponsored);
  await st.s.chain.provider.waitForTransaction(r.transaction_hash);
  return r.transaction_hash;
}

export interface Made {
  request: ReturnType<typeof xs.createSessionRequest>;
  sessionKey: { privateKey: string; publicKey: string };
  authorize: { status: number; body: any };
  session?: Awaited<ReturnType<typeof xs.createSession>>;
}

/** x-sessions createSessionRequest, the owner's signature (starknet.js Account.signMessage), then POST /sessions/authorize. */
export async function makeSession(
  st: SessionStack,
  a: ArgentAccount,
  o: { methods?: string[]; seconds?: number; projectID?: string; key?: string; headers?: Record<string, string> } = {},
): Promise<Made> {
  const chainId = (await st.s.chain.provider.getChainId()) as never;
  const privateKey = stark.randomAddress();
  const sessionKey = { privateKey, publicKey: ec.starkCurve.getStarkKey(privateKey) };
  const pool = st.s.chain.manifest.contracts.cdc_pool.address;
  const now = Number((await st.s.chain.provider.getBlock('latest')).timestamp);
  const request = xs.createSessionRequest({
    chainId,
    sessionParams: {
      allowedMethods: (o.methods ?? ['heartbeat', 'claim_rewards']).map((selector) => ({ 'Contract Address': pool, selector })),
      expiry: BigInt(now + (o.seconds ?? 3600)),
      sessionKey,
      metaData: { projectID: o.projectID ?? PROJECT, txFees: [] },
    },
  });
  const ownerSignature = stark.formatSignature(await a.owner.signMessage(request.sessionTypedData as TypedData));
  const authorize = await st.http('POST', '/sessions/authorize', { address: a.address, session: request.offchainSession, ownerSignature }, o.key, o.headers);
  if (authorize.status >= 300) return { request, sessionKey, authorize };
  const session = await xs.createSession({ address: a.address, authorisationSignature: authorize.body.authorisationSignature, sessionRequest: request, chainId });
  return { request, sessionKey, authorize, session };
}

/** A session transaction: paymaster_buildTransaction, x-sessions signOutsideExecution (the relay co-signs), paymaster_executeTransaction. */
export async function sessionExecute(st: SessionStack, m: Made, calls: Call[], signWith = m.sessionKey, params: Parameters<SessionStack['paymaster']['buildTransaction']>[1] = sponsored) {
  const built = await st.paymaster.buildTransaction({ type: 'invoke', invoke: { userAddress: m.session!.address, calls } }, params);
  if (built.type !== 'invoke') throw new Error('expected an invoke');
  const signature = await xs.signOutsideExecution({
    session: m.session!,
    sessionKey: signWith,
    outsideExecutionTypedData: built.typed_data as never,
    argentSessionServiceUrl: `${st.url}/sessions/argent`,
    calls,
  });
  const execute = () =>
    st.paymaster.executeTransaction({ type: 'invoke', invoke: { userAddress: m.session!.address, typedData: built.typed_data, signature } }, sponsored);
  const first = await execute();
  return { ...first, typedData: built.typed_data, signature, execute };
}

/** What x-sessions throws when the service refuses: its `cause` is the service's `status`, here the relay's reason. */
export async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return String((e as { cause?: unknown }).cause ?? (e as Error).message);
  }
  throw new Error('expected a refusal');
}
