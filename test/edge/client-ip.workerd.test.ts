/**
 * On Workers the caller is cf-connecting-ip, which Cloudflare sets and no
 * caller can forge. A `clientIpHeader` copied from a Node deployment (one
 * behind a proxy) named a header the caller writes itself: every request
 * could name a new network and pass every per-network limit, or name a
 * victim's and use up its allowance. The Worker entry now ignores it.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../relay/entry/worker.ts';
import { newApiKey } from '../../relay/tenants/auth.ts';
import { felt, fakeManifest as manifest } from '../helpers/fakeManifest.ts';

describe('the Worker entry and client identity', () => {
  it('counts node work by cf-connecting-ip, whatever clientIpHeader the config names', async () => {
    const key = await newApiKey(`ip-${crypto.randomUUID().slice(0, 8)}`);
    const config = {
      rpcUrl: 'http://127.0.0.1:9/rpc', manifest, relayers: [{ address: felt(50), privateKey: felt(51) }],
      clientIpHeader: 'x-real-ip',
      nodeWork: { perApiKeyPerMinute: 0, perClientPerMinute: 3, perSenderPerMinute: 0, lightPerMinute: 0, lightPerSitePerMinute: 0, refusalsPerApiKeyPerHour: 0, refusalsPerClientPerHour: 0, refusalsPerSenderPerHour: 0 },
      tenants: [{ id: 'ipt', name: 'IP test', apiKeys: [{ id: key.key.split('.')[0], secretHash: key.secretHash, scope: 'sponsor' }], policies: [] }],
    };
    const workerEnv = { STORE: env.STORE, CIRO_CONFIG: JSON.stringify(config) } as never;
    const ctx = { waitUntil: () => undefined };
    const build = (i: number) =>
      worker.fetch(new Request('http://relay.test/', {
        method: 'POST',
        // One caller: Cloudflare's address for it never changes; the header it writes does, each time.
        headers: { 'content-type': 'application/json', 'x-paymaster-api-key': key.key, 'cf-connecting-ip': '198.51.100.7', 'x-real-ip': `203.0.113.${i}` },
        body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'paymaster_buildTransaction', params: { transaction: { type: 'invoke', invoke: { user_address: felt(0xa11ce), calls: [{ to: felt(12), selector: felt(1), calldata: [] }] } }, parameters: { version: '0x1', fee_mode: { mode: 'sponsored' } } } }),
      }), workerEnv, ctx);
    const reasons: string[] = [];
    for (let i = 0; i < 6; i++) reasons.push(((await (await build(i)).json()) as { error?: { data?: { reason?: string } } }).error?.data?.reason ?? 'ok');
    // Past 3 a minute from the one network the caller really is, refused, however it names itself.
    expect(reasons.slice(3)).toEqual(['rate_limited', 'rate_limited', 'rate_limited']);
    expect(reasons.slice(0, 3)).not.toContain('rate_limited');
  });
});
