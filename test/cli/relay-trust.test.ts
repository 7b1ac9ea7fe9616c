/**
 * The CLI signs only what its user asked for, whatever the relay answers
 * (scripts/ciro/outside.ts). On devnet, through a relay that rewrites the
 * build's typed data the way the 11-30 CLI audit did: calls whose lowercase
 * fields are the user's (what starknet.js's own check reads) and whose
 * capitalised ones, the signed ones, send the worker's CIRO to another
 * account. And the check itself, against each way typed data can differ.
 */
import { hash, num, shortString, type Call } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTypedData } from '../../relay/chain/snip9.ts';
import { checkedTypedData } from '../../scripts/ciro/outside.ts';
import { executeAndWait } from '../../scripts/local/accounts.ts';
import { CIRO, call, u256 } from '../../scripts/local/seed.ts';
import { balanceOf } from '../helpers/relay.ts';
import { shown, startCliStack, type CliStack } from './harness.ts';
import { tamperingProxy } from './proxy.ts';

type Msg = { Caller: string; Calls: Record<string, unknown>[] } & Record<string, unknown>;

describe('through a relay that rewrites what the worker signs', () => {
  let st: CliStack;
  let proxy: Awaited<ReturnType<typeof tamperingProxy>>;
  beforeAll(async () => {
    st = await startCliStack({ chain: { seed: true } });
    const attacker = st.s.chain.spare[0]!.address;
    const token = st.s.chain.manifest.contracts.ciro_token.address;
    proxy = await tamperingProxy(st.url, (sent, answer) => {
      if (sent.body?.method !== 'paymaster_buildTransaction') return undefined;
      const out = structuredClone(answer) as { result: { typed_data: { message: Msg } } };
      const m = out.result.typed_data.message;
      m.Caller = shortString.encodeShortString('ANY_CALLER');
      m.Calls = m.Calls.map((c) => ({
        To: token, Selector: hash.getSelectorFromName('transfer'), Calldata: [attacker, ...u256(100n * CIRO)].map((x) => num.toHex(x)),
        to: c.To, selector: c.Selector, calldata: c.Calldata, calldata_len: num.toHex((c.Calldata as unknown[]).length),
      }));
      return out;
    });
  }, 300_000);
  afterAll(async () => {
    proxy?.close();
    await st?.close();
  });

  it('refuses to sign: nothing is executed, the CIRO stays (before: exit 0, 100 CIRO gone)', async () => {
    const k = ['--json', '--key-file', `${st.home}/worker.json`];
    const created = await st.ciro([...k, 'account', 'create']);
    expect(created.code, shown(created)).toBe(0);
    const address = created.json[0]!.address as string;
    expect((await st.ciro([...k, 'account', 'deploy'])).code).toBe(0);
    const token = st.s.chain.manifest.contracts.ciro_token.address;
    await executeAndWait(st.s.chain.deployer.account, call(token, 'transfer', [address, ...u256(100n * CIRO)]));
    const r = await st.ciro([...k, 'worker', 'register', '--capabilities', '1'], { CIRO_RELAY_URL: proxy.url });
    expect(r.code, shown(r)).toBe(1);
    expect(r.json.at(-1)).toMatchObject({ reason: 'typed_data_mismatch' });
    expect(proxy.seen.filter((x) => x.body?.method === 'paymaster_executeTransaction')).toEqual([]);
    expect(await balanceOf(st.s.chain.provider, token, address)).toBe(100n * CIRO);
  }, 300_000);

  it("refuses a relay naming other CIRO contracts than its chain's first seen, however it spells the chain", async () => {
    const attacker = st.s.chain.spare[0]!.address;
    const k = ['--json', '--key-file', `${st.home}/worker.json`];
    // The earlier test ran through the honest relay: its contracts were recorded for this chain then.
    for (const chainId of [undefined, '0x0534e5f5345504f4c4941', BigInt('0x534e5f5345504f4c4941').toString(10)]) {
      const lying = await tamperingProxy(st.url, (sent, answer) => {
        if (!sent.path.startsWith('/v1/contracts')) return undefined;
        const a = answer as { chainId: string; contracts: object };
        return { ...a, ...(chainId ? { chainId } : {}), contracts: { ...a.contracts, cdc_pool: { address: attacker } } };
      });
      try {
        const r = await st.ciro([...k, 'worker', 'stake', '1'], { CIRO_RELAY_URL: lying.url });
        expect(r.code, shown(r)).toBe(2);
        expect(r.stdout + r.stderr).toContain('names other CIRO contracts');
        expect(lying.seen.filter((x) => x.body?.method === 'paymaster_buildTransaction')).toEqual([]);
      } finally {
        lying.close();
      }
    }
  });

  it('refuses a build answered with another kind of transaction: a bare deployment would have the CLI report a write that never ran', async () => {
    const k = ['--json', '--key-file', `${st.home}/worker.json`];
    const address = (await st.ciro([...k, 'account', 'show'])).json[0]!.address as string;
    const deployOnly = await tamperingProxy(st.url, (sent, answer) => {
      if (sent.body?.method !== 'paymaster_buildTransaction') return undefined;
      const a = answer as { result: { parameters: unknown; fee: unknown } };
      const deployment = { address, class_hash: '0x1', salt: '0x1', calldata: [], version: 1 };
      return { ...a, result: { type: 'deploy', deployment, parameters: a.result.parameters, fee: a.result.fee } };
    });
    try {
      const r = await st.ciro([...k, 'worker', 'register', '--capabilities', '1'], { CIRO_RELAY_URL: deployOnly.url });
      expect(r.code, shown(r)).toBe(1);
      expect(r.json.at(-1)).toMatchObject({ reason: 'typed_data_mismatch' });
      expect(deployOnly.seen.filter((x) => x.body?.method === 'paymaster_executeTransaction')).toEqual([]);
    } finally {
      deployOnly.close();
    }
  });
});

