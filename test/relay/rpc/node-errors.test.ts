/**
 * What a node's own error answers become, on devnet with a transport that
 * answers chosen methods the way a hosted node does when it rate-limits or
 * fails (JSON-RPC errors, not a dropped connection), and that can pad the
 * hashes it returns (12-01 wire review):
 * - a build whose node read fails is `chain_unavailable` (-32003), not the
 *   relay's own `internal_error` (163);
 * - a tracking poll whose look at the chain fails answers the record as it
 *   stands (the spec gives that method only INVALID_ID);
 * - a padded transaction hash is answered canonical (the spec's FELT);
 * - a deployment of a deployed account is 158 at build and at execute alike
 *   (a retry of the request that deployed it still gets its ids), and a
 *   deploy's time bounds are judged like any build's (157), at execute too.
 */
import { ec, hash, stark } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heartbeatCall, startRelayStack, type RelayStack } from '../../helpers/relay.ts';
import { attackerAccount, buildSigned, sponsored } from '../../security/helpers.ts';
import { chainNow } from '../../../scripts/local/outside.ts';

/** Methods the node answers with this JSON-RPC error while set. */
const failing = new Map<string, { code: number; message: string }>();
let padHashes = false;
let s: RelayStack;

async function nodeFetch(input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> {
  const req = JSON.parse(String(init?.body ?? '{}')) as { id?: unknown; method?: string };
  const error = req.method === undefined ? undefined : failing.get(req.method);
  if (error) return Response.json({ jsonrpc: '2.0', id: req.id, error });
  const res = await fetch(input, init);
  if (!padHashes || req.method !== 'starknet_addInvokeTransaction') return res;
  const body = (await res.json()) as { result?: { transaction_hash: string } };
  if (body.result) body.result.transaction_hash = '0x' + body.result.transaction_hash.slice(2).padStart(64, '0');
  return Response.json(body);
}

beforeAll(async () => {
  // No sweeper: a record settles only when the test polls it.
  s = await startRelayStack({ fetch: nodeFetch, sweepMs: 3_600_000, tenants: { other: ['worker-rewards', 'job-submission'] } });
}, 300_000);
afterAll(async () => s?.stop());

const FELT = /^0x(0|[a-fA-F1-9]{1}[a-fA-F0-9]{0,62})$/; // the spec's FELT pattern

describe("a node's error answers", () => {
  it('a build whose nonce read is rate-limited is chain_unavailable, not an internal error', async () => {
    failing.set('starknet_getNonce', { code: -32005, message: 'Too many requests' });
    try {
      const r = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: s.chain.demo!.worker.address, calls: [heartbeatCall(s)] } }, parameters: sponsored });
      expect(r.status).toBe(200);
      expect(r.body.error).toMatchObject({ code: -32003, data: { reason: 'chain_unavailable' } });
    } finally {
      failing.clear();
    }
  });

  it('a tracking poll answers the record as it stands when the node fails its look; hashes come back canonical', async () => {
    padHashes = true;
    const { params } = await buildSigned(s, s.chain.demo!.worker, [heartbeatCall(s)]);
    const ex = await s.rpc('paymaster_executeTransaction', params);
    padHashes = false;
    expect(ex.body.error).toBeUndefined();
    const txHash: string = ex.body.result.transaction_hash;
    // Before: the node's 0x00…-padded hash, as it answered it.
    expect(txHash).toMatch(FELT);
    failing.set('starknet_getTransactionStatus', { code: -32603, message: 'Internal error' });
    failing.set('starknet_getTransactionReceipt', { code: -32603, message: 'Internal error' });
    try {
      const r = await s.rpc('paymaster_trackingIdToLatestHash', { tracking_id: ex.body.result.tracking_id });
      // Before: 163 internal_error, for a record the relay holds.
      expect(r.body.error).toBeUndefined();
      expect(r.body.result).toEqual({ transaction_hash: txHash, status: 'active' });
    } finally {
      failing.clear();
    }
    expect((await s.chain.provider.waitForTransaction(txHash)).isSuccess()).toBe(true);
  });

  it("a deploy's inverted or past bounds are 157 at build and execute; the same deploy again gets its ids; a deployed account's deployments are 158 at build and execute", async () => {
    const pk = ec.starkCurve.getStarkKey(stark.randomAddress());
    const class_hash = s.chain.manifest.accountClassHashes[0]!;
    const address = hash.calculateContractAddressFromHash(pk, class_hash, [pk], 0);
    const deployment = { address, class_hash, salt: pk, calldata: [pk], version: 1 };
    const inverted = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'deploy', deployment }, parameters: { ...sponsored, time_bounds: { execute_after: 5, execute_before: 3 } } });
    // Before: built, and the inverted bounds echoed back.
    expect(inverted.body.error).toMatchObject({ code: 157, data: { reason: 'time_bounds_inverted' } });
    const now = await chainNow(s.chain.provider);
    const refusedAtExecute = await Promise.all([
      { execute_after: 5, execute_before: 3 },
      { execute_after: now - 600, execute_before: now - 300 },
    ].map((time_bounds) => s.rpc('paymaster_executeTransaction', { transaction: { type: 'deploy', deployment }, parameters: { ...sponsored, time_bounds } })));
    // Before: both deployed the account, the bounds never read (and the first deploy below was then told 158).
    expect(refusedAtExecute.map((r) => [r.body.error?.code, r.body.error?.data?.reason])).toEqual([
      [157, 'time_bounds_inverted'],
      [157, 'time_bounds_expired'],
    ]);
    const deploy = () => s.rpc('paymaster_executeTransaction', { transaction: { type: 'deploy', deployment }, parameters: sponsored });
    const first = await deploy();
    expect(first.body.error).toBeUndefined();
    expect((await s.chain.provider.waitForTransaction(first.body.result.transaction_hash)).isSuccess()).toBe(true);
    // Its answer lost, the client sends it again once it landed: its own ids, nothing sent.
    expect((await deploy()).body.result).toEqual(first.body.result);
    const viaOther = await s.rpc('paymaster_executeTransaction', { transaction: { type: 'deploy', deployment }, parameters: sponsored }, { 'x-paymaster-api-key': s.keys.other! });
    // Before: execution_already_submitted, "build and sign a new one", for an account that needs no deployment.
    expect(viaOther.body.error).toMatchObject({ code: 158, data: { reason: 'account_already_deployed' } });

    const c = s.chain.manifest.contracts;
    // What a new account's first transaction may be here (the deployment policy's calls): submit a job.
    const invoke = { user_address: address, calls: [{ to: c.job_mgr.address, selector: hash.getSelectorFromName('submit_job'), calldata: ['0x1', '0x99', '0x0'] }] };
    const builds = await Promise.all([
      s.rpc('paymaster_buildTransaction', { transaction: { type: 'deploy', deployment }, parameters: sponsored }),
      s.rpc('paymaster_buildTransaction', { transaction: { type: 'deploy_and_invoke', deployment, invoke }, parameters: sponsored }),
    ]);
    // Before: 156 execution_reverted from an estimate of a UDC deploy that could only fail.
    expect(builds.map((b) => [b.body.error?.code, b.body.error?.data?.reason])).toEqual([
      [158, 'account_already_deployed'],
      [158, 'account_already_deployed'],
    ]);
    // An account deployed without the relay (no claim): its deploy is refused before any simulation.
    const outside = await attackerAccount(s);
    const pk2 = ec.starkCurve.getStarkKey(outside.privateKey);
    const theirs = await s.rpc('paymaster_executeTransaction', { transaction: { type: 'deploy', deployment: { address: outside.address, class_hash, salt: pk2, calldata: [pk2], version: 1 } }, parameters: sponsored });
    expect(theirs.body.error).toMatchObject({ code: 158, data: { reason: 'account_already_deployed' } });
  });
});
