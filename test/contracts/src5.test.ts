/**
 * The SRC-5 interface ids registered by the CIRO contracts, recomputed with
 * starknet.js from the compiled ABIs (no chain needed). That the contracts
 * answer `supports_interface` for them on a real devnet is checked in
 * access-upgrade.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { CIRO_CONTRACTS } from '../../scripts/local/artifacts.ts';
import { ISRC5_ID } from '../helpers/contracts.ts';
import { abiInterfaces, cairoInterfaceIds, ID_CONSTANTS, interfaceId } from './src5.ts';

describe('SNIP-5 id derivation', () => {
  // Published ids, computed here from their published signatures, pin down the type
  // rendering the ABI-derived ids below rely on (bool, u256-like structs, Span, Array).
  it.each([
    ['ISRC5 (SNIP-5)', ISRC5_ID, ['supports_interface(felt252)->E((),())']],
    [
      'IAccessControl (OpenZeppelin)',
      '0x23700be02858dbe2ac4dc9c9f66d0b6b0ed81ec7f970ca6844500a56ff61751',
      [
        'has_role(felt252,ContractAddress)->E((),())',
        'get_role_admin(felt252)->felt252',
        'grant_role(felt252,ContractAddress)',
        'revoke_role(felt252,ContractAddress)',
        'renounce_role(felt252,ContractAddress)',
      ],
    ],
    [
      'ISRC6 legacy (SNIP-6)',
      '0x2ceccef7f994940b3962a6c67e0ba4fcd37df7d131417c604f91e03caecc1cd',
      [
        '__execute__(Array<(ContractAddress,felt252,Array<felt252>)>)->Array<(@Array<felt252>)>',
        '__validate__(Array<(ContractAddress,felt252,Array<felt252>)>)->felt252',
        'is_valid_signature(felt252,Array<felt252>)->felt252',
      ],
    ],
    [
      'IOutsideExecution_V2 (SNIP-9)',
      '0x1d1144bb2138366ff28d8e9ab57456b1d332ac42196230c3a602003c89872',
      [
        'execute_from_outside_v2((ContractAddress,felt252,u64,u64,(@Array<(ContractAddress,felt252,(@Array<felt252>))>)),(@Array<felt252>))->Array<(@Array<felt252>)>',
        'is_valid_outside_execution_nonce(felt252)->E((),())',
      ],
    ],
  ])('reproduces the published %s id', (_name, id, signatures) => {
    expect(interfaceId(signatures)).toBe(id);
  });
});

describe.each(CIRO_CONTRACTS)('%s: SRC-5 ids of its ABI', (contract) => {
  const constants = cairoInterfaceIds();

  it('every embedded interface has its id constant in contracts/src, with the value derived from the ABI', () => {
    const ifaces = abiInterfaces(contract);
    expect(ifaces.map((i) => i.name)).toContain('ciro::src5::ISRC5');
    for (const iface of ifaces) {
      const constant = ID_CONSTANTS[iface.name];
      expect(constant, `no id constant known for ${iface.name}`).toBeDefined();
      expect(constants.get(constant!), `${constant} (${iface.name}):\n${iface.signatures.join('\n')}`).toBe(iface.id);
    }
  });

  it('the ISRC5 interface in its ABI derives to the SNIP-5 id', () => {
    const src5 = abiInterfaces(contract).find((i) => i.name === 'ciro::src5::ISRC5')!;
    expect(src5.signatures).toEqual(['supports_interface(felt252)->E((),())']);
    expect(src5.id).toBe(ISRC5_ID);
  });
});

it('interface ids are pairwise distinct', () => {
  const ids = [...cairoInterfaceIds().values()];
  expect(new Set(ids).size).toBe(ids.length);
});
