/**
 * One test per error the relay can return, each driven by a real cause on a
 * real chain, plus JSON-RPC framing abuse. None of them may produce a 5xx or
 * put a transaction on chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ec, hash, num, shortString, stark, typedData } from 'starknet';
import { startRelayStack, type RelayStack } from '../../helpers/relay.ts';
import { buildTypedData } from '../../../relay/chain/snip9.ts';
import { chainNow } from '../../../scripts/local/outside.ts';

let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack();
});
afterAll(async () => s?.stop());

const c = () => s.chain.manifest.contracts;
const sponsored = { version: '0x1', fee_mode: { mode: 'sponsored' } };
const worker = () => s.chain.demo!.worker;
const invoke = (user: string, calls: { to: string; selector: string; calldata: string[] }[]) => ({
  type: 'invoke',
  invoke: { user_address: user, calls },
});
const heartbeat = () => ({ to: c().cdc_pool.address, selector: hash.getSelectorFromName('heartbeat'), calldata: [] });
const heartbeatCallFor = heartbeat;

async function txCountOf(address: string) {
  return BigInt(await s.chain.provider.getNonceForAddress(address));
}

/** Signs typed data for `address` with `key` (by default: as the demo worker, with its real key). */
function sign(td: any, key = worker().privateKey, address = worker().address) {
  return stark.formatSignature(ec.starkCurve.sign(typedData.getMessageHash(td, address), key));
}

