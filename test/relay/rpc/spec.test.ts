/**
 * Liberal in what the relay accepts, strict in what it sends. Every method's
 * result is validated against the SNIP-29 OpenRPC document in
 * ../shared/specs with a JSON-Schema validator (ajv); and the request shapes
 * real clients send (a one-element array wrapping the named params, null
 * params, null optional fields, numeric or hex time bounds, a tip priority)
 * are accepted, on devnet.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { ec, hash, stark } from 'starknet';
import { beforeAll, describe, expect, it } from 'vitest';
import { heartbeatCall, useRelayStack, type RelayStack } from '../../helpers/relay.ts';
import { chainNow } from '../../../scripts/local/outside.ts';
import { repoRoot } from '../../../scripts/local/toolchain.ts';
import { sign } from '../../security/helpers.ts';

const SPEC = JSON.parse(readFileSync(join(repoRoot, '..', 'shared', 'specs', 'snip-29-paymaster_api.json'), 'utf8')) as {
  methods: { name: string }[];
};
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema(SPEC, 'snip29');
function assertResult(method: string, result: unknown) {
  const i = SPEC.methods.findIndex((m) => m.name === method);
  expect(i, method).toBeGreaterThanOrEqual(0);
  const validate = ajv.getSchema(`snip29#/methods/${i}/result/schema`)!;
  const ok = validate(result);
  expect(ok ? [] : validate.errors, `${method} result against the spec`).toEqual([]);
}

// A pinned tip (a devnet has no market): every level is 10 fri.
const stack = useRelayStack({ config: { relayerTip: '10' } });
let s: RelayStack;
beforeAll(() => void (s = stack()));

const worker = () => s.chain.demo!.worker;
const sponsored = { version: '0x1', fee_mode: { mode: 'sponsored' } };
const heartbeat = () => heartbeatCall(s);
const invoke = () => ({ type: 'invoke', invoke: { user_address: worker().address, calls: [heartbeat()] } });

describe('strict in what it sends: results match the SNIP-29 schema', () => {
  it('isAvailable, getSupportedTokens', async () => {
    assertResult('paymaster_isAvailable', (await s.rpc('paymaster_isAvailable')).body.result);
    assertResult('paymaster_getSupportedTokens', (await s.rpc('paymaster_getSupportedTokens')).body.result);
  });

  it('buildTransaction, executeTransaction and trackingIdToLatestHash, sponsored and in a gas token', async () => {
    const c = s.chain.manifest.contracts;
    // Default mode: a client holding CIRO approves JobMgr (job-submission policy), paying in CIRO.
    const approve = { to: c.ciro_token.address, selector: hash.getSelectorFromName('approve'), calldata: [c.job_mgr.address, '0x1', '0x0'] };
    const paid = await s.rpc('paymaster_buildTransaction', {
      transaction: { type: 'invoke', invoke: { user_address: s.chain.client.address, calls: [approve] } },
      parameters: { version: '0x1', fee_mode: { mode: 'default', gas_token: c.ciro_token.address } },
    });
    expect(paid.body.error).toBeUndefined();
    assertResult('paymaster_buildTransaction', paid.body.result);
    const built = await s.rpc('paymaster_buildTransaction', { transaction: invoke(), parameters: sponsored });
    assertResult('paymaster_buildTransaction', built.body.result);
    const td = built.body.result.typed_data;
    const exec = await s.rpc('paymaster_executeTransaction', {
      transaction: { type: 'invoke', invoke: { user_address: worker().address, typed_data: td, signature: sign(td, worker()) } },
      parameters: sponsored,
    });
    assertResult('paymaster_executeTransaction', exec.body.result);
    await s.chain.provider.waitForTransaction(exec.body.result.transaction_hash);
    const tracked = await s.rpc('paymaster_trackingIdToLatestHash', { tracking_id: exec.body.result.tracking_id });
    assertResult('paymaster_trackingIdToLatestHash', tracked.body.result);
    expect(tracked.body.result.status).toMatch(/^(active|accepted)$/);
  });

  it('buildTransaction of a deployment alone echoes its time bounds as numeric strings, whatever form they came in', async () => {
    const pk = ec.starkCurve.getStarkKey(stark.randomAddress());
    const class_hash = s.chain.manifest.accountClassHashes[0]!;
    const deployment = { address: hash.calculateContractAddressFromHash(pk, class_hash, [pk], 0), class_hash, salt: pk, calldata: [pk], version: 1 };
    const now = await chainNow(s.chain.provider);
    const built = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'deploy', deployment }, parameters: { ...sponsored, time_bounds: { execute_after: now - 60, execute_before: '0x' + (now + 600).toString(16) } } });
    expect(built.body.error).toBeUndefined();
    assertResult('paymaster_buildTransaction', built.body.result);
    expect(built.body.result.parameters.time_bounds).toEqual({ execute_after: String(now - 60), execute_before: String(now + 600) });
  });
});

describe('strict in what it sends: SNIP-29 errors are the spec\'s', () => {
  const SPEC_ERRORS = (SPEC as unknown as { components: { errors: Record<string, { code: number; message: string }> } }).components.errors;
  const specError = (code: number) => Object.values(SPEC_ERRORS).find((e) => e.code === code)!;

  it('carry the fixed message per code, and 156 its execution_error', async () => {
    const ciro = s.chain.manifest.contracts.ciro_token.address;
    const cases = [
      await s.rpc('paymaster_buildTransaction', { transaction: invoke(), parameters: { version: '0x1', fee_mode: { mode: 'default', gas_token: '0x1234' } } }),
      await s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: '0x' + 'f'.repeat(63), calls: [heartbeat()] } }, parameters: sponsored }),
      await s.rpc('paymaster_buildTransaction', {
        transaction: { type: 'invoke', invoke: { user_address: worker().address, calls: [{ to: s.chain.manifest.contracts.job_mgr.address, selector: hash.getSelectorFromName('submit_job'), calldata: ['0x3e7', '0x1', '0x0'] }] } },
        parameters: sponsored,
      }),
      await s.rpc('paymaster_trackingIdToLatestHash', { tracking_id: '0x1234' }),
    ];
    expect(cases.map((c) => c.body.error.code)).toEqual([151, 150, 156, 160]);
    for (const c of cases) expect(c.body.error.message).toBe(specError(c.body.error.code).message);
    expect(typeof cases[2]!.body.error.data.execution_error).toBe('string');
    expect(ciro).toMatch(/^0x/);
  });
});

describe('liberal in what it accepts', () => {
  it('params as a one-element array wrapping the named object, and null params', async () => {
    const wrapped = await s.rpc('paymaster_buildTransaction', [{ transaction: invoke(), parameters: sponsored }]);
    expect(wrapped.body.error).toBeUndefined();
    expect(wrapped.body.result.type).toBe('invoke');
    expect((await s.rpc('paymaster_isAvailable', null)).body.result).toBe(true);
    expect((await s.rpc('paymaster_getSupportedTokens', null)).body.result.length).toBeGreaterThan(0);
    const tracked = await s.rpc('paymaster_trackingIdToLatestHash', [{ tracking_id: '0x1234' }]);
    expect(tracked.body.error).toMatchObject({ code: 160 });
  });

  it('null optional fields, and time bounds as numbers, numeric strings or hex', async () => {
    const now = await chainNow(s.chain.provider);
    for (const time_bounds of [null, { execute_after: now - 60, execute_before: now + 600 }, { execute_after: String(now - 60), execute_before: '0x' + (now + 600).toString(16) }]) {
      const r = await s.rpc('paymaster_buildTransaction', { transaction: invoke(), parameters: { ...sponsored, fee_mode: { mode: 'sponsored', tip: null }, time_bounds } });
      expect(r.body.error, JSON.stringify(time_bounds)).toBeUndefined();
      if (time_bounds) expect(r.body.result.parameters.time_bounds.execute_before).toBe(String(now + 600));
    }
  });

  it("honours a custom tip in the relayer transaction, a sponsored one up to the fast level (the sponsor's money)", async () => {
    const tipOf = async (custom: number) => {
      const parameters = { version: '0x1', fee_mode: { mode: 'sponsored', tip: { custom } } };
      const built = await s.rpc('paymaster_buildTransaction', { transaction: invoke(), parameters });
      const td = built.body.result.typed_data;
      const exec = await s.rpc('paymaster_executeTransaction', { transaction: { type: 'invoke', invoke: { user_address: worker().address, typed_data: td, signature: sign(td, worker()) } }, parameters });
      expect(exec.body.error).toBeUndefined();
      const tx = (await s.chain.provider.getTransactionByHash(exec.body.result.transaction_hash)) as { tip?: string };
      await s.chain.provider.waitForTransaction(exec.body.result.transaction_hash);
      return BigInt(tx.tip ?? 0);
    };
    expect(await tipOf(7)).toBe(7n);
    // The maxTip a stranger with the public key would name: ~10x a heartbeat's fee, paid by the sponsor.
    expect(await tipOf(10_000_000_000)).toBe(10n);
    for (const tip of ['slow', 'normal', 'fast']) {
      const r = await s.rpc('paymaster_buildTransaction', { transaction: invoke(), parameters: { version: '0x1', fee_mode: { mode: 'sponsored', tip } } });
      expect(r.body.error, tip).toBeUndefined();
    }
  });
});
