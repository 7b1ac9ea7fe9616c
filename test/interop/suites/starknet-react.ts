/**
 * @starknet-react/core 5.0.3 paymaster hooks against the relay, rendered
 * headless in their own process (clients/starknet-react: React 18 with
 * react-test-renderer, starknet.js 8.9.2 as the peer dependency asks). The
 * dApp side is starknet-react's own: StarknetConfig with paymasterRpcProvider
 * pointed at the relay, an InjectedConnector, usePaymasterGasTokens,
 * usePaymasterEstimateFees and usePaymasterSendTransaction. The injected
 * wallet is a stand-in that only signs typed data with the account key.
 */
import { describe, expect, it } from 'vitest';
import { clientDir, nodeDriver, type Interop } from '../harness.ts';
import { anHour, defaultInvokeFlow, deployAndInvokeFlow, requestsOf, sponsoredInvokeFlow } from '../flows.ts';

export function starknetReactSuite(ix: () => Interop): void {
  const react = nodeDriver(clientDir('starknet-react'));

  describe('@starknet-react/core 5.0.3 paymaster hooks (headless)', () => {
    it('(a) sponsored deploy_and_invoke of a fresh account (deploymentData in usePaymasterSendTransaction options)', async () => {
      const { result, exchanges } = await deployAndInvokeFlow(ix(), react, 'react-a');
      expect(result.client).toBe('@starknet-react/core 5.0.3');
      expect(requestsOf(exchanges, 'paymaster_buildTransaction').map((r) => r.params.transaction.type)).toContain('deploy_and_invoke');
      // The wallet was asked to sign, never to send: the relay submitted the transaction.
      expect(result.walletRequests).toContain('wallet_signTypedData');
      expect(result.walletRequests).not.toContain('wallet_addInvokeTransaction');
    });

    it('(b) sponsored invoke with time bounds', async () => {
      const { result } = await sponsoredInvokeFlow(ix(), react, 'react-b', { timeBounds: anHour() });
      expect(result.tokens!.map(BigInt)).toContain(BigInt(ix().s.chain.manifest.contracts.ciro_token.address));
    });

    it('(c) default fee mode in CIRO: usePaymasterEstimateFees feeds maxFeeInGasToken of usePaymasterSendTransaction', async () => {
      const { result, paid } = await defaultInvokeFlow(ix(), react, 'react-c');
      // At most the max fee passed (checked in the harness); equal while the quote does not move between estimate and execute.
      expect(paid).toBeLessThanOrEqual(BigInt(result.maxFeeInGasToken!));
    });
  });
}
