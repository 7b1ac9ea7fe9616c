/**
 * Every write: sponsored through the relay's SNIP-29 endpoint. It is
 * starknet.js's own Account.executePaymasterTransaction taken apart into its
 * steps (build, the library's safety check of the returned typed data, sign,
 * execute), so each step can be shown as it happens and the relay's tracking
 * id (which executePaymasterTransaction drops) can be reported and followed.
 * An account not yet on chain whose key file knows its deployment goes out as
 * deploy_and_invoke: the first write deploys it. With a session configured,
 * the session key signs instead of the owner and the relay co-signs as the
 * account's guardian (sessionFile.ts); the owner key is not read at all.
 */
import { num, paymaster as pmUtils, type Call, type ExecutableUserTransaction, type GetTransactionReceiptResponse, type PaymasterDetails } from 'starknet';
import type { Context } from './context.ts';
import { CliError, usage } from './errors.ts';
import { checkedTypedData, typedDataMismatch } from './outside.ts';
import { signUnderSession } from './sessionFile.ts';

export interface Sent {
  trackingId: string;
  transactionHash: string;
  /** Receipt of the accepted transaction (absent with --no-wait). */
  receipt?: GetTransactionReceiptResponse;
  block?: number;
  /** The account was deployed by this transaction. */
  deployed: boolean;
  /** The session hash, when a session key signed it. */
  session?: string;
}

export interface SendOptions {
  /** Stop once the relay has submitted (default: wait until the chain accepts it). */
  noWait?: boolean;
  /** Deployment only: no calls, the relay's SNIP-29 `deploy`. */
  deployOnly?: boolean;
  waitTimeoutMs?: number;
}

/** 0x-prefixed, 64 hex digits: how explorers print a transaction hash. */
export const fullHash = (h: string) => '0x' + BigInt(h).toString(16).padStart(64, '0');

export function txLink(ctx: Context, hash: string): string {
  const explorer = ctx.settings.get('explorer').value;
  return explorer ? `${explorer.replace(/\/$/, '')}/tx/${fullHash(hash)}` : fullHash(hash);
}

