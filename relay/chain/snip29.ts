/**
 * SNIP-29 params (shared/specs/snip-29-paymaster_api.json) → domain types,
 * once, at the boundary. Lenient where wallets differ in harmless ways
 * (numbers vs numeric strings, padded hex), strict about structure: unknown
 * transaction types, fee modes or versions are refused with the path that is
 * wrong. Addresses come out canonical and typed data comes out parsed, so
 * nothing past the RPC method re-validates.
 */
import { z } from 'zod';
import { Address, Felt, feltList } from './felt.ts';
import { callList, MAX_CALLDATA, OutsideExecutionTypedData } from './snip9.ts';

/** UNIX seconds, as the spec's numeric string, a JSON number, or a hex string: wallets send all three. */
const Timestamp = z
  .union([z.string().regex(/^(\d{1,12}|0x[0-9a-fA-F]{1,10})$/, 'expected a UNIX timestamp'), z.number().int().nonnegative()])
  .transform((v) => Number(v));

export const CallParam = z.object({
  to: Address,
  selector: Felt,
  calldata: feltList(MAX_CALLDATA).default([]),
});

const UserInvokeParam = z.object({
  user_address: Address,
  calls: callList(CallParam, 'calldata'),
});

/**
 * A supported account's constructor takes a few felts (a key; Argent's
 * Starknet-key owner and guardian, 5), up to ~30 for Argent's passkey owner
 * (its origin is a felt per byte). Each felt is a Pedersen in the address
 * check: 256 of them cost ~0.5-0.85 s of CPU in JS; 64, ~200 ms in JS
 * (Workers) and ~3 ms natively (Node).
 */
export const MAX_DEPLOY_CALLDATA = 64;

const DeploymentDataParam = z.object({
  address: Felt,
  class_hash: Felt,
  salt: Felt,
  calldata: feltList(MAX_DEPLOY_CALLDATA),
  sigdata: feltList(64).optional(),
  version: z.literal(1),
});

export const UserTransactionParam = z.discriminatedUnion('type', [
  z.object({ type: z.literal('deploy'), deployment: DeploymentDataParam }),
  z.object({ type: z.literal('invoke'), invoke: UserInvokeParam }),
  z.object({ type: z.literal('deploy_and_invoke'), deployment: DeploymentDataParam, invoke: UserInvokeParam }),
]);

const Tip = z.union([z.enum(['slow', 'normal', 'fast']), z.object({ custom: z.number().int().nonnegative() }).strict()]);

const FeeModeParam = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('sponsored'), tip: Tip.optional() }),
  z.object({ mode: z.literal('default'), gas_token: Felt, tip: Tip.optional() }),
]);

export const UserParametersParam = z.object({
  version: z.literal('0x1'),
  fee_mode: FeeModeParam,
  time_bounds: z.object({ execute_after: Timestamp, execute_before: Timestamp }).optional(),
});

/**
 * Typed data problems are their own reason (typed_data_invalid), so a wallet
 * can tell "you signed something malformed" from "your request is malformed".
 */
const SignedTypedData = z.unknown().transform((v, ctx) => {
  const r = OutsideExecutionTypedData.safeParse(v);
  if (r.success) return r.data;
  // The first few say what to fix; a caller-sized list of them is only work.
  for (const i of r.error.issues.slice(0, 50)) {
    ctx.addIssue({ code: 'custom', message: i.message, path: i.path as PropertyKey[], params: { reason: 'typed_data_invalid' } });
  }
  return z.NEVER;
});

const ExecutableInvokeParam = z.object({
  user_address: Address,
  typed_data: SignedTypedData,
  signature: feltList(64).refine((s) => s.length > 0, 'at least one felt is required'),
});

export const ExecutableTransactionParam = z.discriminatedUnion('type', [
  z.object({ type: z.literal('deploy'), deployment: DeploymentDataParam }),
  z.object({ type: z.literal('invoke'), invoke: ExecutableInvokeParam }),
  z.object({ type: z.literal('deploy_and_invoke'), deployment: DeploymentDataParam, invoke: ExecutableInvokeParam }),
]);

export type DeploymentData = z.output<typeof DeploymentDataParam>;
export type UserTransaction = z.output<typeof UserTransactionParam>;
export type UserParameters = z.output<typeof UserParametersParam>;
export type FeeMode = z.output<typeof FeeModeParam>;
export type ExecutableTransaction = z.output<typeof ExecutableTransactionParam>;
export type TimeBounds = NonNullable<UserParameters['time_bounds']>;
