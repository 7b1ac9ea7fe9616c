import { z } from 'zod';
import { defineMethod } from '../method.ts';
import { readiness } from '../readiness.ts';

/** Available = state store answers, chain answers, and some relayer can pay. */
export const paymaster_isAvailable = defineMethod({
  paramNames: [],
  params: z.object({}).strict(),
  auth: false,
  handler: async (deps) => (await readiness(deps)).ok,
});
