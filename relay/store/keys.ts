/**
 * Every key the relay keeps in the Store, and how long it lives, in one
 * table. Ids that reach a key are restricted to [a-zA-Z0-9_-] (tenants,
 * policies, API keys) or are canonical hex felts, so `:` always separates
 * segments and no id can forge another's key. Prefixes never nest into one
 * another: `admin:` records, `sponsor:` policy counters, `usage:` accounting
 * and the runtime's own keys cannot collide.
 *
 * The part in braces is the key's atomic unit: every key one Store call
 * touches at once (a reservation, a commit) carries the same unit. Redis
 * Cluster puts a unit in one hash slot; the Durable Object store gives each
 * unit one object. A tenant's counters, records and holds are one unit; each
 * relayer is one; a key without braces is its own.
 */
const DAY_MS = 86_400_000;

/** Lowercase 0x-hex without leading zeros: one spelling per felt, whatever the client sent. */
const hex = (felt: string): string => '0x' + BigInt(felt).toString(16);
/** The atomic unit a key belongs to (see above). */
const unit = (id: string): string => `{${id}}`;

export const TTL = {
  tracking: 7 * DAY_MS,
  /** A tracking poll asks the chain at most this often per record, whoever polls and however fast. */
  trackingLook: 1_000,
  idempotency: 7 * DAY_MS,
  /** Only "deployed, with this class" is cached: an undeployed address may be deployed any moment. */
  accountClass: 3_600_000,
  /** A class never changes its interfaces. */
  classSnip9: DAY_MS,
  /** A paymaster's user rarely sends on its own (outside executions leave the nonce alone); a stale one is read again. */
  accountNonce: 10 * 60_000,
  /** A sponsored build's estimate binds nothing (execution/estimate.ts): reused briefly, while gas prices barely move. */
  buildEstimate: 30_000,
  reverts: DAY_MS,
  /** Holds in flight with no window given (tests); execute gives holdTtlMs(its config's longest window). */
  hold: 26 * 3_600_000,
  /** How long a dropped transaction is still looked for (execution/settle.ts). */
  lateWatch: 60 * 60_000,
  /** How long a quota read vouches for later holds (sponsorship/quotaHold.ts; its `held` TTL comes from the config). */
  quotaCleared: 60_000,
  /** Renewed by every read and hold of it: far longer than any execute uses a snapshot (quotaHold.ts). */
  quotaTaken: 15 * 60_000,
  /** A daily quota's counters (sponsorship/dailyQuota.ts) outlive their day and hour windows. */
  dailyQuota: 2 * DAY_MS,
  /** Outlives its UTC day so a settlement landing after midnight still finds it. */
  ceiling: 2 * DAY_MS,
  /** A little over a year, so the admin API can answer year-on-year questions. */
  usage: 400 * DAY_MS,
  /** Refusal counters serve the console's recent view (today, this week, this month). */
  refusals: 40 * DAY_MS,
  /** A settlement landing after its period's counter expired recreates it only briefly. */
  orphanCounter: DAY_MS,
  /** A session's record outlives its expiry this long (chain and relay clocks differ; listings show it expired). */
  sessionAfterExpiry: 7 * DAY_MS,
} as const;

/**
 * How long a count of transactions in flight (a payment hold, a quota hold) lives after its newest one:
 * past the longest signed window the relay accepts, the tracker's drop horizon after it and the late
 * watch after that (a dropped transaction keeps its holds while it may land), plus a margin for the
 * chain's clock. A dropped transaction is sent again, and one pending can land hours later.
 */
export const holdTtlMs = (maxValiditySeconds: number, dropAfterMs: number): number =>
  maxValiditySeconds * 1000 + dropAfterMs + TTL.lateWatch + 10 * 60_000;

