/**
 * starknet.go's `paymaster` package (NethermindEth/starknet.go v0.17.0, from
 * the Go module proxy) against the relay: a small Go program (go/main.go)
 * builds, signs the typed data with the package's own typeddata hashing and
 * curve signing, executes, and follows the tracking id. Built with `go build`
 * into ~/.cache/ciro-interop, keyed by go.sum (scripts/interop.sh prebuilds it;
 * a warm build here only relinks if main.go changed). The build is started by
 * interop.test.ts alongside the stack; only this suite waits for it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runProcess, type Driver, type Interop } from '../harness.ts';
import { anHour, defaultInvokeFlow, deployAndInvokeFlow, refusedBuildFlow, requestsOf, sponsoredInvokeFlow } from '../flows.ts';

export function starknetGoSuite(ix: () => Interop, build: Promise<string>): void {
  let bin: string;
  const go: Driver = (job) => runProcess(bin, [], job);

  describe('starknet.go v0.17.0 paymaster package', () => {
    // Cold (empty module and build caches) the build takes a minute or two on 2 cores.
    beforeAll(async () => {
      bin = await build;
    }, 900_000);

    it('(a) sponsored deploy_and_invoke of a fresh account (address from account.PrecomputeAccountAddress; tip "normal", as in the package\'s example)', async () => {
      const { result, exchanges } = await deployAndInvokeFlow(ix(), go, 'go-a', { tip: 'normal' });
      expect(result.client).toBe('starknet.go');
      expect(result.builtType).toBe('deploy_and_invoke');
      // starknet.go sends its params as a one-element array around the named object.
      const [build] = requestsOf(exchanges, 'paymaster_buildTransaction');
      expect(Array.isArray(build.params)).toBe(true);
      expect(build.params[0].transaction.type).toBe('deploy_and_invoke');
      expect(build.params[0].parameters.fee_mode.tip).toBe('normal');
      // No time bounds asked for: the struct field has no omitempty, so it goes out as null.
      expect(build.params[0].parameters.time_bounds).toBeNull();
    });

    it('(b) sponsored invoke with time bounds (sent as decimal strings), then paymaster_trackingIdToLatestHash', async () => {
      const { result, exchanges } = await sponsoredInvokeFlow(ix(), go, 'go-b', { timeBounds: anHour() });
      const [build] = requestsOf(exchanges, 'paymaster_buildTransaction');
      expect(build.params[0].parameters.time_bounds.execute_before).toMatch(/^[1-9][0-9]*$/);
      expect(result.trackingId).toMatch(/^0x[0-9a-f]+$/);
      expect(requestsOf(exchanges, 'paymaster_trackingIdToLatestHash')).toHaveLength(1);
      expect(result.tokens!.map(BigInt)).toContain(BigInt(ix().s.chain.manifest.contracts.ciro_token.address));
    });

    it('(c) default fee mode in CIRO, tip "normal" (the fee estimate is the build response\'s `fee`)', async () => {
      const { result } = await defaultInvokeFlow(ix(), go, 'go-c', { tip: 'normal' });
      expect(BigInt(result.fee!.suggested_max_fee_in_gas_token!)).toBeGreaterThan(0n);
    });

    // starknet.go matches code AND message: SNIP-29 errors carry the spec's fixed message.
    it('(d) a refused build surfaces as paymaster.ErrTokenNotSupported (code 151, the spec\'s message)', async () => {
      const { error } = await refusedBuildFlow(ix(), go, 'token');
      expect(error).toMatchObject({ code: 151, message: 'An error occurred (TOKEN_NOT_SUPPORTED)' });
    });

    it('(d) a build that would revert surfaces as paymaster.ErrTransactionExecutionError with its execution_error', async () => {
      const { error } = await refusedBuildFlow(ix(), go, 'revert');
      expect(error).toMatchObject({ code: 156, message: 'An error occurred (TRANSACTION_EXECUTION_ERROR)', dataType: '*paymaster.TxnExecutionErrData' });
      expect(error.data).toBeTruthy();
    });
  });
}
