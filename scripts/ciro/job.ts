/**
 * `ciro job …` and `ciro model …`: JobMgr from both sides. A client submits
 * (approve + submit_job, sponsored), follows and cancels its jobs and reads
 * the result; the worker a coordinator assigned the job to completes it.
 * Assignment itself is the coordinator's (COORDINATOR_ROLE), not a CLI user's.
 */
import type { Command } from 'commander';
import { CairoCustomEnum, hash, num, type Contract } from 'starknet';
import { CliError, usage } from './errors.ts';
import type { Runner } from './main.ts';
import { formatUnits } from './output.ts';
import { sentJson, sponsored, txLink } from './send.ts';
import { call, u256 } from './worker.ts';

interface Job {
  id: bigint;
  client: bigint;
  model_id: bigint;
  input_hash: bigint;
  result_hash: bigint;
  worker: bigint;
  price: bigint;
  status: CairoCustomEnum;
  submitted_at: bigint;
  assigned_at: bigint;
  deadline: bigint;
  completed_at: bigint;
  timeout: bigint;
  /** The deadline JobMgr enforces now, pauses included (IJobDeadlines); absent on a class from before it. */
  due?: bigint;
}
interface Model { id: bigint; model_hash: bigint; requirements: bigint; price: bigint; active: boolean }

const TERMINAL = new Set(['Completed', 'Cancelled', 'Expired', 'Refunded']);
const hex = (v: bigint) => num.toHex64(v);
const iso = (unix: bigint) => new Date(Number(unix) * 1000).toISOString();

/** A felt from `--x-hash 0x…`, or the starknet_keccak of `--x <text>`. */
function feltArg(name: string, text: string | undefined, hashText: string | undefined): bigint {
  if (hashText !== undefined) {
    if (!/^0x[0-9a-fA-F]{1,63}$/.test(hashText)) throw usage(`--${name}-hash must be a hex felt`);
    return BigInt(hashText);
  }
  if (text !== undefined) return hash.starknetKeccak(text);
  throw usage(`give --${name} <text> or --${name}-hash <felt>`);
}

function idArg(text: unknown, what: string): bigint {
  if (typeof text !== 'string' || !/^\d+$/.test(text) || BigInt(text) === 0n) throw usage(`${what} must be a positive integer`);
  return BigInt(text);
}

async function getJob(jobs: Contract, id: bigint): Promise<Job> {
  const count = BigInt((await jobs.call('job_count', [])) as bigint);
  if (id > count) throw usage(`there is no job ${id} (job_count is ${count})`);
  return (await jobs.call('get_job', [id])) as unknown as Job;
}

/** The job with the deadline JobMgr enforces now; a class from before IJobDeadlines has no job_deadline. */
async function withDue(jobs: Contract, j: Job): Promise<Job> {
  if (!j.worker || jobs.functions.job_deadline === undefined) return j;
  return { ...j, due: BigInt((await jobs.call('job_deadline', [j.id])) as bigint) };
}

function jobJson(j: Job) {
  return {
    job_id: j.id, status: j.status.activeVariant(), client: hex(j.client), model_id: j.model_id, input_hash: hex(j.input_hash),
    result_hash: j.result_hash ? hex(j.result_hash) : null, worker: j.worker ? hex(j.worker) : null, price: j.price,
    submitted_at: j.submitted_at, deadline: j.deadline, ...(j.due === undefined ? {} : { due: j.due }), completed_at: j.completed_at,
  };
}

const jobLines = (j: Job) => [
  `job ${j.id}  ${j.status.activeVariant()}`,
  `model ${j.model_id}, price ${formatUnits(j.price)} CIRO, client ${hex(j.client)}`,
  // JobMgr adds to the deadline set at assignment the time it spent paused since (at most the job's timeout).
  ...(j.worker ? [`worker ${hex(j.worker)}, deadline ${iso(j.due ?? j.deadline)}${j.due === undefined ? ' (later by any pause since)' : j.due > j.deadline ? ` (${j.due - j.deadline} s of pause added)` : ''}`] : []),
  ...(j.result_hash ? [`result ${hex(j.result_hash)}`] : []),
];

