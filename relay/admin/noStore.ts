/**
 * For answers that depend on the caller's key (the admin API, session
 * listings): the key travels in a header shared caches don't know to key on
 * (only Authorization and cookies keep a response out of them), so such an
 * answer is never stored, and a proxy can't serve one tenant's to another.
 */
import type { MiddlewareHandler } from 'hono';
import { API_KEY_HEADER } from '../tenants/auth.ts';

export const noStore: MiddlewareHandler = async (c, next) => {
  c.header('Cache-Control', 'no-store');
  c.header('Vary', API_KEY_HEADER);
  await next();
};
