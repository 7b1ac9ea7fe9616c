/**
 * Wires the policy gate for Node: policy files (templates) from a directory (Node-only
 * file reading), reputation read from the CDC Pool, webhooks over fetch, and
 * webhook secrets from CIRO_SECRET_<TENANT>__<NAME> environment variables.
 */
import type { RpcProvider } from 'starknet';
import type { Config } from '../config.ts';
import type { Store } from '../store/types.ts';
import { loadPolicyFiles } from '../policies/files.ts';
import { contractsFromManifest } from '../policies/policyGate.ts';
import { PolicyRegistry } from '../policies/registry.ts';
import { ChainReputationSource } from '../policies/reputation.ts';
import { WebhookClient } from '../policies/webhook.ts';
import { TenantPolicyGate } from '../tenants/gate.ts';

export interface GateOptions {
  config: Config;
  store: Store;
  provider: RpcProvider;
  policyDir?: string;
  secrets?: Record<string, string>;
  log?: (event: string, data: Record<string, unknown>) => void;
}

/** CIRO_SECRET_<tenant>__<ref>=… becomes the secret `<ref>` of tenant `<tenant>`. */
export function secretsFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    const m = /^CIRO_SECRET_(.+?)__(.+)$/.exec(k);
    if (m && v) out[`${m[1]}/${m[2]}`] = v;
  }
  return out;
}

/**
 * File policies are the shared templates; each tenant's API-created policies
 * come from the Store at request time (see relay/tenants/gate.ts), so a
 * change made through any instance is enforced by all of them.
 */
export function createPolicyGate(o: GateOptions): TenantPolicyGate {
  const templates = new PolicyRegistry(o.policyDir ? loadPolicyFiles(o.policyDir) : []);
  return new TenantPolicyGate({
    store: o.store,
    templates,
    contracts: contractsFromManifest(o.config.manifest),
    reputation: new ChainReputationSource({ provider: o.provider, store: o.store, cdcPool: o.config.manifest.contracts.cdc_pool.address }),
    webhook: new WebhookClient(),
    secrets: o.secrets ?? secretsFromEnv(process.env),
    ...(o.log ? { log: o.log } : {}),
  });
}
