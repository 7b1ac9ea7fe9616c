/**
 * JSON-RPC framing that must not let a caller without a key buy CPU: depth
 * read off the body's text, nulls dropped without copying, one key check per
 * HTTP request, keys before params, little of the caller's text echoed back.
 * A real relay app with no chain behind it, driven with `app.request()`;
 * key lookups are counted on its own tenant directory.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALICE, JOB_MGR, makeApp, makeConfig, memoryStore, type AdminApp, type Keys } from '../admin/helpers.ts';
import { KEYLESS_BODY_BYTES } from '../../../relay/app.ts';

let a: AdminApp;
let keys: Keys;
let lookups = 0;
beforeAll(async () => {
  const made = await makeConfig();
  keys = made.keys;
  a = makeApp(made.config, await memoryStore());
  const dir = a.deps.tenants.directory;
  const resolveKey = dir.resolveKey.bind(dir);
  dir.resolveKey = (id) => (lookups++, resolveKey(id));
});

/** Posts a raw body; the answer parsed. */
async function post(body: string, key?: string): Promise<any> {
  const res = await a.app.request('/', { method: 'POST', headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'x-paymaster-api-key': key }) }, body });
  const answer: any = await res.json();
  // 413 only for what the keyless limit (app.ts) refuses; every other answer is 200.
  expect(res.status).toBe(answer.error?.data?.reason === 'body_too_large' ? 413 : 200);
  return answer;
}
const req = (method: string, params: string, id: unknown = 1) => `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"${method}","params":${params}}`;
const BUILD = 'paymaster_buildTransaction';
const build = (over: Record<string, unknown> = {}) => ({
  transaction: { type: 'invoke', invoke: { user_address: ALICE, calls: [{ to: JOB_MGR, selector: '0x1', calldata: [] }] } },
  parameters: { version: '0x1', fee_mode: { mode: 'sponsored' } },
  ...over,
});
const isDepthError = (r: any) => r.error?.code === -32600 && /nests deeper than 32/.test(r.error.data.details);
/** `n` levels of arrays, as text. */
const nest = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('nesting depth, read off the text before parsing', () => {
  it('32 levels are accepted, 33 refused with the error of old', async () => {
    // The request object and params' object are two levels.
    const ok = await post(req('paymaster_isAvailable', `{"a":${nest(30)}}`));
    expect(isDepthError(ok)).toBe(false);
    expect(ok.error).toMatchObject({ code: -32602, data: { reason: 'invalid_params', path: 'a' } });
    const deep = await post(req('paymaster_isAvailable', `{"a":${nest(31)}}`));
    expect(deep).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: expect.any(String), data: { reason: 'invalid_request', details: 'The body nests deeper than 32 levels.' } } });
    expect(isDepthError(await post(nest(32)))).toBe(false);
    expect(isDepthError(await post(nest(33)))).toBe(true);
    expect(isDepthError(await post(`{"a":{"b":${nest(30)}},"c":${nest(31)}}`))).toBe(false);
  });

  it('brackets inside strings do not count, and escapes end a string where JSON says', async () => {
    const brackets = JSON.stringify('"[' + '['.repeat(40) + '{'.repeat(40) + '\\');
    const shallow = await post(req('paymaster_isAvailable', `{"s":${brackets},"a":${nest(30)}}`));
    expect(isDepthError(shallow)).toBe(false);
    expect(shallow.error.data.path).toBe('s');
    // A string ending in an escaped backslash: the quote after it closes the string, so what follows counts.
    expect(isDepthError(await post(req('paymaster_isAvailable', `{"s":"x\\\\","a":${nest(31)}}`)))).toBe(true);
    expect(isDepthError(await post(req('paymaster_isAvailable', `{"s":"\\"]]]]]]","a":${nest(31)}}`)))).toBe(true);
  });

  it('agrees with a walk of the parsed value, whatever the strings hold', async () => {
    /** Containers nested in the value, counted the way the relay counted before it read the text. */
    const depthOf = (v: unknown): number => (v === null || typeof v !== 'object' ? 0 : 1 + Math.max(0, ...Object.values(v).map(depthOf)));
    const level = fc.record({ array: fc.boolean(), key: fc.string({ unit: 'binary' }), siblings: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 2 }) });
    const spine = fc.tuple(fc.array(level, { minLength: 28, maxLength: 36 }), fc.jsonValue({ maxDepth: 2 })).map(([levels, leaf]) =>
      levels.reduce<unknown>((inner, l) => (l.array ? [...l.siblings, inner] : { ...Object.fromEntries(l.siblings.map((x, i) => [`${l.key}${i}`, x])), [l.key]: inner }), leaf),
    );
    await fc.assert(fc.asyncProperty(spine, async (v) => {
      const body = JSON.stringify(v);
      expect(isDepthError(await post(body))).toBe(depthOf(JSON.parse(body)) > 32);
    }), { numRuns: 200 });
  });

  it('a body that is not JSON is still a parse error', async () => {
    expect((await post('{"a": [[["')).error).toMatchObject({ code: -32700, data: { reason: 'invalid_json' } });
    expect((await post(']]]]{')).error).toMatchObject({ code: -32700, data: { reason: 'invalid_json' } });
  });
});