export function registerJob(program: Command, run: Runner): void {
  const job = program.command('job').description('JobMgr: submit, follow, cancel, complete jobs (sponsored)');

  job
    .command('submit')
    .description("submit a job: approves the model's price and calls submit_job in one sponsored transaction")
    .requiredOption('--model <id>', 'model id (ciro model list)')
    .option('--input <text>', 'job input; its starknet_keccak is what goes on chain')
    .option('--input-hash <felt>', 'the input hash itself')
    .option('--timeout <seconds>', "seconds the assigned worker has (0: JobMgr's default)", '0')
    .action(run(async (ctx, o) => {
      const opts = o as { model: string; input?: string; inputHash?: string; timeout: string };
      const modelId = idArg(opts.model, '--model');
      const input = feltArg('input', opts.input, opts.inputHash);
      if (!/^\d+$/.test(opts.timeout)) throw usage('--timeout must be a number of seconds');
      const jobs = await ctx.contract('job_mgr');
      const model = await getModel(jobs, modelId);
      if (!model.active) throw usage(`model ${modelId} is inactive`);
      const { job_mgr, ciro_token } = await ctx.contracts();
      const sent = await sponsored(ctx, `job for model ${modelId}`, [
        call(ciro_token, 'approve', [job_mgr, ...u256(model.price)]),
        call(job_mgr, 'submit_job', [modelId, input, BigInt(opts.timeout)]),
      ]);
      const submitted = jobs.parseEvents(sent.receipt!).flatMap((e) => Object.entries(e)).find(([k]) => k.endsWith('JobSubmitted'));
      const jobId = submitted ? BigInt((submitted[1] as { job_id: bigint }).job_id) : undefined;
      if (jobId === undefined) throw new CliError('failed', `no JobSubmitted event in ${sent.transactionHash}`, { reason: 'no_event' });
      ctx.out.result({ command: 'job submit', job_id: jobId, model_id: modelId, input_hash: hex(input), price: model.price, ...sentJson(sent) }, [
        `submitted job ${jobId} (model ${modelId}, ${formatUnits(model.price)} CIRO in escrow)`,
        `tx ${txLink(ctx, sent.transactionHash)} (tracking id ${sent.trackingId}), fee paid by the relay`,
      ]);
    }));

  job
    .command('status <id>')
    .description("a job's record")
    .action(run(async (ctx, id) => {
      const jobs = await ctx.contract('job_mgr');
      const j = await withDue(jobs, await getJob(jobs, idArg(id, 'job id')));
      ctx.out.result({ command: 'job status', ...jobJson(j) }, jobLines(j));
    }));

  job
    .command('result <id>')
    .description("a completed job's result hash (exit 1 while there is none)")
    .option('--wait [seconds]', 'wait for the job to finish (default 300 s)')
    .action(run(async (ctx, id, o) => {
      const jobs = await ctx.contract('job_mgr');
      const jobId = idArg(id, 'job id');
      const waitS = (o as { wait?: string | true }).wait;
      const deadline = Date.now() + (waitS === undefined ? 0 : waitS === true ? 300 : Number(waitS)) * 1000;
      let j = await getJob(jobs, jobId);
      while (!TERMINAL.has(j.status.activeVariant()) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1000));
        j = await getJob(jobs, jobId);
      }
      const status = j.status.activeVariant();
      if (status !== 'Completed') {
        throw new CliError('failed', `job ${jobId} has no result: it is ${status}`, { reason: 'no_result', data: { status }, hint: TERMINAL.has(status) ? undefined : 'Wait with --wait.' });
      }
      ctx.out.result({ command: 'job result', job_id: jobId, status, result_hash: hex(j.result_hash), worker: hex(j.worker), completed_at: j.completed_at }, hex(j.result_hash));
    }));

  job
    .command('cancel <id>')
    .description('cancel your pending job; the escrow comes back')
    .action(run(async (ctx, id) => {
      const jobs = await ctx.contract('job_mgr');
      const jobId = idArg(id, 'job id');
      const j = await getJob(jobs, jobId);
      if (BigInt(ctx.address()) !== j.client) throw usage(`job ${jobId} is not yours (client ${hex(j.client)})`);
      if (j.status.activeVariant() !== 'Pending') throw usage(`job ${jobId} is ${j.status.activeVariant()}; only a Pending job can be cancelled`);
      const { job_mgr } = await ctx.contracts();
      const sent = await sponsored(ctx, `cancellation of job ${jobId}`, [call(job_mgr, 'cancel_job', [jobId])]);
      ctx.out.result({ command: 'job cancel', job_id: jobId, refunded: j.price, ...sentJson(sent) }, [`cancelled job ${jobId}; ${formatUnits(j.price)} CIRO refunded`, `tx ${txLink(ctx, sent.transactionHash)}`]);
    }));

  job
    .command('complete <id>')
    .description('(worker) complete a job assigned to you with its result')
    .option('--result <text>', 'result; its starknet_keccak goes on chain')
    .option('--result-hash <felt>', 'the result hash itself')
    .action(run(async (ctx, id, o) => {
      const opts = o as { result?: string; resultHash?: string };
      const result = feltArg('result', opts.result, opts.resultHash);
      const jobs = await ctx.contract('job_mgr');
      const jobId = idArg(id, 'job id');
      const j = await getJob(jobs, jobId);
      if (j.status.activeVariant() !== 'Assigned') throw usage(`job ${jobId} is ${j.status.activeVariant()}, not Assigned`);
      if (j.worker !== BigInt(ctx.address())) throw usage(`job ${jobId} is assigned to ${hex(j.worker)}, not to you`);
      const { job_mgr } = await ctx.contracts();
      const sent = await sponsored(ctx, `completion of job ${jobId}`, [call(job_mgr, 'complete_job', [jobId, result])]);
      ctx.out.result({ command: 'job complete', job_id: jobId, result_hash: hex(result), payment: j.price, ...sentJson(sent) }, [`completed job ${jobId}; ${formatUnits(j.price)} CIRO credited to your rewards`, `tx ${txLink(ctx, sent.transactionHash)}`]);
    }));

  const model = program.command('model').description('JobMgr model registry (read only)');
  model
    .command('list')
    .description('every registered model')
    .action(run(async (ctx) => {
      const jobs = await ctx.contract('job_mgr');
      const count = BigInt((await jobs.call('model_count', [])) as bigint);
      const models: Model[] = [];
      // get_models pages at most 100 per call (contracts/src/job_mgr/paging.cairo).
      for (let offset = 0n; offset < count; offset += 100n) models.push(...((await jobs.call('get_models', [offset, 100])) as Model[]));
      if (ctx.out.json) for (const m of models) ctx.out.result({ command: 'model list', ...modelJson(m) }, '');
      else ctx.out.result({}, models.length ? models.map(modelLine) : ['no models registered']);
    }));
  model
    .command('show <id>')
    .description("one model's record")
    .action(run(async (ctx, id) => {
      const m = await getModel(await ctx.contract('job_mgr'), idArg(id, 'model id'));
      ctx.out.result({ command: 'model show', ...modelJson(m) }, modelLine(m));
    }));
}

async function getModel(jobs: Contract, id: bigint): Promise<Model> {
  const count = BigInt((await jobs.call('model_count', [])) as bigint);
  if (id > count) throw usage(`there is no model ${id} (model_count is ${count})`);
  return (await jobs.call('get_model', [id])) as unknown as Model;
}

const modelJson = (m: Model) => ({ model_id: m.id, model_hash: hex(m.model_hash), requirements: m.requirements, price: m.price, active: m.active });
const modelLine = (m: Model) =>
  `model ${m.id}  ${formatUnits(m.price)} CIRO  requirements ${m.requirements}  ${m.active ? 'active' : 'inactive'}  hash ${hex(m.model_hash)}`;
