/**
 * What every entry reads from its environment the same way, whether that is
 * process.env (Node) or the Worker's env bindings: webhook secrets, and JSON
 * sources parsed without ever quoting their text (they hold keys).
 */
import { ConfigError, type Config } from '../config.ts';
import { sha256Hex } from '../tenants/auth.ts';

/** CIRO_SECRET_<tenant>__<ref>=… becomes the secret `<ref>` of tenant `<tenant>`. */
export function secretsFromEnv(env: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    // A ref starts with a letter, so a tenant id ending in `_` (CIRO_SECRET_acme___HOOK) still splits right.
    const m = /^CIRO_SECRET_(.+?)__([A-Za-z].*)$/.exec(k);
    if (m && typeof v === 'string' && v) out[`${m[1]}/${m[2]}`] = v;
  }
  return out;
}

/**
 * JSON.parse's own message quotes the text around the error, and these
 * sources hold relayer keys: the error names the source and the position only.
 */
export function parseJsonSource(source: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const at = /position (\d+)/.exec(String((e as Error).message))?.[1];
    throw new ConfigError([{ path: source, message: `not valid JSON${at ? ` (at character ${at})` : ''}` }]);
  }
}

/**
 * CIRO_OPERATOR_KEY, a secret (`wrangler secret put`, or the process env): the
 * first operator key, so a fresh deployment can create its tenants through the
 * admin API without a key hash in its config. Only SHA-256 of the secret is
 * kept, as for every key; a malformed value is refused without being quoted.
 */
export async function withOperatorKey(raw: Record<string, unknown>, value: unknown): Promise<Record<string, unknown>> {
  if (value === undefined || value === '') return raw;
  const m = typeof value === 'string' ? /^([a-zA-Z0-9_-]{3,64})\.([A-Za-z0-9_-]{16,})$/.exec(value) : null;
  if (!m) throw new ConfigError([{ path: 'CIRO_OPERATOR_KEY', message: 'expected <keyId>.<secret> (key id 3-64 of [a-zA-Z0-9_-], secret at least 16 of [A-Za-z0-9_-])' }]);
  const listed = Array.isArray(raw.operatorKeys) ? raw.operatorKeys : [];
  return { ...raw, operatorKeys: [...listed, { id: m[1]!, secretHash: await sha256Hex(m[2]!) }] };
}

/**
 * Every secret value a relay process holds, for the logger to keep out of its
 * lines (observability/log.ts): relayer keys, CIRO_SECRET_* values (webhook,
 * cosigner, alert secrets), the operator key as given, Redis passwords.
 */
export function knownSecrets(config: Config, secrets: Record<string, string>, env: Record<string, unknown>): string[] {
  const out = [...config.relayers.map((r) => r.privateKey), ...Object.values(secrets)];
  if (typeof env.CIRO_OPERATOR_KEY === 'string') out.push(env.CIRO_OPERATOR_KEY);
  const urls = config.store.kind === 'redis' ? [config.store.url, ...(config.store.cluster ?? []), ...(config.store.sentinel?.nodes ?? [])] : [];
  for (const u of urls) {
    const password = u ? safeUrl(u)?.password : undefined;
    if (password) out.push(decodeURIComponent(password));
  }
  return out.filter((s) => s.length > 0);
}

const safeUrl = (u: string): URL | undefined => {
  try {
    return new URL(u);
  } catch {
    return undefined;
  }
};
