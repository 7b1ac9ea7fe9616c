/**
 * A session file: what a worker daemon needs to act for an Argent account
 * without its owner key: the session (as the owner signed it), the relay's
 * authorisation (owner + guardian signatures) and the session's private key.
 * Written 0600 by `ciro session create`, read (0600 only) by every write once
 * configured, and used through @argent/x-sessions, whose cosigner calls go to
 * the relay's /sessions/argent routes.
 */
import { existsSync } from 'node:fs';
import * as xs from '@argent/x-sessions';
import { num, type Call, type TypedData } from 'starknet';
import type { Context } from './context.ts';
import { guardedFetch, restError, usage } from './errors.ts';
import { readPrivateJson, writePrivateJson } from './keys.ts';

export interface SessionFile {
  version: 1;
  account: string;
  chainId: string;
  sessionHash: string;
  expiresAt: number;
  allowedMethods: { 'Contract Address': string; selector: string }[];
  metadata: { projectID: string; txFees: [] };
  sessionKey: { privateKey: string; publicKey: string };
  /** The relay's answer to POST /sessions/authorize: owner and guardian signatures. */
  authorisationSignature: string[];
  policy: string | null;
}

/** The configured session: from --session / CIRO_SESSION_FILE / the profile, or the profile's default file if it exists. */
export function loadSession(ctx: Context): { file: SessionFile; path: string } | undefined {
  const r = ctx.settings.get('session_file');
  if (r.source === 'default' && !existsSync(r.value!)) return undefined;
  const file = readPrivateJson<SessionFile>(r.value!, 'session file', 'Create one with `ciro session create`.') as SessionFile;
  if (!file.account || !file.sessionKey?.privateKey || !Array.isArray(file.authorisationSignature)) throw usage(`${r.value} is not a session file`);
  if (file.expiresAt * 1000 <= Date.now()) {
    throw usage(`the session in ${r.value} expired at ${new Date(file.expiresAt * 1000).toISOString()}`, 'Create a new one: ciro session create (after removing the file).');
  }
  return { file, path: r.value! };
}

export function writeSession(path: string, file: SessionFile): void {
  writePrivateJson(path, file, 'A session file is never overwritten: revoke it (ciro session revoke) or pass --session <another file>.');
}

/** x-sessions' SessionRequest for these parameters (deterministic: the same inputs give the same session hash). */
export function sessionRequest(chainId: string, p: Pick<SessionFile, 'allowedMethods' | 'expiresAt' | 'metadata' | 'sessionKey'>) {
  return xs.createSessionRequest({
    chainId: chainId as never,
    sessionParams: { allowedMethods: p.allowedMethods, expiry: BigInt(p.expiresAt), sessionKey: p.sessionKey, metaData: p.metadata },
  });
}

/**
 * The session signature of one SNIP-9 outside execution: the session key
 * signs, x-sessions asks the relay's cosigner for the guardian's signature.
 * x-sessions reports a refusal only by its reason, so the cosigner's answer
 * is caught on its way back (a fetch wrapper, for this one call) to tell the
 * user the policy, the rule and the details.
 */
export async function signUnderSession(ctx: Context, s: SessionFile, typedData: TypedData, calls: Call[]): Promise<string[]> {
  const request = sessionRequest(s.chainId, s);
  const session = await xs.createSession({ address: s.account, authorisationSignature: s.authorisationSignature, sessionRequest: request, chainId: s.chainId as never });
  if (BigInt(session.hash) !== BigInt(s.sessionHash)) throw usage('the session file is inconsistent (its hash does not match its contents)');
  const refused: { status?: number; body?: unknown } = {};
  const original = globalThis.fetch;
  const guarded = guardedFetch('the relay (session cosigner)');
  globalThis.fetch = async (input, init) => {
    const res = await guarded(input, init);
    if (!res.ok) Object.assign(refused, { status: res.status, body: await res.clone().json().catch(() => undefined) });
    return res;
  };
  try {
    const sig = await xs.signOutsideExecution({
      session,
      sessionKey: s.sessionKey,
      outsideExecutionTypedData: typedData as never,
      argentSessionServiceUrl: `${ctx.relayBase()}sessions/argent`,
      calls,
    });
    return sig.map((x) => num.toHex(x));
  } catch (e) {
    if (refused.status !== undefined) throw restError(refused.status, refused.body);
    throw e;
  } finally {
    globalThis.fetch = original;
  }
}
