/**
 * Argent account 0.4.0 as the session service sees it: the SNIP-12 typed data
 * of a session (x-sessions' "SessionAccount.session", revision 1), the digest
 * a guardian signs per session transaction, and the account's own answers
 * (its guardian, whether a signature is valid, whether an outside-execution
 * nonce is free). Written from the account's source (session_component,
 * argent_account 0.4.0), not from the client library, so the devnet tests
 * check two implementations against the chain.
 */
import { ec, hash, shortString, typedData, type RpcProvider, type TypedData } from 'starknet';
import { NodeCode, nodeCodeOf } from '../errors/chain.ts';
import { toHex } from './felt.ts';

/** What a session is made of, as the owner signs it. Selectors are entrypoint names: x-sessions hashes them into the Merkle leaves. */
export interface SessionData {
  expiresAt: number;
  methods: { contract: string; selector: string }[];
  metadata: string;
  sessionKeyGuid: string;
}

const DOMAIN_TYPE = [
  { name: 'name', type: 'shortstring' },
  { name: 'version', type: 'shortstring' },
  { name: 'chainId', type: 'shortstring' },
  { name: 'revision', type: 'shortstring' },
];

const SESSION_TYPES = {
  StarknetDomain: DOMAIN_TYPE,
  'Allowed Method': [
    { name: 'Contract Address', type: 'ContractAddress' },
    { name: 'selector', type: 'selector' },
  ],
  Session: [
    { name: 'Expires At', type: 'timestamp' },
    { name: 'Allowed Methods', type: 'merkletree', contains: 'Allowed Method' },
    { name: 'Metadata', type: 'string' },
    { name: 'Session Key', type: 'felt' },
  ],
};

export function sessionTypedData(chainId: string, s: SessionData): TypedData {
  return {
    types: SESSION_TYPES,
    primaryType: 'Session',
    domain: { name: 'SessionAccount.session', version: shortString.encodeShortString('1'), chainId: toHex(chainId), revision: '1' },
    message: {
      'Expires At': s.expiresAt,
      'Allowed Methods': s.methods.map((m) => ({ 'Contract Address': toHex(m.contract), selector: m.selector })),
      Metadata: s.metadata,
      'Session Key': toHex(s.sessionKeyGuid),
    },
  };
}

/** The session's hash for this account: what the owner signs, what the account keys revocation by. */
export const sessionHash = (chainId: string, account: string, s: SessionData): string =>
  toHex(typedData.getMessageHash(sessionTypedData(chainId, s), account));

/** A Starknet-key signer's GUID, as the account derives it: poseidon('Starknet Signer', pubkey). */
export const starknetSignerGuid = (publicKey: string): string =>
  toHex(hash.computePoseidonHash(shortString.encodeShortString('Starknet Signer'), toHex(publicKey)));

/** What the session key and the guardian both sign for one transaction: poseidon(tx or outside-execution hash, session hash, cache flag). */
export const sessionTxDigest = (messageHash: string, session: string, cacheAuthorisation: boolean): string =>
  toHex(hash.computePoseidonHashOnElements([messageHash, session, cacheAuthorisation ? 1 : 0]));

/**
 * A Stark ECDSA signature against a Starknet public key, which is a point's x
 * coordinate only: like the chain's check_ecdsa_signature, either point with
 * that x is accepted.
 */
export function verifyStarkSignature(digest: string, publicKey: string, r: string, s: string): boolean {
  const x = BigInt(publicKey).toString(16).padStart(64, '0');
  return ['02', '03'].some((prefix) => {
    try {
      return ec.starkCurve.verify(new ec.starkCurve.Signature(BigInt(r), BigInt(s)), toHex(digest), prefix + x);
    } catch {
      return false;
    }
  });
}

/** The SNIP-12 message an owner signs to revoke a session at the relay (off chain; the relay never submits it). */
export function revocationTypedData(chainId: string, session: string): TypedData {
  return {
    types: { StarknetDomain: DOMAIN_TYPE, 'Revoke Session': [{ name: 'Session Hash', type: 'felt' }] },
    primaryType: 'Revoke Session',
    domain: { name: 'CIRO Relay', version: shortString.encodeShortString('1'), chainId: toHex(chainId), revision: '1' },
    message: { 'Session Hash': toHex(session) },
  };
}

/**
 * The owner's signature followed by the guardian's, in the encoding the
 * owner used: Argent's concise form ([r, s] → [r, s, gr, gs]) or its signer
 * array ([1, signer…] → [2, signer…, Starknet guardian]). Undefined for any
 * other shape, which no owner signature has.
 */
export function withGuardian(owner: readonly string[], guardian: { publicKey: string; r: string; s: string }): string[] | undefined {
  if (owner.length === 2) return [...owner, guardian.r, guardian.s].map(toHex);
  if (owner.length >= 5 && BigInt(owner[0]!) === 1n) return ['0x2', ...owner.slice(1), '0x0', guardian.publicKey, guardian.r, guardian.s].map(toHex);
  return undefined;
}

type Caller = Pick<RpcProvider, 'callContract'>;

/** The account's answer, or undefined when the account itself refused (panicked, no such entrypoint). Node outages are thrown. */
async function read(provider: Caller, account: string, entrypoint: string, calldata: string[]): Promise<string[] | undefined> {
  try {
    return await provider.callContract({ contractAddress: account, entrypoint, calldata });
  } catch (e) {
    const code = nodeCodeOf(e);
    if (code === NodeCode.CONTRACT_ERROR || code === NodeCode.ENTRYPOINT_NOT_FOUND || code === NodeCode.CONTRACT_NOT_FOUND) return undefined;
    throw e;
  }
}

/** The account's guardian public key (0: none), or undefined when the account does not say. */
export async function guardianOf(provider: Caller, account: string): Promise<string | undefined> {
  const r = await read(provider, account, 'get_guardian', []);
  return r?.[0] === undefined ? undefined : toHex(r[0]);
}

const VALIDATED = BigInt(shortString.encodeShortString('VALID'));

/** SNIP-6 `is_valid_signature`: for an account with a guardian, owner and guardian must both have signed. */
export async function isValidSignature(provider: Caller, account: string, digest: string, signature: readonly string[]): Promise<boolean> {
  const r = await read(provider, account, 'is_valid_signature', [toHex(digest), String(signature.length), ...signature.map(toHex)]);
  return r?.[0] !== undefined && BigInt(r[0]) === VALIDATED;
}

/** Whether the account would still accept an outside execution with this nonce. */
export async function outsideNonceFree(provider: Caller, account: string, nonce: string): Promise<boolean> {
  const r = await read(provider, account, 'is_valid_outside_execution_nonce', [toHex(nonce)]);
  return r?.[0] !== undefined && BigInt(r[0]) === 1n;
}
