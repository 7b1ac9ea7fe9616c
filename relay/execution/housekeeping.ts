/**
 * The work no request waits for, one pass of it: settle what landed, send
 * again what was dropped (tracking.ts), and re-read the relayers' balances so
 * one that fell under the floor is reported before the next request finds out.
 * Node runs it on a timer, Workers on the cron trigger.
 */
import type { RelayDeps } from '../deps.ts';
import { sweep } from './tracking.ts';

export interface HousekeepingResult {
  settled: number;
  /** Relayers under the STRK floor (or unreadable), out of rotation until refunded. */
  outOfRotation: string[];
}

export async function housekeeping(deps: RelayDeps, opts: { checkRelayers?: boolean } = {}): Promise<HousekeepingResult> {
  const settled = await sweep(deps);
  if (opts.checkRelayers === false) return { settled, outOfRotation: [] };
  const status = await deps.relayers.status();
  const out = status.filter((r) => !r.inRotation);
  if (out.length) {
    deps.log('relayers.out_of_rotation', {
      relayers: out.map((r) => ({ address: r.address, balance: r.balance })),
      inRotation: status.length - out.length,
    });
  }
  return { settled, outOfRotation: out.map((r) => r.address) };
}
