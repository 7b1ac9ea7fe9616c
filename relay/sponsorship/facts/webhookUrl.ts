/**
 * Where a tenant's webhook may point. The relay sends it signed requests from
 * inside the operator's network, so a URL is an SSRF lever: only https, and
 * never a loopback, private or link-local address, unless the operator lists
 * the host (the local stack lists 127.0.0.1). Hostnames are judged here as
 * written; a name that resolves to an internal address (DNS rebinding) is
 * refused at connect time by the Node entry's transport (entry/webhookFetch.ts).
 * Workers' fetch never reaches the operator's private network.
 */
import ipaddr from 'ipaddr.js';

/**
 * An IP literal is judged by ipaddr.js's ranges: only plain public unicast
 * passes. An IPv4-mapped IPv6 address (`::ffff:7f00:1`, which is how a URL
 * spells `[::ffff:127.0.0.1]`) is judged as the IPv4 it carries; every other
 * IPv6 range that embeds or translates IPv4 (NAT64, 6to4, Teredo,
 * IPv4-compatible) is refused outright, as are reserved and multicast ones.
 */
function internalAddress(h: string): boolean | undefined {
  if (!ipaddr.isValid(h)) return undefined;
  let addr = ipaddr.parse(h);
  if (addr.kind() === 'ipv6') {
    const v6 = addr as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) addr = v6.toIPv4Address();
    // ::/96 (IPv4-compatible, deprecated) reads as unicast in ipaddr.js.
    else if (v6.parts.slice(0, 6).every((p) => p === 0)) return true;
  }
  return addr.range() !== 'unicast';
}

/** A loopback, private, link-local or otherwise internal host name or address. */
export function isInternal(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.internal') || h.endsWith('.local')) return true;
  return internalAddress(h) ?? false;
}

/** Why `url` may not be called, or undefined when it may. `allowHosts` are hostnames the operator vouches for. */
export function webhookUrlRefusal(url: string, allowHosts: readonly string[]): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  const host = u.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (allowHosts.includes(host)) return undefined;
  if (u.protocol !== 'https:') return 'webhooks must use https (or a host the operator allows)';
  if (isInternal(host)) return `${host} is a loopback, private or link-local address; the operator must allow it explicitly`;
  return undefined;
}
