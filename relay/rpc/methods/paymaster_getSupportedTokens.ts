import { z } from 'zod';
import { gasTokens } from '../../chain/fees.ts';
import { toHex } from '../../chain/felt.ts';
import { defineMethod } from '../method.ts';

/** The tokens a fee can be paid in now: one without a fresh price is left out until it has one. */
export const paymaster_getSupportedTokens = defineMethod({
  paramNames: [],
  params: z.object({}).strict(),
  auth: false,
  async handler(deps) {
    const priced = await Promise.all(gasTokens(deps.config).map((t) => deps.prices.price(t).catch(() => undefined)));
    return priced.flatMap((t) => (t ? [{ token_address: toHex(t.address), decimals: t.decimals, price_in_strk: toHex(t.priceInStrk) }] : []));
  },
});