export const Keys = {
  relayer: {
    lease: (address: string) => `relayer:lease:${unit(address)}`,
    nonce: (address: string) => `relayer:nonce:${unit(address)}`,
    balance: (address: string) => `relayer:balance:${unit(address)}`,
    cursor: 'relayer:cursor',
  },
  tracking: (id: string) => `track:${hex(id)}`,
  trackingActive: 'track:active',
  /** Tenants that reserved anything on a UTC day (the alert pass reads these between full passes). */
  spendingTenants: (day: string) => `tenants:spending:${day}`,
  /** When the alert pass last read every tenant's budgets (ms). */
  alertsFullPass: 'alerts:full-pass',
  /** Dropped, but still looked for: a late inclusion is charged when it appears. */
  trackingDropped: 'track:dropped',
  /** Held by the one instance sending a dropped transaction again. */
  resendLease: (id: string) => `track:resend:${hex(id)}`,
  /** Set by the one poll that asks the chain about a record, for TTL.trackingLook (execution/tracking.ts); the record's unit (its object on Workers). */
  trackingLook: (id: string) => `{track:${hex(id)}}:look`,
  /** One on-chain effect per (account, SNIP-9 nonce), however the typed data spelled them. */
  execution: (account: string, nonce: string) => `exec:${hex(account)}:${hex(nonce)}`,
  /** A deployment is one effect per address, whichever transaction type carried it. */
  deployment: (address: string) => `exec:deploy:${hex(address)}`,
  accountClass: (address: string) => `account:class:${hex(address)}`,
  accountNonce: (address: string) => `account:nonce:${hex(address)}`,
  classSnip9: (classHash: string) => `class:snip9v2:${hex(classHash)}`,
  /** A sponsored build's kept estimate (the account's unit); `shape` is a hex digest of the calls' targets, selectors and calldata lengths. */
  buildEstimate: (sender: string, tenant: string, shape: string) => `estimate:${unit(`acct:${hex(sender)}`)}:${tenant}:${shape}`,
  /**
   * A sender's reverts on chain in the last day, through every tenant (the account's unit): another tenant's key does not
   * start it again at 0. A default-mode payment counts from submission, given back if it lands (quotaHold.ts).
   */
  reverts: (sender: string) => `reverts:${unit(`acct:${hex(sender)}`)}`,
  /** An account's default-mode payment in flight, through any tenant (the account's unit): it needs the account to itself (quotaHold.ts). */
  paymentHold: (sender: string) => `hold:payment:${unit(`acct:${hex(sender)}`)}`,
  /** An account's transactions in flight, through any tenant, held against the Paymaster's on-chain quota (its own unit). */
  quotaHold: (sender: string) => `hold:quota:${unit(`acct:${hex(sender)}`)}`,
  /** Every quota hold the account ever took, and the count up to which a quota read vouches for them (same unit). */
  quotaTaken: (sender: string) => `hold:quota:${unit(`acct:${hex(sender)}`)}:taken`,
  quotaCleared: (sender: string) => `hold:quota:${unit(`acct:${hex(sender)}`)}:cleared`,
  ceiling: (tenant: string, day: string) => `ceiling:${unit(tenant)}:${day}`,
  /**
   * An API key's daily quotas (sponsorship/dailyQuota.ts; `kind` is `deploys` or `session-auth`): per key and UTC
   * day, per client network (or IPv6 site) and hour (ids from the window start), per network and per IPv6 site and day
   * through the tenant, and the key's day taken by networks past light.
   */
  dailyByKey: (tenant: string, kind: string, keyId: string, day: string) => `${kind}:key:${unit(tenant)}:${keyId}:${day}`,
  dailyByClient: (tenant: string, kind: string, client: string, hourStart: number) => `${kind}:client:${unit(tenant)}:${client}:${hourStart}`,
  dailyByNetwork: (tenant: string, kind: string, network: string, day: string) => `${kind}:net:${unit(tenant)}:${network}:${day}`,
  dailyBySite: (tenant: string, kind: string, site: string, day: string) => `${kind}:site:${unit(tenant)}:${site}:${day}`,
  dailyHeavy: (tenant: string, kind: string, keyId: string, day: string) => `${kind}:heavy:${unit(tenant)}:${keyId}:${day}`,
  reputation: (pool: string, worker: string) => `reputation:${pool}:${worker}`,
  /** rate-limiter-flexible's prefix; the limiter appends `:<key>@<window start>`. */
  rateLimitPrefix: 'rl',
  /** Keys of the operator's node-work limits (sponsorship/nodeWork.ts), under the same limiter prefix. */
  nodeWorkPrefix: 'nw',
  /** A tenant's policy counters; `suffix` comes from policies/runtime.ts (`policy:<id>:…`). */
  sponsor: (tenant: string, suffix: string) => `sponsor:${unit(tenant)}:${suffix}`,
  /** Day accounting: `who` is `all`, `policy:<id>` or `sender:<hex>`. */
  usage: (tenant: string, day: string, who: string) => ({
    txs: `usage:${unit(tenant)}:${day}:${who}:txs`,
    fee: `usage:${unit(tenant)}:${day}:${who}:fee`,
  }),
  /**
   * Refusals per UTC day, by policy, rule and reason (`who` = `<policy>|<rule>|<reason>`), and
   * the capped list of (day, who) pairs seen, so the admin API can list them without a scan.
   */
  refusals: (tenant: string, day: string, who: string) => `refusals:${unit(tenant)}:${day}:${who}`,
  refusalIndex: (tenant: string) => `refusals:${unit(tenant)}:index`,
  /** Capped list of (day, sender) pairs with usage: what "usage per user per day" lists. */
  usageSenders: (tenant: string) => `usage:${unit(tenant)}:senders`,
  session: {
    /**
     * A session the relay co-authorised, by its hash alone: x-sessions' cosigner
     * calls carry no API key, so the hash is what finds the tenant. Its own unit.
     */
    record: (hash: string) => `session:${hex(hash)}`,
    /** Hashes of a tenant's sessions for one account (listing, the per-account cap). */
    byAccount: (tenant: string, account: string) => `sessions:${unit(tenant)}:${hex(account)}`,
  },
  /** One operator alert per condition per window, across instances (relay/observability/alerts.ts; TTL: the window). */
  alertSent: (kind: string, subject: string, window: number) => `alert:${kind}:${subject}:${window}`,
  /** The Worker's counters and histograms, summed over isolates (relay/entry/edgeMetrics.ts). */
  metrics: 'metrics:shared',
  admin: {
    /** Set of store-created tenant ids (config tenants are not listed here). */
    tenants: 'admin:tenants',
    tenant: (t: string) => `admin:tenant:${unit(t)}`,
    /** Set of API-created key ids of a tenant. */
    tenantKeys: (t: string) => `admin:tenant:${unit(t)}:keys`,
    /** Key ids are global: the id in a presented key finds its record without knowing the tenant. */
    key: (id: string) => `admin:key:${id}`,
    /** Latest version of one tenant policy (a deletion is a version too). */
    policy: (t: string, id: string) => `admin:policy:${unit(t)}:${id}`,
    policyVersion: (t: string, id: string, v: number) => `admin:policy:${unit(t)}:${id}:v:${v}`,
    /** Set of policy ids the tenant ever created through the API. */
    policyIds: (t: string) => `admin:policies:${unit(t)}`,
    /** Bumped after every policy change: what other instances poll to notice it. */
    policyRev: (t: string) => `admin:policies:${unit(t)}:rev`,
    audit: (t: string) => `admin:audit:${unit(t)}`,
    /** Held while a change that spans several of the tenant's records is made. */
    lock: (t: string) => `admin:lock:${unit(t)}`,
  },
} as const;

/**
 * Transaction counters end in `:txs` (policies/runtime.ts names tier counters
 * that way, usage keys above follow); everything else a policy reserves counts fri.
 */
export const isCountKey = (key: string): boolean => key.endsWith(':txs');

/** UTC calendar day of a unix time (seconds), the granularity of usage accounting and ceilings. */
export function dayOf(unixSeconds: number): string {
  return new Date(Math.floor(unixSeconds) * 1000).toISOString().slice(0, 10);
}

/** The atomic unit of a key: what is in its braces, or the whole key. */
export function unitOf(key: string): string {
  const m = /\{([^{}]+)\}/.exec(key);
  return m ? m[1]! : key;
}
