/**
 * The chain failing under load, on devnet:
 * - Devnet stopped mid-load. The fault is SIGSTOP/SIGCONT of the devnet
 *   process, not a kill: devnet keeps its state only in memory (a restart
 *   without --dump-on/--dump-path starts a new chain, and dumping every block
 *   would slow the whole run), and a frozen process is the harder case for
 *   the relay: connections are accepted by the kernel and never answered, so
 *   only the relay's own node timeout (rpcTimeoutMs) ends a request. Expect a
 *   typed error within that timeout, no relayer lease left behind, service
 *   back when devnet resumes, and every tracking id ending accepted or
 *   dropped.
 * - Relayer nonce drift: the relayers send transactions of their own behind
 *   the relay's back during a load; no sponsorship fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keys } from '../../relay/store/keys.ts';
import { executeAndWait } from '../../scripts/local/accounts.ts';
import { call } from '../../scripts/local/seed.ts';
import {
  isTypedError,
  nonceErrors,
  relayerTxs,
  report,
  runLoad,
  settleAll,
  sponsorHeartbeat,
  startFaultStack,
  tally,
  type FaultStack,
  type Outcome,
} from './fixtures.ts';

const RPC_TIMEOUT_MS = 3_000;
let f: FaultStack;
beforeAll(async () => {
  // A transaction the node never heard of counts as dropped after 5 s (and is sent again while its window is open).
  f = await startFaultStack({ config: { rpcTimeoutMs: RPC_TIMEOUT_MS, trackingDropAfterMs: 5_000 } });
}, 300_000);
afterAll(async () => {
  f?.chain.devnet.proc.kill('SIGCONT');
  await f?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Phase = 'up' | 'down' | 'back';

describe('the chain failing under load', () => {
  it('devnet stopped mid-load: typed errors within the node timeout, no leaked leases, recovery, every tracking id final', async () => {
    const deps = f.relay.relay.deps;
    const worker = f.chain.demo!.worker;
    const devnet = f.chain.devnet.proc;
    let phase: Phase = 'up';
    let stop = false;
    let backAt = 0;
    const seen: { o: Outcome; from: Phase; to: Phase; ms: number; startedAt: number }[] = [];
    const load = runLoad(1_000_000, 20, async () => {
      const from = phase;
      const startedAt = Date.now();
      const o = await sponsorHeartbeat(f.relay.rpc, f.chain, worker);
      seen.push({ o, from, to: phase, startedAt, ms: Date.now() - startedAt });
      if (!o.ok) await sleep(50);
    }, () => stop);

    const okIn = (p: Phase) => seen.filter((s) => s.o.ok && s.from === p).length;
    while (okIn('up') < 20) await sleep(50);
    devnet.kill('SIGSTOP');
    phase = 'down';
    await sleep(3 * RPC_TIMEOUT_MS);
    devnet.kill('SIGCONT');
    backAt = Date.now();
    phase = 'back';
    while (okIn('back') < 20 && Date.now() < backAt + 60_000) await sleep(100);
    stop = true;
    await load;

    // Every tracking id handed out ends accepted or dropped (the in-flight ones included).
    const ids = seen.flatMap((s) => (s.o.ok ? [s.o.trackingId] : []));
    await settleAll(deps, 90_000);
    const states = await runLoad(ids.length, 16, async (i) => (await f.relay.rpc('paymaster_trackingIdToLatestHash', { tracking_id: ids[i] })).body.result?.status);
    const leases = await Promise.all(f.chain.relayers.map((r) => deps.store.get(Keys.relayer.lease(r.address))));
    const outage = seen.filter((s) => s.from === 'down' && s.to === 'down');
    const slowest = Math.max(...outage.map((s) => s.ms));

    report(
      'devnet stopped',
      `${seen.length} requests; while frozen (${(3 * RPC_TIMEOUT_MS) / 1000} s, node timeout ${RPC_TIMEOUT_MS} ms): ${tally(outage.map((s) => s.o))}, slowest answer ${slowest} ms; ` +
        `straddling the fault: ${tally(seen.filter((s) => s.from !== s.to).map((s) => s.o))}; after resume: ${tally(seen.filter((s) => s.from === 'back').map((s) => s.o))}; ` +
        `tracking ids ${tally(states.map((st) => ({ ok: false, status: 0, code: 0, reason: String(st) })))}; leases left ${leases.filter((l) => l !== null).length}`,
    );
    expect(outage.length).toBeGreaterThan(0);
    expect(outage.filter((s) => !isTypedError(s.o))).toEqual([]);
    // A request makes its node calls one after another; each is bounded by the timeout, the first failure ends it.
    expect(slowest).toBeLessThan(2 * RPC_TIMEOUT_MS);
    expect(seen.filter((s) => s.from !== 'up' && !s.o.ok && !isTypedError(s.o))).toEqual([]);
    expect(okIn('back')).toBeGreaterThanOrEqual(20);
    expect(states.filter((st) => st !== 'accepted' && st !== 'dropped')).toEqual([]);
    expect(leases).toEqual(f.chain.relayers.map(() => null));
  }, 300_000);

  it('relayer nonce drift: transactions sent from the relayers outside the relay cost no sponsorship', async () => {
    const worker = f.chain.demo!.worker;
    const before = nonceErrors(f);
    const txs0 = await relayerTxs(f.chain);
    let drifted = 0;
    const load = runLoad(120, 10, () => sponsorHeartbeat(f.relay.rpc, f.chain, worker));
    // Meanwhile each relayer sends two transactions of its own: every cached nonce goes stale, twice.
    const ciro = f.chain.manifest.contracts.ciro_token.address;
    for (let round = 0; round < 2; round++) {
      for (const r of f.chain.relayers) {
        // The relay races this sender for the nonce too: like any wallet, it reads the nonce again and retries.
        // With 10 executes in flight on a few relayers it can lose ten races in a row (CI, 12-01): a jittered
        // wait gives it a gap between the relay's sends.
        for (let attempt = 1; ; attempt++) {
          try {
            await executeAndWait(r.account, call(ciro, 'approve', [r.address, 0, 0]));
            break;
          } catch (e) {
            if (attempt === 40) throw e;
            await sleep(50 + Math.random() * 250);
          }
        }
        drifted++;
      }
    }
    const out = await load;
    const sent = (await relayerTxs(f.chain)) - txs0;
    report('nonce drift', `${out.length} executes while ${drifted} relayer transactions went around the relay: ${tally(out)}; stale nonces the node refused ${nonceErrors(f) - before}, all retried`);
    expect(out.filter((o) => !o.ok).slice(0, 3)).toEqual([]);
    expect(sent).toBe(BigInt(out.length + drifted));
  }, 300_000);
});