describe('nulls', () => {
  it('a null field is absent at every depth; a null inside an array stays, and is refused', async () => {
    expect((await post(req('paymaster_isAvailable', '{"a":null}'))).result).toBeTypeOf('boolean');
    expect((await post(req('paymaster_isAvailable', '[{"a":null}]'))).error.data.reason).toBe('too_many_params');
    const plain = await post(req(BUILD, JSON.stringify(build())), keys.acmeSponsor);
    expect(plain.error?.data?.reason).not.toBe('invalid_params');
    const sprinkled = build({ extra: null, parameters: { version: '0x1', fee_mode: { mode: 'sponsored', gas_token: null }, time_bounds: null } });
    (sprinkled.transaction.invoke.calls[0] as Record<string, unknown>).tip = null;
    expect(await post(req(BUILD, JSON.stringify(sprinkled)), keys.acmeSponsor)).toEqual(plain);
    // Wrapped in a one-element array, every key must be a param name, so no `extra` there.
    const named: Record<string, unknown> = { ...sprinkled };
    delete named.extra;
    expect(await post(req(BUILD, JSON.stringify([named])), keys.acmeSponsor)).toEqual(plain);
    const inArray = build();
    (inArray.transaction.invoke.calls[0] as Record<string, unknown>).calldata = ['0x1', null];
    const refused = await post(req(BUILD, JSON.stringify(inArray)), keys.acmeSponsor);
    expect(refused.error).toMatchObject({ code: -32602, data: { path: 'transaction.invoke.calls[0].calldata[1]' } });
  });
});

