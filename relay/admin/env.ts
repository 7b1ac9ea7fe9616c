/**
 * Per-request context of the admin API and the middleware that fills it.
 * Authentication runs as route middleware, before body validation, so an
 * unauthenticated caller learns nothing about what a valid body looks like.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { RelayDeps } from '../deps.ts';
import { API_KEY_HEADER, authenticate, authenticateOperator, type CallerContext } from '../tenants/auth.ts';
import type { TenantDirectory } from '../tenants/directory.ts';
import { OPERATOR, type Actor } from '../tenants/records.ts';

export interface AdminEnv {
  Variables: {
    caller: CallerContext;
    operator: { keyId: string };
  };
}

export type AdminApp = OpenAPIHono<AdminEnv>;

/** A tracked transaction of an account's that may still land (execution's tracking records, passed in by app.ts). */
export interface InFlightTx {
  trackingId: string;
  tenant: string;
  status: 'active' | 'dropped';
  feeMode: 'sponsored' | 'default';
  txHash: string;
  createdAt: number;
}

/** What the admin API needs from the layers beside it, wired by app.ts. */
export interface AdminHooks {
  inFlight: (account: string) => Promise<InFlightTx[]>;
}

export interface AdminContext {
  deps: RelayDeps;
  hooks: AdminHooks;
  dir: TenantDirectory;
  /** `admin`-scope tenant key: sets `caller`. */
  admin: MiddlewareHandler<AdminEnv>;
  /** Config operator key: sets `operator`. */
  operator: MiddlewareHandler<AdminEnv>;
}

export function adminContext(deps: RelayDeps, hooks: AdminHooks): AdminContext {
  return {
    deps,
    hooks,
    dir: deps.tenants.directory,
    admin: async (c, next) => {
      c.set('caller', await authenticate(deps.tenants.directory, c.req.header(API_KEY_HEADER), 'admin'));
      await next();
    },
    operator: async (c, next) => {
      c.set('operator', await authenticateOperator(deps.tenants.directory, c.req.header(API_KEY_HEADER)));
      await next();
    },
  };
}

/** Who to record in versions and the audit log. */
export function actorOf(c: Context<AdminEnv>): Actor {
  const caller = c.get('caller');
  return caller ? { tenant: caller.tenant.id, keyId: caller.apiKeyId } : { tenant: OPERATOR, keyId: c.get('operator').keyId };
}

/** Security requirement for the OpenAPI document. */
export const ADMIN_SECURITY = [{ adminKey: [] }];
export const OPERATOR_SECURITY = [{ operatorKey: [] }];
