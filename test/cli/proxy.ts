/**
 * A relay the CLI should not trust: a proxy in front of the real one that
 * passes everything through and may rewrite an answer (what a compromised
 * relay, or a look-alike at a mistyped URL, would do), recording what the
 * CLI sent.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Exchange {
  method: string;
  path: string;
  /** The JSON body the CLI sent, if any. */
  body?: { method?: string; params?: unknown } & Record<string, unknown>;
}

/** `rewrite` returns the answer to send instead of the relay's, or undefined to pass it on. */
export async function tamperingProxy(target: string, rewrite: (sent: Exchange, answer: unknown) => unknown) {
  const seen: Exchange[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    const sent: Exchange = { method: req.method!, path: req.url!, ...(text ? { body: JSON.parse(text) as Exchange['body'] } : {}) };
    seen.push(sent);
    const key = req.headers['x-paymaster-api-key'];
    const up = await fetch(new URL(req.url!, target), { method: req.method, headers: { 'content-type': 'application/json', ...(key ? { 'x-paymaster-api-key': String(key) } : {}) }, ...(text ? { body: text } : {}) });
    const answer = (await up.text()) || 'null';
    const replaced = rewrite(sent, JSON.parse(answer));
    res.statusCode = up.status;
    res.setHeader('content-type', 'application/json');
    res.end(replaced === undefined ? answer : JSON.stringify(replaced));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => server.close() };
}
