/**
 * The body limit over real HTTP (@hono/node-server, as the Node entry serves
 * it): a declared Content-Length over the limit is refused from the header
 * alone, a chunked body (no length) is counted as it arrives and refused
 * once it passes the limit, and bodies within the limit reach the routes
 * whichever way they were sent. Admin API and JSON-RPC alike.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../relay/config.ts';
import { KEYLESS_BODY_BYTES } from '../../../relay/app.ts';
import { createNodeRelay, listen, type NodeRelay } from '../../../relay/entry/node.ts';
import { ALICE, JOB_MGR, jobsPolicy, makeConfig, sel } from './helpers.ts';

const LIMIT = 4096;
let relay: NodeRelay;
let base: string;
let close: () => void;
let adminKey: string;

beforeAll(async () => {
  const { config, keys } = await makeConfig();
  relay = await createNodeRelay(parseConfig({ ...config, maxBodyBytes: LIMIT }));
  const { server, url } = await listen(relay, 0);
  base = url;
  close = () => server.close();
  adminKey = keys.acmeAdmin;
});
afterAll(async () => {
  close?.();
  await relay?.close();
});

/** POSTs `body` in two writes; `chunked` leaves out Content-Length, so Node sends Transfer-Encoding: chunked. */
function post(path: string, body: string, chunked: boolean, key: string | null = adminKey): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json', ...(key ? { 'x-paymaster-api-key': key } : {}) };
    if (!chunked) headers['content-length'] = Buffer.byteLength(body);
    const req = request(`${base}${path}`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
    });
    // The server may answer and close before the whole body is sent.
    req.on('error', reject);
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half));
    req.end(body.slice(half));
  });
}

const dryRun = (pad = '') =>
  JSON.stringify({ sender: ALICE, calls: [{ to: JOB_MGR, selector: sel('submit_job'), calldata: [] }], feeMode: 'sponsored', maxFee: '1000', ...(pad ? { pad } : {}) });

describe('body limit over HTTP', () => {
  it('admin API: a body within the limit is served, sent with a length or chunked', async () => {
    expect((await post('/v1/policies', JSON.stringify(jobsPolicy()), false)).status).toBe(201);
    for (const chunked of [false, true]) {
      const r = await post('/v1/dry-run', dryRun(), chunked);
      expect(r.status).toBe(200);
      expect(r.body.allow).toBe(true);
    }
  });

  it('admin API: a body over the limit is 413 body_too_large, sent with a length or chunked', async () => {
    for (const chunked of [false, true]) {
      const r = await post('/v1/dry-run', dryRun('x'.repeat(LIMIT)), chunked);
      expect(r.status).toBe(413);
      expect(r.body.error.reason).toBe('body_too_large');
    }
  });

  it('JSON-RPC: a body over the limit is 413 in JSON-RPC shape, sent with a length or chunked', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'paymaster_isAvailable', pad: 'x'.repeat(LIMIT) });
    for (const chunked of [false, true]) {
      const r = await post('/', big, chunked);
      expect(r.status).toBe(413);
      expect(r.body.error).toMatchObject({ code: -32600, data: { reason: 'body_too_large' } });
    }
    const small = await post('/', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'paymaster_isAvailable' }), true);
    // Answered by the method itself (false: these tests run no node).
    expect(small.status).toBe(200);
    expect(small.body).toMatchObject({ id: 1, result: false });
  });

  it('JSON-RPC without a key: bodies are limited to 16 KiB, whatever the keyed limit', async () => {
    const wide = new NodeRelay_();
    await wide.start();
    try {
      const body = (pad: number) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'paymaster_isAvailable', pad: 'x'.repeat(pad) });
      for (const chunked of [false, true]) {
        const r = await wide.post('/', body(KEYLESS_BODY_BYTES), chunked, null);
        expect(r.status).toBe(413);
        expect(r.body.error).toMatchObject({ code: -32600, data: { reason: 'body_too_large', details: expect.stringContaining('Without an API key') } });
      }
      expect((await wide.post('/', body(KEYLESS_BODY_BYTES - 200), false, null)).body).toMatchObject({ id: 1, result: false });
      // With a key (any: the limit is judged before the key is checked), the keyed limit applies.
      expect((await wide.post('/', body(KEYLESS_BODY_BYTES), false, 'someone.some-secret-value')).body).toMatchObject({ id: 1, result: false });
    } finally {
      await wide.stop();
    }
  });
});

/** A relay with the default (256 KiB) keyed limit, over HTTP. */
class NodeRelay_ {
  private relay?: NodeRelay;
  private close?: () => void;
  private url = '';
  async start(): Promise<void> {
    const { config } = await makeConfig();
    this.relay = await createNodeRelay(config);
    const { server, url } = await listen(this.relay, 0);
    this.url = url;
    this.close = () => server.close();
  }
  post(path: string, body: string, chunked: boolean, key: string | null) {
    const saved = base;
    base = this.url;
    try {
      return post(path, body, chunked, key);
    } finally {
      base = saved;
    }
  }
  async stop(): Promise<void> {
    this.close?.();
    await this.relay?.close();
  }
}
