/**
 * The Node entry's transport (relay/entry/nodeTransport.ts) keeps what the
 * provider and the price book rely on from fetch, against a real HTTP server:
 * the request as sent, the status and body as answered, no redirect
 * followed, the abort signal, and a node that drops the connection.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider } from '../../../relay/chain/provider.ts';
import { NodeUnreachableError } from '../../../relay/errors/chain.ts';
import { nodeTransport } from '../../../relay/entry/nodeTransport.ts';

let server: Server;
let base: string;
const seen: { method?: string; headers?: IncomingMessage['headers']; body?: string } = {};
const transport = nodeTransport();

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  Object.assign(seen, { method: req.method, headers: req.headers, body });
  if (req.url === '/redirect') return void res.writeHead(302, { location: '/rpc' }).end();
  if (req.url === '/empty') return void res.writeHead(204).end();
  if (req.url === '/broken') return void res.writeHead(500, { 'content-type': 'text/plain' }).end('overloaded');
  if (req.url === '/hang') return; // never answers
  if (req.url === '/drop') return void req.socket.destroy();
  if (req.url === '/stall-body') return void res.writeHead(200, { 'content-type': 'application/json' }).write('{"jsonrpc":"2.0",'); // and no more
  const id = body ? (JSON.parse(body) as { id?: number }).id : 1;
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result: '0x534e5f5345504f4c4941' }));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => answer(req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await transport.close();
  await transport.close(); // a second close (two owners shutting down) is harmless
  server.closeAllConnections();
  server.close();
});

describe('the Node transport', () => {
  it('carries the provider: method, headers and body out, the JSON-RPC answer back', async () => {
    const provider = createProvider(`${base}/rpc`, transport.fetch);
    expect(await provider.getChainId()).toBe('0x534e5f5345504f4c4941');
    expect(seen.method).toBe('POST');
    expect(seen.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(seen.body!)).toMatchObject({ jsonrpc: '2.0', method: 'starknet_chainId' });
    expect(seen.headers?.['user-agent']).toBe('ciro-relay');
  });

  it('passes Headers objects and header arrays as sent', async () => {
    await transport.fetch(`${base}/rpc`, { method: 'POST', headers: new Headers({ traceparent: '00-abc-def-01' }), body: '{}' });
    expect(seen.headers?.traceparent).toBe('00-abc-def-01');
    await transport.fetch(new URL(`${base}/rpc`), { headers: [['X-Request-Id', 'r1']] });
    expect(seen.method).toBe('GET');
    expect(seen.headers?.['x-request-id']).toBe('r1');
  });

  it('answers statuses as they came: an error body, no body, and a redirect not followed', async () => {
    const broken = await transport.fetch(`${base}/broken`);
    expect([broken.status, broken.ok, await broken.text()]).toEqual([500, false, 'overloaded']);
    const empty = await transport.fetch(`${base}/empty`);
    expect([empty.status, await empty.text()]).toEqual([204, '']);
    const moved = await transport.fetch(`${base}/redirect`, { redirect: 'error' });
    expect(moved.status).toBe(302);
    expect(moved.ok).toBe(false);
  });

  it('a node that never answers is cut by the deadline, and one that drops the connection is unreachable', async () => {
    const slow = createProvider(`${base}/hang`, transport.fetch, 200);
    const t0 = Date.now();
    expect(await slow.getChainId().catch((e: unknown) => e)).toBeInstanceOf(NodeUnreachableError);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(await createProvider(`${base}/drop`, transport.fetch).getChainId().catch((e: unknown) => e)).toBeInstanceOf(NodeUnreachableError);
  });

  it('the deadline holds while connecting and while the body trickles in', async () => {
    // A host that accepts TCP and never answers the TLS handshake: undici alone would wait for its connect timeout (10 s).
    const sockets: Socket[] = [];
    const silent = createTcpServer((sock) => void sockets.push(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      for (const url of [`https://127.0.0.1:${(silent.address() as AddressInfo).port}/rpc`, `${base}/stall-body`]) {
        const t0 = Date.now();
        expect(await createProvider(url, transport.fetch, 300).getChainId().catch((e: unknown) => e)).toBeInstanceOf(NodeUnreachableError);
        expect(Date.now() - t0).toBeLessThan(3_000);
      }
    } finally {
      for (const sock of sockets) sock.destroy();
      silent.close();
    }
  });

  it('refuses a body it cannot send as written', async () => {
    await expect(transport.fetch(`${base}/rpc`, { method: 'POST', body: new Uint8Array([1]) })).rejects.toThrow(TypeError);
  });
});
