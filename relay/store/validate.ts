/**
 * Argument checks shared by every Store implementation, so that a caller bug
 * (negative TTL, fractional count, negative amount) is refused the same way
 * on every implementation instead of being silently reinterpreted by
 * one backend (Redis would read PX 0 as an error, LRANGE -1 as "to the end").
 * Pure: no platform imports.
 */
import type { ReserveLine, TtlOptions } from './types.ts';

/** Returns the TTL in whole milliseconds, or undefined for "no expiry". */
export function ttlOf(opts?: TtlOptions | { ttlMs?: number }): number | undefined {
  const ttl = opts?.ttlMs;
  if (ttl === undefined) return undefined;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
    throw new RangeError(`ttlMs must be a positive number of milliseconds, got ${String(ttl)}`);
  }
  // Rounding up keeps a 0.5 ms TTL from becoming "no TTL" or an invalid PX 0.
  return Math.ceil(ttl);
}

export function checkIncrBy(by: number): void {
  if (!Number.isSafeInteger(by)) throw new RangeError(`incr: by must be a safe integer, got ${by}`);
}

export function checkLines(lines: ReserveLine[]): void {
  if (lines.length === 0) throw new RangeError('reserve: at least one line is required');
  lines.forEach((line, i) => {
    if (typeof line.amount !== 'bigint' || line.amount < 0n) {
      throw new RangeError(`reserve: line ${i} amount must be a bigint >= 0 (refunds go through adjust)`);
    }
    if (typeof line.limit !== 'bigint' || line.limit < 0n) {
      throw new RangeError(`reserve: line ${i} limit must be a bigint >= 0`);
    }
    ttlOf(line);
  });
}

export function checkDelta(delta: bigint): void {
  if (typeof delta !== 'bigint') throw new RangeError('adjust: delta must be a bigint');
}

export function checkMaxLen(maxLen?: number): void {
  if (maxLen !== undefined && (!Number.isSafeInteger(maxLen) || maxLen < 1)) {
    throw new RangeError(`append: maxLen must be a positive integer, got ${maxLen}`);
  }
}

export function checkPage(offset: number, limit: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`range: offset must be an integer >= 0, got ${offset}`);
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`range: limit must be an integer >= 0, got ${limit}`);
}

/** Parses a stored amount; a non-decimal value under an amount key is a caller bug. */
export function parseAmount(key: string, raw: string | null): bigint {
  if (raw === null) return 0n;
  if (!/^\d+$/.test(raw)) throw new TypeError(`key ${key} does not hold an amount`);
  return BigInt(raw);
}
