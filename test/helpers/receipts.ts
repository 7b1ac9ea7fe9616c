/**
 * Receipts and failures on devnet, for the contract suites: sending and
 * waiting, events by name, field and felt comparisons, balances, and
 * `expectRevert`, which checks the exact Cairo revert reason (a short string)
 * of a failed call. Re-exported by contracts.ts.
 */
import { expect } from 'vitest';
import { num, shortString, type Account, type Call, type Contract, type RpcProvider } from 'starknet';
import { STRK_ADDRESS } from '../../scripts/local/deploy.ts';

export type Receipt = Awaited<ReturnType<RpcProvider['waitForTransaction']>>;

/** Executes and waits; throws (with the receipt) if the transaction reverted. */
export async function send(account: Account, calls: Call | Call[]): Promise<Receipt> {
  const tx = await account.execute(calls, { tip: 0 });
  const receipt = await account.provider.waitForTransaction(tx.transaction_hash, { retryInterval: 100 });
  if (!receipt.isSuccess()) {
    throw new Error(`transaction ${tx.transaction_hash} reverted: ${JSON.stringify(receipt.value)}`);
  }
  return receipt as Receipt;
}

/** Parsed events named `name` (the last path segment of the Cairo event) emitted by `c`. */
export function eventsNamed(c: Contract, receipt: Receipt, name: string): Record<string, unknown>[] {
  const parsed = c.parseEvents(receipt as never) as unknown as Record<string, unknown>[];
  const out: Record<string, unknown>[] = [];
  for (const ev of parsed) {
    for (const [key, value] of Object.entries(ev)) {
      if (key === name || key.endsWith(`::${name}`)) out.push(value as Record<string, unknown>);
    }
  }
  return out;
}

/** Exactly one `name` event from `c` in the receipt; returns its fields. */
export function oneEvent(c: Contract, receipt: Receipt, name: string): Record<string, unknown> {
  const evs = eventsNamed(c, receipt, name);
  expect(evs, `expected one ${name} event`).toHaveLength(1);
  return evs[0]!;
}

/**
 * Asserts an event's (or struct's) fields: a string expectation is a felt or
 * address, compared by value whatever the padding; anything else must be equal.
 */
export function expectFields(actual: Record<string, unknown>, expected: Record<string, string | bigint | boolean>): void {
  for (const [key, want] of Object.entries(expected)) {
    if (typeof want === 'string') expect(num.toHex(actual[key] as string), key).toBe(num.toHex(want));
    else expect(actual[key], key).toBe(want);
  }
}

/** Compares addresses / felts regardless of padding and representation. */
export function sameFelt(a: unknown, b: unknown): boolean {
  return BigInt(a as string) === BigInt(b as string);
}

export function expectAddress(actual: unknown, expected: string): void {
  expect(num.toHex(actual as string)).toBe(num.toHex(expected));
}

export async function erc20Balance(provider: RpcProvider, token: string, owner: string): Promise<bigint> {
  const res = await provider.callContract({ contractAddress: token, entrypoint: 'balance_of', calldata: [owner] });
  return BigInt(res[0]!) + (BigInt(res[1] ?? 0) << 128n);
}

export const strkBalance = (provider: RpcProvider, owner: string) => erc20Balance(provider, STRK_ADDRESS, owner);

function errorText(err: unknown): string {
  if (err && typeof err === 'object') {
    const base = (err as { baseError?: { code?: number; message?: string; data?: unknown } }).baseError;
    // RpcError: use only the node's error, not the echoed request (whose calldata could
    // contain any short string and fake a match).
    if (base) return `${base.code}: ${base.message}: ${JSON.stringify(base.data)}`;
    if (err instanceof Error) return err.message;
  }
  return String(err);
}

/** Every short string the node reported: quoted ('...') texts and decodable hex felts. */
export function revertReasons(err: unknown): string[] {
  const text = errorText(err);
  const found = new Set<string>();
  for (const m of text.matchAll(/\('([^']*)'\)/g)) found.add(m[1]!);
  for (const m of text.matchAll(/0x[0-9a-fA-F]{2,62}\b/g)) {
    try {
      const s = shortString.decodeShortString(m[0]);
      if (/^[\x20-\x7e]+$/.test(s)) found.add(s);
    } catch {
      // not a short string
    }
  }
  return [...found];
}

/** Awaits `p`, which must fail, and asserts the exact revert reason among the node's errors. */
export async function expectRevert(p: Promise<unknown>, reason: string): Promise<void> {
  let failed = false;
  let err: unknown;
  try {
    await p;
  } catch (e) {
    failed = true;
    err = e;
  }
  expect(failed, `expected revert '${reason}', but it succeeded`).toBe(true);
  const reasons = revertReasons(err);
  expect(reasons, `revert reason '${reason}' not found in:\n${errorText(err).slice(0, 4000)}`).toContain(reason);
}

/** Convenience: `expectRevert(send(account, calls), reason)`. */
export const expectTxRevert = (account: Account, calls: Call | Call[], reason: string) =>
  expectRevert(send(account, calls), reason);

/**
 * Asserts a timestamp the contract read during execution is the including
 * block's time. devnet executes against a pending block context and stamps the
 * sealed header a moment later, so the two can differ by a second.
 */
export function expectBlockTime(actual: unknown, blockTs: bigint, slack = 2n): void {
  const a = BigInt(actual as bigint);
  expect(a >= blockTs - slack && a <= blockTs, `timestamp ${a} not within ${slack}s before block time ${blockTs}`).toBe(true);
}

/** Timestamp of the block that included a receipt's transaction. */
export async function blockTime(provider: RpcProvider, receipt: Receipt): Promise<bigint> {
  const n = (receipt.value as { block_number?: number }).block_number;
  const block = await provider.getBlock(n ?? 'latest');
  return BigInt(block.timestamp);
}

