/**
 * Where a tenant's webhook may point. The relay sends it signed requests from
 * inside the operator's network, so a URL is an SSRF lever: only https, and
 * never a loopback, private or link-local address, unless the operator lists
 * the host (the local stack lists 127.0.0.1). Hostnames are judged here as
 * written; a name that resolves to an internal address (DNS rebinding) is
 * refused at connect time by the Node entry's transport (entry/webhookFetch.ts).
 * Workers' fetch never reaches the operator's private network.
 */
const PRIVATE_V4: [number, number][] = [
  [0x0a000000, 8], // 10/8
  [0xac100000, 12], // 172.16/12
  [0xc0a80000, 16], // 192.168/16
  [0x7f000000, 8], // 127/8
  [0xa9fe0000, 16], // 169.254/16 (cloud metadata lives here)
  [0x64400000, 10], // 100.64/10 (carrier-grade NAT)
  [0x00000000, 8], // 0/8
];

function v4(host: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts.reduce((a, p) => a * 256 + p, 0) : undefined;
}

/** A loopback, private, link-local or otherwise internal host name or address. */
export function isInternal(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.internal') || h.endsWith('.local')) return true;
  const ip = v4(h.replace(/^::ffff:/, ''));
  if (ip !== undefined) return PRIVATE_V4.some(([net, bits]) => ip >>> (32 - bits) === net >>> (32 - bits));
  // IPv6: loopback, unspecified, unique local (fc00::/7), link-local (fe80::/10).
  return h === '::1' || h === '::' || /^f[cd][0-9a-f]{2}:/.test(h) || /^fe[89ab][0-9a-f]:/.test(h);
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
