import { z } from 'zod';
import { executeTransaction } from '../../execution/execute.ts';
import { defineMethod } from '../method.ts';
import { ExecutableTransactionParam, UserParametersParam } from '../../chain/snip29.ts';

export const paymaster_executeTransaction = defineMethod({
  paramNames: ['transaction', 'parameters'],
  params: z.object({ transaction: ExecutableTransactionParam, parameters: UserParametersParam }).strict(),
  auth: true,
  handler: (deps, ctx, p) => executeTransaction(deps, ctx!, p.transaction, p.parameters),
});
