/** The shape every SNIP-29 method file exports. */
import type { z } from 'zod';
import type { RelayDeps } from '../deps.ts';
import type { CallerContext } from '../tenants/auth.ts';

export interface RpcMethod<S extends z.ZodType = z.ZodType> {
  /** Parameter names in positional order (JSON-RPC by-position params map onto these). */
  paramNames: string[];
  params: S;
  /** Needs a `sponsor` API key. */
  auth: boolean;
  handler(deps: RelayDeps, ctx: CallerContext | undefined, params: z.infer<S>): Promise<unknown>;
}

export const defineMethod = <S extends z.ZodType>(m: RpcMethod<S>): RpcMethod<S> => m;
