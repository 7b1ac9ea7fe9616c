/**
 * What the CLI signs is what its user asked for, whatever the relay answers.
 * A build returns SNIP-9 typed data for the account to sign; a relay that
 * is compromised (or a look-alike at a mistyped URL) could put other calls in
 * it. starknet.js's own check (assertPaymasterTransactionSafety) is not
 * enough: for a call carrying `calldata_len` it reads the lowercase fields,
 * while SNIP-12 hashes the capitalised ones, so a relay could pass the check
 * with honest lowercase fields and get other calls signed (the 11-30 CLI
 * audit did, on devnet: a worker's 100 CIRO sent to another account).
 *
 * So the typed data is read as strictly as the relay reads what it executes
 * (relay/chain/snip9.ts: exactly SNIP-9 v2's types and domain), its calls
 * must be the user's, in order and nothing else, its caller the Paymaster,
 * its window short; and what is signed is the typed data rebuilt from those
 * checked fields, after its hash is shown to equal the relay's.
 */
import { CallData, hash, typedData as snip12, type Call, type TypedData } from 'starknet';
import { buildTypedData, OutsideExecutionTypedData } from '../../relay/chain/snip9.ts';
import { CliError } from './errors.ts';

/** The longest signed window a build may ask for: the relay's own default limit. */
export const MAX_WINDOW_SECONDS = 86_400;

export interface Expected {
  chainId: string;
  /** The Paymaster: the only caller the signed execution may name. */
  caller: string;
  account: string;
  now?: number;
}

export const typedDataMismatch = (what: string) =>
  new CliError('failed', `the relay's transaction to sign does not match this command: ${what}; nothing was signed`, {
    reason: 'typed_data_mismatch',
    hint: 'Check relay_url: a relay you trust builds exactly the calls you asked for.',
  });

const selectorOf = (entrypoint: string) => BigInt(/^0x[0-9a-fA-F]+$/.test(entrypoint) ? entrypoint : hash.getSelectorFromName(entrypoint));

/** The typed data to sign in place of the relay's, once it is shown to run exactly `calls`; throws otherwise. */
export function checkedTypedData(relayTypedData: unknown, calls: Call[], expect: Expected): TypedData {
  const parsed = OutsideExecutionTypedData.safeParse(relayTypedData);
  if (!parsed.success) throw typedDataMismatch('not SNIP-9 v2 typed data');
  const { chainId, execution } = parsed.data;
  if (BigInt(chainId) !== BigInt(expect.chainId)) throw typedDataMismatch(`chain ${chainId}, not ${expect.chainId}`);
  if (BigInt(execution.caller) !== BigInt(expect.caller)) throw typedDataMismatch(`caller ${execution.caller} is not the Paymaster ${expect.caller}`);
  const now = expect.now ?? Math.floor(Date.now() / 1000);
  if (execution.executeBefore > now + MAX_WINDOW_SECONDS) throw typedDataMismatch(`a signed window until ${execution.executeBefore}, past ${MAX_WINDOW_SECONDS} s from now`);
  if (execution.calls.length !== calls.length) throw typedDataMismatch(`${execution.calls.length} call(s), not ${calls.length}`);
  calls.forEach((mine, i) => {
    const theirs = execution.calls[i]!;
    const data = CallData.toCalldata(mine.calldata ?? []).map(BigInt);
    const same =
      BigInt(theirs.to) === BigInt(mine.contractAddress) &&
      BigInt(theirs.selector) === selectorOf(mine.entrypoint) &&
      theirs.calldata.length === data.length &&
      theirs.calldata.every((f, j) => BigInt(f) === data[j]);
    if (!same) throw typedDataMismatch(`call ${i + 1} is not ${mine.entrypoint} on ${mine.contractAddress} with this command's calldata`);
  });
  const rebuilt = buildTypedData(chainId.toString(), execution);
  // Whatever else the relay's object carries, the account checks this hash: it must be the rebuilt one's.
  let theirs: string;
  try {
    theirs = snip12.getMessageHash(relayTypedData as TypedData, expect.account);
  } catch {
    throw typedDataMismatch('its hash cannot be computed');
  }
  if (BigInt(theirs) !== BigInt(snip12.getMessageHash(rebuilt, expect.account))) throw typedDataMismatch('its hash differs from the checked fields');
  return rebuilt;
}
