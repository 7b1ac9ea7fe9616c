/**
 * Shared fixtures for the policy runtime tests: a tenant, policies built from
 * a base plus overrides (parsed by the real schema), requests, and the two
 * real stores the gate runs on.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { startRedis, type TestRedis } from '../../helpers/redis.ts';
import { parsePolicy, selectorOf, type Policy, type PolicyInput } from '../../../policies/index.ts';
import type { Tenant } from '../../../relay/config.ts';
import { RelayError } from '../../../relay/errors/base.ts';
import type { ReputationSource } from '../../../relay/sponsorship/facts/reputation.ts';
import { SponsorshipGate, type SponsorshipGateOptions } from '../../../relay/sponsorship/gate.ts';
import { assertAllowed } from '../../../relay/sponsorship/refusal.ts';
import type { Reservation, SponsorshipRequest } from '../../../relay/sponsorship/request.ts';
import { MemoryStore } from '../../../relay/store/memory.ts';
import { RedisStore } from '../../../relay/store/redis/store.ts';
import type { Store } from '../../../relay/store/types.ts';
import { TenantPolicies } from '../../../relay/tenants/effective.ts';
import { PolicyTemplates } from '../../../relay/tenants/templates.ts';

export const CONTRACTS = {
  ciro_token: '0x333',
  cdc_pool: '0x111',
  job_mgr: '0x222',
  paymaster: '0x444',
};

export const ALICE = '0xa11ce';
export const BOB = '0xb0b';

/** Aligned to minutes and days so short custom periods start exactly here. */
export const T0 = 1_700_006_400;

export const sel = (name: string): string => '0x' + selectorOf(name)!.toString(16);

export function policy(overrides: Partial<PolicyInput> & { rules?: PolicyInput['rules'] } = {}): Policy {
  const input: PolicyInput = {
    schemaVersion: 1,
    id: 'jobs',
    name: 'Jobs',
    enabled: true,
    ...overrides,
    rules: { allow: [{ contract: 'job_mgr', selectors: ['submit_job'] }], feeModes: ['sponsored', 'default'], ...overrides.rules },
  };
  const r = parsePolicy(input);
  if (!r.ok) throw new Error(`test policy does not parse: ${JSON.stringify(r.issues)}`);
  return r.policy;
}

export function tenant(policies: string[], id = 'acme'): Tenant {
  return { id, name: id, apiKeys: [], policies };
}

export function request(over: Partial<SponsorshipRequest> & { tenant: Tenant }): SponsorshipRequest {
  return {
    apiKeyId: 'key1',
    sender: ALICE,
    calls: [{ to: CONTRACTS.job_mgr, selector: sel('submit_job'), calldata: ['0x1', '0x2', '0x3'] }],
    feeMode: 'sponsored',
    maxFee: 100n,
    phase: 'execute',
    ...over,
  };
}

/** A reputation source backed by a map; counts reads so tests can see when it is (not) consulted. */
export class MapReputation implements ReputationSource {
  reads = 0;
  constructor(
    public values: Record<string, number | undefined> = {},
    public fail = false,
  ) {}
  async get(worker: string): Promise<number | undefined> {
    this.reads++;
    if (this.fail) throw new Error('rpc exploded');
    return this.values[BigInt(worker).toString(16)];
  }
}

export interface GateKit {
  gate: SponsorshipGate;
  clock: { now: number };
  tenant: Tenant;
  reputation: MapReputation;
  /**
   * What execution does with the gate: a build decides and refuses (spending
   * nothing), an execute reserves. Resolves to the reservation (empty for a build).
   */
  check(req: SponsorshipRequest): Promise<Reservation>;
}

/** A gate over `policies` as file templates of one tenant, on a clock the test moves. */
export function makeGate(store: Store, policies: Policy[], extra: Partial<SponsorshipGateOptions> = {}): GateKit {
  const clock = { now: T0 };
  const reputation = new MapReputation();
  const gate = new SponsorshipGate({
    store,
    policies: new TenantPolicies({ store, templates: new PolicyTemplates(policies) }),
    contracts: CONTRACTS,
    reputation,
    dailyFeeCeiling: 10n ** 30n,
    now: () => clock.now,
    ...extra,
  });
  const check = async (req: SponsorshipRequest): Promise<Reservation> => {
    if (req.phase === 'execute') return gate.reserve(req);
    const gd = await gate.decide(req);
    assertAllowed(gd);
    return { policy: gd.decision.policy!, lines: [] };
  };
  return { gate, clock, tenant: tenant(policies.map((p) => p.id)), reputation, check };
}

/** Runs `fn`, which must throw a POLICY_REFUSED RelayError, and returns it for more checks. */
export async function refused(p: Promise<unknown>, reason: string, rule?: string, policyId?: string | null): Promise<RelayError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'expected a refusal').toBeInstanceOf(RelayError);
  const re = e as RelayError;
  expect(re.code).toBe(-32002);
  expect(re.reason).toBe(reason);
  if (rule !== undefined) expect(re.data?.rule).toBe(rule);
  if (policyId !== undefined) expect(re.data?.policy).toBe(policyId);
  expect(re.details).toMatch(/\S/);
  return re;
}

/** A store backend the gate suites run on; `fresh()` opens a new, empty store closed after the test. */
export interface Backend {
  name: string;
  fresh(): Promise<Store>;
}

let seq = 0;

/**
 * Registers the hooks every gate suite needs (one real redis-server for the
 * file, closing what a test opened) and returns the memory and Redis
 * backends to run the suite on with `describe.each`.
 */
export function useStoreBackends(): Backend[] {
  let server: TestRedis | undefined;
  const stores: Store[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close().catch(() => undefined)));
  });
  const opened = async (s: Promise<Store>) => {
    const store = await s;
    stores.push(store);
    return store;
  };
  return [
    { name: 'memory', fresh: () => opened(Promise.resolve(new MemoryStore())) },
    { name: 'redis', fresh: () => opened(RedisStore.connect(server!.url, { prefix: `gate:${process.pid}:${++seq}:`, commandTimeoutMs: 2_000 })) },
  ];
}
