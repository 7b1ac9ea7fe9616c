/**
 * @avnu/avnu-sdk 4.0.1 against the relay, in its own process over a real
 * socket (clients/avnu-sdk: the SDK with starknet.js 8.9.2 and ethers 6, as
 * its peer dependencies ask). The SDK's paymaster services wrap any
 * starknet.js PaymasterInterface; pointed at the relay, they need nothing
 * else. The SDK builds only `invoke` transactions: no deploy_and_invoke.
 */
import { describe, expect, it } from 'vitest';
import { clientDir, nodeDriver, type Interop } from '../harness.ts';
import { anHour, defaultInvokeFlow, jobCalls, requestsOf, sponsoredInvokeFlow } from '../flows.ts';

export function avnuSdkSuite(ix: () => Interop): void {
  const avnu = nodeDriver(clientDir('avnu-sdk'));

  describe('@avnu/avnu-sdk 4.0.1 paymaster services', () => {
    it('(a) deploy_and_invoke: not supported by the SDK (buildPaymasterTransaction always sends type "invoke", deployment data is dropped)', async () => {
      const address = '0x1234';
      const r = await avnu({
        flow: 'probe-deploy' as never,
        relayUrl: ix().url,
        apiKey: ix().s.apiKey,
        nodeUrl: ix().s.chain.devnet.url,
        address,
        privateKey: '0x1',
        classHash: ix().s.chain.manifest.accountClassHashes[0]!,
        calls: jobCalls(ix(), 'avnu-a'),
        feeMode: { mode: 'sponsored' },
      });
      const sent = r.sent as { transaction: Record<string, unknown> }[];
      expect(sent).toHaveLength(1);
      expect(sent[0]!.transaction.type).toBe('invoke');
      expect(sent[0]!.transaction).not.toHaveProperty('deployment');
    });

    it('(b) sponsored invoke with time bounds (executeAllPaymasterFlow)', async () => {
      const { result, exchanges } = await sponsoredInvokeFlow(ix(), avnu, 'avnu-b', { timeBounds: anHour() });
      expect(result.client).toBe('@avnu/avnu-sdk 4.0.1');
      expect(requestsOf(exchanges, 'paymaster_executeTransaction')).toHaveLength(1);
    });

    it('(c) default fee mode in CIRO (buildPaymasterTransaction → signPaymasterTransaction → executePaymasterTransaction)', async () => {
      const { result, exchanges } = await defaultInvokeFlow(ix(), avnu, 'avnu-c');
      expect(result.builtType).toBe('invoke');
      expect(BigInt(result.fee!.suggested_max_fee_in_gas_token!)).toBeGreaterThan(0n);
      const [exec] = requestsOf(exchanges, 'paymaster_executeTransaction');
      // The SDK pads signature felts (ethers toBeHex); starknet.js's PaymasterRpc re-encodes them on the wire.
      expect(exec.params.transaction.invoke.signature.map(BigInt)).toEqual((result.signature as string[]).map(BigInt));
    });
  });
}
