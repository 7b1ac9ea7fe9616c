/**
 * API keys look like `<keyId>.<secret>`. The id is public and finds the key
 * record; only SHA-256(secret) is stored, and it is compared in constant time
 * so response timing says nothing about how much of a guess was right.
 */
import type { Config } from './config.ts';
import type { CallerContext } from './deps.ts';
import { JsonRpcCode, RelayError } from './errors.ts';

export const API_KEY_HEADER = 'x-paymaster-api-key';

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const len = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  for (let i = 0; i < len; i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}

const unauthorized = (reason: string, details: string) =>
  new RelayError(JsonRpcCode.UNAUTHORIZED, 'Unauthorized', { reason, details, httpStatus: 401 });

export async function authenticate(
  config: Config,
  header: string | undefined,
  scope: 'sponsor' | 'admin',
): Promise<CallerContext> {
  if (!header) {
    throw unauthorized('missing_api_key', `Send your API key in the ${API_KEY_HEADER} header.`);
  }
  const dot = header.indexOf('.');
  const id = dot > 0 ? header.slice(0, dot) : '';
  const secret = dot > 0 ? header.slice(dot + 1) : '';
  const presented = await sha256Hex(secret);
  for (const tenant of config.tenants) {
    const key = tenant.apiKeys.find((k) => k.id === id);
    if (!key) continue;
    if (!constantTimeEqual(presented, key.secretHash)) break;
    if (key.scope !== scope) {
      throw unauthorized('wrong_key_scope', `This key has scope '${key.scope}'; this endpoint needs a '${scope}' key.`);
    }
    return { tenant, apiKeyId: key.id };
  }
  throw unauthorized('invalid_api_key', 'The API key is unknown or revoked; check it or ask for a new one.');
}

/** Creates a key: the full key is shown once, only the hash is kept. */
export async function newApiKey(id: string): Promise<{ key: string; secretHash: string }> {
  const secret = [...crypto.getRandomValues(new Uint8Array(24))].map((b) => b.toString(16).padStart(2, '0')).join('');
  return { key: `${id}.${secret}`, secretHash: await sha256Hex(secret) };
}
