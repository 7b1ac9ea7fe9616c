/**
 * The relay's connection to a Starknet node. Its fetch marks a node that
 * cannot be reached, or answers with something that is not JSON-RPC, with a
 * typed error (NodeUnreachableError) that starknet.js passes through, so the
 * relay can fail closed without reading error messages.
 */
import { RpcProvider } from 'starknet';
import { NodeUnreachableError } from '../errors/chain.ts';

export function createProvider(nodeUrl: string, fetchImpl: typeof fetch = (i, init) => globalThis.fetch(i, init), timeoutMs = 10_000): RpcProvider {
  const baseFetch = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    // A node that accepts the connection and never answers would hold the request (and its relayer lease) forever.
    // A timer cleared once the body is read, not AbortSignal.timeout(): that one fires (and builds its
    // TimeoutError) for every request, long after the answer came (seen in bench/http.ts --cpu-prof).
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new DOMException('The Starknet node did not answer in time', 'TimeoutError')), timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline.signal]) : deadline.signal;
    let res: Response;
    let text: string;
    try {
      try {
        res = await fetchImpl(input, { ...init, signal });
      } catch (e) {
        throw new NodeUnreachableError('Starknet node unreachable', e);
      }
      text = await res.text().catch((e: unknown) => {
        throw new NodeUnreachableError('Starknet node closed the connection', e);
      });
    } finally {
      clearTimeout(timer);
    }
    try {
      JSON.parse(text);
    } catch (e) {
      throw new NodeUnreachableError(`Starknet node answered HTTP ${res.status} without JSON-RPC`, e);
    }
    return new Response(text, { status: res.status, headers: res.headers });
  };
  // Raw fee estimates: the relay applies its own margins (chain/fees.ts).
  return new RpcProvider({ nodeUrl, baseFetch, resourceBoundsOverhead: false });
}
