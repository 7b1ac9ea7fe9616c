/**
 * Wires the policy gate for Node: policy files from a directory (Node-only
 * file reading), reputation read from the CDC Pool, webhooks over fetch, and
 * webhook secrets from CIRO_SECRET_<NAME> environment variables.
 */
import type { RpcProvider } from 'starknet';
import type { Config } from '../config.ts';
import type { Store } from '../store/types.ts';
import { loadPolicyFiles } from '../policies/files.ts';
import { PolicyGate, contractsFromManifest } from '../policies/policyGate.ts';
import { PolicyRegistry } from '../policies/registry.ts';
import { ChainReputationSource } from '../policies/reputation.ts';
import { WebhookClient } from '../policies/webhook.ts';

export interface GateOptions {
  config: Config;
  store: Store;
  provider: RpcProvider;
  policyDir?: string;
  secrets?: Record<string, string>;
}

export function secretsFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith('CIRO_SECRET_') && v) out[k.slice('CIRO_SECRET_'.length)] = v;
  return out;
}

export function createPolicyGate(o: GateOptions): PolicyGate {
  const policies = new PolicyRegistry(o.policyDir ? loadPolicyFiles(o.policyDir) : []);
  return new PolicyGate({
    store: o.store,
    policies,
    contracts: contractsFromManifest(o.config.manifest),
    reputation: new ChainReputationSource({ provider: o.provider, store: o.store, cdcPool: o.config.manifest.contracts.cdc_pool.address }),
    webhook: new WebhookClient(),
    secrets: o.secrets ?? secretsFromEnv(process.env),
  });
}
