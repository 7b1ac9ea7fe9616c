/**
 * The Node entry's transport for tenant webhooks. webhookUrl.ts judges a
 * URL's host as written, but a public name can resolve to 10.0.0.5 or
 * 169.254.169.254 (DNS rebinding): this transport checks the address every
 * connection actually resolves to, in the connect step itself, so there is no
 * window between the check and the connection. Hosts the operator allows
 * (`webhookAllowHosts`) may resolve anywhere.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent, fetch as undiciFetch } from 'undici';
import { isInternal } from '../sponsorship/facts/webhookUrl.ts';

type Lookup = (hostname: string, options: LookupOptions, cb: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => void;

/** The error a refused connection carries (its `code` is stable). */
export class InternalAddressError extends Error {
  readonly code = 'EINTERNALADDRESS';
  constructor(hostname: string, address: string) {
    super(`${hostname} resolves to ${address}, an internal address; the operator must allow the host explicitly`);
  }
}

/** `resolve` is the system resolver; tests give their own to stand for a rebinding DNS. */
export function guardedLookup(allowHosts: readonly string[], resolve: Lookup = dnsLookup as unknown as Lookup): Lookup {
  return (hostname, options, cb) => {
    const host = hostname.toLowerCase();
    resolve(hostname, { ...options, all: true }, (err, found) => {
      if (err) return cb(err, []);
      const all = found as LookupAddress[];
      const bad = allowHosts.includes(host) ? undefined : all.find((a) => isInternal(a.address));
      if (bad) return cb(Object.assign(new InternalAddressError(hostname, bad.address), { errno: 0 }) as NodeJS.ErrnoException, []);
      if (options.all) return cb(null, all);
      cb(null, all[0]!.address, all[0]!.family);
    });
  };
}

export function webhookFetch(allowHosts: readonly string[], resolve?: Lookup): typeof fetch {
  const agent = new Agent({ connect: { lookup: guardedLookup(allowHosts, resolve) as never } });
  return ((input: string | URL, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch;
}
