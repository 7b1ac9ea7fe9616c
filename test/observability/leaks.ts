/**
 * The search the secrets tests run over everything a relay printed: each
 * secret in every spelling it could take. Written apart from the relay's own
 * redaction (relay/observability/log.ts), so the test does not trust the code
 * it checks.
 */

/** Every way a secret could be printed: as is, any case, without 0x or leading zeros, as a decimal, the part after a key id. */
export function spellings(secret: string): string[] {
  const out = new Set([secret.toLowerCase()]);
  const hex = /^0x0*([0-9a-f]+)$/i.exec(secret);
  if (hex) {
    out.add(hex[1]!.toLowerCase());
    out.add(BigInt(secret).toString(10));
    out.add(secret.slice(2).toLowerCase());
  }
  const dot = secret.indexOf('.');
  if (dot > 0) out.add(secret.slice(dot + 1).toLowerCase());
  return [...out].filter((s) => s.length >= 8);
}

/** The secrets found in `text`, by name. */
export function leaks(text: string, secrets: Record<string, string>): string[] {
  const lower = text.toLowerCase();
  return Object.entries(secrets).flatMap(([name, s]) => spellings(s).filter((v) => lower.includes(v)).map((v) => `${name} (as ${v.slice(0, 6)}…)`));
}
