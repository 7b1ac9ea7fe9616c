/**
 * `ciro worker run`: the worker daemon. It keeps the worker online on the
 * pool's own schedule (the heartbeat timeout is read from the chain, and the
 * next heartbeat is due half a timeout after the last one, as the chain
 * recorded it or as this process sent it, whichever is later, so a restart
 * never sends one early), and claims rewards once they
 * reach a threshold. A refusal that says when to retry (`retry_after`) is
 * waited out; an unreachable relay or node is retried with backoff; any
 * other refusal stops the loop, since repeating it would only be refused
 * again. SIGINT/SIGTERM stop it after the transaction in flight; a second
 * signal stops it at once.
 */
import type { Command } from 'commander';
import type { Context } from './context.ts';
import { classify, describe, errorJson, usage, type CliError } from './errors.ts';
import type { Runner } from './main.ts';
import { formatUnits, parseUnits, toJson } from './output.ts';
import { sentJson } from './send.ts';
import { claim, heartbeat, heartbeatTimeout, workerInfo } from './worker.ts';

interface RunOptions {
  claimThreshold: string;
  interval?: string;
  maxHeartbeats?: string;
}

/** With a pool timeout of 0 heartbeats are optional; one every 5 minutes still shows the worker is alive. */
const NO_TIMEOUT_INTERVAL = 300;
const MAX_BACKOFF_S = 60;

export function registerRun(worker: Command, run: Runner): void {
  worker
    .command('run')
    .description("heartbeats on the pool's schedule and reward claims above a threshold, until SIGINT/SIGTERM")
    .option('--claim-threshold <amount>', 'claim once pending rewards reach this many CIRO', '1')
    .option('--interval <seconds>', "seconds between heartbeats (default: half the pool's heartbeat timeout)")
    .option('--max-heartbeats <n>', 'stop after this many heartbeats')
    .action(run(async (ctx, opts) => loop(ctx, opts as RunOptions)));
}

/** A sleep that a stop request cuts short. */
class Stopper {
  stopped: string | undefined;
  private wake: (() => void) | undefined;
  stop(signal: string) {
    this.stopped = signal;
    this.wake?.();
  }
  sleep(seconds: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, Math.max(0, seconds) * 1000);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}

async function loop(ctx: Context, opts: RunOptions) {
  let threshold: bigint;
  try {
    threshold = parseUnits(opts.claimThreshold);
  } catch (e) {
    throw usage(`--claim-threshold: ${(e as Error).message}`);
  }
  const maxBeats = opts.maxHeartbeats === undefined ? Infinity : Number(opts.maxHeartbeats);
  if (!(maxBeats > 0)) throw usage('--max-heartbeats must be a positive number');
  const address = ctx.address();
  const timeout = Number(await heartbeatTimeout(ctx));
  const interval = opts.interval !== undefined ? Number(opts.interval) : timeout > 0 ? Math.max(1, timeout / 2) : NO_TIMEOUT_INTERVAL;
  if (!(interval > 0)) throw usage('--interval must be a positive number of seconds');
  if ((await workerInfo(ctx, address)).registered === false) throw usage(`${address} is not registered`, 'ciro worker register --capabilities <mask>');

  const stopper = new Stopper();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopper.stopped) process.exit(130); // second signal: stop now
    stopper.stop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const event = (name: string, data: Record<string, unknown>, human: string) =>
    ctx.out.result({ command: 'worker run', event: name, at: new Date().toISOString(), ...data }, human);
  event('started', { address, heartbeat_timeout: timeout, interval, claim_threshold: threshold },
    `worker ${address}: heartbeat every ${interval}s (pool timeout ${timeout}s), claim at ${formatUnits(threshold)} CIRO; Ctrl-C stops`);

  // Our own clock's record of the last heartbeat too: a block's timestamp can
  // lag the moment it was mined (devnet stamps a block when it opens), which
  // alone would make the next heartbeat look due at once.
  let lastSent = 0;
  let beats = 0;
  let claims = 0;
  let backoff = 1;
  try {
    while (!stopper.stopped && beats < maxBeats) {
      let wait: number;
      try {
        const info = await workerInfo(ctx, address);
        const due = Math.max(Number(info.last_heartbeat), lastSent) + interval - Date.now() / 1000;
        if (info.last_heartbeat === 0n || due <= 0) {
          const sent = await heartbeat(ctx);
          lastSent = Date.now() / 1000;
          beats++;
          event('heartbeat', { n: beats, ...sentJson(sent) }, `heartbeat ${beats} in ${sent.transactionHash}`);
        }
        if (!stopper.stopped) {
          const pending = (await workerInfo(ctx, address)).pending_rewards;
          if (pending > 0n && pending >= threshold) {
            const sent = await claim(ctx);
            claims++;
            event('claim', { claimed: pending, ...sentJson(sent) }, `claimed ${formatUnits(pending)} CIRO in ${sent.transactionHash}`);
          }
        }
        backoff = 1;
        const last = Math.max(Number((await workerInfo(ctx, address)).last_heartbeat), lastSent);
        wait = Math.min(interval, Math.max(0.5, last + interval - Date.now() / 1000));
      } catch (e) {
        wait = retryDelay(ctx, classify(e), backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_S);
      }
      if (beats < maxBeats) await stopper.sleep(wait);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  event('stopped', { heartbeats: beats, claims, ...(stopper.stopped ? { signal: stopper.stopped } : {}) },
    `stopped${stopper.stopped ? ` on ${stopper.stopped}` : ''}: ${beats} heartbeats, ${claims} claims`);
}

/** How long to wait after a failure, or rethrow it when waiting cannot help. */
function retryDelay(ctx: Context, err: CliError, backoff: number): number {
  const retryAfter = err.fields.retryAfter;
  const waitable = err.kind === 'unavailable' || err.kind === 'failed' || (err.kind === 'refused' && retryAfter !== undefined);
  if (!waitable) throw err;
  const wait = retryAfter ?? backoff;
  if (ctx.out.json) process.stdout.write(toJson({ ...errorJson(err), command: 'worker run', event: 'retrying', wait }) + '\n');
  else process.stderr.write(`${describe(err)}\n  retrying in ${wait}s\n`);
  return wait;
}
