/**
 * `ciro worker …`: a compute worker's life in the CDC Pool. Every write is
 * sponsored through the relay; reads go to the node. `worker run` (the
 * heartbeat/claim loop) lives in run.ts.
 */
import type { Command } from 'commander';
import { num, type Call } from 'starknet';
import type { Context } from './context.ts';
import { CliError, usage } from './errors.ts';
import type { Runner } from './main.ts';
import { formatUnits, parseUnits } from './output.ts';
import { registerRun } from './run.ts';
import { sentJson, sponsored, txLink, type Sent } from './send.ts';

/** CDC Pool's `get_worker` struct as starknet.js decodes it (the contract tests read it with this type too). */
export interface WorkerInfo {
  registered: boolean;
  capabilities: bigint;
  staked: bigint;
  pending_unstake: bigint;
  unstake_available_at: bigint;
  reputation: bigint;
  last_heartbeat: bigint;
  pending_rewards: bigint;
  total_claimed: bigint;
  jobs_completed: bigint;
  jobs_failed: bigint;
  slashed_total: bigint;
  registered_at: bigint;
}

export const u256 = (v: bigint) => [num.toHex(v & ((1n << 128n) - 1n)), num.toHex(v >> 128n)];
export const call = (contractAddress: string, entrypoint: string, calldata: (string | bigint | number)[] = []): Call => ({
  contractAddress,
  entrypoint,
  calldata: calldata.map((x) => num.toHex(x)),
});

export async function workerInfo(ctx: Context, address: string): Promise<WorkerInfo> {
  const pool = await ctx.contract('cdc_pool');
  return (await pool.call('get_worker', [address])) as unknown as WorkerInfo;
}

/** The pool's heartbeat timeout in seconds (0: heartbeats are not required). */
export async function heartbeatTimeout(ctx: Context): Promise<bigint> {
  return BigInt((await (await ctx.contract('cdc_pool')).call('heartbeat_timeout', [])) as bigint);
}

async function registered(ctx: Context): Promise<{ address: string; info: WorkerInfo }> {
  const address = ctx.address();
  const info = await workerInfo(ctx, address);
  if (!info.registered) throw usage(`${address} is not registered in the CDC Pool`, 'Register first: ciro worker register --capabilities <mask>');
  return { address, info };
}

function amountArg(text: string): bigint {
  try {
    const v = parseUnits(text);
    if (v === 0n) throw new Error('the amount must be positive');
    return v;
  } catch (e) {
    throw usage(`bad amount: ${(e as Error).message}`, 'Amounts are in CIRO, e.g. 100 or 0.5.');
  }
}

function report(ctx: Context, command: string, sent: Sent, human: string, extra: Record<string, unknown> = {}) {
  ctx.out.result({ command, ...extra, ...sentJson(sent) }, [human, `tx ${txLink(ctx, sent.transactionHash)} (tracking id ${sent.trackingId}), fee paid by the relay`]);
}

