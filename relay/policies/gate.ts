/**
 * The seam between execution and sponsorship policy. Execution asks the gate
 * twice: at build (refuse early, consume nothing) and at execute (consume
 * quota and reserve budget atomically). A reservation is plain data so it can
 * be stored with the tracking record and settled by whichever relay instance
 * sees the receipt.
 */
import type { Tenant } from '../config.ts';
import type { OutsideCall } from '../execution/typedData.ts';

export interface SponsorshipRequest {
  tenant: Tenant;
  apiKeyId: string;
  sender: string;
  calls: OutsideCall[];
  feeMode: 'sponsored' | 'default';
  /** Upper bound of the fee the relayer may pay, in fri. */
  maxFee: bigint;
  phase: 'build' | 'execute';
}

export interface ReservationLine {
  key: string;
  amount: string;
}

export interface Reservation {
  policy?: string;
  lines: ReservationLine[];
}

export interface SponsorshipGate {
  /** Throws a RelayError (POLICY_REFUSED, or UNAVAILABLE when a fact can't be read) on refusal. */
  check(req: SponsorshipRequest): Promise<Reservation>;
  /** Replaces each reserved amount by its share of the actual fee. */
  settle(res: Reservation, actualFee: bigint): Promise<void>;
  /** Gives back everything reserved (the transaction never landed). */
  release(res: Reservation): Promise<void>;
}
