/**
 * The relay's simulation account (config.simulator) on a local chain: an
 * account of the relayers' class, registered as a relayer on the Paymaster,
 * unfunded. The relay only ever simulates as it, so its key is thrown away:
 * nobody can send as a registered relayer that holds no funds anyway.
 */
import type { Account, RpcProvider } from 'starknet';
import type { Manifest } from '../../relay/chain/manifest.ts';
import { deployFreshAccount, executeAndWait } from './accounts.ts';
import { call } from './seed.ts';
import { isRelayer } from '../../relay/chain/paymaster.ts';

/** `previous` is kept when the chain still has it registered (a compose re-run on a kept devnet). */
export async function ensureSimulator(provider: RpcProvider, deployer: Account, manifest: Manifest, previous?: string): Promise<string> {
  const paymaster = manifest.contracts.paymaster.address;
  if (previous && (await isRelayer(provider, paymaster, previous).catch(() => false))) return previous;
  const { address } = await deployFreshAccount(provider, deployer, manifest.accountClassHashes[0]!);
  await executeAndWait(deployer, call(paymaster, 'add_relayer', [address]));
  return address;
}
