/**
 * The first gasless transaction of the demo: the seeded worker (0 STRK) claims
 * its CDC Pool rewards through the relay, using nothing but starknet.js's own
 * PaymasterRpc and Account.executePaymasterTransaction.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Account, PaymasterRpc } from 'starknet';
import { LocalProvider } from './local/provider.ts';
import { localDir } from './local/toolchain.ts';

const local = localDir();
const demo = JSON.parse(readFileSync(join(local, 'demo.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(join(local, 'manifest.json'), 'utf8'));
const provider = new LocalProvider({ nodeUrl: manifest.rpcUrl });
const paymaster = new PaymasterRpc({ nodeUrl: demo.relayUrl, headers: { 'x-paymaster-api-key': demo.apiKey } });
const worker = new Account({ provider, address: demo.worker.address, signer: demo.worker.privateKey, paymaster });

const balance = async (token: string) =>
  BigInt((await provider.callContract({ contractAddress: token, entrypoint: 'balance_of', calldata: [worker.address] }))[0]!);

const ciro = manifest.contracts.ciro_token.address;
const strk = manifest.tokens.STRK.address;
console.log(`worker ${worker.address}: ${await balance(ciro)} CIRO wei, ${await balance(strk)} STRK fri`);
const { transaction_hash } = await worker.executePaymasterTransaction(
  [{ contractAddress: manifest.contracts.cdc_pool.address, entrypoint: 'claim_rewards', calldata: [] }],
  { feeMode: { mode: 'sponsored' } },
);
const receipt = await provider.waitForTransaction(transaction_hash);
console.log(`claim_rewards sent by the relay: ${transaction_hash} (${receipt.isSuccess() ? 'succeeded' : 'failed'})`);
console.log(`worker ${worker.address}: ${await balance(ciro)} CIRO wei, ${await balance(strk)} STRK fri`);
