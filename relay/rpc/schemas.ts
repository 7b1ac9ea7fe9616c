/**
 * zod schemas for SNIP-29 params (shared/specs/snip-29-paymaster_api.json).
 * Lenient where wallets differ in harmless ways (numbers vs numeric strings,
 * padded hex), strict about structure: unknown transaction types, fee modes
 * or versions are refused with the path that is wrong.
 */
import { z } from 'zod';

const HEX = /^0x[0-9a-fA-F]{1,64}$/;
export const FeltParam = z.string().regex(HEX, 'expected a 0x-prefixed hex felt');
export const Timestamp = z
  .union([z.string().regex(/^\d{1,12}$/, 'expected a UNIX timestamp'), z.number().int().nonnegative()])
  .transform((v) => Number(v));

export const CallParam = z.object({
  to: FeltParam,
  selector: FeltParam,
  calldata: z.array(FeltParam).max(4096).default([]),
});

export const UserInvokeParam = z.object({
  user_address: FeltParam,
  calls: z.array(CallParam).min(1, 'at least one call is required').max(64),
});

export const DeploymentDataParam = z.object({
  address: FeltParam,
  class_hash: FeltParam,
  salt: FeltParam,
  calldata: z.array(FeltParam).max(256),
  sigdata: z.array(FeltParam).max(64).optional(),
  version: z.literal(1),
});

export const UserTransactionParam = z.discriminatedUnion('type', [
  z.object({ type: z.literal('deploy'), deployment: DeploymentDataParam }),
  z.object({ type: z.literal('invoke'), invoke: UserInvokeParam }),
  z.object({ type: z.literal('deploy_and_invoke'), deployment: DeploymentDataParam, invoke: UserInvokeParam }),
]);

const Tip = z.union([z.enum(['slow', 'normal', 'fast']), z.object({ custom: z.number().int().nonnegative() }).strict()]);

export const FeeModeParam = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('sponsored'), tip: Tip.optional() }),
  z.object({ mode: z.literal('default'), gas_token: FeltParam, tip: Tip.optional() }),
]);

export const TimeBoundsParam = z.object({ execute_after: Timestamp, execute_before: Timestamp });

export const UserParametersParam = z.object({
  version: z.literal('0x1'),
  fee_mode: FeeModeParam,
  time_bounds: TimeBoundsParam.optional(),
});

export const ExecutableInvokeParam = z.object({
  user_address: FeltParam,
  /** Parsed strictly by execution/typedData.ts, which reports its own paths. */
  typed_data: z.unknown(),
  signature: z.array(FeltParam).min(1).max(64),
});

export const ExecutableTransactionParam = z.discriminatedUnion('type', [
  z.object({ type: z.literal('deploy'), deployment: DeploymentDataParam }),
  z.object({ type: z.literal('invoke'), invoke: ExecutableInvokeParam }),
  z.object({ type: z.literal('deploy_and_invoke'), deployment: DeploymentDataParam, invoke: ExecutableInvokeParam }),
]);

export type CallInput = z.infer<typeof CallParam>;
export type DeploymentData = z.infer<typeof DeploymentDataParam>;
export type UserTransaction = z.infer<typeof UserTransactionParam>;
export type UserParameters = z.infer<typeof UserParametersParam>;
export type FeeModeInput = z.infer<typeof FeeModeParam>;
export type ExecutableTransaction = z.infer<typeof ExecutableTransactionParam>;
