/**
 * What the fault suites share: a devnet with the CIRO contracts and 4
 * relayers, a real redis-server with AOF on (so a SIGKILL loses nothing the
 * server acknowledged), a relay on it through the real app, a load policy that
 * never refuses, and the ledger checks each fault ends with: every request
 * answered, every tracking id final, the relayers' on-chain transactions one
 * per success, and the fee the relay recorded equal to the receipts' fees.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ec, hash, stark, typedData } from 'starknet';
import { JsonRpcCode, Snip29Code } from '../../relay/errors/codes.ts';
import { NodeCode } from '../../relay/errors/chain.ts';
import type { RelayDeps } from '../../relay/deps.ts';
import { sweep } from '../../relay/execution/tracking.ts';
import { dayOf, Keys } from '../../relay/store/keys.ts';
import { startLocalChain, type LocalChain } from '../../scripts/local/chain.ts';
import type { KeyedAccount } from '../../scripts/local/accounts.ts';
import type { ConfigInput } from '../../relay/config.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { startRelayStack, type RelayStack } from '../helpers/relay.ts';

/** A JSON-RPC call to some relay: in-process (`RelayStack.rpc`) or over a socket (`httpRpc`). */
export type Rpc = (method: string, params?: unknown) => Promise<{ status: number; body: any }>;

export type Outcome =
  | { ok: true; trackingId: string; txHash: string }
  | { ok: false; status: number; code: number; reason: string; detail?: string };

/** Heartbeats only, with limits far beyond any run: the suites measure faults, not refusals. */
export function loadPolicyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ciro-reliability-'));
  const policy = {
    schemaVersion: 1,
    id: 'load',
    name: 'load',
    enabled: true,
    rules: {
      allow: [{ contract: 'cdc_pool', selectors: ['heartbeat'] }],
      rateLimits: [{ key: 'sender', points: 1_000_000, durationSeconds: 3600, window: 'sliding' }],
      budgets: { global: { maxFee: '1000000000000000000000000', period: 'day' }, perUser: { maxFee: '1000000000000000000000000', period: 'day' } },
    },
  };
  writeFileSync(join(dir, 'load.json'), JSON.stringify(policy));
  return dir;
}

export interface FaultStack {
  chain: LocalChain;
  redis: TestRedis;
  relay: RelayStack;
  policyDir: string;
  /** JSON-RPC error codes the node answered the relay with, counted (52 = a stale relayer nonce). */
  nodeErrors: Map<number, number>;
  /** Another relay instance on the same chain and Redis (its own deps, app and sweeper). */
  another(config?: Partial<ConfigInput>): Promise<RelayStack>;
  stop(): Promise<void>;
}

export const storeConfig = (redis: TestRedis) => ({ store: { kind: 'redis' as const, url: redis.url, prefix: 'rel:' } });

export async function startFaultStack(opts: { config?: Partial<ConfigInput>; devnetArgs?: string[] } = {}): Promise<FaultStack> {
  const [chain, redis] = await Promise.all([
    startLocalChain({ seed: true, relayerCount: 4, ...(opts.devnetArgs ? { devnet: { args: opts.devnetArgs } } : {}) }),
    startRedis({ args: ['--appendonly', 'yes'] }),
  ]);
  const policyDir = loadPolicyDir();
  const nodeErrors = new Map<number, number>();
  const counting: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const text = await res.clone().text().catch(() => '');
    try {
      for (const r of [JSON.parse(text)].flat()) if (typeof r?.error?.code === 'number') nodeErrors.set(r.error.code, (nodeErrors.get(r.error.code) ?? 0) + 1);
    } catch {
      // not JSON: the relay's provider reports that itself
    }
    return res;
  };
  const start = (config: Partial<ConfigInput> = {}) =>
    startRelayStack({ existingChain: chain, policyDir, policies: ['load'], fetch: counting, config: { ...storeConfig(redis), ...opts.config, ...config } });
  const relay = await start();
  const others: RelayStack[] = [];
  return {
    chain,
    redis,
    relay,
    policyDir,
    nodeErrors,
    another: async (config) => {
      const s = await start(config);
      others.push(s);
      return s;
    },
    stop: async () => {
      for (const s of [relay, ...others]) await s.stop().catch(() => undefined);
      await chain.stop();
      await redis.stop();
    },
  };
}

