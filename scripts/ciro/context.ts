/**
 * A command's connections, each made on first use so `ciro relay status`
 * needs no key and `ciro model list` needs no relay key: the node (reads),
 * the relay (SNIP-29 writes and its REST surface), the CIRO contract
 * addresses, typed contract views (ABI read from the chain, so decoding always
 * matches the deployed class), and the signing account.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Account, Contract, PaymasterRpc, RpcProvider, num, type Abi } from 'starknet';
import type { Settings } from './config.ts';
import { CliError, guardedFetch, restError, usage } from './errors.ts';
import { loadKey, type AccountKey } from './keys.ts';
import type { Output } from './output.ts';
import { checkPinnedClass, pinDeployment } from './pinned.ts';
import { loadSession, type SessionFile } from './sessionFile.ts';

export type ContractName = 'ciro_token' | 'cdc_pool' | 'job_mgr' | 'paymaster';

/** What the CLI needs of a deployment: `GET /v1/contracts`, or the same fields of a manifest file. */
export interface Deployment {
  chainId: string;
  contracts: Record<ContractName, string>;
  accountClassHashes: string[];
  rpcUrl?: string;
  source: string;
}

/** PaymasterRpc plus the SNIP-29 method starknet.js has no wrapper for. */
export class RelayRpc extends PaymasterRpc {
  trackingIdToLatestHash(trackingId: string): Promise<{ transaction_hash: string; status: 'active' | 'accepted' | 'dropped' }> {
    return this.fetchEndpoint('paymaster_trackingIdToLatestHash' as never, { tracking_id: trackingId } as never) as never;
  }
}

export const STRK = '0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d';

export class Context {
  private cache = new Map<string, Promise<unknown>>();
  private providerInstance?: RpcProvider;

  constructor(
    readonly settings: Settings,
    readonly out: Output,
  ) {}

  private once<T>(key: string, make: () => Promise<T>): Promise<T> {
    if (!this.cache.has(key)) this.cache.set(key, make());
    return this.cache.get(key) as Promise<T>;
  }

  /** The relay's base URL: JSON-RPC is POSTed there, REST paths hang off it. */
  relayBase(): string {
    return this.settings.need('relay_url').replace(/\/rpc\/?$/, '').replace(/\/?$/, '/');
  }

  relay(): RelayRpc {
    const apiKey = this.settings.get('api_key').value;
    return new RelayRpc({
      nodeUrl: this.relayBase(),
      headers: apiKey ? { 'x-paymaster-api-key': apiKey } : {},
      baseFetch: guardedFetch('the relay'),
    });
  }