describe('through a relay that says "dropped" while the signed window is open', () => {
  let st: CliStack;
  beforeAll(async () => void (st = await startCliStack({ chain: { seed: true } })), 300_000);
  afterAll(async () => st?.close());

  it('does not tell the user nothing ran: the signed execution may yet execute (here it did)', async () => {
    const lying = await tamperingProxy(st.url, (sent, answer) => {
      const a = answer as { result?: Record<string, unknown> };
      if (sent.body?.method === 'paymaster_executeTransaction' && a.result) return { ...a, result: { ...a.result, transaction_hash: '0xdead' } };
      if (sent.body?.method === 'paymaster_trackingIdToLatestHash') return { ...a, result: { transaction_hash: '0xdead', status: 'dropped' } };
      return undefined;
    });
    try {
      const k = ['--json', '--key-file', `${st.home}/w.json`];
      expect((await st.ciro([...k, 'account', 'create'])).code).toBe(0);
      expect((await st.ciro([...k, 'account', 'deploy'])).code).toBe(0);
      const r = await st.ciro([...k, 'worker', 'register', '--capabilities', '1'], { CIRO_RELAY_URL: lying.url });
      expect(r.code, shown(r)).toBe(4);
      expect(r.json.at(-1)).toMatchObject({ reason: 'dropped', hint: expect.stringContaining('it may yet execute') });
    } finally {
      lying.close();
    }
  }, 300_000);
});

describe('checkedTypedData', () => {
  const CHAIN = '0x534e5f5345504f4c4941';
  const [PAYMASTER, ACCOUNT, POOL] = ['0x444', '0xacc', '0x111'];
  const mine: Call[] = [{ contractAddress: POOL, entrypoint: 'register_worker', calldata: ['1'] }];
  const now = 1_800_000_000;
  const honest = (over: Partial<{ caller: string; executeBefore: number; calls: { to: string; selector: string; calldata: string[] }[] }> = {}) =>
    buildTypedData(CHAIN, {
      caller: PAYMASTER, nonce: '0x7', executeAfter: now - 60, executeBefore: now + 1_800,
      calls: [{ to: POOL, selector: hash.getSelectorFromName('register_worker'), calldata: ['0x1'] }], ...over,
    });
  const check = (td: unknown) => checkedTypedData(td, mine, { chainId: CHAIN, caller: PAYMASTER, account: ACCOUNT, now });
  const refused = (td: unknown) => expect(() => check(td)).toThrow(/does not match this command/);

  it('passes the honest build, and hands back typed data of the same hash', () => {
    expect(check(honest())).toEqual(honest());
  });

  it('refuses other calls, more calls, another caller, another chain, a long window, other types', () => {
    refused(honest({ calls: [{ to: POOL, selector: hash.getSelectorFromName('register_worker'), calldata: ['0x2'] }] }));
    refused(honest({ calls: [{ to: '0x333', selector: hash.getSelectorFromName('register_worker'), calldata: ['0x1'] }] }));
    refused(honest({ calls: [{ to: POOL, selector: hash.getSelectorFromName('register_worker'), calldata: ['0x1'] }, { to: POOL, selector: '0x1', calldata: [] }] }));
    refused(honest({ caller: shortString.encodeShortString('ANY_CALLER') }));
    refused({ ...honest(), domain: { ...honest().domain, chainId: '0x1' } });
    refused(honest({ executeBefore: now + 2 * 86_400 }));
    refused({ ...honest(), types: { ...honest().types, Call: [{ name: 'To', type: 'felt' }] } });
  });

  it("refuses the audit's calls: honest lowercase fields over other capitalised ones", () => {
    const td = honest({ calls: [{ to: '0x333', selector: hash.getSelectorFromName('transfer'), calldata: ['0xbad', '0x64', '0x0'] }] });
    const message = td.message as Msg;
    message.Calls = message.Calls.map((c) => ({ ...c, to: POOL, selector: hash.getSelectorFromName('register_worker'), calldata: ['0x1'], calldata_len: '0x1' }));
    refused(td);
  });
});
