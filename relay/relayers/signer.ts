/**
 * The relayers' signer: starknet.js's own Signer, except that the Poseidon
 * hash of an INVOKE v3's calldata, most of the transaction hash's cost (~5 ms
 * of JS for a relayed execution's ~40 felts), can be computed ahead of time,
 * while the node is busy estimating the same calldata (prehashCalldata), and
 * is then looked up when the transaction is signed. The rest of the hash is
 * starknet.js's v3 composition; anything unusual (a proof, another version,
 * a calldata nobody hashed ahead) goes to starknet.js unchanged.
 */
import { constants, EDAMode, EDataAvailabilityMode, ETransactionVersion3, ec, Signer, transaction, v3hash, type Call, type InvocationsSignerDetails, type Signature } from 'starknet';

/** Calldata hashes computed ahead, by calldata; bounded, oldest dropped first. */
const ahead = new Map<string, bigint>();
const AHEAD_MAX = 256;
const keyOf = (calldata: readonly (string | bigint | number)[]) => calldata.map(String).join(',');
const hashMany = (calldata: readonly (string | bigint | number)[]) => ec.starkCurve.poseidonHashMany(calldata.map((x) => BigInt(x)));

/**
 * Hashes the __execute__ calldata of `calls` now, for the signature that will follow. Call it while
 * waiting on the node: the work then overlaps the node's instead of adding to the request's time.
 */
export function prehashCalldata(calls: Call[]): void {
  const calldata = transaction.getExecuteCalldata(calls, '1');
  const key = keyOf(calldata);
  if (ahead.has(key)) return;
  if (ahead.size >= AHEAD_MAX) ahead.delete(ahead.keys().next().value!);
  ahead.set(key, hashMany(calldata));
}

/** Runs prehashCalldata() once the current tick's I/O (the node request) has been sent. */
export function prehashSoon(calls: Call[]): void {
  setImmediate(() => {
    try {
      prehashCalldata(calls);
    } catch {
      // A call that cannot be compiled here fails the same way when signed, where it is reported.
    }
  });
}

const dam = (m: string) => (m === EDataAvailabilityMode.L2 ? EDAMode.L2 : EDAMode.L1);
const V3: unknown[] = Object.values(ETransactionVersion3);

export class RelayerSigner extends Signer {
  override async signTransaction(transactions: Call[], details: InvocationsSignerDetails): Promise<Signature> {
    const d = details as Extract<InvocationsSignerDetails, { resourceBounds: unknown }> & { proofFacts?: unknown[] };
    if (!V3.includes(d.version) || d.proofFacts?.length) return super.signTransaction(transactions, details);
    const calldata = transaction.getExecuteCalldata(transactions, d.cairoVersion);
    const key = keyOf(calldata);
    const calldataHash = ahead.get(key) ?? hashMany(calldata);
    ahead.delete(key);
    const msgHash = v3hash.calculateTransactionHashCommon(
      constants.TransactionHashPrefix.INVOKE,
      d.version,
      d.walletAddress,
      d.chainId,
      d.nonce,
      d.tip,
      d.paymasterData,
      dam(d.nonceDataAvailabilityMode),
      dam(d.feeDataAvailabilityMode),
      d.resourceBounds,
      [hashMany(d.accountDeploymentData), calldataHash],
    );
    return this.signRaw(msgHash);
  }
}
