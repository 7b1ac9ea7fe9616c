/**
 * Checks the session routes share: which cosigner a tenant has, whether the
 * tenant's policies let a session be co-signed (asked again on every
 * co-signature, so a policy change applies at once), whether an account is
 * one this relay guards, and whether its owner signed something.
 */
import { selectSessionPolicy, type SessionRequest } from '../../policies/index.ts';
import { guardianOf, isValidSignature, withGuardian } from '../chain/argent.ts';
import { classHashAt } from '../chain/accounts.ts';
import { contractsOf } from '../chain/manifest.ts';
import type { Tenant } from '../config.ts';
import type { RelayDeps } from '../deps.ts';
import { RelayError } from '../errors/base.ts';
import { accountNotDeployed, checkAccountClass } from '../execution/checks.ts';
import { decisionRefused } from '../sponsorship/refusal.ts';
import type { Cosigner, GuardianSignature } from './cosigner.ts';
import type { SessionRecord } from './records.ts';

export function cosignerOf(deps: RelayDeps, tenant: Tenant): Cosigner {
  const c = deps.cosigners.of(tenant);
  if (!c) {
    throw new RelayError('session_cosigner_missing', {
      details: 'This tenant has no session cosigner key; the operator sets CIRO_SECRET_<tenant>__SESSION_COSIGNER (or the tenant\'s sessionCosignerRef).',
    });
  }
  return c;
}

/** The id of the policy that lets the tenant co-sign this session now (chain time), or the policy refusal (-32002). */
export async function assertSessionFits(deps: RelayDeps, tenant: Tenant, request: SessionRequest, now: number): Promise<string> {
  const policies = (await deps.tenants.policies.effective(tenant)).map((e) => e.policy);
  const d = selectSessionPolicy(request, policies, { now, contracts: contractsOf(deps.config.manifest) });
  if (!d.allow) throw decisionRefused(d);
  return d.policy!;
}

export const requestOf = (r: SessionRecord): SessionRequest => ({
  account: r.account,
  apiKeyId: r.apiKeyId,
  expiresAt: r.expiresAt,
  methods: r.methods,
  metadata: r.metadata,
});

/** The account is deployed, of a class the relay relays to, and its guardian is this cosigner. */
export async function assertGuardedBy(deps: RelayDeps, account: string, cosigner: Cosigner): Promise<void> {
  const cls = await classHashAt(deps.provider, account);
  if (!cls) throw accountNotDeployed('Deploy the Argent account (with this relay\'s guardian) before authorising a session.');
  checkAccountClass(deps.config, cls);
  const guardian = await guardianOf(deps.provider, account);
  if (guardian === undefined || BigInt(guardian) !== BigInt(cosigner.publicKey)) {
    throw new RelayError('session_guardian_mismatch', {
      details: `Sessions are co-signed for accounts whose guardian is this tenant's cosigner ${cosigner.publicKey} (GET /sessions/guardian).`,
      data: { guardian: guardian ?? null, expected: cosigner.publicKey },
    });
  }
}

/**
 * The owner signed `digest`: the account itself checks the owner's half next
 * to the guardian's (is_valid_signature wants both when a guardian is set),
 * so every owner signer type Argent supports is checked the way the chain will.
 */
export async function assertOwnerSigned(deps: RelayDeps, account: string, digest: string, owner: readonly string[], guardian: GuardianSignature): Promise<string[]> {
  const full = withGuardian(owner, guardian);
  if (!full || !(await isValidSignature(deps.provider, account, digest, full))) {
    throw new RelayError('invalid_signature', {
      details: "The owner's signature does not verify on the account: sign the typed data with the account's owner key.",
    });
  }
  return full;
}
