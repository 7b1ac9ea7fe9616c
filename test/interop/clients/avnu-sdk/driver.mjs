/**
 * @avnu/avnu-sdk 4.0.1 driver. The SDK's paymaster services take any
 * starknet.js PaymasterInterface: here starknet.js 8.9.2's PaymasterRpc
 * pointed at the relay (nodeUrl = relay URL, x-paymaster-api-key header), as
 * a dApp would point it at AVNU's. Its base URL (swap/quote API) is not
 * involved in the paymaster flow. Sponsored: executeAllPaymasterFlow.
 * Default mode: the three steps buildPaymasterTransaction →
 * signPaymasterTransaction → executePaymasterTransaction, with the fee from
 * the build. Job in CIRO_INTEROP_JOB (see ../../harness.ts).
 *
 * flow "probe-deploy": the SDK has no deployment input; this records what
 * its buildPaymasterTransaction sends when handed deployment data anyway.
 */
import { readFileSync } from 'node:fs';
import { Account, PaymasterRpc, RpcProvider } from 'starknet';
import { buildPaymasterTransaction, executeAllPaymasterFlow, executePaymasterTransaction, signPaymasterTransaction } from '@avnu/avnu-sdk';

const version = JSON.parse(readFileSync(new URL('./node_modules/@avnu/avnu-sdk/package.json', import.meta.url), 'utf8')).version;
const job = JSON.parse(process.env.CIRO_INTEROP_JOB);
const hex = (v) => (typeof v === 'bigint' ? '0x' + v.toString(16) : String(v));
const out = { client: `@avnu/avnu-sdk ${version}` };

if (job.flow === 'probe-deploy') {
  const sent = [];
  const capture = { buildTransaction: async (transaction, parameters) => (sent.push({ transaction, parameters }), { type: 'invoke' }) };
  const deploymentData = { address: job.address, class_hash: job.classHash, salt: '0x1', calldata: ['0x1'], version: 1 };
  await buildPaymasterTransaction({
    takerAddress: job.address,
    paymaster: { provider: capture, params: { version: '0x1', feeMode: { mode: 'sponsored' }, deploymentData } },
    calls: job.calls,
    deploymentData,
  });
  out.sent = sent;
  out.transactionHash = '0x0';
  console.log('CIRO_INTEROP_RESULT ' + JSON.stringify(out));
  process.exit(0);
}

const paymasterProvider = new PaymasterRpc({ nodeUrl: job.relayUrl, headers: { 'x-paymaster-api-key': job.apiKey } });
const provider = new RpcProvider({ nodeUrl: job.nodeUrl });
const account = new Account({ provider, address: job.address, signer: job.privateKey, paymaster: paymasterProvider });
const params = {
  version: '0x1',
  feeMode: job.feeMode.mode === 'default' ? { mode: 'default', gasToken: job.feeMode.gasToken } : { mode: 'sponsored' },
  ...(job.timeBounds ? { timeBounds: job.timeBounds } : {}),
};
out.address = job.address;

if (job.feeMode.mode === 'sponsored') {
  const { transactionHash } = await executeAllPaymasterFlow({ paymaster: { active: true, provider: paymasterProvider, params }, provider: account, calls: job.calls });
  out.transactionHash = transactionHash;
} else {
  const paymaster = { provider: paymasterProvider, params };
  const prepared = await buildPaymasterTransaction({ takerAddress: account.address, paymaster, calls: job.calls });
  out.builtType = prepared.type;
  out.fee = Object.fromEntries(Object.entries(prepared.fee).map(([k, v]) => [k, hex(v)]));
  const signed = await signPaymasterTransaction({ provider: account, typedData: prepared.typed_data });
  out.signature = signed.signature;
  const { transactionHash } = await executePaymasterTransaction({ takerAddress: account.address, paymaster, signedTransaction: signed });
  out.transactionHash = transactionHash;
}
console.log('CIRO_INTEROP_RESULT ' + JSON.stringify(out));
