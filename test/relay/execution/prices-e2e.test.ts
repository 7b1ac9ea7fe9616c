/**
 * Gas-token prices read live from an on-chain oracle with Pragma's ABI (the
 * local stack's MockPragma, seeded at 0.5 STRK per CIRO), end to end on
 * devnet: the supported-tokens answer and a default-mode quote follow the
 * oracle; a stale oracle price is refused (or skipped for the next source);
 * and a transaction built at one price is refused at execute when the price
 * has since moved against the Paymaster, before any gas is spent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Call } from 'starknet';
import { startRelayStack, type RelayStack } from '../../helpers/relay.ts';
import { deployFreshAccount, executeAndWait } from '../../../scripts/local/accounts.ts';
import { CIRO_STRK_PAIR, PRAGMA_DECIMALS } from '../../../scripts/local/deploy.ts';
import { CIRO, call, u256 } from '../../../scripts/local/seed.ts';

const PAIR = CIRO_STRK_PAIR;
// PriceBook keeps a reading 5 s; waiting it out is how a new oracle price reaches the relay.
const KEEP_MS = 5_100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let s: RelayStack;
beforeAll(async () => {
  s = await startRelayStack({
    config: {
      gasTokens: {
        STRK: { priceInStrk: '1000000000000000000' },
        CIRO: { sources: [{ kind: 'pragma', pair: PAIR, maxAgeSeconds: 600 }] },
      },
    },
  });
});
afterAll(async () => s?.stop());

const addr = () => s.chain.manifest.contracts;
const oracle = () => s.chain.manifest.oracles.pragma!.address;

async function chainTime(): Promise<number> {
  const block = (await s.chain.provider.getBlock('latest')) as { timestamp: number };
  return Number(block.timestamp);
}

/** Publish `strk` STRK per CIRO (8 decimals, like Pragma), `ageSeconds` old by the chain's clock. */
async function publish(strk: number, ageSeconds = 0): Promise<void> {
  const price = BigInt(Math.round(strk * 10 ** PRAGMA_DECIMALS));
  const at = (await chainTime()) - ageSeconds;
  await executeAndWait(s.chain.deployer.account, call(oracle(), 'set_price', [PAIR, price.toString(), String(PRAGMA_DECIMALS), String(at)]));
  await sleep(KEEP_MS);
}

async function ciroPrice(): Promise<bigint | undefined> {
  const { body } = await s.rpc('paymaster_getSupportedTokens', []);
  const row = (body.result as { token_address: string; price_in_strk: string }[]).find(
    (t) => BigInt(t.token_address) === BigInt(addr().ciro_token.address),
  );
  return row ? BigInt(row.price_in_strk) : undefined;
}

async function fundedUser() {
  const user = await deployFreshAccount(s.chain.provider, s.chain.deployer.account, s.chain.manifest.accountClassHashes[0]!);
  await executeAndWait(s.chain.deployer.account, call(addr().ciro_token.address, 'transfer', [user.address, ...u256(100n * CIRO)]));
  return user;
}

const jobCalls = (): Call[] => [
  { contractAddress: addr().ciro_token.address, entrypoint: 'approve', calldata: [addr().job_mgr.address, ...u256(10n * CIRO)] },
  { contractAddress: addr().job_mgr.address, entrypoint: 'submit_job', calldata: ['1', '0x77', '0'] },
];

describe('prices from a Pragma-ABI oracle on devnet', () => {
  it('reports the oracle price and quotes default-mode fees at it', async () => {
    await publish(0.5);
    expect(await ciroPrice()).toBe(5n * 10n ** 17n);
    const user = await fundedUser();
    const wallet = s.wallet(user.address, user.privateKey);
    const feeMode = { mode: 'default' as const, gasToken: addr().ciro_token.address };
    const atHalf = await wallet.estimatePaymasterTransactionFee(jobCalls(), { feeMode });

    await publish(2);
    expect(await ciroPrice()).toBe(2n * 10n ** 18n);
    const atTwo = await wallet.estimatePaymasterTransactionFee(jobCalls(), { feeMode });
    // The same STRK fee costs a quarter as many CIRO at four times the price (the STRK estimate itself may drift a little).
    const ratio = Number(BigInt(atHalf.estimated_fee_in_gas_token)) / Number(BigInt(atTwo.estimated_fee_in_gas_token));
    expect(ratio).toBeGreaterThan(3.5);
    expect(ratio).toBeLessThan(4.5);
    expect(BigInt(atTwo.gas_token_price_in_strk)).toBe(2n * 10n ** 18n);
  });

  it('refuses a stale oracle price with price_unavailable, and drops the token from the supported list', async () => {
    await publish(0.5, 3_600);
    expect(await ciroPrice()).toBeUndefined();
    const user = await fundedUser();
    const wallet = s.wallet(user.address, user.privateKey);
    const err = await wallet
      .buildPaymasterTransaction(jobCalls(), { feeMode: { mode: 'default', gasToken: addr().ciro_token.address } })
      .catch((e: unknown) => e);
    // Unavailable, not the caller's fault: JSON-RPC's -32003 and a stable reason.
    expect(err).toMatchObject({ baseError: { code: -32003, data: { reason: 'price_unavailable' } } });
  });

  it('refuses at execute a transaction whose signed fee no longer covers the fee at the current price, spending nothing', async () => {
    await publish(1);
    const user = await fundedUser();
    const wallet = s.wallet(user.address, user.privateKey);
    const details = { feeMode: { mode: 'default' as const, gasToken: addr().ciro_token.address } };
    const prepared = await wallet.buildPaymasterTransaction(jobCalls(), details);
    if (prepared.type !== 'invoke') throw new Error('expected an invoke');
    const signature = await wallet.signMessage(prepared.typed_data);

    // CIRO falls to a tenth of its price: the signed transfer now covers a tenth of the fee.
    await publish(0.1);
    const relayerNonces = await Promise.all(s.chain.relayers.map((r) => s.chain.provider.getNonceForAddress(r.address)));
    const err = await s
      .paymaster()
      .executeTransaction(
        { type: 'invoke', invoke: { userAddress: user.address, typedData: prepared.typed_data, signature: signature as string[] } },
        prepared.parameters,
      )
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ baseError: { code: 154, data: { reason: 'fee_payment_too_low' } } });
    expect(await Promise.all(s.chain.relayers.map((r) => s.chain.provider.getNonceForAddress(r.address)))).toEqual(relayerNonces);
  });
});

