/** The checks build and execute share, each refusing with its SNIP-29 reason. */
import { hash } from 'starknet';
import { describe, expect, it, vi } from 'vitest';
import { jsPedersenOnElements } from '../../../relay/chain/calldata.ts';
import { MAX_DEPLOY_CALLDATA, UserTransactionParam } from '../../../relay/chain/snip29.ts';
import { createDeps } from '../../../relay/createDeps.ts';
import { jsEcdsaSign, jsPoseidonMany } from '../../../relay/relayers/signer.ts';
import { MemoryStore } from '../../../relay/store/memory.ts';
import { parseConfig, type Config } from '../../../relay/config.ts';
import { RelayError } from '../../../relay/errors/base.ts';
import { checkAccountClass, checkDeployBounds, checkShape, checkWindowOpen, resolveGasToken, resolveTimeBounds } from '../../../relay/execution/checks.ts';
import { MANIFEST } from '../admin/helpers.ts';

const config: Config = parseConfig({ rpcUrl: 'http://127.0.0.1:9', manifest: MANIFEST, relayers: [{ address: '0x1', privateKey: '0x2' }] });
const NOW = 1_700_000_000;
const ACCOUNT_CLASS = MANIFEST.accountClassHashes[0]!;

function reasonOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(RelayError);
    return (e as RelayError).reason;
  }
}

describe('time bounds', () => {
  it('defaults to [now-60, now+30 min] and takes a valid window as given', () => {
    expect(resolveTimeBounds(config, NOW)).toEqual({ executeAfter: NOW - 60, executeBefore: NOW + 1800 });
    expect(resolveTimeBounds(config, NOW, { execute_after: NOW - 1, execute_before: NOW + 600 })).toEqual({ executeAfter: NOW - 1, executeBefore: NOW + 600 });
  });

  it.each([
    ['inverted', { execute_after: NOW + 100, execute_before: NOW + 50 }, 'time_bounds_inverted'],
    ['already over', { execute_after: NOW - 600, execute_before: NOW - 300 }, 'time_bounds_expired'],
    ['closing within the minimum', { execute_after: NOW - 600, execute_before: NOW + 10 }, 'time_bounds_expired'],
    ['longer than a day', { execute_after: NOW, execute_before: NOW + 86_401 }, 'time_bounds_too_long'],
  ])('refuses a window %s', (_what, tb, reason) => {
    expect(reasonOf(() => resolveTimeBounds(config, NOW, tb))).toBe(reason);
  });

  it('at execute, refuses a window that closes too soon or has not opened', () => {
    // A minute left at least (timeBounds.minRemainingSeconds): the relayer wait, the next block, a slow tip.
    expect(reasonOf(() => checkWindowOpen(config, NOW, { executeAfter: NOW - 60, executeBefore: NOW + 61 }))).toBeUndefined();
    expect(reasonOf(() => checkWindowOpen(config, NOW, { executeAfter: NOW - 60, executeBefore: NOW + 60 }))).toBe('time_bounds_expired');
    expect(reasonOf(() => checkWindowOpen(config, NOW, { executeAfter: NOW, executeBefore: NOW + 600 }))).toBe('time_bounds_not_started');
    // A signed window is held to the same maximum as a built one: ten years is not a day.
    expect(reasonOf(() => checkWindowOpen(config, NOW, { executeAfter: NOW - 60, executeBefore: NOW + 10 * 365 * 86_400 }))).toBe('time_bounds_too_long');
  });

  it("at a deploy's execute, refuses bounds inverted or closing, not a start in the future (nothing signed)", () => {
    expect(reasonOf(() => checkDeployBounds(config, NOW, { execute_after: NOW, execute_before: NOW + 600 }))).toBeUndefined();
    expect(reasonOf(() => checkDeployBounds(config, NOW, { execute_after: NOW + 10, execute_before: NOW + 10 }))).toBe('time_bounds_inverted');
    expect(reasonOf(() => checkDeployBounds(config, NOW, { execute_after: NOW - 600, execute_before: NOW + 60 }))).toBe('time_bounds_expired');
  });
});

describe('transaction shape', () => {
  const salt = '0x5';
  const calldata = ['0x7'];
  const address = '0x' + BigInt(hash.calculateContractAddressFromHash(salt, ACCOUNT_CLASS, calldata, 0)).toString(16);
  const deployment = { address, class_hash: ACCOUNT_CLASS, salt, calldata, version: 1 as const };
  const call = { to: '0x222', selector: '0x1', calldata: [] };

  it('accepts a deployment whose address follows from class, salt and calldata', () => {
    expect(checkShape(config, { type: 'deploy', deployment }, { mode: 'sponsored' })).toBe(address);
    expect(checkShape(config, { type: 'deploy_and_invoke', deployment, invoke: { user_address: address, calls: [call] } }, { mode: 'default', gas_token: '0x555' })).toBe(address);
  });

  it('refuses a wrong address, a foreign class, a paid deploy-only, and a deployment for someone else', () => {
    expect(reasonOf(() => checkShape(config, { type: 'deploy', deployment: { ...deployment, address: '0x1234' } }, { mode: 'sponsored' }))).toBe('deployment_address_mismatch');
    expect(reasonOf(() => checkShape(config, { type: 'deploy', deployment: { ...deployment, class_hash: '0x999' } }, { mode: 'sponsored' }))).toBe('class_hash_not_supported');
    expect(reasonOf(() => checkShape(config, { type: 'deploy', deployment }, { mode: 'default', gas_token: '0x555' }))).toBe('deploy_requires_sponsored_mode');
    expect(reasonOf(() => checkShape(config, { type: 'deploy_and_invoke', deployment, invoke: { user_address: '0xabc', calls: [call] } }, { mode: 'sponsored' }))).toBe('deployment_user_mismatch');
  });

  it("checks the address with the entry's Pedersen (starknet-crypto's on Node), and a deployment's calldata is capped before any hash", async () => {
    const onElements = vi.fn(jsPedersenOnElements);
    const deps = createDeps({ config, store: new MemoryStore(), crypto: { poseidonMany: jsPoseidonMany, sign: jsEcdsaSign, pedersenOnElements: onElements } });
    expect(deps.deploymentAddress(deployment)).toBe(address);
    expect(onElements).toHaveBeenCalledTimes(2); // the calldata's hash, then the address's
    const tx = (n: number) => ({ type: 'deploy', deployment: { ...deployment, calldata: Array(n).fill('0x7') } });
    expect(UserTransactionParam.safeParse(tx(MAX_DEPLOY_CALLDATA)).success).toBe(true);
    expect(UserTransactionParam.safeParse(tx(MAX_DEPLOY_CALLDATA + 1)).error?.issues.map((i) => i.code)).toEqual(['too_big']);
  });

  it('relays only to the manifest account classes, and prices only known gas tokens', () => {
    expect(reasonOf(() => checkAccountClass(config, ACCOUNT_CLASS))).toBeUndefined();
    expect(reasonOf(() => checkAccountClass(config, '0x999'))).toBe('account_class_not_supported');
    expect(resolveGasToken(config, { mode: 'sponsored' })).toBeUndefined();
    expect(resolveGasToken(config, { mode: 'default', gas_token: '0x0555' })?.symbol).toBe('STRK');
    expect(reasonOf(() => resolveGasToken(config, { mode: 'default', gas_token: '0x123' }))).toBe('token_not_supported');
  });
});
