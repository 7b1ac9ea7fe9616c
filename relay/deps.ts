/**
 * Everything the relay core needs, passed in by an entry adapter. The core
 * keeps no module-level state: two apps built from two deps objects share
 * nothing but what their stores share.
 */
import type { RpcProvider } from 'starknet';
import type { Config, Tenant } from './config.ts';
import type { Store } from './store/types.ts';
import type { RelayerPool } from './relayers/pool.ts';
import type { SponsorshipGate } from './policies/gate.ts';
import type { GasToken } from './execution/fees.ts';
import type { TenantPolicyGate } from './tenants/gate.ts';

export interface RelayDeps {
  config: Config;
  store: Store;
  provider: RpcProvider;
  relayers: RelayerPool;
  gate: SponsorshipGate;
  /**
   * Tenant policies for the admin API (CRUD, usage, dry runs). Normally the
   * same object as `gate`, so what the API changes is what SNIP-29 enforces;
   * without it the admin policy routes answer 503.
   */
  tenantPolicies?: TenantPolicyGate;
  /** Work that may finish after the response (Workers: ctx.waitUntil). */
  background?: (work: Promise<unknown>) => void;
  log?: (event: string, data: Record<string, unknown>) => void;
}

/** Who is calling: resolved from the API key before any method runs. */
export interface CallerContext {
  tenant: Tenant;
  apiKeyId: string;
}

export function gasTokens(config: Config): GasToken[] {
  const out: GasToken[] = [];
  for (const [symbol, { priceInStrk }] of Object.entries(config.gasTokens)) {
    const t = config.manifest.tokens[symbol];
    if (t) out.push({ symbol, address: t.address, decimals: t.decimals, priceInStrk: BigInt(priceInStrk) });
  }
  return out;
}

export function findGasToken(config: Config, address: string): GasToken | undefined {
  const a = BigInt(address);
  return gasTokens(config).find((t) => BigInt(t.address) === a);
}
