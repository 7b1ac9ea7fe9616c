/**
 * Failures are classified by the node's JSON-RPC code or a typed cause,
 * never by message text. A starknet.js RpcError message echoes the request
 * params, so the words "nonce", "not found" or "20" can appear in any of them:
 * each case below would have been misread by the old message matching.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RpcError, type Account } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider } from '../../../relay/chain/provider.ts';
import { RelayError } from '../../../relay/errors/base.ts';
import { isNodeUnreachable, NodeUnreachableError, nodeCodeOf, nodeTraceOf, toRelayError } from '../../../relay/errors/chain.ts';
import { submit } from '../../../relay/execution/submit.ts';
import type { RelayerLease } from '../../../relay/relayers/pool.ts';

/** An RpcError exactly as starknet.js builds it from a node answer: its message includes the params. */
const nodeError = (code: number, params: unknown, data?: unknown) =>
  new RpcError({ code, message: 'node says no', ...(data === undefined ? {} : { data }) } as never, 'starknet_addInvokeTransaction', params);

describe('node error classification', () => {
  it('reads the code and the trace from the node error, through a cause chain', () => {
    const e = nodeError(41, { nonce: '0x20' }, { transaction_index: 0, execution_error: 'boom' });
    expect(e.message).toMatch(/nonce/);
    expect(nodeCodeOf(e)).toBe(41);
    expect(nodeCodeOf(new Error('wrapped', { cause: e }))).toBe(41);
    expect(nodeTraceOf(e)).toBe('boom');
    expect(nodeCodeOf(new Error('Invalid transaction nonce (code 52)'))).toBeUndefined();
  });

  it('turns only a typed transport failure or a failing node into chain_unavailable; text that looks like one is not', () => {
    expect(toRelayError(new NodeUnreachableError('down', new TypeError('fetch failed'))).reason).toBe('chain_unavailable');
    expect(toRelayError(new Error('fetch failed: ECONNREFUSED')).reason).toBe('internal_error');
    // The node failing or busy is the chain's failure; a node refusing what the relay asked is the relay's bug.
    for (const code of [-32603, -32005, 63, 24]) expect(toRelayError(nodeError(code, {})).reason, String(code)).toBe('chain_unavailable');
    for (const code of [-32601, -32602, 28]) expect(toRelayError(nodeError(code, {})).reason, String(code)).toBe('internal_error');
    const own = new RelayError('relayers_busy', { details: 'x' });
    expect(toRelayError(own)).toBe(own);
  });
});

