/**
 * The demo relay's config, one for every way the local stack starts
 * (`npm start`, `npm run start:edge`, the compose deploy one-shot), so they
 * cannot drift apart. Callers add the store.
 */
import type { ConfigInput } from '../../relay/config.ts';
import type { Manifest } from '../../relay/chain/manifest.ts';

export interface DemoConfigInput {
  rpcUrl: string;
  manifest: Manifest;
  relayers: { address: string; privateKey: string }[];
  /** The account simulations run as (LocalChain.simulator). */
  simulator?: string;
  /** secretHash of the demo tenant's sponsor key and admin key. */
  keys: { demo: { secretHash: string }; admin: { secretHash: string } };
}

export function demoConfig({ rpcUrl, manifest, relayers, simulator, keys }: DemoConfigInput): ConfigInput {
  return {
    rpcUrl,
    manifest,
    relayers: relayers.map((r) => ({ address: r.address, privateKey: r.privateKey })),
    ...(simulator ? { simulator } : {}),
    relayerTip: '0',
    // The local stack's webhooks (if a demo policy adds one) live on this machine.
    webhookAllowHosts: ['127.0.0.1', 'localhost'],
    gasTokens: {
      STRK: { priceInStrk: '1000000000000000000' },
      // Live from the local oracle (seeded at 0.5 STRK on every deploy); once that reading is older
      // than 15 minutes, the same figure as a fixed fallback keeps the local stack quoting.
      CIRO: { sources: [{ kind: 'pragma', pair: 'CIRO/STRK', maxAgeSeconds: 900 }, { kind: 'fixed', priceInStrk: '500000000000000000' }] },
    },
    tenants: [
      {
        id: 'demo',
        name: 'CIRO demo',
        apiKeys: [
          { id: 'demo', secretHash: keys.demo.secretHash, scope: 'sponsor' },
          { id: 'demo-admin', secretHash: keys.admin.secretHash, scope: 'admin' },
        ],
        // worker-sessions: session keys for Argent workers, co-signed with the demo tenant's SESSION_COSIGNER secret.
        policies: ['worker-rewards', 'job-submission', 'worker-sessions'],
      },
    ],
  };
}
