/**
 * starknet.js in a dapp's page: Debian's headless Chromium loads a page from
 * the dapp's own origin (`localhost`), whose bundle (the project's starknet.js,
 * bundled by esbuild for the browser) builds, signs and executes a sponsored
 * transaction through the relay on another origin (`127.0.0.1`), with the
 * sponsor key in a header, as a dapp's frontend does. The page's node is its
 * own origin's (a dapp's provider answers CORS; here a same-origin proxy to
 * devnet stands in). Checked on chain: the transaction landed, a relayer
 * sent it, the worker paid nothing.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { build } from 'esbuild';
import { Hono } from 'hono';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listen } from '../../relay/entry/node.ts';
import { repoRoot } from '../../scripts/local/toolchain.ts';
import { CHROMIUM } from '../console/browser.ts';
import { startRelayStack, type RelayStack } from '../helpers/relay.ts';

// What the dapp ships: PaymasterRpc at the relay with its public key, an Account signing in the page.
const DAPP = `
import { Account, PaymasterRpc, RpcProvider } from 'starknet';
window.sponsoredHeartbeat = async ({ relay, key, node, address, privateKey, pool }) => {
  const paymaster = new PaymasterRpc({ nodeUrl: relay, headers: { 'x-paymaster-api-key': key } });
  if ((await paymaster.isAvailable()) !== true) throw new Error('paymaster not available');
  const account = new Account({ provider: new RpcProvider({ nodeUrl: node }), address, signer: privateKey, paymaster });
  const calls = [{ contractAddress: pool, entrypoint: 'heartbeat', calldata: [] }];
  return (await account.executePaymasterTransaction(calls, { feeMode: { mode: 'sponsored' } })).transaction_hash;
};
`;

let s: RelayStack;
let browser: Browser;
let relayUrl: string;
let dappUrl: string;
const closers: (() => void)[] = [];
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set CIRO_CHROMIUM.`);
  s = await startRelayStack();
  const served = await listen(s.relay, 0);
  closers.push(() => served.server.close());
  relayUrl = served.url;
  const bundle = await build({ stdin: { contents: DAPP, resolveDir: repoRoot }, bundle: true, format: 'iife', platform: 'browser', write: false, logLevel: 'silent' });
  const js = bundle.outputFiles[0]!.text;
  const devnet = s.chain.devnet.url;
  const dapp = new Hono()
    .get('/', (c) => c.html('<!doctype html><title>dapp</title><script src="/dapp.js"></script>'))
    .get('/dapp.js', (c) => c.body(js, 200, { 'content-type': 'text/javascript' }))
    .post('/node', async (c) => c.body(await (await fetch(devnet, { method: 'POST', headers: { 'content-type': 'application/json' }, body: await c.req.text() })).text(), 200, { 'content-type': 'application/json' }));
  const port = await new Promise<number>((resolve) => {
    const srv = serve({ fetch: dapp.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port));
    closers.push(() => srv.close());
  });
  dappUrl = `http://localhost:${port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}, 300_000);
afterAll(async () => {
  await browser?.close().catch(() => undefined);
  for (const close of closers) close();
  await s?.stop();
});

it("a dapp's page executes a sponsored transaction through the relay on another origin, with starknet.js", async () => {
  const worker = s.chain.demo!.worker;
  const strk = s.chain.manifest.tokens.STRK!.address;
  const balance = async () => BigInt((await s.chain.provider.callContract({ contractAddress: strk, entrypoint: 'balance_of', calldata: [worker.address] }))[0]!);
  const before = await balance();
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${dappUrl}/`);
  const txHash = await page.evaluate(
    (job) => (globalThis as unknown as { sponsoredHeartbeat: (j: unknown) => Promise<string> }).sponsoredHeartbeat(job),
    { relay: relayUrl, key: s.apiKey, node: `${dappUrl}/node`, address: worker.address, privateKey: worker.privateKey, pool: s.chain.manifest.contracts.cdc_pool.address },
  );
  expect(errors).toEqual([]);
  const receipt = await s.chain.provider.waitForTransaction(txHash);
  expect(receipt.isSuccess()).toBe(true);
  const tx = (await s.chain.provider.getTransactionByHash(txHash)) as { sender_address: string };
  expect(s.chain.relayers.map((r) => BigInt(r.address))).toContain(BigInt(tx.sender_address));
  expect(await balance()).toBe(before);
});