describe('submission retries only on INVALID_TRANSACTION_NONCE (52)', () => {
  const zero = { max_amount: '0x0', max_price_per_unit: '0x0' };
  const signedTx = {
    type: 'INVOKE', version: '0x3', sender_address: '0x1', calldata: [], signature: [], nonce: '0x5',
    resource_bounds: { l1_gas: zero, l2_gas: zero, l1_data_gas: zero }, tip: '0x0', paymaster_data: [],
    account_deployment_data: [], nonce_data_availability_mode: 'L1', fee_data_availability_mode: 'L1',
  };
  function lease(failures: unknown[], status?: () => Promise<{ finality_status: string }>) {
    const calls = { send: 0, refresh: 0 };
    const l = {
      address: '0x1',
      nonce: 5n,
      account: {
        getSignedTransaction: async () => signedTx,
        provider: {
          invokeSignedTx: async () => {
            calls.send++;
            const f = failures.shift();
            if (f) throw f;
            return { transaction_hash: '0xabc' };
          },
          getTransactionStatus: status ?? (async () => Promise.reject(nodeError(29, {}))),
        },
      } as unknown as Account,
      refreshNonce: async () => {
        calls.refresh++;
        return 6n;
      },
      commit: async () => {},
      release: async () => {},
    } satisfies RelayerLease;
    return { l, calls };
  }
  const bounds = { l1_gas: { max_amount: 0n, max_price_per_unit: 0n }, l2_gas: { max_amount: 0n, max_price_per_unit: 0n }, l1_data_gas: { max_amount: 0n, max_price_per_unit: 0n } };
  const CHAIN = '0x534e5f5345504f4c4941';

  it('refreshes the nonce and retries once on 52', async () => {
    const { l, calls } = lease([nodeError(52, { nonce: '0x5' })]);
    await expect(submit(l, [], bounds, CHAIN, 0n)).resolves.toEqual({ txHash: '0xabc', unconfirmed: false, nonceUsed: true });
    expect(calls).toEqual({ send: 2, refresh: 1 });
  });

  it('does not retry any other refusal, though its message says "nonce"', async () => {
    const { l, calls } = lease([nodeError(55, { invocation: { nonce: '0x5' } })]);
    const e = await submit(l, [], bounds, CHAIN, 0n).catch((x: unknown) => x);
    expect(e).toMatchObject({ reason: 'submission_failed' });
    expect(calls).toEqual({ send: 1, refresh: 0 });
  });

  it('keeps an answer that does not say the node refused it as unconfirmed: it may have taken the transaction', async () => {
    // 63: a gateway that timed out after taking it; 59: the node has it already; -32603 and made-up codes: unknown.
    for (const code of [63, 59, -32603, 777]) {
      const { l, calls } = lease([nodeError(code, {})]);
      const res = await submit(l, [], bounds, CHAIN, 0n);
      expect(res, String(code)).toMatchObject({ unconfirmed: true, txHash: expect.stringMatching(/^0x[0-9a-f]+$/) });
      expect(calls).toEqual({ send: 1, refresh: 0 });
    }
    // What says it was not taken is final: nothing to track, the reservation is given back.
    for (const code of [53, 54, 55, 61, 64, 65, -32602]) {
      const { l } = lease([nodeError(code, {})]);
      await expect(submit(l, [], bounds, CHAIN, 0n), String(code)).rejects.toMatchObject({ reason: 'submission_failed' });
    }
  });

  it('keeps a lost answer as unconfirmed, with the hash computed before sending, and never sends again', async () => {
    const { l, calls } = lease([new NodeUnreachableError('connection reset')]);
    const res = await submit(l, [], bounds, CHAIN, 0n);
    expect(res.unconfirmed).toBe(true);
    expect(res.txHash).toMatch(/^0x[0-9a-f]+$/);
    expect(calls).toEqual({ send: 1, refresh: 0 });
  });

  it("counts a lost answer's nonce used only if the node knows the transaction and did not reject it", async () => {
    const lost = () => [new NodeUnreachableError('connection reset')];
    const used = async (status?: () => Promise<{ finality_status: string }>) => (await submit(lease(lost(), status).l, [], bounds, CHAIN, 0n)).nonceUsed;
    expect(await used(async () => ({ finality_status: 'RECEIVED' }))).toBe(true);
    expect(await used(async () => ({ finality_status: 'ACCEPTED_ON_L2' }))).toBe(true);
    expect(await used(async () => ({ finality_status: 'REJECTED' }))).toBe(false);
    expect(await used()).toBe(false); // TXN_HASH_NOT_FOUND
    expect(await used(async () => Promise.reject(new NodeUnreachableError('down')))).toBe(false);
  });
});

describe('the relay provider marks an unreachable node with a type', () => {
  let html: Server;
  let url: string;
  beforeAll(async () => {
    html = createServer((_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'));
    await new Promise<void>((r) => html.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(html.address() as AddressInfo).port}`;
  });
  afterAll(() => html.close());

  it('a refused connection', async () => {
    // Port 9 (discard) is closed on loopback here: the connect is refused.
    const e = await createProvider('http://127.0.0.1:9').getBlockNumber().catch((x: unknown) => x);
    expect(isNodeUnreachable(e)).toBe(true);
    expect(toRelayError(e).reason).toBe('chain_unavailable');
  });

  it('a proxy answering HTML instead of JSON-RPC', async () => {
    const e = await createProvider(url).getChainId().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NodeUnreachableError);
    expect(toRelayError(e).reason).toBe('chain_unavailable');
  });
});
