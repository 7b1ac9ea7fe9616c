/**
 * Who "one client" is for limits that can't key by anything the caller
 * chooses freely: an IPv4 address, or an IPv6 /64 (a host is handed a whole
 * /64, so any address inside it is the same client). IPv6 forms that carry an
 * IPv4 client (mapped, 6to4, NAT64, Teredo) are that IPv4 client: otherwise
 * one IPv4 host would own 65,536 /64s of 6to4, and a NAT64 gateway's users
 * would all share one. The deploy quota and the node-work limits count by it;
 * the node-work limits also count an IPv6 client's /48 (its site).
 */
import ipaddr from 'ipaddr.js';

const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;

/** An IPv4 client as its address; a native IPv6 one as its 8 hextets. */
function parse(raw: string | undefined): { v4: string } | { v6: number[] } | undefined {
  // Proxies write `1.2.3.4:5678`, `[2001:db8::1]:443` or `[2001:db8::1]`: the port is not the client.
  const ip = raw && (/^\[([^\]]+)\](?::\d+)?$/.exec(raw) ?? /^([\d.]+):\d+$/.exec(raw))?.[1] || raw;
  if (!ip) return undefined;
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) return { v4: ip };
  if (!ip.includes(':') || !ipaddr.IPv6.isValid(ip)) return undefined;
  const a = ipaddr.IPv6.parse(ip);
  const p = a.parts;
  switch (a.range()) {
    case 'ipv4Mapped':
    case 'rfc6052': // NAT64 64:ff9b::/96
      return { v4: v4(p[6]!, p[7]!) };
    case '6to4': // 2002:AABB:CCDD::/48
      return { v4: v4(p[1]!, p[2]!) };
    case 'teredo': // the client's own address, inverted, in the last 32 bits
      return { v4: v4(~p[6]! & 0xffff, ~p[7]! & 0xffff) };
  }
  return { v6: p };
}

const hextets = (p: number[], n: number) => p.slice(0, n).map((x) => x.toString(16)).join('-');

/** The client's network as a store-key fragment, or undefined for anything that is not an IP address. */
export function clientNetwork(raw: string | undefined): string | undefined {
  const a = parse(raw);
  return a && ('v4' in a ? a.v4 : `v6-${hextets(a.v6, 4)}`);
}

/**
 * The site an IPv6 client's network belongs to: its /48, what one customer
 * or site is usually given (RFC 6177), so a stranger's 65,536 /64s are one
 * site. An IPv4 client (or anything else) has none: an address is already
 * what an IPv4 host can't multiply cheaply.
 */
export function clientSite(raw: string | undefined): string | undefined {
  const a = parse(raw);
  return a && 'v6' in a ? `v6s-${hextets(a.v6, 3)}` : undefined;
}

/**
 * The caller's address: behind proxies, the entry `hops` from the right of
 * the header's list (proxies append; what is further left the client wrote
 * itself); with no header, or no IP address there, the socket's peer.
 */
export function clientAddress(header: string | undefined, hops: number, peer: string | undefined): string | undefined {
  const named = header?.split(',').at(-hops)?.trim();
  return (named && clientNetwork(named) ? named : peer) || undefined;
}

/** A loopback or private peer: what a relay behind a proxy or a balancer sees as every request's socket. */
export function isInternalPeer(raw: string | undefined): boolean {
  const a = parse(raw);
  if (!a) return false;
  const range = ipaddr.parse('v4' in a ? a.v4 : raw!.replace(/^\[|\](?::\d+)?$/g, '')).range();
  return ['loopback', 'private', 'uniqueLocal', 'linkLocal', 'carrierGradeNat'].includes(range);
}