/** JSON-RPC over a real socket, for a relay running in another process. */
export function httpRpc(url: string, apiKey: string): Rpc {
  return async (method, params) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-paymaster-api-key': apiKey },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, ...(params === undefined ? {} : { params }) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

const sponsored = { version: '0x1', fee_mode: { mode: 'sponsored' } };
const KNOWN = new Set<number>([...Object.values(Snip29Code), ...Object.values(JsonRpcCode)].filter((c) => c !== JsonRpcCode.INTERNAL_ERROR));

/** An error answer's stable reason (`data.reason`, or 163's "reason: details"). */
function reasonOf(error: { code: number; data?: unknown }): string {
  const d = error.data as { reason?: string } | string | undefined;
  return typeof d === 'string' ? d.split(':')[0]! : (d?.reason ?? `code_${error.code}`);
}

/** A typed error a client can act on: not a 5xx, a known code, and a reason other than internal_error. */
export const isTypedError = (o: Outcome): boolean => !o.ok && o.status < 500 && KNOWN.has(o.code) && o.reason !== 'internal_error';

/** One sponsored heartbeat of `who`: build, sign, execute. Any step's error is the outcome. */
export async function sponsorHeartbeat(rpc: Rpc, chain: LocalChain, who: Pick<KeyedAccount, 'address' | 'privateKey'>): Promise<Outcome> {
  const calls = [{ to: chain.manifest.contracts.cdc_pool.address, selector: hash.getSelectorFromName('heartbeat'), calldata: [] }];
  const failed = (r: { status: number; body: any }, step: string): Outcome => ({ ok: false, status: r.status, code: r.body?.error?.code ?? 0, reason: r.body?.error ? reasonOf(r.body.error) : `http_${r.status}`, detail: `${step}: ${JSON.stringify(r.body?.error?.data ?? r.body).slice(0, 600)}` });
  try {
    const built = await rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: who.address, calls } }, parameters: sponsored });
    if (!built.body?.result) return failed(built, 'build');
    const td = built.body.result.typed_data;
    const signature = stark.formatSignature(ec.starkCurve.sign(typedData.getMessageHash(td, who.address), who.privateKey));
    const res = await rpc('paymaster_executeTransaction', { transaction: { type: 'invoke', invoke: { user_address: who.address, typed_data: td, signature } }, parameters: sponsored });
    if (!res.body?.result) return failed(res, 'execute');
    return { ok: true, trackingId: res.body.result.tracking_id, txHash: res.body.result.transaction_hash };
  } catch (e) {
    // The relay's socket closed under us (a killed process): a lost answer, not a typed error.
    return { ok: false, status: 0, code: 0, reason: `transport: ${String(e).slice(0, 80)}` };
  }
}

/** Runs `total` tasks with at most `inFlight` at once; stops early (unstarted ones dropped) when `stop()` says so. */
export async function runLoad<T>(total: number, inFlight: number, task: (i: number) => Promise<T>, stop: () => boolean = () => false): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total && !stop()) out.push(await task(next++));
    }),
  );
  return out;
}

/** Transactions the relayers have sent: the sum of their nonces. */
export async function relayerTxs(chain: LocalChain): Promise<bigint> {
  const nonces = await Promise.all(chain.relayers.map((r) => chain.provider.getNonceForAddress(r.address, 'latest')));
  return nonces.reduce((a, n) => a + BigInt(n), 0n);
}

/** Drives settlement until no tracking id is active (the Node sweeper runs too; sweep() skips if one is running). */
export async function settleAll(deps: RelayDeps, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await sweep(deps);
    const active = await deps.store.members(Keys.trackingActive);
    if (active.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${active.length} tracking ids still active after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The receipts' actual fees and execution statuses for `hashes`, read 16 at a time. */
export async function receipts(chain: LocalChain, hashes: string[]): Promise<{ fee: bigint; succeeded: number; reverts: string[] }> {
  let fee = 0n;
  let succeeded = 0;
  const reverts: string[] = [];
  await runLoad(hashes.length, 16, async (i) => {
    const r = (await chain.provider.getTransactionReceipt(hashes[i]!)) as unknown as { value: { actual_fee: { amount: string }; execution_status: string; revert_reason?: string } };
    fee += BigInt(r.value.actual_fee.amount);
    if (r.value.execution_status === 'SUCCEEDED') succeeded++;
    else reverts.push(`${hashes[i]}: …${(r.value.revert_reason ?? '?').slice(-400)}`);
  });
  return { fee, succeeded, reverts };
}

/** What the relay has recorded as spent today by the test tenant (fri) and how many transactions. */
export const recorded = (deps: RelayDeps) => deps.gate.usage('test', { day: dayOf(Date.now() / 1000) });

/** Outcomes counted by reason, for the one-line figure. */
export function tally(outcomes: Outcome[]): string {
  const by = new Map<string, number>();
  for (const o of outcomes) by.set(o.ok ? 'ok' : o.reason, (by.get(o.ok ? 'ok' : o.reason) ?? 0) + 1);
  return [...by].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}×${n}`).join(' ');
}

export const nonceErrors = (f: FaultStack) => f.nodeErrors.get(NodeCode.INVALID_TRANSACTION_NONCE) ?? 0;

export const report = (what: string, figure: string) => console.log(`[reliability] ${what}: ${figure}`);
