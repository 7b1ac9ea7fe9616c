/**
 * The Worker the workerd test project runs: the relay's own Durable Object
 * class, exported the way relay/entry/worker.ts exports it, bound as STORE by
 * wrangler.toml. Nothing else: the store tests talk to the objects directly.
 */
export { StoreShard } from '../../relay/entry/worker.ts';

export default {
  fetch: (): Response => new Response('ciro store test worker', { status: 404 }),
};
