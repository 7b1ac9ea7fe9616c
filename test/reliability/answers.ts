/**
 * What every answer to hostile input must be, on Node and on workerd alike: a
 * result, or a typed error (a SNIP-29 or JSON-RPC code other than internal
 * error) that says why in a stable form. Returns the error's code, or
 * undefined for a result.
 */
import { expect } from 'vitest';
import { JsonRpcCode, Snip29Code } from '../../relay/errors/codes.ts';

const CODES = new Set<number>([...Object.values(Snip29Code), ...Object.values(JsonRpcCode)].filter((c) => c !== JsonRpcCode.INTERNAL_ERROR));

export function checkAnswer(r: any, body: string): number | undefined {
  if (r?.error === undefined) {
    expect(r, body.slice(0, 300)).toHaveProperty('result');
    return undefined;
  }
  const { code, data } = r.error;
  expect(CODES.has(code), `code ${code} for ${body.slice(0, 300)}`).toBe(true);
  // Every refusal says why in a stable form: data.reason, or (163) a "reason: details" string.
  // 163 with `internal_error` is the relay failing, not the input being refused.
  if (code === Snip29Code.UNKNOWN_ERROR) expect(data, body.slice(0, 300)).toMatch(/^(?!internal_error)[a-z_]+:/);
  else if (code !== JsonRpcCode.PARSE_ERROR && code !== JsonRpcCode.INVALID_REQUEST) expect(typeof data?.reason, JSON.stringify(r.error)).toBe('string');
  return code;
}
