/**
 * A wallet that hangs up mid-execute on a Worker. Cloudflare cancels a
 * request's handler when its client disconnects, unless the work was handed
 * to waitUntil (relay/entry/worker.ts does): an execute cut off while it
 * waits on the node would keep its idempotency claim and its holds, and a
 * retry of the same signed execution would answer `execution_in_progress`
 * until the claim's TTL. Here the node is slowed through a proxy while the
 * client aborts; the execute must still finish (the transaction lands), and
 * the same signed request, sent again, gets the same transaction.
 * Local `wrangler dev` answers through its own proxy Worker and was not seen
 * to cancel the handler on a disconnect, so this guards the outcome, not the
 * platform's cancellation itself.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../relay/tenants/auth.ts';
import type { EdgeRelay } from '../../scripts/edge.ts';
import { startLocalChain, type LocalChain } from '../../scripts/local/chain.ts';
import { startChainEdge } from '../helpers/edge.ts';
import { sign, sponsored } from '../security/helpers.ts';

let chain: LocalChain;
let edge: EdgeRelay;
let proxy: Server;
let apiKey: string;
const slow = { on: false, seen: 0 };

beforeAll(async () => {
  chain = await startLocalChain({ seed: true });
  // The node as the Worker sees it: devnet, each call held 3 s while `slow` is on.
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      if (slow.on) {
        slow.seen++;
        await new Promise((r) => setTimeout(r, 3_000));
      }
      const up = await fetch(chain.devnet.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      res.writeHead(up.status, { 'content-type': 'application/json' }).end(Buffer.from(await up.arrayBuffer()));
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const key = await newApiKey('test');
  apiKey = key.key;
  edge = await startChainEdge(chain, {
    rpcUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/`,
    tenants: [{ id: 'test', name: 'Test', apiKeys: [{ id: 'test', secretHash: key.secretHash, scope: 'sponsor' }], policies: ['worker-rewards'] }],
  });
}, 300_000);
afterAll(async () => {
  await edge?.stop();
  proxy?.close();
  await chain?.stop();
});

const rpc = async (method: string, params: unknown, signal?: AbortSignal) => {
  const res = await fetch(edge.url, { method: 'POST', signal, headers: { 'content-type': 'application/json', 'x-paymaster-api-key': apiKey }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return (await res.json()) as { result?: any; error?: any };
};

describe('a client that disconnects mid-execute (workerd)', () => {
  it('the execute still finishes, and the same signed request sent again gets its tracking id', async () => {
    const w = chain.demo!.worker;
    const calls = [{ to: chain.manifest.contracts.cdc_pool.address, selector: hash.getSelectorFromName('heartbeat'), calldata: [] }];
    const built = await rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: w.address, calls } }, parameters: sponsored });
    expect(built.error).toBeUndefined();
    const td = built.result.typed_data;
    const params = { transaction: { type: 'invoke', invoke: { user_address: w.address, typed_data: td, signature: sign(td, w) } }, parameters: sponsored };
    slow.on = true;
    const abort = new AbortController();
    const cut = rpc('paymaster_executeTransaction', params, abort.signal).catch((e: Error) => e);
    await expect.poll(() => slow.seen, { timeout: 20_000 }).toBeGreaterThan(0);
    abort.abort();
    expect(await cut).toBeInstanceOf(Error);
    slow.on = false;
    const again = await rpc('paymaster_executeTransaction', params);
    expect(again.error).toBeUndefined();
    expect((await chain.provider.waitForTransaction(again.result.transaction_hash)).isSuccess()).toBe(true);
    // One transaction for the signed execution: the first request's, submitted after its client left.
    expect(edge.output().split('\n').filter((l) => l.includes('"execute.submitted"'))).toHaveLength(1);
  }, 180_000);
});
