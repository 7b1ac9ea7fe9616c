/**
 * Relay configuration: one zod schema, validated at boot. Sources are merged (file first, then environment) by the
 * entry adapters; this module only parses, so it is platform-free. A bad config throws ConfigError naming every
 * offending field, and the entry stops the process.
 */
import { z } from 'zod';
import { zodIssues } from '../policies/index.ts';
import { ManifestSchema } from './chain/manifest.ts';
import { FeltHex as Felt } from './chain/felt.ts';

const Decimal = z.string().regex(/^\d+$/, 'expected a decimal integer string');
/** Public key id: the part of a key before the dot, used for lookup. */
export const KeyIdSchema = z.string().regex(/^[a-zA-Z0-9_-]{3,64}$/, { error: 'expected a key id ([a-zA-Z0-9_-], 3 to 64)' });
export const KeyScopeSchema = z.enum(['sponsor', 'admin']);

export const ApiKeySchema = z.object({
  id: KeyIdSchema,
  /** SHA-256 (hex) of the secret part. The secret itself is never stored. */
  secretHash: z.string().regex(/^[0-9a-f]{64}$/),
  scope: KeyScopeSchema,
});

/** `__` is refused: it separates tenant and secret name in CIRO_SECRET_<tenant>__<name>, so tenant `a` can't read `a__b`'s secrets. */
export const TenantIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{1,63}$/, { error: 'expected a tenant id like acme-games' })
  .refine((id) => !id.includes('__'), { error: "a tenant id may not contain '__'" });

export const TenantSchema = z.object({
  id: TenantIdSchema,
  name: z.string().min(1),
  apiKeys: z.array(ApiKeySchema).default([]),
  /** Policy ids this tenant's sponsor keys are evaluated against. */
  policies: z.array(z.string()).default([]),
  /** Operator ceiling on this tenant's sponsored fees per UTC day (fri); overrides tenantDailyFeeCeiling. */
  maxDailyFee: Decimal.optional(),
  /**
   * The secret holding this tenant's session cosigner key (the Argent guardian
   * of its users' accounts): CIRO_SECRET_<tenant>__<ref>. Default SESSION_COSIGNER.
   */
  sessionCosignerRef: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,127}$/, { error: 'expected a secret name like SESSION_COSIGNER' }).optional(),
});

/**
 * Operator keys manage tenants themselves (POST /v1/tenants). They belong to
 * no tenant, so a leaked tenant key can never be one of them.
 */
export const OperatorKeySchema = ApiKeySchema.pick({ id: true, secretHash: true });

export const RelayerSchema = z.object({ address: Felt, privateKey: Felt });

/** Where a gas token's price (fri per whole token) comes from; see chain/prices.ts. */
export const PriceSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fixed'), priceInStrk: Decimal }),
  z.object({
    kind: z.literal('pragma'),
    /** Pragma pair id as a short string, quoted in STRK: `CIRO/STRK`. */
    pair: z.string().min(1).max(31),
    maxAgeSeconds: z.number().int().positive().default(900),
  }),
  z.object({
    kind: z.literal('http'),
    url: z.string().url(),
    /** Dotted path to the price in STRK per token (a decimal string or number). */
    field: z.string().default('price'),
    /** Dotted path to the publication time (unix s); absent: the time it was fetched. */
    timestampField: z.string().optional(),
    maxAgeSeconds: z.number().int().positive().default(300),
    timeoutMs: z.number().int().positive().max(10_000).default(2_000),
  }),
]);
export type PriceSource = z.infer<typeof PriceSourceSchema>;

/** `priceInStrk` alone is shorthand for one fixed source. */
const GasTokenSchema = z
  .object({ priceInStrk: Decimal.optional(), sources: z.array(PriceSourceSchema).min(1).max(8).optional() })
  .refine((t) => (t.priceInStrk === undefined) !== (t.sources === undefined), { error: 'give either priceInStrk or sources' })
  .transform((t) => ({ sources: t.sources ?? [{ kind: 'fixed' as const, priceInStrk: t.priceInStrk! }] }));

