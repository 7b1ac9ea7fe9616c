/**
 * The deployment manifest: what a relay (and any client) needs to know about
 * the chain it sponsors on. Written by the deploy script, served at
 * GET /v1/contracts, validated on load so a stale or hand-edited file fails
 * at boot rather than at the first transaction.
 */
import { z } from 'zod';
import { FeltHex as Felt } from './felt.ts';

const Deployed = z.object({ address: Felt, classHash: Felt });

export const ManifestSchema = z.object({
  chainId: Felt,
  rpcUrl: z.string().url().optional(),
  deployedAt: z.string(),
  deployer: Felt,
  contracts: z.object({
    ciro_token: Deployed,
    cdc_pool: Deployed,
    job_mgr: Deployed,
    paymaster: Deployed,
  }),
  tokens: z.record(z.string(), z.object({ address: Felt, decimals: z.number().int() })),
  /** A price oracle with Pragma's ABI (`get_data_median`), where the network has one (the local stack deploys a mock). */
  oracles: z.object({ pragma: Deployed.optional() }).default({}),
  /** Account classes the relay agrees to deploy (SNIP-29 deploy / deploy_and_invoke). */
  accountClassHashes: z.array(Felt),
});

export type Manifest = z.infer<typeof ManifestSchema>;

/** Manifest names to addresses: what a policy's `contract: "cdc_pool"` resolves to. */
export function contractsOf(manifest: Pick<Manifest, 'contracts'>): Record<string, string> {
  return Object.fromEntries(Object.entries(manifest.contracts).map(([name, c]) => [name, c.address]));
}
