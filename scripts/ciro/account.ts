/**
 * `ciro account create|deploy|show`: a key file of one's own, and an account
 * the relay deploys for free (SNIP-29 `deploy`), so a worker or client never
 * needs STRK, not even to exist on chain.
 */
import type { Command } from 'commander';
import { num } from 'starknet';
import type { Context } from './context.ts';
import { STRK } from './context.ts';
import { usage } from './errors.ts';
import { newArgentKey, newKey, writeKeyFile } from './keys.ts';
import type { Runner } from './main.ts';
import { formatUnits } from './output.ts';
import { sentJson, sponsored, txLink } from './send.ts';

export function registerAccount(program: Command, run: Runner): void {
  const account = program.command('account').description('your account: key file, sponsored deployment, balances');

  account
    .command('create')
    .description('generate a key and write it to the key file (mode 0600); prints the counterfactual address')
    .option('--class-hash <hash>', "account class (default: the relay's first accepted class of the kind)")
    .option('--argent', "an Argent 0.4.0 account guarded by the relay's session cosigner, for session keys")
    .action(run(async (ctx, opts) => create(ctx, opts as { classHash?: string; argent?: boolean })));

  account
    .command('deploy')
    .description('deploy the key file\'s account through the relay, sponsored (SNIP-29 deploy)')
    .option('--no-wait', 'return once the relay has submitted')
    .action(run(async (ctx, opts) => deploy(ctx, opts as { wait: boolean })));

  account
    .command('show')
    .description('address, deployment, class and balances (STRK, CIRO)')
    .action(run(async (ctx) => show(ctx)));
}

async function create(ctx: Context, opts: { classHash?: string; argent?: boolean }) {
  const src = ctx.settings.keySource();
  if (src.kind === 'env') throw usage('CIRO_PRIVATE_KEY is set, so there is no key file to create', 'Unset CIRO_PRIVATE_KEY or pass --key-file.');
  const d = await ctx.deployment();
  const kind = opts.argent ? 'argent' : 'openzeppelin';
  const classHash = opts.classHash ?? (await firstOfKind(ctx, d.accountClassHashes, kind));
  if (!classHash) throw usage(`${d.source} lists no ${kind} account class`, `Accepted classes: ${d.accountClassHashes.join(', ') || 'none'}; pass --class-hash.`);
  if (!d.accountClassHashes.some((c) => BigInt(c) === BigInt(classHash))) {
    throw usage(`the relay does not deploy class ${classHash}`, `Accepted classes: ${d.accountClassHashes.join(', ')}`);
  }
  if ((await kindOf(ctx, classHash)) !== kind) throw usage(`class ${classHash} is not an ${kind} account class`);
  await ctx.checkAccountClass(classHash);
  // An Argent account's guardian is the relay's cosigner for this tenant: only it can co-sign sessions.
  const guardian = opts.argent ? (await ctx.relayCall<{ guardian: string }>('GET', 'sessions/guardian')).guardian : undefined;
  const key = guardian ? newArgentKey(classHash, guardian) : newKey(classHash);
  writeKeyFile(src.path, key);
  ctx.out.result(
    { command: 'account create', kind, address: key.address, public_key: key.publicKey, class_hash: key.classHash, key_file: src.path, ...(guardian ? { guardian } : {}) },
    [
      `address     ${key.address}`,
      `public key  ${key.publicKey}`,
      `class       ${key.classHash} (${kind})`,
      ...(guardian ? [`guardian    ${guardian} (the relay's session cosigner)`] : []),
      `key file    ${src.path} (mode 0600; back it up, it is the only copy)`,
      'next        ciro account deploy   (sponsored: the account needs no STRK)',
    ],
  );
}

/**
 * What a class is, from its constructor: `constructor(public_key)` is the
 * OpenZeppelin kind (the local stack's), `constructor(owner, guardian)` the
 * Argent kind. The key file's deployment data must be what the class takes.
 */
async function kindOf(ctx: Context, classHash: string): Promise<'openzeppelin' | 'argent' | 'other'> {
  const cls = await (await ctx.provider()).getClass(classHash);
  const abi = typeof cls.abi === 'string' ? JSON.parse(cls.abi) : cls.abi;
  const inputs = (abi as { type: string; inputs?: { name: string; type: string }[] }[]).find((e) => e.type === 'constructor')?.inputs ?? [];
  if (inputs.length === 1 && inputs[0]!.type === 'core::felt252') return 'openzeppelin';
  if (inputs.map((i) => i.name).join() === 'owner,guardian' && /signer/i.test(inputs[0]!.type)) return 'argent';
  return 'other';
}

async function firstOfKind(ctx: Context, classes: string[], kind: string): Promise<string | undefined> {
  for (const c of classes) if ((await kindOf(ctx, c)) === kind) return c;
  return undefined;
}

async function deploy(ctx: Context, opts: { wait: boolean }) {
  const key = ctx.key();
  if (!key.deployment) throw usage(`${key.origin} holds no deployment data`, 'Only accounts made with `ciro account create` can be deployed by the CLI.');
  const sent = await sponsored(ctx, 'account deployment', [], { deployOnly: true, noWait: !opts.wait });
  ctx.out.result(
    { command: 'account deploy', address: key.address, ...sentJson(sent), deployed_account: true },
    [`deployed ${key.address}`, `tx ${txLink(ctx, sent.transactionHash)} (tracking id ${sent.trackingId}), fee paid by the relay`],
  );
}

async function show(ctx: Context) {
  const key = ctx.key();
  const provider = await ctx.provider();
  const deployed = await ctx.isDeployed(key.address);
  const classHash = deployed ? num.toHex(await provider.getClassHashAt(key.address)) : null;
  const { ciro_token } = await ctx.contracts();
  const [strk, ciro] = await Promise.all([ctx.balance(STRK, key.address), ctx.balance(ciro_token, key.address)]);
  ctx.out.result(
    { command: 'account show', kind: key.kind, address: key.address, deployed, class_hash: classHash, key_source: key.origin, balances: { STRK: strk, CIRO: ciro } },
    [
      `address   ${key.address}`,
      `deployed  ${deployed ? `yes (class ${classHash})` : 'no  (ciro account deploy)'}`,
      `key       ${key.origin}`,
      `STRK      ${formatUnits(strk)}`,
      `CIRO      ${formatUnits(ciro)}`,
    ],
  );
}
