/**
 * `ciro session create|list|revoke`: session keys for an Argent account
 * whose guardian is the relay's cosigner (`ciro account create --argent`).
 * The owner key signs the session once; the relay checks it against the
 * tenant's session policy and adds its guardian signature; the session file
 * then lets a daemon (`ciro worker run`) act with neither the owner key nor
 * STRK. Revocation is the owner's signature over the relay's revocation typed
 * data (a sponsor key alone never revokes), or a tenant admin's key; with
 * --onchain, the account's own revoke_session relayed sponsored, which holds
 * even against a leaked cosigner key.
 */
import { renameSync } from 'node:fs';
import type { Command } from 'commander';
import { ec, num, paymaster as pmUtils, stark, type TypedData } from 'starknet';
import { revocationTypedData } from '../../relay/chain/argent.ts';
import type { Context, ContractName } from './context.ts';
import { restError, usage } from './errors.ts';
import { checkedTypedData } from './outside.ts';
import type { Runner } from './main.ts';
import { accepted, fullHash, txLink } from './send.ts';
import { sessionRequest, writeSession, type SessionFile } from './sessionFile.ts';

/** What the relay answers for a session (relay/sessions/schemas.ts sessionView). */
interface SessionView {
  sessionHash: string;
  account: string;
  status: 'active' | 'expired' | 'revoked';
  expiresAt: number;
  allowedMethods: { 'Contract Address': string; selector: string }[];
  authorisationSignature: string[];
  policy: string | null;
  revokedBy?: string;
}

const viewJson = (v: SessionView) => ({
  session_hash: v.sessionHash, account: v.account, status: v.status, expires_at: v.expiresAt, policy: v.policy,
  methods: v.allowedMethods.map((m) => `${m['Contract Address']}.${m.selector}`), ...(v.revokedBy ? { revoked_by: v.revokedBy } : {}),
});
const viewLine = (v: SessionView) =>
  `${v.sessionHash}  ${v.status.padEnd(7)}  until ${new Date(v.expiresAt * 1000).toISOString()}  ${v.allowedMethods.map((m) => m.selector).join(', ')}  (policy ${v.policy ?? '-'})`;

/** "30m", "12h", "7d" or seconds. */
function seconds(text: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(text);
  if (!m) throw usage(`--duration '${text}' is not a duration`, 'Use seconds or a number with s, m, h or d (e.g. 12h, 7d).');
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
}

/** `heartbeat` (on --contract) or `ciro_token.approve`: entrypoint names, which x-sessions hashes into the session. */
async function methods(ctx: Context, list: string, contract: string) {
  const contracts = await ctx.contracts();
  const resolve = (c: string) => (c in contracts ? contracts[c as ContractName] : /^0x[0-9a-fA-F]+$/.test(c) ? num.toHex64(c) : undefined);
  return list.split(',').map((item) => {
    const [c, name] = item.includes('.') ? item.split('.', 2) : [contract, item];
    const address = resolve(c!);
    if (!address || !/^[a-z_][a-z0-9_]*$/i.test(name!)) throw usage(`bad session method '${item}'`, 'Methods are entrypoint names, optionally prefixed by a contract (cdc_pool.heartbeat).');
    return { 'Contract Address': address, selector: name! };
  });
}

async function ownerAccount(ctx: Context) {
  const { account, key } = await ctx.account();
  if (key.kind !== 'argent') throw usage(`${key.address} is not an Argent account guarded by the relay`, 'Session keys need one: ciro account create --argent, then ciro account deploy.');
  return { account, key };
}

