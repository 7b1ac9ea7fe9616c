import { z } from 'zod';
import { gasTokens } from '../../chain/fees.ts';
import { toHex } from '../../chain/felt.ts';
import { defineMethod } from '../method.ts';

export const paymaster_getSupportedTokens = defineMethod({
  paramNames: [],
  params: z.object({}).strict(),
  auth: false,
  async handler(deps) {
    return gasTokens(deps.config).map((t) => ({
      token_address: toHex(t.address),
      decimals: t.decimals,
      price_in_strk: toHex(t.priceInStrk),
    }));
  },
});
