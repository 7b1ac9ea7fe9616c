import { z } from 'zod';
import { defineMethod } from '../method.ts';

/** Available = state store answers, chain answers, and some relayer can pay. */
export const paymaster_isAvailable = defineMethod({
  paramNames: [],
  params: z.object({}).strict(),
  auth: false,
  async handler(deps) {
    try {
      await deps.store.ping();
      await deps.provider.getBlockNumber();
      return (await deps.relayers.status()).some((r) => r.inRotation);
    } catch {
      return false;
    }
  },
});
