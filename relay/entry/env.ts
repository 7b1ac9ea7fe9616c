/**
 * What every entry reads from its environment the same way, whether that is
 * process.env (Node) or the Worker's env bindings: webhook secrets, and JSON
 * sources parsed without ever quoting their text (they hold keys).
 */
import { ConfigError } from '../config.ts';

/** CIRO_SECRET_<tenant>__<ref>=… becomes the secret `<ref>` of tenant `<tenant>`. */
export function secretsFromEnv(env: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    const m = /^CIRO_SECRET_(.+?)__(.+)$/.exec(k);
    if (m && typeof v === 'string' && v) out[`${m[1]}/${m[2]}`] = v;
  }
  return out;
}

/**
 * JSON.parse's own message quotes the text around the error, and these
 * sources hold relayer keys: the error names the source and the position only.
 */
export function parseJsonSource(source: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const at = /position (\d+)/.exec(String((e as Error).message))?.[1];
    throw new ConfigError([{ path: source, message: `not valid JSON${at ? ` (at character ${at})` : ''}` }]);
  }
}