describe('keys: once per HTTP request, before any params', () => {
  const batchOf = (n: number, item: (i: number) => unknown) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: i, ...(item(i) as object) })));

  it('a batch of 20 with a 16 KB bad key is looked up once, and every item refused', async () => {
    const before = lookups;
    const r = await post(batchOf(20, () => ({ method: BUILD, params: build() })), 'acme-sponsor.' + 'a'.repeat(16_000));
    expect(lookups - before).toBe(1);
    expect(r).toHaveLength(20);
    for (const x of r) expect(x.error).toMatchObject({ code: -32001, data: { reason: 'invalid_api_key' } });
  });

  it('a batch with a good key is looked up once, and every item gets its own answer', async () => {
    const before = lookups;
    const r = await post(batchOf(20, (i) => (i % 2 ? { method: BUILD, params: { transaction: { type: 'teleport' } } } : { method: 'paymaster_isAvailable' })), keys.acmeSponsor);
    expect(lookups - before).toBe(1);
    expect(r.map((x: any) => x.id)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    r.forEach((x: any, i: number) => (i % 2 ? expect(x.error.data.reason).toBe('invalid_params') : expect(x.result).toBeTypeOf('boolean')));
  });

  it('no key: methods without auth still answer; none is looked up', async () => {
    const before = lookups;
    const r = await post(batchOf(3, (i) => ({ method: ['paymaster_isAvailable', 'paymaster_getSupportedTokens', BUILD][i], params: [] })));
    expect(lookups - before).toBe(0);
    expect(r[0].result).toBeTypeOf('boolean');
    expect(Array.isArray(r[1].result)).toBe(true);
    expect(r[2].error).toMatchObject({ code: -32001, data: { reason: 'missing_api_key' } });
  });

  it('without a valid key, any params to a keyed method get the key error, not a params error', async () => {
    const wide = `[[${Array(80_000).fill('{}').join(',')}]]`;
    const manyKeys = `{${Array.from({ length: 15_000 }, (_, i) => `"k${i}":1`).join(',')}}`;
    for (const params of [wide, manyKeys, '[1,2,3,4]', '"text"', '42', `[${JSON.stringify(build({ extra: 1 }))}]`]) {
      // No key at all: a body over the keyless limit is refused before it is parsed (app.ts).
      const keyless = req(BUILD, params).length > KEYLESS_BODY_BYTES ? 'body_too_large' : 'missing_api_key';
      expect((await post(req(BUILD, params))).error?.data?.reason, params.slice(0, 40)).toBe(keyless);
      expect((await post(req(BUILD, params), 'acme-sponsor.nope')).error, params.slice(0, 40)).toMatchObject({ code: -32001, data: { reason: 'invalid_api_key' } });
    }
    // With a key the same params are judged: that is where the errors above would have come from.
    expect((await post(req(BUILD, '[1,2,3,4]'), keys.acmeSponsor)).error.data.reason).toBe('too_many_params');
    expect((await post(req(BUILD, '"text"'), keys.acmeSponsor)).error.data.reason).toBe('params_not_structured');
  });
});

const ANY_KEY = 'acme-sponsor.not-checked-by-these-methods';

describe('unknown keys and names', () => {
  const unknownKeys = (n: number, extra = '') => `{${extra}${Array.from({ length: n }, (_, i) => `"k${i}":${i % 7 ? 1 : 'null'}`).join(',')}}`;

  it('thousands of unknown keys get the same answer as a few hundred', async () => {
    // isAvailable needs no key; any key lifts the keyless body limit (app.ts), and goes unchecked.
    const few = await post(req('paymaster_isAvailable', unknownKeys(150)), ANY_KEY);
    const many = await post(req('paymaster_isAvailable', unknownKeys(15_000)), ANY_KEY);
    expect(few.error.data.issues).toHaveLength(50);
    expect(few.error.data.issues[0]).toEqual({ path: 'k1', message: "unknown field 'k1'" });
    expect(many).toEqual(few);
    const tracked = (n: number) => post(req('paymaster_trackingIdToLatestHash', unknownKeys(n, '"tracking_id":"zz",')), keys.acmeSponsor);
    const t = await tracked(15_000);
    expect(t).toEqual(await tracked(150));
    expect(t.error.data.path).toBe('tracking_id');
    expect(t.error.data.issues[1].path).toBe('k1');
    const proto = await post(req('paymaster_isAvailable', unknownKeys(300, '"__proto__":{"x":1},')), ANY_KEY);
    expect(proto.error.data.issues[0]).toEqual({ path: '__proto__', message: "unknown field '__proto__'" });
  });

  it('an unknown method echoes at most 64 characters of its name; the id comes back whole', async () => {
    const id = 'i'.repeat(10_000);
    const r = await post(req('m'.repeat(100_000), '[]', id), ANY_KEY);
    expect(r.id).toBe(id);
    expect(r.error).toMatchObject({ code: -32601, data: { reason: 'method_not_found', method: 'm'.repeat(64) + '…' } });
    expect((await post(req('paymaster_nope', '[]'))).error.data.method).toBe('paymaster_nope');
  });
});
