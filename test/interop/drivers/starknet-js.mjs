/**
 * starknet.js driver (7.x, 8.x, 10.x): `node starknet-js.mjs <folder>` loads
 * the `starknet` package installed under <folder>/node_modules, so one script
 * drives every pinned version. The wallet path is the library's own:
 * PaymasterRpc pointed at the relay's URL, Account.executePaymasterTransaction
 * (with `deploymentData` for deploy_and_invoke) and, for the default fee mode,
 * estimatePaymasterTransactionFee first and its suggested max passed as
 * maxFeeInGasToken, so the library's own safety checks on the returned typed
 * data run. Job in CIRO_INTEROP_JOB (see ../harness.ts).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(process.argv[2] ?? '.');
const pkgDir = join(root, 'node_modules', 'starknet');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const sn = await import(pathToFileURL(join(pkgDir, pkg.module)).href);
const major = Number(pkg.version.split('.')[0]);
const job = JSON.parse(process.env.CIRO_INTEROP_JOB);

const hex = (v) => (typeof v === 'bigint' || typeof v === 'number' ? '0x' + v.toString(16) : String(v));
const hexAll = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, hex(v)]));

const paymaster = new sn.PaymasterRpc({ nodeUrl: job.relayUrl, headers: { 'x-paymaster-api-key': job.apiKey } });
// 7.x reads at block 'pending' by default, which JSON-RPC 0.9+ nodes (devnet
// 0.8) no longer serve: its SNIP-9 probe would fail and call the account
// incompatible. 'latest' is the client-side setting a dApp on 7.x needs anyway.
const provider = new sn.RpcProvider({ nodeUrl: job.nodeUrl, ...(major < 8 ? { blockIdentifier: 'latest' } : {}) });
const account = (address, privateKey) =>
  major >= 8
    ? new sn.Account({ provider, address, signer: privateKey, paymaster })
    : new sn.Account(provider, address, privateKey, undefined, undefined, paymaster);

if ((await paymaster.isAvailable()) !== true) throw new Error('paymaster_isAvailable is not true');
const tokens = await paymaster.getSupportedTokens();

const out = { client: `starknet.js ${pkg.version}`, tokens: tokens.map((t) => hex(t.token_address ?? t.tokenAddress)) };
const feeMode = job.feeMode.mode === 'default' ? { mode: 'default', gasToken: job.feeMode.gasToken } : { mode: 'sponsored' };
const details = { feeMode, ...(job.timeBounds ? { timeBounds: job.timeBounds } : {}) };
let wallet;
if (job.flow === 'deploy_and_invoke') {
  const publicKey = sn.ec.starkCurve.getStarkKey(job.privateKey);
  const address = sn.hash.calculateContractAddressFromHash(publicKey, job.classHash, [publicKey], 0);
  details.deploymentData = { address, class_hash: job.classHash, salt: publicKey, calldata: [publicKey], version: 1 };
  wallet = account(address, job.privateKey);
  out.address = address;
} else {
  wallet = account(job.address, job.privateKey);
  out.address = job.address;
}

// expectError: a refusal is the answer; report it as the library surfaces it.
if (job.expectError) {
  try {
    await wallet.buildPaymasterTransaction(job.calls, details);
    out.error = null;
  } catch (e) {
    out.error = { name: e.name, code: e.code ?? null, message: String(e.message).slice(0, 2000), isTokenNotSupported: e.isType?.('TOKEN_NOT_SUPPORTED') ?? null };
  }
  out.transactionHash = '0x0';
  console.log('CIRO_INTEROP_RESULT ' + JSON.stringify(out));
  process.exit(0);
}

let maxFee;
if (feeMode.mode === 'default') {
  const fee = await wallet.estimatePaymasterTransactionFee(job.calls, details);
  out.fee = hexAll(fee);
  maxFee = fee.suggested_max_fee_in_gas_token;
  out.maxFeeInGasToken = hex(maxFee);
}
const { transaction_hash } = await wallet.executePaymasterTransaction(job.calls, details, maxFee);
out.transactionHash = transaction_hash;
console.log('CIRO_INTEROP_RESULT ' + JSON.stringify(out));
