/**
 * CiroToken on a real devnet: ERC-20 (snake and camel), approvals, minting
 * and every revert reason of the token itself.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Contract } from 'starknet';
import type { KeyedAccount } from '../../scripts/local/accounts.ts';
import { CIRO, expectFields, expectTxRevert, MAX_U256, oneEvent, populate, ROLES, send, useCiroChain, view } from '../helpers/contracts.ts';

const suite = useCiroChain();
let token: Contract;
let admin: KeyedAccount;
let alice: KeyedAccount;
let bob: KeyedAccount;

const bal = (who: string) => view<bigint>(token, 'balance_of', [who]);

beforeAll(() => {
  ({ token, admin } = suite);
  alice = suite.chain.client;
  bob = suite.chain.spare[0]!;
});

describe('CiroToken metadata and supply', () => {
  it('reports name, symbol, decimals and the initial supply held by the deployer', async () => {
    expect(await view(token, 'name')).toBe('CIRO');
    expect(await view(token, 'symbol')).toBe('CIRO');
    expect(await view(token, 'decimals')).toBe(18n);
    const supply = await view<bigint>(token, 'total_supply');
    expect(supply).toBe(1_000_000n * CIRO);
    expect(await view<bigint>(token, 'totalSupply')).toBe(supply);
    expect(await bal(admin.address)).toBe(supply);
    expect(await view<bigint>(token, 'balanceOf', [admin.address])).toBe(supply);
  });
});

describe('CiroToken transfer', () => {
  it('moves tokens and emits Transfer', async () => {
    const r = await send(admin.account, populate(token, 'transfer', [alice.address, 500n * CIRO]));
    expectFields(oneEvent(token, r, 'Transfer'), { from: admin.address, to: alice.address, value: 500n * CIRO });
    expect(await bal(alice.address)).toBe(500n * CIRO);
  });

  it('rejects a transfer above the balance', async () => {
    await expectTxRevert(bob.account, populate(token, 'transfer', [alice.address, 1n]), 'ERC20: insufficient balance');
  });

  it('rejects a transfer to the zero address', async () => {
    await expectTxRevert(alice.account, populate(token, 'transfer', ['0x0', 1n]), 'ERC20: transfer to zero');
  });
});

describe('CiroToken approvals and transfer_from', () => {
  it('approve sets the allowance and emits Approval', async () => {
    const r = await send(alice.account, populate(token, 'approve', [bob.address, 100n * CIRO]));
    expectFields(oneEvent(token, r, 'Approval'), { owner: alice.address, spender: bob.address, value: 100n * CIRO });
    expect(await view<bigint>(token, 'allowance', [alice.address, bob.address])).toBe(100n * CIRO);
  });

  it('rejects approving the zero address', async () => {
    await expectTxRevert(alice.account, populate(token, 'approve', ['0x0', 1n]), 'ERC20: approve to zero');
  });

  it('transfer_from spends the allowance', async () => {
    const before = await bal(bob.address);
    const r = await send(bob.account, populate(token, 'transfer_from', [alice.address, bob.address, 40n * CIRO]));
    expect(oneEvent(token, r, 'Transfer').value).toBe(40n * CIRO);
    expect(await bal(bob.address)).toBe(before + 40n * CIRO);
    expect(await view<bigint>(token, 'allowance', [alice.address, bob.address])).toBe(60n * CIRO);
  });

  it('transferFrom (camel) behaves like transfer_from', async () => {
    await send(bob.account, populate(token, 'transferFrom', [alice.address, bob.address, 10n * CIRO]));
    expect(await view<bigint>(token, 'allowance', [alice.address, bob.address])).toBe(50n * CIRO);
  });

  it('rejects transfer_from above the allowance', async () => {
    await expectTxRevert(
      bob.account,
      populate(token, 'transfer_from', [alice.address, bob.address, 51n * CIRO]),
      'ERC20: insufficient allowance',
    );
  });

  it('rejects transfer_from above the owner balance even with allowance', async () => {
    await send(alice.account, populate(token, 'approve', [bob.address, MAX_U256]));
    const aliceBal = await bal(alice.address);
    await expectTxRevert(
      bob.account,
      populate(token, 'transfer_from', [alice.address, bob.address, aliceBal + 1n]),
      'ERC20: insufficient balance',
    );
  });

  it('rejects transfer_from to the zero address', async () => {
    await expectTxRevert(
      bob.account,
      populate(token, 'transfer_from', [alice.address, '0x0', 1n]),
      'ERC20: transfer to zero',
    );
  });

  it('never decrements an unlimited allowance', async () => {
    await send(bob.account, populate(token, 'transfer_from', [alice.address, bob.address, 1n * CIRO]));
    expect(await view<bigint>(token, 'allowance', [alice.address, bob.address])).toBe(MAX_U256);
  });
});

describe('CiroToken mint', () => {
  it('the MINTER_ROLE holder mints, raising supply and emitting Transfer from zero', async () => {
    const supply = await view<bigint>(token, 'total_supply');
    const before = await bal(bob.address);
    const r = await send(admin.account, populate(token, 'mint', [bob.address, 7n * CIRO]));
    expectFields(oneEvent(token, r, 'Transfer'), { from: '0x0', to: bob.address, value: 7n * CIRO });
    expect(await view<bigint>(token, 'total_supply')).toBe(supply + 7n * CIRO);
    expect(await bal(bob.address)).toBe(before + 7n * CIRO);
  });

  it('rejects mint by an account without MINTER_ROLE', async () => {
    expect(await view(token, 'has_role', [ROLES.MINTER, bob.address])).toBe(false);
    await expectTxRevert(bob.account, populate(token, 'mint', [bob.address, 1n]), 'AC: missing role');
  });

  it('rejects mint to the zero address', async () => {
    await expectTxRevert(admin.account, populate(token, 'mint', ['0x0', 1n]), 'ERC20: transfer to zero');
  });

  it('a newly granted minter can mint', async () => {
    await send(admin.account, populate(token, 'grant_role', [ROLES.MINTER, bob.address]));
    const before = await bal(alice.address);
    await send(bob.account, populate(token, 'mint', [alice.address, 3n]));
    expect(await bal(alice.address)).toBe(before + 3n);
  });
});
