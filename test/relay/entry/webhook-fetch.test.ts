/**
 * The Node entry's webhook transport refuses a connection whose name resolves
 * to an internal address (DNS rebinding: a public-looking name pointing at
 * the operator's network), at connect time, over a real socket to a real
 * local server; the resolver stands in for a rebinding DNS, except in the
 * last test, which uses the system's.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookFetch } from '../../../relay/entry/webhookFetch.ts';

let server: Server;
let port: number;
let hits = 0;
beforeAll(async () => {
  server = createServer((_req, res) => void (hits++, res.end('{"approve":true}')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server?.close());

/** A DNS that answers `records` for every name. */
const dns =
  (records: LookupAddress[]) =>
  (_host: string, _opts: unknown, cb: (err: NodeJS.ErrnoException | null, found: LookupAddress[]) => void) =>
    setImmediate(() => cb(null, records));

const causeCode = (e: unknown): unknown => {
  for (let c = e as { cause?: unknown; code?: unknown } | undefined; c; c = c.cause as typeof c) if (c.code === 'EINTERNALADDRESS') return c.code;
  return undefined;
};

describe('webhook transport (Node entry)', () => {
  it('refuses a name that resolves to a loopback address, before any byte is sent', async () => {
    const before = hits;
    const f = webhookFetch([], dns([{ address: '127.0.0.1', family: 4 }]));
    const err = await f(`http://hooks.example.com:${port}/approve`).catch((e: unknown) => e);
    expect(causeCode(err)).toBe('EINTERNALADDRESS');
    expect(hits).toBe(before);
  });

  it('refuses when any of the addresses is internal (metadata, private ranges)', async () => {
    for (const address of ['169.254.169.254', '10.1.2.3', '192.168.0.7']) {
      const f = webhookFetch([], dns([{ address: '8.8.8.8', family: 4 }, { address, family: 4 }]));
      expect(causeCode(await f(`http://hooks.example.com:${port}/`).catch((e: unknown) => e))).toBe('EINTERNALADDRESS');
    }
  });

  it('connects to an internal address for a host the operator allows', async () => {
    const before = hits;
    const f = webhookFetch(['hooks.example.com'], dns([{ address: '127.0.0.1', family: 4 }]));
    const res = await f(`http://hooks.example.com:${port}/approve`);
    expect(await res.json()).toEqual({ approve: true });
    expect(hits).toBe(before + 1);
  });

  it('judges what the system resolver answers, too', async () => {
    const f = webhookFetch([]);
    expect(causeCode(await f(`http://localhost:${port}/`).catch((e: unknown) => e))).toBe('EINTERNALADDRESS');
  });
});
