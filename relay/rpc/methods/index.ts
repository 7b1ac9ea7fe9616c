import type { RpcMethod } from '../method.ts';
import { paymaster_isAvailable } from './paymaster_isAvailable.ts';
import { paymaster_getSupportedTokens } from './paymaster_getSupportedTokens.ts';
import { paymaster_buildTransaction } from './paymaster_buildTransaction.ts';
import { paymaster_executeTransaction } from './paymaster_executeTransaction.ts';
import { paymaster_trackingIdToLatestHash } from './paymaster_trackingIdToLatestHash.ts';

export const methods: Record<string, RpcMethod> = {
  paymaster_isAvailable,
  paymaster_getSupportedTokens,
  paymaster_buildTransaction,
  paymaster_executeTransaction,
  paymaster_trackingIdToLatestHash,
} as Record<string, RpcMethod>;
