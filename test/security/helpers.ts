/**
 * What every attack test needs: the attacker's view of the relay (a sponsor
 * key, raw JSON-RPC), fresh accounts it controls, and the relayers' side of
 * the ledger (how many transactions they sent, how much STRK they spent).
 */
import { ec, stark, typedData } from 'starknet';
import { balanceOf, STRK, type RelayStack } from '../helpers/relay.ts';
import { deployFreshAccount, executeAndWait, type KeyedAccount } from '../../scripts/local/accounts.ts';
import { call, u256 } from '../../scripts/local/seed.ts';
import type { LocalChain } from '../../scripts/local/chain.ts';

export const sponsored = { version: '0x1', fee_mode: { mode: 'sponsored' } };

/** What the relayers sent and spent: compare a snapshot before an attack with one after. */
export async function relayerLedger(s: RelayStack): Promise<{ txs: bigint; strk: bigint }> {
  const per = await Promise.all(
    s.chain.relayers.map(async (r) => ({ txs: BigInt(await s.chain.provider.getNonceForAddress(r.address)), strk: await balanceOf(s.chain.provider, STRK, r.address) })),
  );
  return per.reduce((a, p) => ({ txs: a.txs + p.txs, strk: a.strk + p.strk }), { txs: 0n, strk: 0n });
}

/** A fresh account with no STRK, holding `ciro` of the CIRO token (0: none). */
export async function attackerAccount(s: RelayStack, ciro = 0n): Promise<KeyedAccount> {
  const a = await deployFreshAccount(s.chain.provider, s.chain.deployer.account, s.chain.manifest.accountClassHashes[0]!);
  if (ciro > 0n) await executeAndWait(s.chain.deployer.account, call(s.chain.manifest.contracts.ciro_token.address, 'transfer', [a.address, ...u256(ciro)]));
  return a;
}

export function sign(td: unknown, who: Pick<KeyedAccount, 'address' | 'privateKey'>): string[] {
  return stark.formatSignature(ec.starkCurve.sign(typedData.getMessageHash(td as never, who.address), who.privateKey));
}

/** build → sign → the executeTransaction params, for `who`. */
export async function buildSigned(s: RelayStack, who: Pick<KeyedAccount, 'address' | 'privateKey'>, calls: unknown[], parameters: unknown = sponsored, key = s.apiKey) {
  const built = await s.rpc('paymaster_buildTransaction', { transaction: { type: 'invoke', invoke: { user_address: who.address, calls } }, parameters }, { 'x-paymaster-api-key': key });
  if (built.body.error) throw new Error(`build refused: ${JSON.stringify(built.body.error)}`);
  const td = built.body.result.typed_data;
  return {
    fee: built.body.result.fee,
    params: { transaction: { type: 'invoke', invoke: { user_address: who.address, typed_data: td, signature: sign(td, who) } }, parameters },
  };
}

/** Prints a figure for the closing note, e.g. `[security] default-mode drain: relayers lost 0 fri`. */
export function report(what: string, figure: string): void {
  console.log(`[security] ${what}: ${figure}`);
}

/**
 * Which estimate a JSON-RPC body sent to the node is: `relayer` for execute's simulation of a relayer's (or
 * the simulation account's) transaction, `user` for build's estimate of the user's own calls; undefined for
 * any other call.
 */
export function estimateKind(chain: LocalChain, body: unknown): 'relayer' | 'user' | undefined {
  const rpc = JSON.parse(String(body ?? '{}')) as { method?: string; params?: { request?: { sender_address?: string }[] } };
  if (rpc.method !== 'starknet_estimateFee') return undefined;
  const relayers = [...chain.relayers, chain.simulator].map((r) => BigInt(r.address));
  return (rpc.params?.request ?? []).some((tx) => relayers.includes(BigInt(tx.sender_address ?? 0))) ? 'relayer' : 'user';
}
