/**
 * Everything the relay core needs, as interfaces only. `createDeps()` builds
 * one for the Node entry, the tests and any later entry; the core keeps no
 * module-level state, so two apps built from two deps objects share nothing
 * but what their stores share.
 */
import type { RpcProvider } from 'starknet';
import type { PaymasterState } from './chain/paymaster.ts';
import type { PriceBook } from './chain/prices.ts';
import type { Config } from './config.ts';
import type { RelayerPool } from './relayers/pool.ts';
import type { Cosigners } from './sessions/cosigner.ts';
import type { SponsorshipGate } from './sponsorship/gate.ts';
import type { NodeWorkLimiter } from './sponsorship/nodeWork.ts';
import type { Store } from './store/types.ts';
import type { TenantDirectory } from './tenants/directory.ts';
import type { TenantPolicies } from './tenants/effective.ts';

export type Log = (event: string, data: Record<string, unknown>) => void;

export interface RelayDeps {
  config: Config;
  store: Store;
  provider: RpcProvider;
  relayers: RelayerPool;
  /** The Paymaster contract's pause switch. */
  paymaster: PaymasterState;
  /** Gas-token prices for default fee mode. */
  prices: PriceBook;
  gate: SponsorshipGate;
  /** What a caller's builds and executes may cost the node. */
  nodeWork: NodeWorkLimiter;
  tenants: { directory: TenantDirectory; policies: TenantPolicies };
  /** Each tenant's session cosigner key (the Argent guardian of its users' accounts), from its secrets. */
  cosigners: Cosigners;
  /** Work that may finish after the response (an entry's waitUntil). */
  background: (work: Promise<unknown>) => void;
  log: Log;
}
