/**
 * Where every setting comes from, in one order: a flag, then the
 * environment, then the profile in the config file, then a default. Each
 * resolved value remembers its source, so `ciro config show` can say why a
 * URL is what it is. Secrets (the private key) never pass through here: only
 * the path of the key file, or the fact that CIRO_PRIVATE_KEY is set.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { usage } from './errors.ts';

/** The flags every command accepts (commander's camelCase names). */
export interface GlobalFlags {
  profile?: string;
  relayUrl?: string;
  apiKey?: string;
  rpcUrl?: string;
  keyFile?: string;
  manifest?: string;
  session?: string;
  json?: boolean;
}

export type Source = 'flag' | 'env' | 'profile' | 'default' | 'unset';
export interface Resolved {
  value: string | undefined;
  source: Source;
  /** The env variable or profile key it came from, for messages. */
  from?: string;
}

/** Profile keys, and the env variable and flag that override each. */
export const SETTINGS = {
  relay_url: { env: 'CIRO_RELAY_URL', flag: 'relayUrl', what: 'the relay URL' },
  api_key: { env: 'CIRO_API_KEY', flag: 'apiKey', what: 'the sponsor API key' },
  rpc_url: { env: 'CIRO_RPC_URL', flag: 'rpcUrl', what: 'the Starknet node URL' },
  key_file: { env: 'CIRO_KEY_FILE', flag: 'keyFile', what: 'the account key file' },
  manifest: { env: 'CIRO_MANIFEST', flag: 'manifest', what: 'a manifest file (else GET /v1/contracts)' },
  explorer: { env: 'CIRO_EXPLORER_URL', flag: undefined, what: 'an explorer base URL for transaction links' },
  session_file: { env: 'CIRO_SESSION_FILE', flag: 'session', what: 'the session file (ciro session create)' },
} as const;
export type SettingName = keyof typeof SETTINGS;

/** `$XDG_CONFIG_HOME/ciro`, or `~/.config/ciro`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
  return join(base, 'ciro');
}
export const configFile = (env: NodeJS.ProcessEnv = process.env) => join(configDir(env), 'config.toml');

type ProfileTable = Partial<Record<SettingName, string>>;

function readConfigFile(path: string): { profiles?: Record<string, ProfileTable> } {
  if (!existsSync(path)) return {};
  try {
    return parse(readFileSync(path, 'utf8')) as { profiles?: Record<string, ProfileTable> };
  } catch (e) {
    throw usage(`${path} is not valid TOML: ${(e as Error).message.split('\n')[0]}`, 'Fix or remove the file.');
  }
}

const expandHome = (p: string, env: NodeJS.ProcessEnv) => (p.startsWith('~/') ? join(env.HOME ?? homedir(), p.slice(2)) : p);

export class Settings {
  readonly profile: string;
  readonly json: boolean;
  private readonly table: ProfileTable;

  constructor(
    private readonly flags: GlobalFlags,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    const named = flags.profile ?? env.CIRO_PROFILE;
    this.profile = named ?? 'default';
    this.json = Boolean(flags.json);
    const profiles = readConfigFile(configFile(env)).profiles ?? {};
    // A profile asked for by name must exist once a setting is read (`config set` creates one).
    this.missing = named !== undefined && !profiles[named];
    this.table = profiles[this.profile] ?? {};
  }

  private readonly missing: boolean;

  get(name: SettingName): Resolved {
    if (this.missing) {
      throw usage(`no profile '${this.profile}' in ${configFile(this.env)}`, `Create it: ciro config set --profile ${this.profile} relay_url <url>`);
    }
    const spec = SETTINGS[name];
    const flag = spec.flag ? (this.flags[spec.flag] as string | undefined) : undefined;
    if (flag) return { value: flag, source: 'flag', from: `--${spec.flag!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` };
    const env = this.env[spec.env];
    if (env) return { value: env, source: 'env', from: spec.env };
    const prof = this.table[name];
    if (prof) return { value: /_file$|^manifest$/.test(name) ? expandHome(prof, this.env) : prof, source: 'profile', from: `[profiles.${this.profile}] ${name}` };
    // Default files are per profile; a default session file counts only once `ciro session create` wrote it.
    if (name === 'key_file') return { value: join(configDir(this.env), 'keys', `${this.profile}.json`), source: 'default' };
    if (name === 'session_file') return { value: join(configDir(this.env), 'sessions', `${this.profile}.json`), source: 'default' };
    return { value: undefined, source: 'unset' };
  }

  /** A setting the command cannot run without: a usage error (exit 2) naming every way to set it. */
  need(name: SettingName): string {
    const r = this.get(name);
    if (r.value) return r.value;
    const spec = SETTINGS[name];
    const flag = spec.flag ? `--${spec.flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}, ` : '';
    throw usage(`${spec.what} is not configured`, `Set ${flag}${spec.env}, or ${name} in [profiles.${this.profile}] of ${configFile(this.env)}.`);
  }

  /** Where the account key comes from: CIRO_PRIVATE_KEY (after a --key-file flag), else a key file. */
  keySource(): { kind: 'env'; address: string | undefined } | { kind: 'file'; path: string; source: Source } {
    if (!this.flags.keyFile && this.env.CIRO_PRIVATE_KEY) return { kind: 'env', address: this.env.CIRO_ACCOUNT_ADDRESS };
    const r = this.get('key_file');
    return { kind: 'file', path: resolve(r.value!), source: r.source };
  }

  /** Every setting with its source, for `ciro config show`; the API key's secret half is masked. */
  describe(): Record<string, Resolved> {
    const out: Record<string, Resolved> = {};
    for (const name of Object.keys(SETTINGS) as SettingName[]) {
      const r = this.get(name);
      // The sponsor key is shown by id only: `<id>.<secret>` → `<id>.…`.
      out[name] = name === 'api_key' && r.value ? { ...r, value: `${r.value.split('.')[0]}.…` } : r;
    }
    return out;
  }
}

/** Writes one profile key (0600: the file may hold an API key). */
export function setProfileValue(profile: string, name: SettingName, value: string, env: NodeJS.ProcessEnv = process.env): string {
  const path = configFile(env);
  const doc = readConfigFile(path) as { profiles?: Record<string, ProfileTable> };
  doc.profiles ??= {};
  doc.profiles[profile] = { ...doc.profiles[profile], [name]: value };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, stringify(doc) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}
