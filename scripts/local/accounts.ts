/** Accounts on a local chain: predeployed ones, and fresh ones that hold no gas. */
import { Account, RpcProvider, ec, stark, type Call } from 'starknet';
import { predeployedAccounts } from './devnet.ts';

export interface KeyedAccount {
  address: string;
  privateKey: string;
  account: Account;
}

export function connect(provider: RpcProvider, address: string, privateKey: string): KeyedAccount {
  return { address, privateKey, account: new Account({ provider, address, signer: privateKey }) };
}

export async function devnetAccounts(provider: RpcProvider, rpcUrl: string): Promise<KeyedAccount[]> {
  const list = await predeployedAccounts(rpcUrl);
  return list.map((a) => connect(provider, a.address, a.private_key));
}

/**
 * Deploys a fresh account of `classHash` (OpenZeppelin: constructor(public_key))
 * through the UDC, paid by `funder`. The new account never receives STRK, so
 * whatever it does afterwards must be sponsored.
 */
export async function deployFreshAccount(
  provider: RpcProvider,
  funder: Account,
  classHash: string,
): Promise<KeyedAccount> {
  const privateKey = stark.randomAddress();
  const publicKey = ec.starkCurve.getStarkKey(privateKey);
  const res = await funder.deployContract({
    classHash,
    constructorCalldata: [publicKey],
    salt: publicKey,
    unique: false,
  });
  await provider.waitForTransaction(res.transaction_hash);
  return connect(provider, res.contract_address, privateKey);
}

export async function executeAndWait(account: Account, calls: Call | Call[]): Promise<string> {
  const tx = await account.execute(calls);
  const receipt = await account.provider.waitForTransaction(tx.transaction_hash);
  if (!receipt.isSuccess()) {
    throw new Error(`transaction ${tx.transaction_hash} failed: ${JSON.stringify(receipt.value)}`);
  }
  return tx.transaction_hash;
}
