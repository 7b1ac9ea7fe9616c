/**
 * starknet.go's `paymaster` package (NethermindEth/starknet.go v0.17.0, from
 * the Go module proxy) against the relay: a small Go program (go/main.go)
 * builds, signs the typed data with the package's own typeddata hashing and
 * curve signing, executes, and follows the tracking id. Built with `go build`
 * into ~/.cache/ciro-interop, keyed by go.sum (scripts/interop.sh prebuilds it;
 * a warm build here only relinks if main.go changed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGoDriver } from './go/build.ts';
import { defaultInvokeFlow, deployAndInvokeFlow, requestsOf, runProcess, sponsoredInvokeFlow, startInterop, type Driver, type Interop } from './harness.ts';

let ix: Interop;
let bin: string;
beforeAll(async () => {
  // The build first: cold (empty module and build caches) it takes a minute or two on 2 cores.
  bin = await buildGoDriver();
  ix = await startInterop();
}, 900_000);
afterAll(async () => ix?.close());

const go: Driver = (job) => runProcess(bin, [], job);

describe('starknet.go v0.17.0 paymaster package', () => {
  it('(a) sponsored deploy_and_invoke of a fresh account (address from account.PrecomputeAccountAddress)', async () => {
    const { result, exchanges } = await deployAndInvokeFlow(ix, go, 'go-a');
    expect(result.client).toBe('starknet.go');
    expect(result.builtType).toBe('deploy_and_invoke');
    // starknet.go sends its params as a one-element array around the named object.
    const [build] = requestsOf(exchanges, 'paymaster_buildTransaction');
    expect(Array.isArray(build.params)).toBe(true);
    expect(build.params[0].transaction.type).toBe('deploy_and_invoke');
  });

  it('(b) sponsored invoke, then paymaster_trackingIdToLatestHash', async () => {
    const { result, exchanges } = await sponsoredInvokeFlow(ix, go, 'go-b');
    expect(result.trackingId).toMatch(/^0x[0-9a-f]+$/);
    expect(requestsOf(exchanges, 'paymaster_trackingIdToLatestHash')).toHaveLength(1);
    expect(result.tokens!.map(BigInt)).toContain(BigInt(ix.s.chain.manifest.contracts.ciro_token.address));
  });

  it('(c) default fee mode in CIRO (the fee estimate is the build response\'s `fee`)', async () => {
    const { result } = await defaultInvokeFlow(ix, go, 'go-c');
    expect(BigInt(result.fee!.suggested_max_fee_in_gas_token!)).toBeGreaterThan(0n);
  });
});