export async function sponsored(ctx: Context, label: string, calls: Call[], opts: SendOptions = {}): Promise<Sent> {
  const session = opts.deployOnly ? undefined : ctx.session();
  const owner = session ? undefined : await ctx.account();
  if (owner?.key.kind === 'argent' && !opts.deployOnly) {
    throw usage(`${owner.key.address} is guarded by the relay's session cosigner: it signs only under a session`, 'Create one: ciro session create (then every write uses it).');
  }
  const address = session ? num.toHex64(session.file.account) : owner!.key.address;
  const contracts = await ctx.contracts(); // chain id checked before anything is signed
  const relay = ctx.relay();
  const progress = ctx.out.progress(`building ${label}`);
  try {
    const deployed = await ctx.isDeployed(address);
    if (opts.deployOnly && deployed) throw usage(`account ${address} is already deployed`);
    const deployment = owner?.key.deployment;
    if (!deployed && !deployment) {
      throw usage(`account ${address} is not deployed`, 'Deploy it with `ciro account deploy` (needs the key file written by `ciro account create`).');
    }
    const details: PaymasterDetails = { feeMode: { mode: 'sponsored' }, ...(deployed ? {} : { deploymentData: deployment! }) };
    let prepared = session
      ? await relay.buildTransaction({ type: 'invoke', invoke: { userAddress: address, calls } }, { version: '0x1', feeMode: { mode: 'sponsored' }, ...(await sessionWindow(ctx, session.file.expiresAt)) })
      : await owner!.account.buildPaymasterTransaction(calls, details);
    const chainId = await (await ctx.provider()).getChainId();
    // The library's own check (deployment data, fee mode), then ours: what is signed runs exactly these calls (outside.ts).
    pmUtils.assertPaymasterTransactionSafety(prepared, calls, details, chainId);
    // The kind of transaction is the command's too: a relay answering a write with a bare deployment would have
    // nothing signed, and the CLI report a success that never ran.
    const expected = opts.deployOnly ? 'deploy' : deployed ? 'invoke' : 'deploy_and_invoke';
    if (prepared.type !== expected) throw typedDataMismatch(`a ${prepared.type} transaction, where this command sends ${expected}`);
    if (prepared.type !== 'invoke' && BigInt(prepared.deployment.address) !== BigInt(address)) throw typedDataMismatch(`the deployment of ${prepared.deployment.address}, not ${address}`);
    if (prepared.type !== 'deploy') {
      prepared = { ...prepared, typed_data: checkedTypedData(prepared.typed_data, calls, { chainId, caller: contracts.paymaster, account: address }) as typeof prepared.typed_data };
    }
    progress.step(prepared.type === 'deploy' ? `built ${label}; submitting (a deployment carries no signature)` : `built ${label} (${prepared.type}); signing`);
    let transaction: ExecutableUserTransaction;
    if (session && prepared.type === 'invoke') {
      const signature = await signUnderSession(ctx, session.file, prepared.typed_data, calls);
      transaction = { type: 'invoke', invoke: { userAddress: address, typedData: prepared.typed_data, signature } };
      progress.step(`signed ${label} with session ${session.file.sessionHash}, co-signed by the relay; submitting`);
    } else {
      transaction = await owner!.account.preparePaymasterTransaction(prepared);
      if (prepared.type !== 'deploy') progress.step(`signed ${label}; submitting`);
    }
    const res = await relay.executeTransaction(transaction, prepared.parameters);
    const trackingId = String(res.tracking_id);
    const sent: Sent = { trackingId, transactionHash: fullHash(res.transaction_hash), deployed: !deployed, ...(session ? { session: session.file.sessionHash } : {}) };
    const where = `tracking id ${trackingId}, tx ${txLink(ctx, sent.transactionHash)}`;
    if (opts.noWait) {
      progress.done(`submitted ${label}: ${where}`);
      return sent;
    }
    progress.step(`submitted ${label}: ${where}; waiting for the chain`);
    const signedUntil = prepared.type === 'deploy' ? undefined : Number((prepared.typed_data.message as { 'Execute Before': string })['Execute Before']);
    const { receipt, hash } = await accepted(ctx, trackingId, sent.transactionHash, opts.waitTimeoutMs ?? 180_000, signedUntil);
    sent.transactionHash = fullHash(hash);
    sent.receipt = receipt;
    sent.block = (receipt as { block_number?: number }).block_number;
    if (receipt.isReverted()) {
      throw new CliError('failed', `${label} reverted on chain in tx ${sent.transactionHash}`, {
        reason: 'reverted',
        details: String((receipt.value as { revert_reason?: string }).revert_reason ?? '').slice(0, 1000),
        hint: 'The relay simulated it successfully; the chain state changed in between. Check the state and retry.',
        data: { tracking_id: trackingId, transaction_hash: sent.transactionHash },
      });
    }
    progress.done(`accepted ${label} in block ${sent.block ?? '?'}: tracking id ${trackingId}, tx ${txLink(ctx, sent.transactionHash)}`);
    return sent;
  } catch (e) {
    progress.fail();
    throw e;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits for the chain to accept the transaction standing for `trackingId`.
 * The receipt is polled on the node; the relay is asked for the latest hash
 * every few polls only, since it may have resent a dropped transaction under
 * a new hash, and asking it on every poll would spend the caller's relay
 * allowance on waiting.
 */
export async function accepted(ctx: Context, trackingId: string, firstHash: string, timeoutMs = 180_000, executeBefore?: number) {
  const provider = await ctx.provider();
  const relay = ctx.relay();
  let hash = firstHash;
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; Date.now() < deadline; i++) {
    const status = await provider.getTransactionStatus(hash).catch(() => undefined);
    if (status && /ACCEPTED_ON_L[12]/.test(status.finality_status)) {
      return { receipt: await provider.getTransactionReceipt(hash), hash };
    }
    if (i % 10 === 9) {
      const latest = await relay.trackingIdToLatestHash(trackingId);
      if (latest.status === 'dropped') {
        // The relay's word alone: while the signed window is open on chain, the signed execution can still run,
        // and running the command again would sign a second one beside it (a stake, a job paid twice).
        const open = executeBefore !== undefined && Number((await provider.getBlock('latest')).timestamp) < executeBefore;
        throw new CliError('unavailable', `the relay dropped tracking id ${trackingId}: the transaction did not land before its signed window closed`, {
          reason: 'dropped',
          hint: open
            ? `The signed window is still open on chain until ${new Date(executeBefore * 1000).toISOString()}: it may yet execute. Check the account after then, before running the command again.`
            : 'Nothing was executed; run the command again.',
          data: { tracking_id: trackingId, transaction_hash: fullHash(latest.transaction_hash) },
        });
      }
      hash = latest.transaction_hash;
    }
    await sleep(Math.min(250 + i * 50, 1500));
  }
  throw new CliError('unavailable', `tracking id ${trackingId} not accepted within ${Math.round(timeoutMs / 1000)}s`, {
    reason: 'timeout',
    hint: `It may still land: ciro relay track ${trackingId}`,
    data: { tracking_id: trackingId, transaction_hash: fullHash(hash) },
  });
}

/** The common fields every write reports with --json. */
export const sentJson = (s: Sent) => ({
  tracking_id: s.trackingId,
  transaction_hash: s.transactionHash,
  ...(s.block !== undefined ? { block: s.block } : {}),
  ...(s.deployed ? { deployed_account: true } : {}),
  ...(s.session ? { session: s.session } : {}),
  sponsored: true,
});

/** A default build's window (the relay's `timeBounds.defaultValiditySeconds` as shipped). */
const DEFAULT_WINDOW_S = 1_800;

/**
 * Within a default window of the session's end, a window ending at it: the relay co-signs no window that
 * outlasts the session (`time_bounds_past_session`), since the account would revert it once the session expired.
 */
async function sessionWindow(ctx: Context, expiresAt: number): Promise<{ timeBounds?: { executeAfter: number; executeBefore: number } }> {
  const now = Number((await (await ctx.provider()).getBlock('latest')).timestamp);
  // A margin: the relay reads the chain's time a block or two after this.
  return expiresAt - now < DEFAULT_WINDOW_S + 120 ? { timeBounds: { executeAfter: now - 60, executeBefore: expiresAt } } : {};
}
