/**
 * `ciro relay status|track`: is the relay there and ready to sponsor, what
 * it charges in, and where a submitted transaction stands. `status` needs no
 * account key and no API key (the relay answers these without one); it exits
 * 4 when the relay is not ready, so it doubles as a readiness probe.
 */
import type { Command } from 'commander';
import type { Context } from './context.ts';
import { CliError, usage } from './errors.ts';
import type { Runner } from './main.ts';
import { formatUnits } from './output.ts';
import { fullHash, txLink } from './send.ts';

interface Health {
  ok: boolean;
  store: boolean;
  chain: boolean;
  relayers: { total: number; available: number };
}
interface Contracts {
  chainId: string;
  contracts: Record<string, { address: string }>;
  accountClassHashes: string[];
  supportedTokens: { symbol: string; address: string; decimals: number; price_in_strk: string; source: string }[];
}

export function registerRelay(program: Command, run: Runner): void {
  const relay = program.command('relay').description('the relay: readiness, tokens, tracking');

  relay
    .command('status')
    .description('paymaster_isAvailable, GET /health, supported tokens (exit 4 when not ready)')
    .action(run(async (ctx) => status(ctx)));

  relay
    .command('track <tracking-id>')
    .description('the latest transaction hash and status of a tracking id (needs the API key that submitted it)')
    .action(run(async (ctx, id) => {
      if (typeof id !== 'string' || !/^0x[0-9a-fA-F]+$/.test(id)) throw usage('tracking id must be hex (0x…)');
      const r = await ctx.relay().trackingIdToLatestHash(id);
      ctx.out.result({ command: 'relay track', tracking_id: id, transaction_hash: fullHash(r.transaction_hash), status: r.status },
        `${r.status}: tx ${txLink(ctx, r.transaction_hash)}`);
    }));
}

async function status(ctx: Context) {
  const url = ctx.relayBase();
  const [available, health, contracts, tokens] = await Promise.all([
    ctx.relay().isAvailable(),
    ctx.relayGet('health'),
    ctx.relayGet('v1/contracts'),
    ctx.relay().getSupportedTokens(),
  ]);
  const h = health.body as Health;
  const c = contracts.body as Contracts;
  const bySymbol = new Map((c.supportedTokens ?? []).map((t) => [BigInt(t.address), t]));
  const tokenList = tokens.map((t) => {
    const known = bySymbol.get(BigInt(t.token_address));
    return { symbol: known?.symbol ?? null, address: fullHash(t.token_address), decimals: t.decimals, price_in_strk: BigInt(t.priceInStrk), source: known?.source ?? null };
  });
  const ready = available === true && h.ok === true;
  const data = {
    command: 'relay status', relay_url: url, available, ready, health: h, chain_id: c.chainId,
    contracts: Object.fromEntries(Object.entries(c.contracts ?? {}).map(([k, v]) => [k, v.address])),
    account_classes: c.accountClassHashes, supported_tokens: tokenList,
  };
  const human = [
    `relay        ${url}`,
    `available    ${available ? 'yes' : 'no'} (paymaster_isAvailable)`,
    `health       ${h.ok ? 'ok' : 'NOT READY'}: store ${h.store ? 'up' : 'down'}, chain ${h.chain ? 'up' : 'down'}, relayers ${h.relayers?.available ?? 0}/${h.relayers?.total ?? 0} able to pay`,
    `chain        ${c.chainId}`,
    `fee tokens   ${tokenList.map((t) => `${t.symbol ?? t.address} (${formatUnits(t.price_in_strk)} STRK${t.source ? `, ${t.source}` : ''})`).join(', ') || 'none priced now'}`,
    `accounts     ${(c.accountClassHashes ?? []).join(', ')}`,
  ];
  if (!ready) {
    // Still print everything known, then fail with the unavailable code.
    ctx.out.result({ ...data, ok: false }, human);
    throw new CliError('unavailable', 'the relay is not ready to sponsor', { reason: 'not_ready', hint: 'See the health line above; retry later.', reported: true });
  }
  ctx.out.result(data, human);
}
