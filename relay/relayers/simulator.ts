/**
 * The account execute simulates as, when the operator gives one
 * (config.simulator): registered as a relayer on the Paymaster (whose
 * checks the simulation must pass), but never sending. A relayer that sends
 * moves its nonce under the simulations that read it: under load every
 * attempt can lose that race (relayers_busy, simulation-race.test.ts). This
 * account's nonce moves only if someone sends from it, so it is read once and
 * kept, and read again only when the node refuses it. It needs no funds (an
 * estimate charges nothing) and the relay holds no key for it: the
 * simulation skips its __validate__, so nothing is ever signed.
 */
import { Account, Signer, type RpcProvider, type Signature } from 'starknet';
import { RELAYER_CAIRO_VERSION } from './signer.ts';

/** Refuses to sign: the simulation account's transactions are never sent. */
class NeverSigns extends Signer {
  constructor() {
    super('0x1');
  }

  override signTransaction(): Promise<Signature> {
    throw new Error('the simulation account never signs: its transactions are estimated, never sent');
  }

  override signRaw(): Promise<Signature> {
    throw new Error('the simulation account never signs');
  }
}

export class SimulationAccount {
  readonly account: Account;
  private nonce?: Promise<bigint>;

  constructor(
    private readonly provider: RpcProvider,
    address: string,
  ) {
    this.account = new Account({ provider, address, cairoVersion: RELAYER_CAIRO_VERSION, signer: new NeverSigns() });
  }

  /** The account and its nonce: kept from the last read unless `fresh` (the node refused it). */
  async get(fresh = false): Promise<{ account: Account; nonce: bigint }> {
    if (fresh || !this.nonce) {
      const read = this.provider.getNonceForAddress(this.account.address, 'pre_confirmed').then(BigInt);
      // A failed read is not kept: the next call reads again.
      this.nonce = read.catch((e: unknown) => {
        this.nonce = undefined;
        throw e;
      });
    }
    return { account: this.account, nonce: await this.nonce };
  }
}
