/**
 * A dapp's page calling the relay from its own origin, in Debian's headless
 * Chromium: the browser's own CORS checks, not a reading of headers. The
 * page (served on `localhost`) sends SNIP-29 JSON-RPC with a sponsor key to
 * the relay (on `127.0.0.1`, another origin) and reads the answer; the same
 * page gets nothing from the admin API with an admin key.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp, makeConfig, memoryStore, type Keys } from '../relay/admin/helpers.ts';
import { CHROMIUM } from './browser.ts';

const servers: { close(): void }[] = [];
const listen = (fetch: (r: Request) => Response | Promise<Response>) =>
  new Promise<number>((resolve) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port));
    servers.push(s);
  });

let browser: Browser;
let relay: string;
let dapp: string;
let keys: Keys;
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set CIRO_CHROMIUM.`);
  const made = await makeConfig();
  keys = made.keys;
  relay = `http://127.0.0.1:${await listen(makeApp(made.config, await memoryStore()).app.fetch)}`;
  dapp = `http://localhost:${await listen(new Hono().get('/', (c) => c.html('<!doctype html><title>dapp</title>')).fetch)}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
});
afterAll(async () => {
  await browser?.close().catch(() => undefined);
  for (const s of servers) s.close();
});

it("lets a dapp's page on another origin call SNIP-29 with its key and read the answer, and gives it nothing of the admin API", async () => {
  const page = await browser.newPage();
  await page.goto(dapp);
  const got = await page.evaluate(
    async ({ relay, sponsor, admin }) => {
      const rpc = await fetch(`${relay}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-paymaster-api-key': sponsor, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'paymaster_getSupportedTokens' }),
      });
      const answer = (await rpc.json()) as { id: number; result?: unknown; error?: { data?: { reason?: string } } };
      const admin_ = await fetch(`${relay}/v1/tenant`, { headers: { 'x-paymaster-api-key': admin } }).then((r) => `status ${r.status}`, (e: Error) => `blocked: ${e.name}`);
      return { status: rpc.status, id: answer.id, answered: answer.result !== undefined ? 'result' : (answer.error?.data?.reason ?? 'error'), requestId: rpc.headers.get('x-request-id'), admin: admin_ };
    },
    { relay, sponsor: keys.acmeSponsor, admin: keys.acmeAdmin },
  );
  expect(got.status).toBe(200);
  expect(got.id).toBe(7);
  // Answered with a result: the key reached the relay (a missing or refused one answers an *_api_key error).
  expect(got.answered).toBe('result');
  // Exposed to the page: the id a support request quotes.
  expect(got.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(got.admin).toBe('blocked: TypeError');
});
