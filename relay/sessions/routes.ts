/**
 * The session routes, mounted at /sessions by relay/app.ts (the API is in
 * relay/sessions/README.md). Owner and admin routes take the tenant's key in
 * x-paymaster-api-key; the x-sessions cosigner routes under /sessions/argent
 * take none (x-sessions cannot send one) and answer refusals the way
 * x-sessions reads them: a non-2xx with `status`, here the stable reason,
 * next to the usual `error` envelope.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { zodIssues } from '../../policies/index.ts';
import { noStore } from '../admin/noStore.ts';
import { revocationTypedData } from '../chain/argent.ts';
import type { RelayDeps } from '../deps.ts';
import { RelayError } from '../errors/base.ts';
import { toRelayError } from '../errors/chain.ts';
import { errorResponse, restErrorHandler } from '../errors/http.ts';
import { invalidInput, issueReason } from '../errors/issues.ts';
import { parseJsonBody } from '../errors/json.ts';
import { API_KEY_HEADER, authenticate } from '../tenants/auth.ts';
import { authorizeSession } from './authorize.ts';
import { cosignerOf } from './checks.ts';
import { cosignOutsideExecution } from './cosign.ts';
import { SessionRecords } from './records.ts';
import { revokeByAdmin, revokeByOwner, revokeOnChain, tenantSession } from './revoke.ts';
import { AccountQuery, AuthorizeBodySchema, HashParam, RevokeBodySchema, sessionView, SignSessionEfoSchema } from './schemas.ts';

/** What a co-signer request (keyless) may weigh: a legal one at every limit, felts spelt in decimal, is ~32 KB. */
export const COSIGNER_BODY_BYTES = 48 * 1024;

/** `clientOf`: the caller's address as app.ts finds it, which node-work limits count by. */
export function createSessionRoutes(deps: RelayDeps, tooLarge: () => RelayError, clientOf: (c: Context) => string | undefined): Hono {
  const app = new Hono();
  const dir = deps.tenants.directory;
  const key = (c: Context) => c.req.header(API_KEY_HEADER);
  const now = () => Math.floor(deps.gate.now());
  app.use('*', noStore);
  app.use('*', bodyLimit({ maxSize: deps.config.maxBodyBytes, onError: () => { throw tooLarge(); } }));

  app.route('/argent', argentRoutes(deps, clientOf));

  app.get('/guardian', async (c) => {
    const ctx = await authenticate(dir, key(c), ['sponsor', 'admin']);
    const base = new URL(c.req.url);
    return c.json({ tenant: ctx.tenant.id, guardian: cosignerOf(deps, ctx.tenant).publicKey, argentSessionServiceBaseUrl: `${base.origin}/sessions/argent` });
  });

  app.post('/authorize', async (c) => {
    const ctx = { ...(await authenticate(dir, key(c), 'sponsor')), client: clientOf(c) };
    const body = await parse(c, AuthorizeBodySchema);
    const { created, record } = await authorizeSession(deps, ctx, body);
    return c.json(sessionView(record, now()), created ? 201 : 200);
  });

  app.get('/', async (c) => {
    const ctx = await authenticate(dir, key(c), ['sponsor', 'admin']);
    const q = valid(AccountQuery, c.req.query(), 'query');
    const list = await new SessionRecords(deps.store).forAccount(ctx.tenant.id, q.account);
    return c.json({ sessions: list.map((r) => sessionView(r, now())) });
  });

  app.get('/:hash', async (c) => {
    const ctx = await authenticate(dir, key(c), ['sponsor', 'admin']);
    return c.json(sessionView(await tenantSession(deps, ctx.tenant.id, hashOf(c)), now()));
  });

  app.get('/:hash/revocation', async (c) => {
    const ctx = await authenticate(dir, key(c), ['sponsor', 'admin']);
    const r = await tenantSession(deps, ctx.tenant.id, hashOf(c));
    return c.json({ account: r.account, typedData: revocationTypedData(await deps.provider.getChainId(), r.hash) });
  });

  app.post('/:hash/revoke', async (c) => {
    const ctx = { ...(await authenticate(dir, key(c), 'sponsor')), client: clientOf(c) };
    const hash = hashOf(c);
    const body = await parse(c, RevokeBodySchema);
    if (!body.onchain) return c.json(sessionView(await revokeByOwner(deps, ctx, hash, body.signature!), now()));
    const { record, onchain } = await revokeOnChain(deps, ctx, hash, body.onchain);
    return c.json({ ...sessionView(record, now()), onchain });
  });

  app.delete('/:hash', async (c) => {
    const ctx = await authenticate(dir, key(c), 'admin');
    return c.json(sessionView(await revokeByAdmin(deps, ctx, hashOf(c)), now()));
  });

  app.onError(errorHandler(deps, false));
  return app;
}

/** x-sessions' session service: `argentSessionServiceBaseUrl = <relay>/sessions/argent`. */
function argentRoutes(deps: RelayDeps, clientOf: (c: Context) => string | undefined): Hono {
  const argent = new Hono();
  // Keyless, so no more is read than a legal body can weigh; what is read is refused by depth before it is parsed.
  argent.use('*', bodyLimit({ maxSize: COSIGNER_BODY_BYTES, onError: () => {
    throw new RelayError('body_too_large', { details: `Co-signer bodies are limited to ${COSIGNER_BODY_BYTES} bytes.` });
  } }));
  argent.post('/cosigner/signSessionEFO', async (c) => {
    const signature = await cosignOutsideExecution(deps, await parse(c, SignSessionEfoSchema), clientOf(c));
    return c.json({ signature });
  });
  // A plain invoke is paid by the account and judged by no gate: the relay co-signs only what it relays.
  argent.post('/cosigner/signSession', () => {
    throw new RelayError('session_requires_paymaster', {
      details: 'Session transactions are co-signed only as outside executions through the Paymaster: paymaster_buildTransaction, then x-sessions signOutsideExecution, then paymaster_executeTransaction.',
      data: { policy: null, rule: 'sessions' },
    });
  });
  argent.onError(errorHandler(deps, true));
  return argent;
}

const hashOf = (c: Context): string => valid(HashParam, c.req.param('hash'), 'path');

function valid<S extends z.ZodType>(schema: S, input: unknown, where?: string): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw invalidInput(issueReason(r.error) ?? 'invalid_request', zodIssues(r.error, where));
  return r.data;
}

async function parse<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  return valid(schema, parseJsonBody(await c.req.text()));
}

/** The REST envelope; a node outage is chain_unavailable (503), not a 500; cosigner routes add x-sessions' `status`. */
function errorHandler(deps: RelayDeps, withStatus: boolean) {
  const rest = restErrorHandler(deps.log);
  return (err: Error, c: Context): Response => {
    if (err instanceof HTTPException && !withStatus) return rest(err, c);
    const e = err instanceof HTTPException ? new RelayError('bad_request', { details: err.message }) : toRelayError(err);
    if (e.reason === 'internal_error') deps.log('sessions.internal_error', { path: c.req.path, error: String(err), stack: err.stack });
    return withStatus ? c.json({ status: e.reason, ...e.toHttpBody() }, e.httpStatus as ContentfulStatusCode) : errorResponse(c, e);
  };
}