describe('SNIP-29 error codes, each from a real cause', () => {
  it('150 INVALID_ADDRESS: an address beyond 2^251, and an account that is not deployed', async () => {
    const r = await s.rpc('paymaster_buildTransaction', { transaction: invoke('0x' + 'f'.repeat(63), [heartbeat()]), parameters: sponsored });
    expect(r.status).toBe(200);
    expect(r.body.error).toMatchObject({ code: 150, data: { reason: 'address_out_of_range' } });
    const r2 = await s.rpc('paymaster_buildTransaction', { transaction: invoke('0x1234abcd', [heartbeat()]), parameters: sponsored });
    expect(r2.body.error).toMatchObject({ code: 150, data: { reason: 'account_not_deployed' } });
  });

  it('151 TOKEN_NOT_SUPPORTED: default mode with a token the relay does not price', async () => {
    const r = await s.rpc('paymaster_buildTransaction', {
      transaction: invoke(worker().address, [heartbeat()]),
      parameters: { version: '0x1', fee_mode: { mode: 'default', gas_token: '0x123456' } },
    });
    expect(r.body.error).toMatchObject({ code: 151, data: { reason: 'token_not_supported' } });
  });

  it('153 INVALID_SIGNATURE: typed data signed with the wrong key, and nothing reaches the chain', async () => {
    const built = await s.rpc('paymaster_buildTransaction', { transaction: invoke(worker().address, [heartbeat()]), parameters: sponsored });
    const td = built.body.result.typed_data;
    const relayerNonces = await Promise.all(s.chain.relayers.map((r) => txCountOf(r.address)));
    const r = await s.rpc('paymaster_executeTransaction', {
      transaction: { type: 'invoke', invoke: { user_address: worker().address, typed_data: td, signature: sign(td, '0x12345') } },
      parameters: sponsored,
    });
    expect(r.body.error).toMatchObject({ code: 153, data: { reason: 'invalid_signature' } });
    expect(await Promise.all(s.chain.relayers.map((x) => txCountOf(x.address)))).toEqual(relayerNonces);
  });

  it('154 MAX_AMOUNT_TOO_LOW: a signed fee transfer below the actual fee', async () => {
    const now = await chainNow(s.chain.provider);
    const td = buildTypedData(await s.chain.provider.getChainId(), {
      caller: c().paymaster.address,
      nonce: '0x777',
      executeAfter: now - 60,
      executeBefore: now + 600,
      calls: [
        { to: c().ciro_token.address, selector: hash.getSelectorFromName('approve'), calldata: [c().job_mgr.address, '0x1', '0x0'] },
        { to: c().ciro_token.address, selector: hash.getSelectorFromName('transfer'), calldata: [c().paymaster.address, '0x1', '0x0'] },
      ],
    });
    // The client holds CIRO, so the 1-wei transfer itself succeeds; it just doesn't cover the fee.
    const client = s.chain.client;
    const r = await s.rpc('paymaster_executeTransaction', {
      transaction: { type: 'invoke', invoke: { user_address: client.address, typed_data: td, signature: sign(td, client.privateKey, client.address) } },
      parameters: { version: '0x1', fee_mode: { mode: 'default', gas_token: c().ciro_token.address } },
    });
    expect(r.body.error?.code).toBe(154);
    expect(r.body.error.data.reason).toBe('fee_payment_too_low');
  });

  it('155 CLASS_HASH_NOT_SUPPORTED: deploying a class that is not an accepted account', async () => {
    const tokenClass = c().ciro_token.classHash;
    const address = hash.calculateContractAddressFromHash('0x1', tokenClass, [], 0);
    const r = await s.rpc('paymaster_buildTransaction', {
      transaction: { type: 'deploy', deployment: { address, class_hash: tokenClass, salt: '0x1', calldata: [], version: 1 } },
      parameters: sponsored,
    });
    expect(r.body.error).toMatchObject({ code: 155, data: { reason: 'class_hash_not_supported' } });
  });

  it('156 TRANSACTION_EXECUTION_ERROR: a reverting call, with the revert reason in data', async () => {
    // Allowed by the job-submission policy, but model 999 does not exist.
    const submit = { to: c().job_mgr.address, selector: hash.getSelectorFromName('submit_job'), calldata: ['0x3e7', '0x1', '0x0'] };
    const r = await s.rpc('paymaster_buildTransaction', { transaction: invoke(worker().address, [submit]), parameters: sponsored });
    expect(r.body.error?.code).toBe(156);
    expect(r.body.error.data.revert_reason).toBe('JOB: unknown model');
    expect(typeof r.body.error.data.execution_error).toBe('string');
  });

  it('157 INVALID_TIME_BOUNDS: a window that has already closed', async () => {
    const now = await chainNow(s.chain.provider);
    const r = await s.rpc('paymaster_buildTransaction', {
      transaction: invoke(worker().address, [heartbeat()]),
      parameters: { ...sponsored, time_bounds: { execute_after: String(now - 600), execute_before: String(now - 300) } },
    });
    expect(r.body.error).toMatchObject({ code: 157, data: { reason: 'time_bounds_expired' } });
  });

  it('158 INVALID_DEPLOYMENT_DATA: an address that does not follow from class, salt and calldata', async () => {
    const cls = s.chain.manifest.accountClassHashes[0]!;
    const r = await s.rpc('paymaster_buildTransaction', {
      transaction: { type: 'deploy', deployment: { address: '0x1234', class_hash: cls, salt: '0x1', calldata: ['0x2'], version: 1 } },
      parameters: sponsored,
    });
    expect(r.body.error).toMatchObject({ code: 158, data: { reason: 'deployment_address_mismatch' } });
  });

  it('155 CLASS_HASH_NOT_SUPPORTED: a contract that is not an accepted account class, at build and at execute', async () => {
    const token = c().ciro_token.address;
    const built = await s.rpc('paymaster_buildTransaction', { transaction: invoke(token, [heartbeat()]), parameters: sponsored });
    expect(built.body.error).toMatchObject({ code: 155, data: { reason: 'account_class_not_supported' } });
    const now = await chainNow(s.chain.provider);
    const td = buildTypedData(await s.chain.provider.getChainId(), {
      caller: c().paymaster.address, nonce: '0x55', executeAfter: now - 60, executeBefore: now + 600, calls: [heartbeatCallFor()],
    });
    const exec = await s.rpc('paymaster_executeTransaction', {
      transaction: { type: 'invoke', invoke: { user_address: token, typed_data: td, signature: ['0x1', '0x2'] } },
      parameters: sponsored,
    });
    expect(exec.body.error).toMatchObject({ code: 155, data: { reason: 'account_class_not_supported' } });
  });

  it('-32602 for typed data holding a value that is not a felt', async () => {
    const built = await s.rpc('paymaster_buildTransaction', { transaction: invoke(worker().address, [heartbeat()]), parameters: sponsored });
    const td = structuredClone(built.body.result.typed_data);
    td.message.Nonce = '0x' + 'f'.repeat(64);
    const r = await s.rpc('paymaster_executeTransaction', {
      transaction: { type: 'invoke', invoke: { user_address: worker().address, typed_data: td, signature: ['0x1', '0x2'] } },
      parameters: sponsored,
    });
    expect(r.body.error).toMatchObject({ code: -32602, data: { reason: 'typed_data_invalid' } });
  });

  it('-32002 policy refusal names the rule: a selector no policy sponsors', async () => {
    const r = await s.rpc('paymaster_buildTransaction', {
      transaction: invoke(worker().address, [{ to: c().cdc_pool.address, selector: hash.getSelectorFromName('request_unstake'), calldata: ['0x1', '0x0'] }]),
      parameters: sponsored,
    });
    expect(r.body.error.code).toBe(-32002);
    expect(r.body.error.data.reason).toBeTypeOf('string');
    expect(r.body.error.data.policy).toBeTypeOf('string');
  });

  it('-32001 without or with a wrong API key; keys are checked before any work', async () => {
    const params = { transaction: invoke(worker().address, [heartbeat()]), parameters: sponsored };
    const none = await s.rpc('paymaster_buildTransaction', params, { 'x-paymaster-api-key': '' });
    expect(none.body.error).toMatchObject({ code: -32001, data: { reason: 'missing_api_key' } });
    const bad = await s.rpc('paymaster_buildTransaction', params, { 'x-paymaster-api-key': 'test.' + 'a'.repeat(48) });
    expect(bad.body.error).toMatchObject({ code: -32001, data: { reason: 'invalid_api_key' } });
    const open = await s.rpc('paymaster_isAvailable', undefined, { 'x-paymaster-api-key': '' });
    expect(open.body.result).toBe(true);
  });
});

