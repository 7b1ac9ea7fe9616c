/**
 * The trust model the README states for session cosigner keys, checked on a
 * real Argent 0.4.0 account: the guardian's signature alone starts an owner
 * escape (so a leaked cosigner key is a takeover threat), the owner's alone
 * overrides it with a guardian escape, and the guardian cannot override that
 * in turn. The outside executions are sent straight from a funded devnet
 * account (ANY_CALLER), as an attacker holding the key would, not through the
 * relay, which never signs them.
 */
import { ec, outsideExecution, OutsideExecutionVersion, shortString, stark, typedData, type Call } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeAndWait } from '../../scripts/local/accounts.ts';
import { startLocalChain, type LocalChain } from '../../scripts/local/chain.ts';
import { chainNow } from '../../scripts/local/outside.ts';
import { ARGENT_CLASS } from '../../scripts/local/argent.ts';

let chain: LocalChain;
let account: string;
const owner = stark.randomAddress();
const guardian = stark.randomAddress();
const pub = (k: string) => ec.starkCurve.getStarkKey(k);

beforeAll(async () => {
  chain = await startLocalChain({ devnet: { args: ['--predeclare-argent'] } });
  const calldata = ['0', pub(owner), '0', '0', pub(guardian)];
  const res = await chain.deployer.account.deployContract({ classHash: ARGENT_CLASS, constructorCalldata: calldata, salt: pub(owner), unique: false });
  await chain.provider.waitForTransaction(res.transaction_hash);
  account = res.contract_address;
}, 300_000);
afterAll(async () => chain?.stop());

/** An outside execution of `call` signed by `keys` alone, submitted by a funded stranger. */
async function outside(call: Call, keys: string[]): Promise<string> {
  const now = await chainNow(chain.provider);
  const opts = { caller: shortString.encodeShortString('ANY_CALLER'), execute_after: now - 60, execute_before: now + 600 };
  const td = outsideExecution.getTypedData(await chain.provider.getChainId(), opts, stark.randomAddress(), [call], OutsideExecutionVersion.V2);
  const h = typedData.getMessageHash(td, account);
  const signature = keys.flatMap((k) => {
    const s = ec.starkCurve.sign(h, k);
    return ['0x' + s.r.toString(16), '0x' + s.s.toString(16)];
  });
  const m = td.message as Record<string, string>;
  const ot = {
    outsideExecution: { caller: m.Caller, nonce: m.Nonce, execute_after: m['Execute After'], execute_before: m['Execute Before'], calls: [call].map(outsideExecution.getOutsideCall) },
    signature,
    signerAddress: account,
    version: OutsideExecutionVersion.V2,
  };
  const submit = { contractAddress: account, entrypoint: 'execute_from_outside_v2', calldata: outsideExecution.buildExecuteFromOutsideCallData(ot as never) };
  return executeAndWait(chain.spare[0]!.account, submit);
}

const escapeType = async () => Number((await chain.provider.callContract({ contractAddress: account, entrypoint: 'get_escape' }))[1]);
const NONE = 0, GUARDIAN_ESCAPE = 1, OWNER_ESCAPE = 2;

describe('a guardian key and the owner escape (README, trust model)', () => {
  it("the guardian's signature alone starts an owner escape", async () => {
    expect(await escapeType()).toBe(NONE);
    await outside({ contractAddress: account, entrypoint: 'trigger_escape_owner', calldata: ['0', pub(stark.randomAddress())] }, [guardian]);
    expect(await escapeType()).toBe(OWNER_ESCAPE);
  });

  it("the owner's signature alone overrides it with a guardian escape", async () => {
    await outside({ contractAddress: account, entrypoint: 'trigger_escape_guardian', calldata: ['1'] }, [owner]);
    expect(await escapeType()).toBe(GUARDIAN_ESCAPE);
  });

  it("and the guardian cannot override the owner's escape in turn", async () => {
    await expect(outside({ contractAddress: account, entrypoint: 'trigger_escape_owner', calldata: ['0', pub(stark.randomAddress())] }, [guardian])).rejects.toThrow(/cannot-override-escape/);
    expect(await escapeType()).toBe(GUARDIAN_ESCAPE);
  });
});
