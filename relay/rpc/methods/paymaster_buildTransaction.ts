import { z } from 'zod';
import { buildTransaction } from '../../execution/build.ts';
import { defineMethod } from '../method.ts';
import { UserParametersParam, UserTransactionParam } from '../../chain/snip29.ts';

export const paymaster_buildTransaction = defineMethod({
  paramNames: ['transaction', 'parameters'],
  params: z.object({ transaction: UserTransactionParam, parameters: UserParametersParam }).strict(),
  auth: true,
  handler: (deps, ctx, p) => buildTransaction(deps, ctx!, p.transaction, p.parameters),
});
