/**
 * What paymaster_executeTransaction will put on chain, decided before any
 * node simulation: the signed execution must name our Paymaster as caller and
 * our chain, its window must still be open, a default-mode payment must be
 * the last call, and the account must be (or be about to be) one of the
 * classes the relay accepts. The result is the relayer's calls, the calls the
 * gate judges, and the idempotency key of the on-chain effect.
 */
import type { Call } from 'starknet';
import { cachedClassHash, classHashAt } from '../chain/accounts.ts';
import { fromU256, paymasterCall, TRANSFER_SELECTOR, udcDeployTx } from '../chain/calldata.ts';
import type { GasToken } from '../chain/fees.ts';
import { toHex } from '../chain/felt.ts';
import type { OutsideCall } from '../chain/snip9.ts';
import type { ExecutableTransaction, UserParameters } from '../chain/snip29.ts';
import type { RelayDeps } from '../deps.ts';
import { RelayError } from '../errors/base.ts';
import { Keys } from '../store/keys.ts';
import { accountNotDeployed, checkAccountClass, checkDeployBounds, checkShape, checkWindowOpen, resolveGasToken, settleLater } from './checks.ts';

export interface Plan {
  account: string;
  /** The relayer's transaction. */
  calls: Call[];
  /** What the gate judges: the user's calls, without the fee transfer. */
  userCalls: OutsideCall[];
  /** The account class the relayer would deploy, judged by the policy's deployments rule. */
  deployment?: { classHash: string };
  feeMode: 'sponsored' | 'default';
  token?: GasToken;
  /** Gas-token amount the signed transfer pays the Paymaster (default mode). */
  paid: bigint;
  idemKey: string;
  /** Which request holds a deployment's claim (idempotency.ts): "deploy", or the deploy_and_invoke's SNIP-9 nonce. */
  idemTag?: string;
  /**
   * A deployment's: whether the account is deployed already (refused 158 once its claim says this is no retry,
   * so a retry whose answer was lost still gets its ids after its deployment landed).
   */
  deployedAlready?: () => Promise<boolean>;
  /** The signed window's end (unix s): the relay may send the execution again until then. A deploy has none. */
  executeBefore?: number;
  /** Whether the relayer's transaction goes through the Paymaster (and its quota): a deploy alone doesn't. */
  viaPaymaster: boolean;
}

export async function planExecution(deps: RelayDeps, tx: ExecutableTransaction, params: UserParameters): Promise<Plan> {
  const { config } = deps;
  const paymaster = config.manifest.contracts.paymaster.address;
  const token = resolveGasToken(config, params.fee_mode);
  const deployed = checkShape(config, tx, params.fee_mode, deps.deploymentAddress);
  await deps.paymaster.assertActive();
  const deployment = tx.type === 'invoke' ? undefined : tx.deployment;
  const deploys = deployment ? { deployment: { classHash: deployment.class_hash } } : {};
  if (tx.type === 'deploy') {
    // Read after the pre-check: a deploy signs nothing and may name any address.
    if (params.time_bounds) checkDeployBounds(config, await deps.clock.now(), params.time_bounds);
    const deployedAlready = async () => (await classHashAt(deps.provider, deployed!)) !== undefined;
    return { account: deployed!, calls: [udcDeployTx(tx.deployment)], userCalls: [], ...deploys, feeMode: 'sponsored', paid: 0n, idemKey: Keys.deployment(deployed!), idemTag: 'deploy', deployedAlready, viaPaymaster: false };
  }

  const account = tx.invoke.user_address;
  const { chainId, execution: oe } = tx.invoke.typed_data;
  // Independent reads run together; each answer is still checked in the order below. A
  // deployed account's class may come from the build's cache (an hour): an account that has
  // since upgraded itself to a class that could run hidden calls on our gas is refused by the
  // Paymaster itself, which checks the class on chain, in the simulation below, before any gas.
  // Whether a deploy_and_invoke's account is deployed yet is only ever read fresh.
  const nowRead = settleLater(deps.clock.now());
  const classRead = settleLater(deployment ? classHashAt(deps.provider, account) : cachedClassHash(deps.provider, deps.store, account));
  if (chainId !== BigInt(await deps.provider.getChainId())) {
    throw new RelayError('wrong_chain', { details: 'The typed data was built for another chain.' });
  }
  if (BigInt(oe.caller) !== BigInt(paymaster)) {
    throw new RelayError('caller_not_paymaster', { details: `The outside execution's Caller must be the Paymaster ${paymaster}.` });
  }
  const now = await nowRead;
  checkWindowOpen(config, now, oe);

  let userCalls = oe.calls;
  let paid = 0n;
  if (token) {
    const last = oe.calls.at(-1)!;
    const isTransfer =
      BigInt(last.to) === BigInt(token.address) &&
      BigInt(last.selector) === BigInt(TRANSFER_SELECTOR) &&
      last.calldata.length === 3 &&
      BigInt(last.calldata[0]!) === BigInt(paymaster);
    if (!isTransfer) {
      throw new RelayError('fee_transfer_missing', { details: 'In default fee mode the last call must transfer the gas token to the Paymaster.' });
    }
    paid = fromU256(last.calldata[1]!, last.calldata[2]!);
    userCalls = oe.calls.slice(0, -1);
  }
  const classHash = await classRead;
  if (!deployment && !classHash) throw accountNotDeployed('Use transaction type "deploy_and_invoke" with the deployment data.');
  if (classHash && !deployment) checkAccountClass(config, classHash);
  const call = paymasterCall(paymaster, {
    account,
    execution: oe,
    signature: tx.invoke.signature,
    ...(token ? { fee: { token: token.address, amount: paid } } : {}),
  });
  return {
    account,
    calls: deployment ? [udcDeployTx(deployment), call] : [call],
    userCalls,
    ...deploys,
    feeMode: token ? 'default' : 'sponsored',
    ...(token ? { token } : {}),
    paid,
    idemKey: deployment ? Keys.deployment(deployed!) : Keys.execution(account, oe.nonce),
    ...(deployment ? { idemTag: `nonce:${toHex(oe.nonce)}`, deployedAlready: async () => classHash !== undefined } : {}),
    executeBefore: oe.executeBefore,
    viaPaymaster: true,
  };
}
