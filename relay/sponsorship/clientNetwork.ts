/**
 * Who "one client" is for limits that can't key by anything the caller
 * chooses freely: an IPv4 address, or an IPv6 /64 (a host is handed a whole
 * /64, so any address inside it is the same client). The deploy quota and the
 * node-work limits count by it.
 */
import ipaddr from 'ipaddr.js';

/** The client's network as a store-key fragment, or undefined for anything that is not an IP address. */
export function clientNetwork(raw: string | undefined): string | undefined {
  // Proxies write `1.2.3.4:5678`, `[2001:db8::1]:443` or `[2001:db8::1]`: the port is not the client.
  const ip = raw && (/^\[([^\]]+)\](?::\d+)?$/.exec(raw) ?? /^([\d.]+):\d+$/.exec(raw))?.[1] || raw;
  if (!ip) return undefined;
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) return ip;
  if (!ip.includes(':') || !ipaddr.IPv6.isValid(ip)) return undefined;
  const v6 = ipaddr.IPv6.parse(ip);
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  return `v6-${v6.parts.slice(0, 4).map((p) => p.toString(16)).join('-')}`;
}
