import { z } from 'zod';
import { latestHash } from '../../execution/tracking.ts';
import { defineMethod } from '../method.ts';
import { Felt } from '../../chain/felt.ts';

export const paymaster_trackingIdToLatestHash = defineMethod({
  paramNames: ['tracking_id'],
  params: z.object({ tracking_id: Felt }).strict(),
  auth: true,
  handler: (deps, ctx, p) => latestHash(deps, ctx!.tenant.id, p.tracking_id),
});
