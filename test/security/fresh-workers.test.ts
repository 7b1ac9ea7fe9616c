/**
 * Contracts audit (Medium, by design of the pool): a new worker starts at
 * reputation 500, so the sponsorship policies' "reputation >= 300" admits
 * anyone who registers, and worker-sessions sponsors the registration
 * itself. Every new address is a new sender with fresh per-sender limits and
 * its own Paymaster quota; the shipped example policies were bounded only
 * per sender, all but worker-rewards. Now each has a global daily budget
 * (test/policies/examples.test.ts checks it), and this is the attack on
 * devnet against worker-sessions as shipped, its global budget scaled down
 * to a few transactions: fresh accounts register and heartbeat, sponsored,
 * until the budget refuses the next stranger; the relayers spent no more
 * than the budget.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/local/toolchain.ts';
import { startRelayStack, type RelayStack } from '../helpers/relay.ts';
import { attackerAccount, buildSigned, relayerLedger, report } from './helpers.ts';

const BUDGET = 3n * 10n ** 16n; // a handful of registrations and heartbeats
let s: RelayStack;
beforeAll(async () => {
  const shipped = JSON.parse(readFileSync(join(repoRoot, 'policies', 'examples', 'worker-sessions.json'), 'utf8'));
  shipped.rules.budgets.global.maxFee = BUDGET.toString();
  const dir = mkdtempSync(join(tmpdir(), 'ciro-fresh-workers-'));
  writeFileSync(join(dir, 'worker-sessions.json'), JSON.stringify(shipped));
  s = await startRelayStack({ policyDir: dir, policies: ['worker-sessions'] });
}, 300_000);
afterAll(async () => s?.stop());

describe('strangers registering fresh workers for sponsored heartbeats', () => {
  it("are stopped by the policy's global budget, whatever the number of new addresses", async () => {
    const pool = s.chain.manifest.contracts.cdc_pool.address;
    const sel = hash.getSelectorFromName;
    const before = await relayerLedger(s);
    const outcomes: string[] = [];
    for (let i = 0; i < 12 && !outcomes.includes('budget_exhausted'); i++) {
      const stranger = await attackerAccount(s);
      for (const calls of [[{ to: pool, selector: sel('register_worker'), calldata: ['0x1'] }], [{ to: pool, selector: sel('heartbeat'), calldata: [] }]]) {
        const built = await buildSigned(s, stranger, calls).catch((e: Error) => e);
        if (built instanceof Error) {
          outcomes.push(/"reason":"([a-z_]+)"/.exec(built.message)?.[1] ?? built.message);
          break;
        }
        const sent = await s.rpc('paymaster_executeTransaction', built.params);
        if (sent.body.error) {
          outcomes.push(sent.body.error.data?.reason);
          break;
        }
        await s.chain.provider.waitForTransaction(sent.body.result.transaction_hash);
        outcomes.push('relayed');
      }
    }
    const after = await relayerLedger(s);
    const relayed = outcomes.filter((o) => o === 'relayed').length;
    report('fresh workers vs worker-sessions (global budget scaled to 0.03 STRK)', `${relayed} sponsored (register + heartbeat from fresh accounts), then ${outcomes.at(-1)}; relayers spent ${before.strk - after.strk} fri of a ${BUDGET} budget`);
    expect(relayed).toBeGreaterThan(1);
    expect(outcomes.at(-1)).toBe('budget_exhausted');
    expect(before.strk - after.strk).toBeLessThanOrEqual(BUDGET);
  }, 300_000);
});