export function registerSession(program: Command, run: Runner): void {
  const session = program.command('session').description('session keys (Argent accounts guarded by the relay)');

  session
    .command('create')
    .description("authorise a new session key at the relay and write the session file (signed once by the owner key)")
    .option('--methods <list>', 'entrypoints the session may call, comma-separated', 'heartbeat,claim_rewards')
    .option('--contract <name>', 'contract of unprefixed methods (manifest name or address)', 'cdc_pool')
    .option('--duration <time>', 'how long the session lasts (s, m, h, d)', '1d')
    .option('--project <id>', "x-sessions metadata projectID (the tenant's session policy may require one)", 'ciro-workers')
    .action(run(async (ctx, o) => {
      const opts = o as { methods: string; contract: string; duration: string; project: string };
      const { account, key } = await ownerAccount(ctx);
      const path = ctx.settings.get('session_file').value!;
      if (!(await ctx.isDeployed(key.address))) throw usage(`${key.address} is not deployed`, 'ciro account deploy');
      const provider = await ctx.provider();
      const chainId = await provider.getChainId();
      const now = Number((await provider.getBlock('latest')).timestamp);
      const privateKey = stark.randomAddress();
      const draft = {
        allowedMethods: await methods(ctx, opts.methods, opts.contract),
        expiresAt: now + seconds(opts.duration),
        metadata: { projectID: opts.project, txFees: [] as [] },
        sessionKey: { privateKey, publicKey: ec.starkCurve.getStarkKey(privateKey) },
      };
      const request = sessionRequest(chainId, draft);
      const ownerSignature = stark.formatSignature(await account.signMessage(request.sessionTypedData as TypedData));
      const view = await ctx.relayCall<SessionView>('POST', 'sessions/authorize', { address: key.address, session: request.offchainSession, ownerSignature });
      const file: SessionFile = { version: 1, account: key.address, chainId, sessionHash: view.sessionHash, ...draft, authorisationSignature: view.authorisationSignature, policy: view.policy };
      writeSession(path, file);
      ctx.out.result({ command: 'session create', ...viewJson(view), session_file: path }, [
        viewLine(view),
        `session file ${path} (mode 0600: it holds the session key; writes use it from now on)`,
      ]);
    }));

  session
    .command('list')
    .description("the account's sessions at the relay")
    .action(run(async (ctx) => {
      const address = ctx.address();
      const { sessions } = await ctx.relayCall<{ sessions: SessionView[] }>('GET', `sessions?account=${address}`);
      if (ctx.out.json) for (const v of sessions) ctx.out.result({ command: 'session list', ...viewJson(v) }, '');
      else ctx.out.result({}, sessions.length ? sessions.map(viewLine) : [`no sessions for ${address}`]);
    }));

  session
    .command('revoke [hash]')
    .description('revoke a session (default: the configured one) with the owner key, or --admin with an admin API key')
    .option('--onchain', "also revoke it in the account itself (revoke_session, relayed sponsored): it then holds even against a leaked cosigner key")
    .option('--admin', "revoke as the tenant's admin (CIRO_API_KEY must be an admin key): DELETE /sessions/{hash}")
    .action(run(async (ctx, hashArg, o) => {
      const opts = o as { admin?: boolean; onchain?: boolean };
      const current = ctx.session();
      const hash = (hashArg as string | undefined) ?? current?.file.sessionHash;
      if (!hash || !/^0x[0-9a-fA-F]+$/.test(hash)) throw usage('which session? give its hash or configure a session file', 'ciro session list');
      if (opts.admin && opts.onchain) throw usage('--onchain is the owner\'s transaction; it cannot go with --admin');
      let view: SessionView & { onchain?: { tracking_id?: string; transaction_hash?: string; error?: Record<string, unknown> } };
      if (opts.admin) {
        view = await ctx.relayCall<SessionView>('DELETE', `sessions/${hash}`);
      } else if (opts.onchain) {
        view = await ctx.relayCall('POST', `sessions/${hash}/revoke`, { onchain: await ownRevocation(ctx, hash) });
      } else {
        const { account } = await ownerAccount(ctx);
        // Built here, never taken from the relay: the relay is this account's guardian, so the owner's signature
        // on whatever it sent would let it execute anything (11-30 CLI audit).
        const typedData = revocationTypedData(await (await ctx.provider()).getChainId(), hash);
        const signature = stark.formatSignature(await account.signMessage(typedData));
        view = await ctx.relayCall<SessionView>('POST', `sessions/${hash}/revoke`, { signature });
      }
      // The revoked session's file is kept beside, renamed, so writes stop picking it up.
      const moved = current && BigInt(current.file.sessionHash) === BigInt(hash) ? `${current.path}.revoked` : undefined;
      if (moved) renameSync(current!.path, moved);
      if (view.onchain?.error) {
        throw restError(403, { error: { ...view.onchain.error, message: `revoked at the relay, but the on-chain revoke_session was refused: ${String(view.onchain.error.message ?? '')}` } });
      }
      let onchain: Record<string, unknown> = {};
      if (view.onchain?.tracking_id) {
        const { hash: tx } = await accepted(ctx, view.onchain.tracking_id, view.onchain.transaction_hash!);
        onchain = { onchain: { tracking_id: view.onchain.tracking_id, transaction_hash: fullHash(tx), sponsored: true } };
      }
      ctx.out.result({ command: 'session revoke', ...viewJson(view), ...onchain, ...(moved ? { session_file: moved } : {}) }, [
        viewLine(view),
        ...(moved ? [`session file moved to ${moved}`] : []),
        onchain.onchain ? `revoke_session accepted on chain: tx ${txLink(ctx, (onchain.onchain as { transaction_hash: string }).transaction_hash)}` : 'on chain the session stays valid until it expires (--onchain revokes it there too)',
      ]);
    }));
}

/** The owner's own revoke_session(hash), built by the relay (SNIP-29) and signed by the owner; the relay adds the guardian's half. */
async function ownRevocation(ctx: Context, hash: string) {
  const { account, key } = await ownerAccount(ctx);
  const calls = [{ contractAddress: key.address, entrypoint: 'revoke_session', calldata: [num.toHex(hash)] }];
  const details = { feeMode: { mode: 'sponsored' as const } };
  const built = await ctx.relay().buildTransaction({ type: 'invoke', invoke: { userAddress: key.address, calls } }, { version: '0x1', ...details });
  const chainId = await (await ctx.provider()).getChainId();
  pmUtils.assertPaymasterTransactionSafety(built, calls, details, chainId);
  if (built.type !== 'invoke') throw usage('the relay built no invoke for revoke_session');
  const typedData = checkedTypedData(built.typed_data, calls, { chainId, caller: (await ctx.contracts()).paymaster, account: key.address });
  return { typedData, signature: stark.formatSignature(await account.signMessage(typedData)) };
}
