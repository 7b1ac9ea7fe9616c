/** Builders shared by the policy tests: a parsed policy, a request and facts with sane defaults. */
import { hash } from 'starknet';
import { PolicySchema, type Policy, type PolicyFacts, type PolicyInput, type PolicyRequest } from '../../policies/index.ts';

export const POOL = '0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde';
export const JOBS = '0x0222';
export const TOKEN = '0x0333';
export const SENDER = '0x0abc';
export const OTHER = '0x0def';

export const MANIFEST: Record<string, string> = { cdc_pool: POOL, job_mgr: JOBS, ciro_token: TOKEN };

export const sel = (name: string): string => hash.getSelectorFromName(name);

export function policy(rules: PolicyInput['rules'] = {}, extra: Partial<PolicyInput> = {}): Policy {
  return PolicySchema.parse({ schemaVersion: 1, id: 'p', name: 'P', enabled: true, rules, ...extra });
}

export function call(to: string, entrypoint: string, calldata: string[] = []): PolicyRequest['calls'][number] {
  return { to, selector: sel(entrypoint), entrypoint, calldata };
}

export function request(over: Partial<PolicyRequest> = {}): PolicyRequest {
  return {
    sender: SENDER,
    calls: [call(POOL, 'heartbeat')],
    feeMode: 'sponsored',
    apiKeyId: 'key-1',
    maxFee: 100n,
    phase: 'execute',
    ...over,
  };
}

/** Facts in which every counter is fresh; tests override the one they exercise. */
export function facts(over: Partial<PolicyFacts> = {}): PolicyFacts {
  return {
    now: 1_700_000_000,
    contracts: MANIFEST,
    usage: { txs: 0, fee: 0n },
    rateLimits: [
      { remainingPoints: 10, msBeforeNext: 0 },
      { remainingPoints: 10, msBeforeNext: 0 },
    ],
    budgets: { global: 0n, user: 0n },
    reputation: 500,
    webhook: { verdict: 'approve' },
    ...over,
  };
}

export const ALLOW_POOL = [{ contract: 'cdc_pool', selectors: ['heartbeat', 'claim_rewards'] }];
