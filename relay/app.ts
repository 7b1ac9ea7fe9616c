/**
 * The relay's HTTP surface. Built per deps object with no module-level state,
 * so tests create as many isolated apps as they like and call `app.request()`.
 * Runtime specifics (serving, env, background work) live in relay/entry/.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { RelayDeps } from './deps.ts';
import { gasTokens } from './deps.ts';
import { API_KEY_HEADER } from './auth.ts';
import { JsonRpcCode, RelayError } from './errors.ts';
import { handleRpc } from './rpc/handler.ts';
import { createAdminApi } from './admin/api.ts';
import { num } from 'starknet';

export function createApp(deps: RelayDeps): Hono {
  const app = new Hono();

  const limit = bodyLimit({
    maxSize: deps.config.maxBodyBytes,
    onError: (c) =>
      c.json(
        {
          jsonrpc: '2.0',
          id: null,
          error: new RelayError(JsonRpcCode.INVALID_REQUEST, 'Request too large', {
            reason: 'body_too_large',
            details: `Bodies are limited to ${deps.config.maxBodyBytes} bytes.`,
          }).toJsonRpc(),
        },
        413,
      ),
  });
  for (const path of ['/', '/rpc']) {
    app.post(path, limit, async (c) => {
      const res = await handleRpc(deps, await c.req.text(), c.req.header(API_KEY_HEADER));
      return res === undefined ? c.body(null, 204) : c.json(res);
    });
  }

  app.get('/health', async (c) => {
    const [store, chain, relayers] = await Promise.all([
      deps.store.ping().then(() => true, () => false),
      deps.provider.getBlockNumber().then(() => true, () => false),
      deps.relayers.status().catch(() => []),
    ]);
    const available = relayers.filter((r) => r.inRotation).length;
    const ok = store && chain && available > 0;
    return c.json({ ok, store, chain, relayers: { total: deps.relayers.size, available, detail: relayers } }, ok ? 200 : 503);
  });

  app.get('/v1/contracts', (c) => {
    const m = deps.config.manifest;
    return c.json({
      chainId: m.chainId,
      contracts: m.contracts,
      accountClassHashes: m.accountClassHashes,
      supportedTokens: gasTokens(deps.config).map((t) => ({
        symbol: t.symbol,
        address: t.address,
        decimals: t.decimals,
        price_in_strk: num.toHex(t.priceInStrk),
      })),
    });
  });

  app.route('/v1', createAdminApi(deps));

  app.notFound((c) =>
    c.json({ error: { reason: 'not_found', details: 'See GET /v1/contracts, GET /v1/openapi.json (admin API), GET /health, POST / (JSON-RPC).' } }, 404),
  );
  app.onError((err, c) => {
    deps.log?.('http.error', { error: String(err), stack: err.stack });
    return c.json({ error: { reason: 'internal_error', details: 'Unexpected error; nothing was executed.' } }, 500);
  });
  return app;
}
