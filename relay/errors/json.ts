/**
 * JSON bodies read at the boundary: refused by depth before they are parsed,
 * so a hostile body costs a scan of its text, not a parse that recurses (and
 * then a validation that recurses again).
 */
import { RelayError } from './base.ts';

/** No request the relay takes nests deeper than a dozen levels. */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether JSON text nests arrays or objects more than `max` deep, read off
 * the text before it is parsed: walking the parsed value cost a tuple per
 * element, and parsing 120k levels ~40 ms. Brackets inside strings don't
 * count; a backslash skips the character after it, so `"\\"` ends where
 * JSON says it does. Text that isn't JSON gets some answer here and is
 * refused by JSON.parse if this lets it through.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0, n = text.length; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

/** The body parsed, or invalid_json: not JSON, or nested deeper than MAX_JSON_DEPTH. */
export function parseJsonBody(text: string): unknown {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) throw new RelayError('invalid_json', { details: `The body nests deeper than ${MAX_JSON_DEPTH} levels.` });
  try {
    return JSON.parse(text);
  } catch {
    throw new RelayError('invalid_json', { details: 'The body is not valid JSON.' });
  }
}
