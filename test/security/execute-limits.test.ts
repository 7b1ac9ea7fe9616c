/**
 * An execute is held to the limits of a build: a signed window no longer than
 * a built one (a ten-year window used to be accepted), no more calls or
 * calldata than a build takes, and an L2 gas cap per transaction, so one
 * request can't buy an unbounded transaction.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { heartbeatCall, startRelayStack, useRelayStack, type RelayStack } from '../helpers/relay.ts';
import { buildTypedData } from '../../relay/chain/snip9.ts';
import { chainNow } from '../../scripts/local/outside.ts';
import { relayerLedger, sign, sponsored } from './helpers.ts';

const stack = useRelayStack();
let s: RelayStack;
beforeAll(() => void (s = stack()));

const worker = () => s.chain.demo!.worker;
const heartbeat = () => heartbeatCall(s);

async function executeSigned(calls: { to: string; selector: string; calldata: string[] }[], window: { after: number; before: number }) {
  const td = buildTypedData(await s.chain.provider.getChainId(), {
    caller: s.chain.manifest.contracts.paymaster.address,
    nonce: '0x' + Date.now().toString(16),
    executeAfter: window.after,
    executeBefore: window.before,
    calls,
  });
  return s.rpc('paymaster_executeTransaction', { transaction: { type: 'invoke', invoke: { user_address: worker().address, typed_data: td, signature: sign(td, worker()) } }, parameters: sponsored });
}

describe('execute is held to the limits of a build', () => {
  it('refuses a signed ten-year window, and too many calls, before any node work', async () => {
    const now = await chainNow(s.chain.provider);
    const before = await relayerLedger(s);
    const long = await executeSigned([heartbeat()], { after: now - 60, before: now + 10 * 365 * 86_400 });
    expect(long.body.error).toMatchObject({ code: 157, data: { reason: 'time_bounds_too_long' } });
    const many = await executeSigned(Array.from({ length: 66 }, heartbeat), { after: now - 60, before: now + 600 });
    expect(many.body.error).toMatchObject({ code: -32602, data: { reason: 'typed_data_invalid' } });
    expect(many.body.error.data.details).toMatch(/message\.Calls/);
    expect(await relayerLedger(s)).toEqual(before);
  });

  it('refuses a transaction over the L2 gas cap at build and at execute', async () => {
    const capped = await startRelayStack({ existingChain: s.chain, config: { fees: { maxFeeMultiplierPct: 150, overheadL2Gas: 2_000_000, maxL2GasPerTx: 2_100_000 } } });
    try {
      const built = await capped.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: worker().address, calls: [heartbeat()] } }, parameters: sponsored });
      expect(built.body.error).toMatchObject({ code: 156, data: { reason: 'gas_limit_exceeded' } });
      const now = await chainNow(s.chain.provider);
      const td = buildTypedData(await s.chain.provider.getChainId(), {
        caller: s.chain.manifest.contracts.paymaster.address, nonce: '0xabc123', executeAfter: now - 60, executeBefore: now + 600, calls: [heartbeat()],
      });
      const exec = await capped.rpc('paymaster_executeTransaction', { transaction: { type: 'invoke', invoke: { user_address: worker().address, typed_data: td, signature: sign(td, worker()) } }, parameters: sponsored });
      expect(exec.body.error).toMatchObject({ code: 156, data: { reason: 'gas_limit_exceeded' } });
    } finally {
      await capped.stop();
    }
  }, 120_000);
});