describe('JSON-RPC framing: bad input is a JSON-RPC error, never a 5xx', () => {
  it('malformed JSON → -32700', async () => {
    const r = await s.raw('{"jsonrpc": "2.0", "method": ');
    expect(r.status).toBe(200);
    expect(r.body.error).toMatchObject({ code: -32700, message: 'Parse error', data: { reason: 'invalid_json' } });
  });

  it('not a request object, empty batch, oversized batch → -32600', async () => {
    // The JSON-RPC 2.0 spec's own message for the code.
    expect((await s.raw('42')).body.error).toMatchObject({ code: -32600, message: 'Invalid Request' });
    expect((await s.raw('[]')).body.error.code).toBe(-32600);
    const many = JSON.stringify(Array.from({ length: 21 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'paymaster_isAvailable' })));
    expect((await s.raw(many)).body.error).toMatchObject({ code: -32600, data: { reason: 'batch_too_large' } });
  });

  it('unknown method → -32601', async () => {
    const r = await s.rpc('paymaster_doesNotExist');
    expect(r.body.error).toMatchObject({ code: -32601, data: { reason: 'method_not_found' } });
  });

  it('wrong params → -32602 with the path that is wrong, by name and by position', async () => {
    const byName = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'teleport' }, parameters: sponsored });
    expect(byName.body.error).toMatchObject({ code: -32602, data: { reason: 'invalid_params' } });
    expect(byName.body.error.data.issues[0].path).toBe('transaction.type');
    const byPos = await s.rpc('paymaster_trackingIdToLatestHash', ['not-a-felt']);
    expect(byPos.body.error.code).toBe(-32602);
    const tooMany = await s.rpc('paymaster_isAvailable', [1, 2]);
    expect(tooMany.body.error).toMatchObject({ code: -32602, data: { reason: 'too_many_params' } });
  });

  it('oversized body → 413 with a JSON-RPC error, not a crash', async () => {
    const r = await s.raw(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'paymaster_isAvailable', pad: 'x'.repeat(300_000) }));
    expect(r.status).toBe(413);
    expect(r.body.error).toMatchObject({ code: -32600, data: { reason: 'body_too_large' } });
  });

  it('batches answer each request, by id, and skip notifications', async () => {
    const r = await s.raw(
      JSON.stringify([
        { jsonrpc: '2.0', id: 'a', method: 'paymaster_isAvailable' },
        { jsonrpc: '2.0', method: 'paymaster_isAvailable' },
        { jsonrpc: '2.0', id: 7, method: 'paymaster_getSupportedTokens', params: [] },
        { jsonrpc: '2.0', id: 8, method: 'nope' },
      ]),
    );
    expect(r.body.map((x: any) => x.id)).toEqual(['a', 7, 8]);
    expect(r.body[0].result).toBe(true);
    const tokens = r.body[1].result.map((t: any) => num.toHex(t.token_address));
    expect(tokens).toContain(num.toHex(c().ciro_token.address));
    expect(r.body[2].error.code).toBe(-32601);
  });

  it('GET /health and GET /v1/contracts describe the deployment', async () => {
    const health = await s.relay.app.request('/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, store: true, chain: true });
    const manifest = (await (await s.relay.app.request('/v1/contracts')).json()) as any;
    expect(manifest.contracts.paymaster.address).toBe(c().paymaster.address);
    expect(manifest.chainId).toBe(s.chain.manifest.chainId);
    expect(shortString.decodeShortString(manifest.chainId)).toMatch(/^SN_/);
  });

  it('a chain that stops answering gives a JSON-RPC error, not a 5xx or a hang', async () => {
    await s.chain.devnet.stop();
    // A shape this file never built: a sponsored build reuses the estimate of one built in the last 30 s.
    const r = await s.rpc('paymaster_buildTransaction', { transaction: invoke(worker().address, [heartbeat(), heartbeat(), heartbeat()]), parameters: sponsored });
    expect(r.status).toBe(200);
    expect(r.body.error).toMatchObject({ code: -32003, data: { reason: 'chain_unavailable' } });
    // Readiness is cached for 2 s (anyone may ask, so asking must not load the node): it flips within that.
    await expect.poll(async () => (await s.rpc('paymaster_isAvailable')).body.result, { timeout: 5_000, interval: 250 }).toBe(false);
    const health = await s.relay.app.request('/health');
    expect(health.status).toBe(503);
    // Relayer balances are not published to anonymous callers.
    expect(JSON.stringify(await health.json())).not.toMatch(/balance/);
  });
});
