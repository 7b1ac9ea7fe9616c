/**
 * What execution asks the sponsorship gate, and what the gate hands back.
 * A reservation is plain data, so it is stored with the tracking record and
 * settled by whichever relay instance sees the receipt.
 */
import type { Decision, Policy, PolicyRequest } from '../../policies/index.ts';
import type { OutsideCall } from '../chain/snip9.ts';
import type { Tenant } from '../config.ts';
import type { RelayError } from '../errors/base.ts';

/** An account's quota hold counters (quotaHold.ts), as execute read them before its simulation. */
export interface QuotaSnapshot {
  /** When it was read (ms): an old snapshot is not trusted. */
  at: number;
  held: bigint;
  taken: bigint;
  cleared?: bigint;
}

export interface SponsorshipRequest {
  tenant: Tenant;
  apiKeyId: string;
  sender: string;
  calls: OutsideCall[];
  feeMode: 'sponsored' | 'default';
  /** Upper bound of the fee the relayer may pay, in fri. */
  maxFee: bigint;
  /** `build` decides on a quote and never calls webhooks; `execute` is the real thing. */
  phase: 'build' | 'execute';
  /** An account the relayer would deploy: judged by the policy's deployments rule, not as a call. */
  deployment?: { classHash: string };
  /** The caller's network address, where the entry knows it (deploy quotas). */
  client?: string;
  /**
   * At execute, for a transaction through the Paymaster: the sender's hold
   * counters as read before the simulation, and a read of the on-chain quota
   * left this period (chain/paymaster.ts), made only when the counters do not
   * vouch for one more transaction in flight (quotaHold.ts).
   */
  accountQuota?: { snapshot: QuotaSnapshot; left: () => Promise<bigint> };
  /** How long a hold on this transaction must live (store/keys.ts holdTtlMs); TTL.hold when not given. */
  holdTtlMs?: number;
  /** Default mode: what the signed payment is worth in fri at execute's price (what a success leaves uncharged). */
  paidFri?: bigint;
}

/**
 * What settlement does with a line once the chain has answered:
 * - `fee`: becomes the actual fee (sponsored budgets, usage, the ceiling);
 * - `count`: stays consumed (transaction counters);
 * - `feeIfReverted`: becomes the actual fee if the transaction reverted, else
 *   what the fee exceeds the line's `covered` by (default mode: the user paid,
 *   unless the payment itself was undone; a fee beyond the payment, a gas
 *   price that rose past the margin, is the relayer's and counts);
 * - `revert`: stays counted if the transaction reverted, else is given back;
 * - `hold`: is always given back (a sender's one payment in flight, its
 *   transactions in flight against the Paymaster's quota).
 * A release (never landed) gives every line back. Lines stored without a kind
 * predate kinds: `:txs` keys count, the rest are fees.
 */
export type LineKind = 'fee' | 'count' | 'feeIfReverted' | 'revert' | 'hold';

export interface ReservationLine {
  key: string;
  amount: string;
  kind?: LineKind;
  /** `feeIfReverted`: the fri the user's payment covers (absent: all of it, as lines kept before it was). */
  covered?: string;
}

export interface Reservation {
  policy?: string;
  /** Whose transaction it is: a revert at settlement counts against this sender. */
  tenant?: string;
  sender?: string;
  lines: ReservationLine[];
}

/** Everything decided for one request, before anything is spent. */
export interface GateDecision {
  decision: Decision;
  /** The deciding policy, when there is one. */
  policy?: Policy;
  request: PolicyRequest;
  /** Ids of the policies that were considered. */
  evaluated: string[];
  /** An operator safeguard that refuses this sender whatever the policies say. */
  safeguard?: RelayError;
}

/** What the gate reports for /metrics; RelayDeps' Metrics extends it (observability/metrics.ts implements it). */
export interface GateMetrics {
  /** The answer that counts: refusals where they happen (check or reserve), allowances when reserved. */
  decision(d: { tenant: string; policy: string; rule: string; outcome: 'allowed' | 'refused'; reason: string; stage: 'check' | 'reserve' }): void;
  /** What a relayer paid for a settled transaction (in default mode the user paid it back in its gas token). */
  feeSpent(f: { tenant: string; policy: string; feeMode: 'sponsored' | 'default'; fri: bigint }): void;
}