const RedisUrl = z.string().url().regex(/^rediss?:\/\//, { error: 'expected a redis:// or rediss:// URL' });

/**
 * One Redis (`url`), a Redis Cluster (`cluster`: seed node URLs; the client learns the other nodes from them),
 * or the master Sentinels watch (`sentinel`: its name and the sentinels' URLs; credentials and TLS of the first
 * hold for the master too). `prefix` must leave the keys' own {unit} hash tags in charge: no braces, or one
 * complete {tag} (every key in one slot). RedisStore checks the same rule (store/redis/slot.ts).
 */
const RedisStoreSchema = z
  .object({
    kind: z.literal('redis'),
    url: RedisUrl.optional(),
    cluster: z.array(RedisUrl).min(1).optional(),
    sentinel: z.object({ name: z.string().min(1), nodes: z.array(RedisUrl).min(1) }).optional(),
    prefix: z
      .string()
      .regex(/^[^{}]*$|^[^{}]*\{[^{}]+\}[^{}]*$/, { error: 'a key prefix may have no braces, or one complete non-empty {tag}' })
      .default('ciro:'),
  })
  .refine((s) => [s.url, s.cluster, s.sentinel].filter((x) => x !== undefined).length === 1, {
    error: 'give one of url (one Redis), cluster (the seed node URLs of a Redis Cluster) or sentinel (a master name and its sentinels)',
    path: ['url'],
  });

/** Operator alerts (observability/alerts.ts), signed with CIRO_SECRET_OPERATOR__<secretRef> (no tenant id is upper-case). No webhook: none. */
export const AlertsSchema = z.object({
  webhook: z.object({
    url: z.string().url().regex(/^https?:\/\//, { error: 'expected an http(s) URL' }),
    secretRef: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,127}$/, { error: 'expected a secret name like ALERTS' }).default('ALERTS'),
    timeoutMs: z.number().int().positive().max(30_000).default(5_000),
  }).optional(),
  /** One alert per condition (a relayer, a tenant's budget, ceiling or failing-open webhook, store, chain) per window. */
  windowSeconds: z.number().int().positive().default(3_600),
  /** Share (percent) of a policy's global budget or of a tenant's daily ceiling in use that raises an alert. */
  budgetThresholdPct: z.number().int().min(1).max(100).default(80),
  /** The store or the chain failing this long, with no success in between, raises an alert. */
  unavailableAfterSeconds: z.number().int().positive().default(60),
  /** How often the Node entry checks; the Worker checks on its cron trigger (every minute). */
  checkIntervalSeconds: z.number().int().positive().default(15),
});
export type AlertsConfig = z.infer<typeof AlertsSchema>;

/** Non-negative integer limits, each defaulting as given; 0 disables one. */
function Limits<T extends Record<string, number>>(defaults: T) {
  const shape = Object.fromEntries(Object.keys(defaults).map((k) => [k, z.number().int().nonnegative().default(defaults[k]!)]));
  // The shape is built from the keys, so its output is T itself.
  return z.object(shape as { [K in keyof T]: z.ZodDefault<z.ZodNumber> }).default(defaults as never);
}

