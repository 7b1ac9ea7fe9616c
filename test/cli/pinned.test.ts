/**
 * The CLI's record of the CIRO contracts first seen per chain (scripts/ciro/pinned.ts), on a real
 * file in a temporary config dir: the node's chain id is the key however a relay spells its own,
 * a relay on this machine is kept apart, classes are checked only where one is chosen, and a
 * damaged record is refused with what to do.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../scripts/ciro/context.ts';
import { checkPinnedClass, knownDeploymentsFile, pinDeployment } from '../../scripts/ciro/pinned.ts';

const homes: string[] = [];
afterEach(() => homes.splice(0).forEach((h) => rmSync(h, { recursive: true, force: true })));
const envWithHome = () => {
  const home = mkdtempSync(join(tmpdir(), 'ciro-pins-'));
  homes.push(home);
  return { HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
};

const SEPOLIA = '0x534e5f5345504f4c4941';
const REMOTE = new URL('https://relay.example/');
const honest: Deployment = {
  chainId: SEPOLIA, source: 'https://relay.example/v1/contracts', accountClassHashes: ['0x6'],
  contracts: { ciro_token: '0x333', cdc_pool: '0x111', job_mgr: '0x222', paymaster: '0x444' },
};
const evil = (chainId: string): Deployment => ({ ...honest, chainId, contracts: { ...honest.contracts, cdc_pool: '0xbad' } });

describe('pinned deployments', () => {
  it("records the first answer, then refuses other contracts under any spelling of the node's chain", () => {
    const env = envWithHome();
    expect(pinDeployment(honest, SEPOLIA, REMOTE, env)).toBe(honest);
    expect(pinDeployment(honest, SEPOLIA, REMOTE, env)).toBe(honest);
    // The relay's spelling of the chain id never picks the entry: the node's id, canonical, does.
    for (const spelling of [SEPOLIA, '0x0534e5f5345504f4c4941', BigInt(SEPOLIA).toString(10)]) {
      expect(() => pinDeployment(evil(spelling), '0x0' + SEPOLIA.slice(2), REMOTE, env), spelling).toThrow(/names other CIRO contracts.*cdc_pool 0xbad/);
    }
  });

  it('keeps a relay on this machine apart (the local devnet has Sepolia\'s chain id)', () => {
    const env = envWithHome();
    pinDeployment(honest, SEPOLIA, REMOTE, env);
    expect(() => pinDeployment(evil(SEPOLIA), SEPOLIA, new URL('http://127.0.0.1:8080/'), env)).not.toThrow();
    expect(() => pinDeployment(evil(SEPOLIA), SEPOLIA, REMOTE, env)).toThrow(/names other CIRO contracts/);
  });

  it('checks an account class only where one is chosen, against the first relay\'s', () => {
    const env = envWithHome();
    pinDeployment(honest, SEPOLIA, REMOTE, env);
    // More classes offered later do not stop commands that choose none.
    expect(() => pinDeployment({ ...honest, accountClassHashes: ['0x6', '0x7'] }, SEPOLIA, REMOTE, env)).not.toThrow();
    expect(() => checkPinnedClass('0x0006', SEPOLIA, REMOTE, env)).not.toThrow();
    expect(() => checkPinnedClass('0x7', SEPOLIA, REMOTE, env)).toThrow(/was not among/);
    // Nothing recorded for a chain: nothing to hold it to.
    expect(() => checkPinnedClass('0x7', '0x1', REMOTE, env)).not.toThrow();
  });

  it('refuses a damaged record with what to do, and writes a whole file', () => {
    const env = envWithHome();
    const file = knownDeploymentsFile(env);
    mkdirSync(dirname(file), { recursive: true });
    for (const damaged of ['null', '[]', '{"0x1": 5}', '{oops']) {
      writeFileSync(file, damaged);
      expect(() => pinDeployment(honest, SEPOLIA, REMOTE, env), damaged).toThrow(/is not a list of known deployments/);
    }
    rmSync(file);
    pinDeployment(honest, SEPOLIA, REMOTE, env);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')))).toEqual([SEPOLIA]);
  });
});
