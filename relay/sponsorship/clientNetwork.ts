/**
 * Who "one client" is for limits that can't key by anything the caller
 * chooses freely: an IPv4 address, or an IPv6 /64 (a host is handed a whole
 * /64, so any address inside it is the same client). IPv6 forms that carry an
 * IPv4 client (mapped, 6to4, NAT64, Teredo) are that IPv4 client: otherwise
 * one IPv4 host would own 65,536 /64s of 6to4, and a NAT64 gateway's users
 * would all share one. The deploy quota and the node-work limits count by it.
 */
import ipaddr from 'ipaddr.js';

const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;

/** The client's network as a store-key fragment, or undefined for anything that is not an IP address. */
export function clientNetwork(raw: string | undefined): string | undefined {
  // Proxies write `1.2.3.4:5678`, `[2001:db8::1]:443` or `[2001:db8::1]`: the port is not the client.
  const ip = raw && (/^\[([^\]]+)\](?::\d+)?$/.exec(raw) ?? /^([\d.]+):\d+$/.exec(raw))?.[1] || raw;
  if (!ip) return undefined;
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) return ip;
  if (!ip.includes(':') || !ipaddr.IPv6.isValid(ip)) return undefined;
  const a = ipaddr.IPv6.parse(ip);
  const p = a.parts;
  switch (a.range()) {
    case 'ipv4Mapped':
    case 'rfc6052': // NAT64 64:ff9b::/96
      return v4(p[6]!, p[7]!);
    case '6to4': // 2002:AABB:CCDD::/48
      return v4(p[1]!, p[2]!);
    case 'teredo': // the client's own address, inverted, in the last 32 bits
      return v4(~p[6]! & 0xffff, ~p[7]! & 0xffff);
  }
  return `v6-${p.slice(0, 4).map((x) => x.toString(16)).join('-')}`;
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