  /** GET on the relay's REST surface; an error status is returned, not thrown (health answers 503 with a body). */
  async relayGet(path: string): Promise<{ status: number; body: unknown }> {
    const res = await guardedFetch('the relay')(new URL(path, this.relayBase()));
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      throw new CliError('unavailable', `the relay answered ${path} with HTTP ${res.status} and no JSON`, { reason: 'bad_answer', hint: 'Is relay_url the CIRO relay?' });
    }
  }

  /** A REST call with the API key (the /sessions routes); a refusal becomes its CliError. */
  async relayCall<T>(method: string, path: string, body?: unknown): Promise<T> {
    const apiKey = this.settings.get('api_key').value;
    const res = await guardedFetch('the relay')(new URL(path, this.relayBase()), {
      method,
      headers: { 'content-type': 'application/json', ...(apiKey ? { 'x-paymaster-api-key': apiKey } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const parsed = await res.json().catch(() => undefined);
    if (!res.ok) throw restError(res.status, parsed);
    return parsed as T;
  }

  /** Contract addresses: a manifest file if one is configured, else the relay's GET /v1/contracts. */
  deployment(): Promise<Deployment> {
    return this.once('deployment', async () => {
      const file = this.settings.get('manifest').value;
      if (file) {
        if (!existsSync(file)) throw usage(`manifest ${file} does not exist`);
        const m = JSON.parse(readFileSync(file, 'utf8'));
        return toDeployment(m, file);
      }
      const { status, body } = await this.relayGet('v1/contracts');
      if (status !== 200) throw new CliError('unavailable', `GET /v1/contracts answered HTTP ${status}`, { reason: 'bad_answer' });
      return toDeployment(body as Record<string, unknown>, `${this.relayBase()}v1/contracts`);
    });
  }

  /** The node: rpc_url, else the manifest file's rpcUrl. */
  async provider(): Promise<RpcProvider> {
    if (this.providerInstance) return this.providerInstance;
    let url = this.settings.get('rpc_url').value;
    if (!url && this.settings.get('manifest').value) url = (await this.deployment()).rpcUrl;
    if (!url) this.settings.need('rpc_url');
    this.providerInstance = new RpcProvider({ nodeUrl: url!, baseFetch: guardedFetch('the Starknet node') });
    return this.providerInstance;
  }

  /** Addresses checked against the node's chain id once, so a relay for another network is caught before signing. */
  contracts(): Promise<Record<ContractName, string>> {
    return this.once('contracts', async () => {
      const d = await this.deployment();
      const chainId = await (await this.provider()).getChainId();
      if (BigInt(chainId) !== BigInt(d.chainId)) {
        throw usage(`the node is on chain ${chainId} but ${d.source} describes chain ${d.chainId}`, 'Point rpc_url and relay_url (or manifest) at the same network.');
      }
      // The relay's answer is held to the contracts first seen for the node's chain (pinned.ts); a manifest is as given.
      if (!this.settings.get('manifest').value) pinDeployment(d, chainId, new URL(this.relayBase()));
      return d.contracts;
    });
  }

  /** An account class to deploy: on the node's chain, and one its first relay accepted (pinned.ts). */
  async checkAccountClass(classHash: string): Promise<void> {
    await this.contracts();
    if (!this.settings.get('manifest').value) checkPinnedClass(classHash, await (await this.provider()).getChainId(), new URL(this.relayBase()));
  }

  /** A typed view of a CIRO contract; the ABI comes from the deployed class. */
  contract(name: ContractName): Promise<Contract> {
    return this.once(`contract:${name}`, async () => {
      const address = (await this.contracts())[name];
      const provider = await this.provider();
      const cls = await provider.getClassAt(address);
      const abi = (typeof cls.abi === 'string' ? JSON.parse(cls.abi) : cls.abi) as Abi;
      return new Contract({ abi, address, providerOrAccount: provider });
    });
  }

  key(): AccountKey {
    return loadKey(this.settings);
  }

  private sessionLoaded?: { file: SessionFile; path: string } | null;
  /** The configured session, if any: then writes are signed by its key and this account is the session's. */
  session(): { file: SessionFile; path: string } | undefined {
    if (this.sessionLoaded === undefined) this.sessionLoaded = loadSession(this) ?? null;
    return this.sessionLoaded ?? undefined;
  }

  /** The account commands act for: the session's, else the key's. */
  address(): string {
    return num.toHex64(this.session()?.file.account ?? this.key().address);
  }

  /** The signing account, with the relay as its paymaster. */
  async account(): Promise<{ account: Account; key: AccountKey }> {
    const key = this.key();
    const account = new Account({ provider: await this.provider(), address: key.address, signer: key.privateKey, paymaster: this.relay() });
    return { account, key };
  }

  async isDeployed(address: string): Promise<boolean> {
    const provider = await this.provider();
    return provider.getClassHashAt(address).then(
      () => true,
      (e) => {
        if ((e as { baseError?: { code?: number } }).baseError?.code === 20) return false; // CONTRACT_NOT_FOUND
        throw e;
      },
    );
  }

  async balance(token: string, owner: string): Promise<bigint> {
    const r = await (await this.provider()).callContract({ contractAddress: token, entrypoint: 'balance_of', calldata: [owner] });
    return BigInt(r[0]!) + (BigInt(r[1] ?? 0) << 128n);
  }
}

function toDeployment(m: Record<string, unknown>, source: string): Deployment {
  const c = (m.contracts ?? {}) as Record<string, { address?: string }>;
  const names: ContractName[] = ['ciro_token', 'cdc_pool', 'job_mgr', 'paymaster'];
  const missing = names.filter((n) => !c[n]?.address);
  if (typeof m.chainId !== 'string' || missing.length) {
    throw usage(`${source} is not a CIRO deployment (missing ${missing.length ? missing.join(', ') : 'chainId'})`);
  }
  return {
    chainId: m.chainId,
    contracts: Object.fromEntries(names.map((n) => [n, num.toHex64(c[n]!.address!)])) as Record<ContractName, string>,
    accountClassHashes: (m.accountClassHashes as string[] | undefined) ?? [],
    ...(typeof m.rpcUrl === 'string' ? { rpcUrl: m.rpcUrl } : {}),
    source,
  };
}
