/**
 * Argent account 0.4.0 on a local chain: the class `starknet-devnet
 * --predeclare-argent` declares, and the constructor calldata of an account
 * with a Starknet-key owner and guardian (the guardian a tenant's session
 * cosigner, relay/sessions/). Accounts are deployed through the UDC with
 * deployer 0 (unique = false), as the relay deploys them.
 */
import { ec, hash } from 'starknet';

export const ARGENT_CLASS = '0x36078334509b514626504edc9fb252328d1a240e4e948bef8d0c08dff45927f';

/** Devnet flags and deployCiro options that make Argent 0.4.0 an account class the relay and Paymaster accept. */
export const WITH_ARGENT = { devnet: { args: ['--predeclare-argent'] }, deploy: { accountClasses: [ARGENT_CLASS] } };

/** constructor(owner: Signer::Starknet(pub), guardian: Some(Signer::Starknet(pub))), salt = owner's public key. */
export function argentDeployment(ownerKey: string, guardianPublicKey: string) {
  const ownerPub = ec.starkCurve.getStarkKey(ownerKey);
  const calldata = ['0x0', ownerPub, '0x0', '0x0', guardianPublicKey].map((x) => '0x' + BigInt(x).toString(16));
  const address = hash.calculateContractAddressFromHash(ownerPub, ARGENT_CLASS, calldata, 0);
  return { address, class_hash: ARGENT_CLASS, salt: ownerPub, calldata, version: 1 as const };
}
