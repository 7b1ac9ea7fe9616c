/**
 * `ciro`: the program, its global options, and the one place a command's
 * outcome becomes an exit code (see errors.ts for what each code means).
 * Command groups live one per file and register themselves here.
 */
import { Command, CommanderError } from 'commander';
import { registerAccount } from './account.ts';
import { registerConfig } from './configCmd.ts';
import { Settings, type GlobalFlags } from './config.ts';
import { Context } from './context.ts';
import { CliError, classify, describe, errorJson, EXIT } from './errors.ts';
import { registerJob } from './job.ts';
import { Output, toJson } from './output.ts';
import { registerRelay } from './relay.ts';
import { registerSession } from './session.ts';
import { registerWorker } from './worker.ts';

/** Wraps a command body: builds its context from the merged options, maps any failure to an exit code. */
export type Action = (ctx: Context, ...args: unknown[]) => Promise<void>;
export type Runner = (body: Action) => (...args: unknown[]) => Promise<void>;

const EPILOG = `
Configuration, highest first: flags, environment (CIRO_RELAY_URL, CIRO_API_KEY,
CIRO_RPC_URL, CIRO_KEY_FILE or CIRO_PRIVATE_KEY + CIRO_ACCOUNT_ADDRESS,
CIRO_MANIFEST, CIRO_SESSION_FILE, CIRO_PROFILE), then [profiles.<name>] in
$XDG_CONFIG_HOME/ciro/config.toml (default ~/.config/ciro/config.toml).

Exit codes: 0 ok, 1 failed (reverted on chain, unexpected), 2 usage or
configuration, 3 refused by the relay (policy, safeguard, validation, API key),
4 relay or node unavailable (retry later).`;

export function buildProgram(run: Runner): Command {
  const program = new Command('ciro')
    .description('CIRO from a terminal: accounts, workers, jobs, without holding gas (every write is sponsored through a CIRO relay)')
    .version('0.1.0')
    .option('--profile <name>', 'profile in the config file (else CIRO_PROFILE, else "default")')
    .option('--relay-url <url>', 'relay base URL (SNIP-29 JSON-RPC and /v1/contracts)')
    .option('--api-key <key>', 'sponsor API key <id>.<secret> (prefer CIRO_API_KEY: flags show in ps)')
    .option('--rpc-url <url>', 'Starknet node JSON-RPC URL, for reads')
    .option('--key-file <path>', 'account key file (mode 0600)')
    .option('--manifest <file>', 'deployment manifest instead of GET /v1/contracts')
    .option('--session <file>', 'session file: writes are signed by its session key, co-signed by the relay')
    .option('--json', 'one JSON object per result on stdout, no progress output')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EPILOG);
  registerAccount(program, run);
  registerWorker(program, run);
  registerJob(program, run);
  registerRelay(program, run);
  registerSession(program, run);
  registerConfig(program, run);
  return program;
}

/** Runs the CLI on `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const jsonWanted = argv.includes('--json');
  const report = (e: unknown) => {
    const err = classify(e);
    code = err.exitCode;
    if (jsonWanted && !err.fields.reported) process.stdout.write(toJson(errorJson(err)) + '\n');
    process.stderr.write(describe(err) + '\n');
  };
  const run: Runner =
    (body) =>
    async (...args) => {
      const cmd = args[args.length - 1] as Command;
      const flags = cmd.optsWithGlobals() as GlobalFlags;
      try {
        const settings = new Settings(flags);
        await body(new Context(settings, new Output(settings.json)), ...args);
      } catch (e) {
        report(e);
      }
    };
  const program = buildProgram(run).exitOverride();
  for (const c of allCommands(program)) c.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) {
      report(e);
    } else if (e.exitCode === 0) {
      code = EXIT.ok; // --help, --version
    } else {
      // commander has already printed what was wrong with the command line.
      code = EXIT.usage;
      if (jsonWanted) process.stdout.write(toJson(errorJson(new CliError('usage', e.message.replace(/^error: /, ''), { reason: 'usage' }))) + '\n');
    }
  }
  return code;
}

function allCommands(c: Command): Command[] {
  return c.commands.flatMap((sub) => [sub, ...allCommands(sub)]);
}
