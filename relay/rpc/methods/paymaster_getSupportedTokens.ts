import { num } from 'starknet';
import { z } from 'zod';
import { gasTokens } from '../../deps.ts';
import { defineMethod } from '../method.ts';

export const paymaster_getSupportedTokens = defineMethod({
  paramNames: [],
  params: z.object({}).strict(),
  auth: false,
  async handler(deps) {
    return gasTokens(deps.config).map((t) => ({
      token_address: num.toHex(t.address),
      decimals: t.decimals,
      price_in_strk: num.toHex(t.priceInStrk),
    }));
  },
});
