/**
 * starknet.js against the relay, three major versions, each in its own
 * process over a real socket: 10.x (the project's own dependency, 10.8.0 today), 8.9.2
 * and 7.6.4 (each installed in its own folder under clients/). One driver
 * script (drivers/starknet-js.mjs) loads whichever copy it is pointed at.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../../scripts/local/toolchain.ts';
import { clientDir, interopDir, node22, runProcess, type Driver, type Interop } from '../harness.ts';
import { anHour, defaultInvokeFlow, deployAndInvokeFlow, refusedBuildFlow, requestsOf, sponsoredInvokeFlow } from '../flows.ts';

export function starknetJsSuite(ix: () => Interop): void {
  const driver =
    (folder: string): Driver =>
    (job) =>
      runProcess(node22, [join(interopDir, 'drivers', 'starknet-js.mjs'), folder], job);

  // The project's own copy follows package.json; the others are pinned in their folders.
  const own = JSON.parse(readFileSync(join(repoRoot, 'node_modules', 'starknet', 'package.json'), 'utf8')).version as string;
  const versions = [
    { name: `starknet.js ${own}`, folder: repoRoot, version: own },
    { name: 'starknet.js 8.9.2', folder: clientDir('starknet-v8'), version: '8.9.2' },
    { name: 'starknet.js 7.6.4', folder: clientDir('starknet-v7'), version: '7.6.4' },
  ];

  for (const v of versions) {
    describe(`${v.name}: PaymasterRpc + Account.executePaymasterTransaction`, () => {
      it('(a) sponsored deploy_and_invoke of a fresh account (deploymentData in the paymaster details)', async () => {
        const { result, exchanges } = await deployAndInvokeFlow(ix(), driver(v.folder), `js${v.version}a`);
        expect(result.client).toBe(`starknet.js ${v.version}`);
        const [build] = requestsOf(exchanges, 'paymaster_buildTransaction');
        expect(build.params.transaction.type).toBe('deploy_and_invoke');
      });

      it('(b) sponsored invoke with time bounds (sent as JSON numbers)', async () => {
        const { result, exchanges } = await sponsoredInvokeFlow(ix(), driver(v.folder), `js${v.version}b`, { timeBounds: anHour() });
        expect(result.tokens!.map(BigInt)).toContain(BigInt(ix().s.chain.manifest.contracts.ciro_token.address));
        const [build] = requestsOf(exchanges, 'paymaster_buildTransaction');
        expect(typeof build.params.parameters.time_bounds.execute_before).toBe('number');
      });

      it('(c) default fee mode in CIRO: estimatePaymasterTransactionFee, then execute with its suggested max', async () => {
        const { result, paid } = await defaultInvokeFlow(ix(), driver(v.folder), `js${v.version}c`);
        expect(BigInt(result.fee!.suggested_max_fee_in_gas_token!)).toBeGreaterThan(0n);
        // At most the max fee passed (checked in the harness); equal while the quote does not move between estimate and execute.
        expect(paid).toBeLessThanOrEqual(BigInt(result.maxFeeInGasToken!));
      });

      it('(d) a refused build surfaces as an RpcError with the SNIP-29 code (TOKEN_NOT_SUPPORTED, 151)', async () => {
        const { error } = await refusedBuildFlow(ix(), driver(v.folder), 'token');
        expect(error.code).toBe(151);
        expect(error.isTokenNotSupported).toBe(true);
      });

      it('(d) a build that would revert surfaces as an RpcError with TRANSACTION_EXECUTION_ERROR (156)', async () => {
        const { error } = await refusedBuildFlow(ix(), driver(v.folder), 'revert');
        expect(error.code).toBe(156);
      });
    });
  }
}