export const ConfigSchema = z.object({
  rpcUrl: z.string().url(),
  /** One node request's deadline: a node that accepts connections and never answers (hung, paused) fails closed as chain_unavailable. */
  rpcTimeoutMs: z.number().int().positive().max(120_000).default(10_000),
  manifest: ManifestSchema,
  relayers: z.array(RelayerSchema).min(1, 'at least one relayer account is required'),
  /** An account registered as a relayer on the Paymaster that the relay only simulates as (relayers/simulator.ts): no key, no funds. */
  simulator: Felt.optional(),
  /** Relayers below this STRK balance (fri) leave the rotation until refunded. */
  relayerMinBalance: Decimal.default('100000000000000000'),
  relayerLeaseMs: z.number().int().positive().default(60_000),
  /** How long a relayer's STRK balance reading is trusted before it is read again. */
  relayerBalanceTtlMs: z.number().int().positive().default(15_000),
  /** Tip on relayer transactions: 'recommended' samples recent blocks (mainnet); a fixed amount skips that (devnet). */
  relayerTip: z.union([z.literal('market'), z.literal('recommended'), Decimal]).default('market'),
  /** The largest tip (fri per L2 gas) a client's fee_mode.tip can make a relayer pay. */
  maxTip: Decimal.default('10000000000'),
  /** How long an execute waits for a free relayer before refusing with relayers_busy. */
  relayerAcquireTimeoutMs: z.number().int().positive().default(30_000),
  /** A relayed transaction the node has never heard of for this long is dropped (and sent again if its window allows). */
  trackingDropAfterMs: z.number().int().positive().default(300_000),
  store: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('memory') }),
      RedisStoreSchema,
    ])
    .default({ kind: 'memory' }),
  /**
   * Gas tokens accepted in `default` fee mode, by manifest token symbol, with
   * the price of one whole token in fri (1 STRK = 10^18 fri).
   */
  gasTokens: z.record(z.string(), GasTokenSchema).default({ STRK: { sources: [{ kind: 'fixed', priceInStrk: '1000000000000000000' }] } }),
  fees: z
    .object({
      maxFeeMultiplierPct: z.number().int().min(100).max(1000).default(150), // suggested max fee = estimate × this %
      /** L2 gas added to a build's estimate of the user's calls for what execute runs around them (Paymaster, SNIP-9, the relayer's validate): measured 3.45 M + ~130 k per call. */
      overheadL2Gas: z.number().int().nonnegative().default(3_300_000),
      overheadL2GasPerCall: z.number().int().nonnegative().default(130_000),
      /** The most L2 gas one relayed transaction may use, at build and at execute alike. */
      maxL2GasPerTx: z.number().int().positive().default(100_000_000),
      /** L2 gas of a relayer's own __validate__, skipped by execute's estimate and added back (OZ account: 170,240). */
      validateL2Gas: z.number().int().nonnegative().default(250_000),
    })
    .prefault({}),
  timeBounds: z
    .object({
      defaultValiditySeconds: z.number().int().positive().default(1800),
      maxValiditySeconds: z.number().int().positive().default(86_400),
      /** Left, at least, when an execution is sent (relayer wait, next block, a slow tip); with less it reverts on relayer gas. */
      minRemainingSeconds: z.number().int().nonnegative().default(60),
    })
    .prefault({}),
  tenants: z.array(TenantSchema).default([]),
  /**
   * Sponsored fees (fri) any one tenant may reserve per UTC day, whatever its
   * own policies say: tenant admins write policies, the operator pays the gas.
   */
  tenantDailyFeeCeiling: Decimal.default('1000000000000000000000'),
  operatorKeys: z.array(OperatorKeySchema).default([]),
  // Per API key per UTC day and per client network per hour, whatever the policies allow (0 disables one; sponsorship/
  // dailyQuota.ts): deployments carry no signature worth anything, and each session authorisation is a stored record.
  deployQuota: Limits({ perApiKeyPerDay: 500, perClientPerHour: 20 }),
  sessionQuota: Limits({ perApiKeyPerDay: 1_000, perClientPerHour: 30 }),
  /**
   * Node work a public key can buy (sponsorship/nodeWork.ts): builds and executes count before their first node
   * call, and again when refused after it. Per client network of a key, per account from one network, and per
   * key as backstops past which only light networks (and, for refusals, ones refused nowhere this hour) are
   * served. 0 disables a limit; with no per-network limit, a key's backstop stops everyone. Behind a proxy,
   * set clientIpHeader, or every request shares the proxy's network.
   */
  nodeWork: Limits({ perApiKeyPerMinute: 1_200, perClientPerMinute: 300, perSenderPerMinute: 60, lightPerMinute: 10, lightPerSitePerMinute: 40,
    refusalsPerApiKeyPerHour: 6_000, refusalsPerClientPerHour: 120, refusalsPerSenderPerHour: 30 }),
  /**
   * Hosts tenant webhooks may reach over http or at a loopback/private
   * address. Everything else must be https to a public address.
   */
  webhookAllowHosts: z.array(z.string().regex(/^[a-z0-9.:-]+$/)).default([]),
  /**
   * Where the client address comes from behind proxies (`cf-connecting-ip`, `x-forwarded-for`), and how many
   * proxies of yours append to it: the client is that many entries from the right, as entries to the left of
   * it are whatever the client sent. Unset: the socket's peer, where the entry knows it.
   */
  clientIpHeader: z.string().regex(/^[a-z0-9-]+$/).optional(),
  trustedProxyHops: z.number().int().min(1).max(16).default(1),
  alerts: AlertsSchema.default({ windowSeconds: 3_600, budgetThresholdPct: 80, unavailableAfterSeconds: 60, checkIntervalSeconds: 15 }),
  /** One JSON line per HTTP request (ids, method, route, status, time); /health and /metrics only when they fail. */
  accessLog: z.boolean().default(true),
  maxBodyBytes: z.number().int().positive().default(256 * 1024),
  maxBatch: z.number().int().positive().default(20),
}).superRefine((c, ctx) => {
  // A key id finds exactly one key record; two owners of one id would make authentication ambiguous.
  const seen = new Set<string>();
  const ids = [...c.tenants.flatMap((t, i) => t.apiKeys.map((k, j) => [k.id, ['tenants', i, 'apiKeys', j, 'id']] as const)),
    ...c.operatorKeys.map((k, i) => [k.id, ['operatorKeys', i, 'id']] as const)];
  for (const [id, path] of ids) {
    if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [...path], message: `key id '${id}' is used twice` });
    seen.add(id);
  }
  // A send holds its relayer for up to five node calls; a lease ending sooner lets another instance send on its nonce.
  if (c.relayerLeaseMs < 5 * c.rpcTimeoutMs) ctx.addIssue({ code: 'custom', path: ['relayerLeaseMs'], message: `must be at least 5 × rpcTimeoutMs (${5 * c.rpcTimeoutMs} ms): a send can hold its relayer that long` });
});

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type Tenant = z.infer<typeof TenantSchema>;
export type KeyScope = z.infer<typeof KeyScopeSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`invalid relay config:\n${issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
  }
}

export function parseConfig(input: unknown): Config {
  const res = ConfigSchema.safeParse(input);
  if (!res.success) {
    throw new ConfigError(zodIssues(res.error));
  }
  return res.data;
}
