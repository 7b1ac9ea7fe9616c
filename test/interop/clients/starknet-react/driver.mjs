/**
 * @starknet-react/core 5.0.3 driver: the paymaster hooks rendered headless
 * with react-test-renderer (no DOM, no browser), the way a dApp uses them:
 *
 *   <StarknetConfig chains={[devnet]} provider={jsonRpcProvider(devnet node)}
 *                   paymasterProvider={paymasterRpcProvider(relay URL + key)}
 *                   connectors={[injected wallet]}>
 *     useConnect → useAccount → usePaymasterGasTokens, usePaymasterEstimateFees,
 *     usePaymasterSendTransaction({ calls, options, maxFeeInGasToken })
 *
 * The wallet is a minimal injected StarknetWindowObject on
 * globalThis.starknet_ciro (what a browser extension provides): it answers
 * wallet_requestAccounts / wallet_requestChainId / wallet_getPermissions and
 * signs wallet_signTypedData with the account key. Everything else (building,
 * estimating, executing through the relay) is starknet-react's own path:
 * InjectedConnector → starknet.js 8.9.2 WalletAccount with the config's
 * paymaster provider. deploy_and_invoke passes `deploymentData` in the hook's
 * options. Job in CIRO_INTEROP_JOB (see ../../harness.ts).
 */
import { readFileSync } from 'node:fs';
import React from 'react';
import TestRenderer from 'react-test-renderer';
import { devnet } from '@starknet-react/chains';
import {
  InjectedConnector,
  StarknetConfig,
  jsonRpcProvider,
  paymasterRpcProvider,
  useAccount,
  useConnect,
  usePaymasterEstimateFees,
  usePaymasterGasTokens,
  usePaymasterSendTransaction,
} from '@starknet-react/core';
import { Account, RpcProvider, ec, hash, stark } from 'starknet';

const version = JSON.parse(readFileSync(new URL('./node_modules/@starknet-react/core/package.json', import.meta.url), 'utf8')).version;
const job = JSON.parse(process.env.CIRO_INTEROP_JOB);
const hex = (v) => (typeof v === 'bigint' ? '0x' + v.toString(16) : String(v));
const out = { client: `@starknet-react/core ${version}` };

// The account the wallet holds, and for deploy_and_invoke the deployment data the dApp passes.
let address = job.address;
const options = {
  feeMode: job.feeMode.mode === 'default' ? { mode: 'default', gasToken: job.feeMode.gasToken } : { mode: 'sponsored' },
  ...(job.timeBounds ? { timeBounds: job.timeBounds } : {}),
};
if (job.flow === 'deploy_and_invoke') {
  const publicKey = ec.starkCurve.getStarkKey(job.privateKey);
  address = hash.calculateContractAddressFromHash(publicKey, job.classHash, [publicKey], 0);
  options.deploymentData = { address, class_hash: job.classHash, salt: publicKey, calldata: [publicKey], version: 1 };
}
out.address = address;

// A minimal injected wallet (get-starknet v4 / wallet API): it only holds the key and signs.
const node = new RpcProvider({ nodeUrl: job.nodeUrl });
const signer = new Account({ provider: node, address, signer: job.privateKey });
const walletRequests = [];
globalThis.starknet_ciro = {
  id: 'ciro',
  name: 'CIRO interop wallet',
  version: '1.0.0',
  icon: '',
  on() {},
  off() {},
  async request({ type, params }) {
    walletRequests.push(type);
    switch (type) {
      case 'wallet_requestAccounts':
        return [address];
      case 'wallet_requestChainId':
        return hex(devnet.id);
      case 'wallet_getPermissions':
        return ['accounts'];
      case 'wallet_supportedSpecs':
        return ['0.8', '0.9'];
      case 'wallet_signTypedData':
        return stark.formatSignature(await signer.signMessage(params));
      default:
        throw new Error(`wallet: ${type} not implemented`);
    }
  },
};

const connector = new InjectedConnector({ options: { id: 'ciro', name: 'CIRO interop wallet' } });
let latest = {};

function Flow() {
  const { connectAsync } = useConnect();
  const { account, address: connected } = useAccount();
  const tokens = usePaymasterGasTokens();
  const estimate = usePaymasterEstimateFees({ calls: job.calls, options, enabled: Boolean(account), retry: false });
  const maxFeeInGasToken = options.feeMode.mode === 'default' ? estimate.data?.suggested_max_fee_in_gas_token : undefined;
  const send = usePaymasterSendTransaction({ calls: job.calls, options, maxFeeInGasToken });
  latest = { connectAsync, account, connected, tokens, estimate, send, maxFeeInGasToken };
  return null;
}

async function until(what, ok, ms = 60_000) {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    if (latest.estimate?.error) throw latest.estimate.error;
    if (latest.tokens?.error) throw latest.tokens.error;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const paymasterProvider = paymasterRpcProvider({ rpc: () => ({ nodeUrl: job.relayUrl, headers: { 'x-paymaster-api-key': job.apiKey } }) });
const provider = jsonRpcProvider({ rpc: () => ({ nodeUrl: job.nodeUrl }) });
const renderer = TestRenderer.create(
  React.createElement(StarknetConfig, { chains: [devnet], provider, paymasterProvider, connectors: [connector] }, React.createElement(Flow)),
);

await until('the hooks', () => latest.connectAsync);
await latest.connectAsync({ connector });
await until('the connected account', () => latest.account);
await until('usePaymasterGasTokens', () => latest.tokens.data);
out.tokens = latest.tokens.data.map((t) => hex(t.token_address));
await until('usePaymasterEstimateFees', () => latest.estimate.data);
out.fee = Object.fromEntries(Object.entries(latest.estimate.data).map(([k, v]) => [k, hex(v)]));
if (options.feeMode.mode === 'default') {
  await until('maxFeeInGasToken in the send hook', () => latest.maxFeeInGasToken !== undefined);
  out.maxFeeInGasToken = hex(latest.maxFeeInGasToken);
}
const { transaction_hash } = await latest.send.sendAsync();
out.transactionHash = transaction_hash;
out.walletRequests = [...new Set(walletRequests)];
renderer.unmount();
console.log('CIRO_INTEROP_RESULT ' + JSON.stringify(out));
process.exit(0);