export function registerWorker(program: Command, run: Runner): void {
  const worker = program.command('worker').description('CDC Pool: register, stake, heartbeats, rewards (sponsored)');

  worker
    .command('register')
    .description('register this account as a worker')
    .requiredOption('--capabilities <mask>', 'capability bits (a model runs on workers holding all its requirement bits)')
    .action(run(async (ctx, opts) => {
      const caps = (opts as { capabilities: string }).capabilities;
      if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(caps)) throw usage(`--capabilities '${caps}' is not a number`);
      const address = ctx.address();
      const info = await workerInfo(ctx, address);
      if (info.registered) {
        ctx.out.result({ command: 'worker register', address, already_registered: true, capabilities: info.capabilities }, `${address} is already registered (capabilities ${info.capabilities}); nothing sent`);
        return;
      }
      const { cdc_pool } = await ctx.contracts();
      const sent = await sponsored(ctx, 'worker registration', [call(cdc_pool, 'register_worker', [BigInt(caps)])]);
      report(ctx, 'worker register', sent, `registered ${address} with capabilities ${BigInt(caps)}`, { address, capabilities: BigInt(caps) });
    }));

  worker
    .command('stake <amount>')
    .description('stake CIRO (approve + stake in one sponsored transaction)')
    .action(run(async (ctx, amountText) => {
      const amount = amountArg(amountText as string);
      const { address } = await registered(ctx);
      const { cdc_pool, ciro_token } = await ctx.contracts();
      const balance = await ctx.balance(ciro_token, address);
      if (balance < amount) throw usage(`${address} holds ${formatUnits(balance)} CIRO, less than ${formatUnits(amount)}`);
      const sent = await sponsored(ctx, `stake of ${formatUnits(amount)} CIRO`, [
        call(ciro_token, 'approve', [cdc_pool, ...u256(amount)]),
        call(cdc_pool, 'stake', u256(amount)),
      ]);
      const info = await workerInfo(ctx, address);
      report(ctx, 'worker stake', sent, `staked ${formatUnits(amount)} CIRO (total ${formatUnits(info.staked)})`, { amount, staked: info.staked });
    }));

  worker
    .command('unstake <amount>')
    .description('request an unstake; withdraw it after the pool\'s delay with `ciro worker withdraw`')
    .action(run(async (ctx, amountText) => {
      const amount = amountArg(amountText as string);
      const { info } = await registered(ctx);
      if (info.staked < amount) throw usage(`only ${formatUnits(info.staked)} CIRO is staked`);
      const { cdc_pool } = await ctx.contracts();
      const sent = await sponsored(ctx, `unstake request of ${formatUnits(amount)} CIRO`, [call(cdc_pool, 'request_unstake', u256(amount))]);
      const after = await workerInfo(ctx, ctx.address());
      const at = new Date(Number(after.unstake_available_at) * 1000).toISOString();
      report(ctx, 'worker unstake', sent, `unstake of ${formatUnits(after.pending_unstake)} CIRO pending; withdraw from ${at}, once no job assigned to you is open`, {
        amount,
        pending_unstake: after.pending_unstake,
        unstake_available_at: after.unstake_available_at,
      });
    }));

  worker
    .command('withdraw')
    .description('withdraw a pending unstake once its delay has passed')
    .action(run(async (ctx) => {
      const { address, info } = await registered(ctx);
      if (info.pending_unstake === 0n) throw usage('nothing to withdraw', 'Request one first: ciro worker unstake <amount>');
      // Open jobs are read here, so the refusal names them and costs no sponsored simulation. Whether the delay
      // has passed is the chain's to say (the pool's clock): the relay's simulation does (CDC: unstake locked).
      const open = await openJobs(ctx, address);
      if (open !== undefined && open > 0n) {
        throw new CliError('refused', `${open} job(s) assigned to this worker are still open; the pool holds an unstake until they are settled`, {
          reason: 'jobs_open', hint: 'Complete them (ciro job complete <id>), or wait for them to expire or for a dispute to be resolved.', data: { open_jobs: open },
        });
      }
      const { cdc_pool } = await ctx.contracts();
      const sent = await sponsored(ctx, 'unstake withdrawal', [call(cdc_pool, 'withdraw_unstaked')]);
      report(ctx, 'worker withdraw', sent, `withdrew ${formatUnits(info.pending_unstake)} CIRO`, { amount: info.pending_unstake });
    }));

  worker
    .command('heartbeat')
    .description('send one heartbeat')
    .action(run(async (ctx) => {
      await registered(ctx);
      const sent = await heartbeat(ctx);
      report(ctx, 'worker heartbeat', sent, 'heartbeat recorded');
    }));

  worker
    .command('rewards')
    .description('pending and claimed rewards')
    .action(run(async (ctx) => {
      const { address, info } = await registered(ctx);
      ctx.out.result(
        { command: 'worker rewards', address, pending_rewards: info.pending_rewards, total_claimed: info.total_claimed },
        [`pending  ${formatUnits(info.pending_rewards)} CIRO`, `claimed  ${formatUnits(info.total_claimed)} CIRO`],
      );
    }));

  worker
    .command('claim')
    .description('claim pending rewards (nothing is sent when there are none)')
    .action(run(async (ctx) => {
      const { address, info } = await registered(ctx);
      if (info.pending_rewards === 0n) {
        ctx.out.result({ command: 'worker claim', address, claimed: 0n, sent: false }, 'no rewards to claim; nothing sent');
        return;
      }
      const sent = await claim(ctx);
      report(ctx, 'worker claim', sent, `claimed ${formatUnits(info.pending_rewards)} CIRO`, { address, claimed: info.pending_rewards });
    }));

  worker
    .command('status')
    .description("the pool's record of this worker")
    .action(run(async (ctx) => {
      const { address, info } = await registered(ctx);
      const pool = await ctx.contract('cdc_pool');
      const [active, online, timeout, open] = await Promise.all([pool.call('is_active_worker', [address]), pool.call('is_online', [address]), heartbeatTimeout(ctx), openJobs(ctx, address)]);
      ctx.out.result({ command: 'worker status', address, ...info, active, online, heartbeat_timeout: timeout, ...(open === undefined ? {} : { open_jobs: open }) }, [
        `address         ${address}`,
        `capabilities    ${info.capabilities}`,
        `staked          ${formatUnits(info.staked)} CIRO${info.pending_unstake ? ` (${formatUnits(info.pending_unstake)} unstaking)` : ''}`,
        `reputation      ${info.reputation}`,
        `active, online  ${active ? 'yes' : 'no'}, ${online ? 'yes' : 'no'} (heartbeat every ${timeout}s at most)`,
        `last heartbeat  ${info.last_heartbeat ? new Date(Number(info.last_heartbeat) * 1000).toISOString() : 'never'}`,
        `jobs            ${info.jobs_completed} completed, ${info.jobs_failed} failed${open ? `, ${open} open (an unstake waits for them)` : ''}`,
        `rewards         ${formatUnits(info.pending_rewards)} pending, ${formatUnits(info.total_claimed)} claimed`,
      ]);
    }));

  registerRun(worker, run);
}

/** Jobs assigned to the worker and not settled (IPoolJobs); undefined on a pool class from before that view. */
async function openJobs(ctx: Context, address: string): Promise<bigint | undefined> {
  const pool = await ctx.contract('cdc_pool');
  return pool.functions.open_jobs === undefined ? undefined : BigInt((await pool.call('open_jobs', [address])) as bigint);
}

export async function heartbeat(ctx: Context): Promise<Sent> {
  const { cdc_pool } = await ctx.contracts();
  return sponsored(ctx, 'heartbeat', [call(cdc_pool, 'heartbeat')]);
}

export async function claim(ctx: Context): Promise<Sent> {
  const { cdc_pool } = await ctx.contracts();
  return sponsored(ctx, 'reward claim', [call(cdc_pool, 'claim_rewards')]);
}
