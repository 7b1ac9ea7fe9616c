/**
 * API keys look like `<keyId>.<secret>`. The id is public and finds the key
 * record; only SHA-256(secret) is stored, and it is compared in constant time
 * so response timing says nothing about how much of a guess was right.
 */
import { sha256 } from '@noble/hashes/sha256';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { KeyIdSchema, type KeyScope, type Tenant } from '../config.ts';
import { RelayError } from '../errors/base.ts';
import type { ResolvedKey, TenantDirectory } from './directory.ts';

export const API_KEY_HEADER = 'x-paymaster-api-key';

// Synchronous and pure JS on every runtime: WebCrypto's digest is a thread-pool job on Node, which cost
// more than the rest of an admin dry run together (bench/http.ts, --cpu-prof).
export async function sha256Hex(text: string): Promise<string> {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

export function constantTimeEqual(a: string, b: string): boolean {
  const len = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  for (let i = 0; i < len; i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}

/** Who is calling: resolved from the API key before any method runs. */
export interface CallerContext {
  tenant: Tenant;
  apiKeyId: string;
  /** The caller's network address, where the entry knows it. */
  client?: string;
}

const INVALID_KEY = 'The API key is unknown or revoked; check it or ask for a new one.';

/**
 * Resolves a key of the given scope. The secret is checked before the scope,
 * so a wrong guess never learns what a key id is for; a revoked key reads as
 * unknown. Store keys are read on every call (no cache): a revocation through
 * any relay instance takes effect at the next request everywhere. `scope`
 * may list several: any of them is accepted (a listing either key may read).
 */
export async function authenticate(dir: TenantDirectory, header: string | undefined, scope: KeyScope | KeyScope[]): Promise<CallerContext> {
  const key = await resolve(dir, header, scope);
  return { tenant: key.tenant!, apiKeyId: key.id };
}

/** Operator keys (config `operatorKeys`) belong to no tenant; they only manage tenants. */
export async function authenticateOperator(dir: TenantDirectory, header: string | undefined): Promise<{ keyId: string }> {
  return { keyId: (await resolve(dir, header, 'operator')).id };
}

async function resolve(dir: TenantDirectory, header: string | undefined, scope: KeyScope | KeyScope[] | 'operator'): Promise<ResolvedKey> {
  if (!header) {
    throw new RelayError('missing_api_key', { details: `Send your API key in the ${API_KEY_HEADER} header.` });
  }
  const dot = header.indexOf('.');
  const id = dot > 0 ? header.slice(0, dot) : '';
  const secret = dot > 0 ? header.slice(dot + 1) : '';
  const presented = await sha256Hex(secret);
  // Only well-formed ids reach the Store, so a header can never name some other record.
  const key = KeyIdSchema.safeParse(id).success ? await dir.resolveKey(id) : undefined;
  if (!key || !constantTimeEqual(presented, key.secretHash) || key.revoked) {
    throw new RelayError('invalid_api_key', { details: INVALID_KEY });
  }
  const scopes: string[] = Array.isArray(scope) ? scope : [scope];
  if (!scopes.includes(key.scope)) {
    throw new RelayError('wrong_key_scope', {
      details: `This key has scope '${key.scope}'; this endpoint needs a key of scope '${scopes.join("' or '")}'.`,
    });
  }
  return key;
}

/** Creates a key: the full key is shown once, only the hash is kept. */
export async function newApiKey(id: string): Promise<{ key: string; secretHash: string }> {
  const secret = [...crypto.getRandomValues(new Uint8Array(24))].map((b) => b.toString(16).padStart(2, '0')).join('');
  return { key: `${id}.${secret}`, secretHash: await sha256Hex(secret) };
}
