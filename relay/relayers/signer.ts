/**
 * The relayers' signer: signs what starknet.js's own Signer signs, with two
 * savings on the INVOKE v3 transaction hash, Poseidon all through (~6 ms of
 * CPU in JS for a relayed execution's ~40 felts of calldata):
 *   - the calldata's hash, most of that cost, can be computed ahead of time,
 *     while the node is busy estimating the same calldata (prehashSoon), and
 *     is then looked up when the transaction is signed;
 *   - the Poseidon is injectable: the Node entry gives starknet-crypto's
 *     (entry/nativeCrypto.ts, ~30× faster), Workers keep @scure/starknet's;
 *     so is the ECDSA signing, ~15× faster natively.
 * The composition is SNIP-8's, with starknet.js's own encoders of the fee
 * fields; test/relay/relayers/signer.test.ts checks it signs exactly what
 * starknet.js signs. Anything unusual (a proof, another version) goes to
 * starknet.js unchanged.
 */
import { constants, EDAMode, EDataAvailabilityMode, ETransactionVersion3, ec, Signer, transaction, v3hash, type Call, type InvocationsSignerDetails, type Signature } from 'starknet';

/**
 * Relayer and simulation accounts are Cairo 1 accounts (v3 invokes need one). Said up front: left
 * unset, starknet.js asks the node (getClassAt) the first time each account sends, inside a request.
 */
export const RELAYER_CAIRO_VERSION = '1' as const;

/** Poseidon over any number of felts (Cairo's poseidon_hash_span). */
export type PoseidonMany = (xs: readonly bigint[]) => bigint;
export const jsPoseidonMany: PoseidonMany = (xs) => ec.starkCurve.poseidonHashMany([...xs]);
/** Stark-curve ECDSA with RFC 6979's deterministic k: [r, s], hex. */
export type EcdsaSign = (privateKey: string, hash: string) => [string, string];
export const jsEcdsaSign: EcdsaSign = (privateKey, hash) => {
  const { r, s } = ec.starkCurve.sign(hash, privateKey);
  return [`0x${r.toString(16)}`, `0x${s.toString(16)}`];
};
/** The relayers' cryptography: starknet-crypto's on Node (entry/nativeCrypto.ts), @scure/starknet's otherwise. */
export interface RelayerCrypto {
  poseidonMany: PoseidonMany;
  sign: EcdsaSign;
  /** Also the deployment check's (chain/calldata.ts deploymentAddress). */
  pedersenOnElements?: (xs: readonly bigint[]) => bigint;
}

type Felts = readonly (string | bigint | number)[];
const AHEAD_MAX = 256;
/** Calldata felts worth hashing ahead of the node's answer (a heartbeat has a handful). */
const AHEAD_FELTS = 256;
const keyOf = (calldata: Felts) => calldata.map(String).join(',');
const dam = (m: string) => BigInt(m === EDataAvailabilityMode.L2 ? EDAMode.L2 : EDAMode.L1);
const V3: unknown[] = Object.values(ETransactionVersion3);
type V3Details = Extract<InvocationsSignerDetails, { resourceBounds: unknown }> & { proofFacts?: unknown[] };

/** The relayers' transaction hashing, shared by a pool's signers: one Poseidon, one cache of calldata hashed ahead. */
export class RelayerHasher {
  /** Calldata hashes computed ahead, by calldata; bounded, oldest dropped first. */
  private readonly ahead = new Map<string, bigint>();

  constructor(private readonly poseidon: PoseidonMany = jsPoseidonMany) {}

  private many(xs: Felts): bigint {
    return this.poseidon(xs.map((x) => BigInt(x)));
  }

  /**
   * Hashes the __execute__ calldata of `calls` now, for the signature that will follow. Call it while
   * waiting on the node: the work then overlaps the node's instead of adding to the request's time.
   */
  prehashCalldata(calls: Call[]): void {
    const calldata = transaction.getExecuteCalldata(calls, '1');
    const key = keyOf(calldata);
    if (this.ahead.has(key)) return;
    if (this.ahead.size >= AHEAD_MAX) this.ahead.delete(this.ahead.keys().next().value!);
    this.ahead.set(key, this.many(calldata));
  }

  /**
   * Runs prehashCalldata() once the current tick's I/O (the node request) has been sent. Only for
   * ordinary calldata: a big one hashed ahead costs a request the node then refuses as much as the
   * node's own work (JS Poseidon, on Workers: ~0.46 s at the calldata limit), so it waits for signing.
   */
  prehashSoon(calls: Call[]): void {
    const felts = calls.reduce((n, c) => n + (Array.isArray(c.calldata) ? c.calldata.length : 0), 0);
    if (felts > AHEAD_FELTS) return;
    setImmediate(() => {
      try {
        this.prehashCalldata(calls);
      } catch {
        // A call that cannot be compiled here fails the same way when signed, where it is reported.
      }
    });
  }

  /** SNIP-8's INVOKE v3 hash (starknet.js's calculateTransactionHashCommon, with this Poseidon). */
  invokeHash(d: V3Details, calldata: Felts): string {
    const key = keyOf(calldata);
    const calldataHash = this.ahead.get(key) ?? this.many(calldata);
    this.ahead.delete(key);
    const b = d.resourceBounds;
    const fees = this.many([BigInt(d.tip), v3hash.encodeResourceBoundsL1(b), v3hash.encodeResourceBoundsL2(b), v3hash.encodeDataResourceBoundsL1(b)]);
    const hash = this.many([
      constants.TransactionHashPrefix.INVOKE,
      d.version,
      d.walletAddress,
      fees,
      this.many(d.paymasterData),
      d.chainId,
      d.nonce,
      v3hash.hashDAMode(dam(d.nonceDataAvailabilityMode), dam(d.feeDataAvailabilityMode)),
      this.many(d.accountDeploymentData),
      calldataHash,
    ]);
    return `0x${hash.toString(16)}`;
  }
}

export class RelayerSigner extends Signer {
  constructor(
    private readonly privateKey: string,
    private readonly hasher = new RelayerHasher(),
    private readonly ecdsa: EcdsaSign = jsEcdsaSign,
  ) {
    super(privateKey);
  }

  /** Every signature goes through here (transactions, SNIP-12 messages): ~0.1 ms natively, ~1.5 ms in JS. */
  protected override async signRaw(msgHash: string): Promise<Signature> {
    return this.ecdsa(this.privateKey, msgHash);
  }

  override async signTransaction(transactions: Call[], details: InvocationsSignerDetails): Promise<Signature> {
    const d = details as V3Details;
    if (!V3.includes(d.version) || d.proofFacts?.length) return super.signTransaction(transactions, details);
    return this.signRaw(this.hasher.invokeHash(d, transaction.getExecuteCalldata(transactions, d.cairoVersion)));
  }
}
