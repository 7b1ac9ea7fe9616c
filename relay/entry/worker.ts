/**
 * Cloudflare Workers adapter: the same core through createDeps(), with its
 * state in Durable Objects (one per atomic unit, store/durable/) and the work
 * no request waits for (settlement, resubmission) on a cron trigger, since
 * Workers have no background loops. Config comes from the Worker's env:
 *   CIRO_CONFIG        the relay config as JSON (vars), minus what is secret;
 *   CIRO_RPC_URL       the node's URL (vars), over CIRO_CONFIG's rpcUrl;
 *   CIRO_MANIFEST      the chain's manifest as JSON (vars), over CIRO_CONFIG's;
 *   CIRO_RELAYERS      relayer accounts and keys as JSON (a `wrangler secret`);
 *   CIRO_OPERATOR_KEY  the first operator key, `<id>.<secret>` (a `wrangler secret`);
 *   CIRO_POLICIES      the file policies (templates) as a JSON array (vars);
 *   CIRO_SECRET_<tenant>__<ref>  webhook secrets (`wrangler secret`);
 *   CIRO_SECRET_OPERATOR__<ref>  the operator alerts' signing secret (`wrangler secret`).
 * Metrics are summed over isolates in the Store (edgeMetrics.ts); request
 * scopes use workerd's AsyncLocalStorage, looked up at run time so no Node
 * module is imported into the bundle (test/edge/bundle.test.ts).
 */
import { createApp } from '../app.ts';
import { ConfigError, parseConfig } from '../config.ts';
import { createDeps } from '../createDeps.ts';
import type { RelayDeps } from '../deps.ts';
import { housekeeping } from '../execution/housekeeping.ts';
import { jsonLines } from '../observability/log.ts';
import { createScopes } from '../observability/scopes.ts';
import { newScope } from '../observability/trace.ts';
import { DurableStore, type ShardNamespace } from '../store/durable/store.ts';
import { parsePolicyOrThrow } from '../tenants/templates.ts';
import { checkConfigTenants } from '../tenants/tenants.ts';
import { EdgeRegistry } from './edgeMetrics.ts';
import { knownSecrets, parseJsonSource, secretsFromEnv, withOperatorKey } from './env.ts';
import { workerdAls } from './workerdAls.ts';

export { StoreShard } from '../store/durable/shard.ts';

interface Env {
  STORE: ShardNamespace;
  CIRO_CONFIG?: string;
  CIRO_RPC_URL?: string;
  CIRO_MANIFEST?: string;
  CIRO_RELAYERS?: string;
  CIRO_OPERATOR_KEY?: string;
  CIRO_POLICIES?: string;
  [name: string]: unknown;
}

interface Ctx {
  waitUntil(work: Promise<unknown>): void;
}

type Relay = { deps: RelayDeps; app: ReturnType<typeof createApp>; registry: EdgeRegistry };

/** Before a config is parsed there are no secrets to keep out; after, `relay.deps.log` knows them. */
const bootLog = jsonLines((line) => console.log(line));

/** One relay per isolate, built on the first event; a config error is reported on every request until fixed. */
let built: Promise<{ relay: Relay } | { error: ConfigError }> | undefined;

async function relayFor(env: Env): Promise<Relay> {
  built ??= build(env);
  const b = await built;
  if ('error' in b) throw b.error;
  return b.relay;
}

async function build(env: Env): Promise<{ relay: Relay } | { error: ConfigError }> {
  try {
    let raw = parseJsonSource('CIRO_CONFIG', env.CIRO_CONFIG ?? '{}') as Record<string, unknown>;
    if (env.CIRO_RPC_URL) raw.rpcUrl = env.CIRO_RPC_URL;
    if (env.CIRO_MANIFEST) raw.manifest = parseJsonSource('CIRO_MANIFEST', env.CIRO_MANIFEST);
    if (env.CIRO_RELAYERS) raw.relayers = parseJsonSource('CIRO_RELAYERS', env.CIRO_RELAYERS);
    raw = await withOperatorKey(raw, env.CIRO_OPERATOR_KEY);
    const parsed = parseConfig(raw);
    // Cloudflare is the only proxy in front of a Worker and names the caller in cf-connecting-ip; any other
    // header (or more hops) would be the caller's own words, letting it pick its network for every limit.
    const config = { ...parsed, clientIpHeader: undefined };
    const policies = parseJsonSource('CIRO_POLICIES', env.CIRO_POLICIES ?? '[]');
    const templates = (Array.isArray(policies) ? policies : []).map((p, i) => parsePolicyOrThrow(p, `CIRO_POLICIES[${i}]`));
    const secrets = secretsFromEnv(env);
    const store = new DurableStore(env.STORE);
    const registry = new EdgeRegistry(store);
    const log = jsonLines((line) => console.log(line), { secrets: knownSecrets(config, secrets, env) });
    if (parsed.clientIpHeader) log('config.ignored', { field: 'clientIpHeader', message: 'On Workers the caller is always cf-connecting-ip; clientIpHeader and trustedProxyHops are for Node behind a proxy.' });
    const deps = createDeps({ config, store, templates, secrets, log, registry, scopes: createScopes(workerdAls()) });
    // A clash is a config error (kept for the isolate); a store that can't answer now is not, so it is only logged.
    await checkConfigTenants(deps.tenants.directory).catch((e: unknown) => {
      if (e instanceof ConfigError) throw e;
      log('config.tenant_check_failed', { error: String(e) });
    });
    // Cloudflare sets the caller's address on every request; nothing upstream can forge it.
    return { relay: { deps, registry, app: createApp(deps, { clientAddress: (c) => c.req.header('cf-connecting-ip') }) } };
  } catch (e) {
    return { error: e instanceof ConfigError ? e : new ConfigError([{ path: '', message: String((e as Error).message ?? e) }]) };
  }
}

export default {
  async fetch(request: Request, env: Env, ctx: Ctx): Promise<Response> {
    let relay: Relay;
    try {
      relay = await relayFor(env);
    } catch (e) {
      bootLog('config.invalid', { error: String(e) });
      return Response.json({ error: { reason: 'config_invalid', message: 'Relay misconfigured', details: (e as Error).message } }, { status: 503 });
    }
    // Cloudflare cancels a handler whose client hangs up, unless its work was handed to waitUntil (for up to 30 s
    // more): an execute cut off between its claim and its tracking record would keep the claim, and its holds,
    // until their TTLs, and a retry of the same signed execution would answer execution_in_progress meanwhile.
    const answering = relay.app.fetch(request, env, ctx as never);
    ctx.waitUntil(Promise.resolve(answering).catch(() => undefined));
    const res = await answering;
    // This isolate's counts join the shared total after the response, at most every few seconds.
    ctx.waitUntil(relay.registry.flush());
    return res;
  },

  /** Every minute: settle what landed, send again what was dropped, check the relayers' balances, then the operator's alerts. */
  async scheduled(_controller: unknown, env: Env, ctx: Ctx): Promise<void> {
    ctx.waitUntil(
      relayFor(env).then(
        (r) =>
          r.deps.scopes.run({ ...newScope(), requestId: `cron-${crypto.randomUUID()}` }, async () => {
            try {
              r.deps.log('cron.housekeeping', { ...(await housekeeping(r.deps)) });
            } catch (e) {
              r.deps.log('cron.failed', { error: String(e) });
            }
            const alerts = await r.deps.alerts.check();
            if (alerts.sent.length) r.deps.log('cron.alerts', alerts);
            await r.registry.flush(true);
          }),
        (e: unknown) => bootLog('cron.failed', { error: String(e) }),
      ),
    );
  },
};
