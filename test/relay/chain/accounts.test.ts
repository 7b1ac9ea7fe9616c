/**
 * What the relay learns about an account, on a real devnet, and what it
 * caches. Each case the old code got wrong is here: an error whose request
 * happened to contain "20" read as "not deployed", a failure ("Contract not
 * found") cached as "no SNIP-9" for a day, and an answer read from an address
 * cached for its whole class.
 */
import { RpcProvider } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedClassHash, classHashAt, classSupportsSnip9 } from '../../../relay/chain/accounts.ts';
import { UDC_ADDRESS } from '../../../relay/chain/calldata.ts';
import { nodeCodeOf } from '../../../relay/errors/chain.ts';
import { Keys } from '../../../relay/store/keys.ts';
import { MemoryStore } from '../../../relay/store/memory.ts';
import { startLocalChain, type LocalChain } from '../../../scripts/local/chain.ts';

let chain: LocalChain;
beforeAll(async () => {
  chain = await startLocalChain({ seed: true });
}, 300_000);
afterAll(async () => chain?.stop());

const worker = () => chain.demo!.worker.address;

describe('account facts on devnet', () => {
  it('reads a deployed class, and "not deployed" only from CONTRACT_NOT_FOUND', async () => {
    expect(BigInt((await classHashAt(chain.provider, worker()))!)).toBe(BigInt(chain.manifest.accountClassHashes[0]!));
    expect(await classHashAt(chain.provider, '0x1234abcd')).toBeUndefined();
  });

  it('surfaces any other node error, even when the request it echoes contains "20"', async () => {
    const pinned = new RpcProvider({ nodeUrl: chain.devnet.url, blockIdentifier: 9_999_999 });
    const e = await classHashAt(pinned, '0x20').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    expect(String((e as Error).message)).toMatch(/0x20/);
    expect(nodeCodeOf(e)).not.toBe(20);
  });

  it('reads SNIP-9 support from the class, caching it per class: yes for the CIRO account, no for a contract without it', async () => {
    const store = new MemoryStore();
    const cls = (await cachedClassHash(chain.provider, store, worker()))!;
    expect(await store.get(Keys.accountClass(worker()))).toBe(cls);
    expect(await classSupportsSnip9(chain.provider, store, cls)).toBe(true);
    expect(await store.get(Keys.classSnip9(cls))).toBe('1');
    const udcClass = (await classHashAt(chain.provider, UDC_ADDRESS))!;
    expect(await classSupportsSnip9(chain.provider, store, udcClass)).toBe(false);
    expect(await store.get(Keys.classSnip9(udcClass))).toBe('0');
  });

  it('cannot be poisoned by an address that changed its class', async () => {
    // An attacker's address was cached with the accepted account class, then "upgraded"
    // to a class without SNIP-9 (here: the UDC's). Asking the address would cache
    // "no SNIP-9" for the accepted class, refusing every honest user of it for a day.
    const store = new MemoryStore();
    const accepted = chain.manifest.accountClassHashes[0]!;
    await store.set(Keys.accountClass(UDC_ADDRESS), accepted);
    expect(await classSupportsSnip9(chain.provider, store, (await cachedClassHash(chain.provider, store, UDC_ADDRESS))!)).toBe(true);
    expect(await store.get(Keys.classSnip9(accepted))).toBe('1');
    expect(await classSupportsSnip9(chain.provider, store, (await cachedClassHash(chain.provider, store, worker()))!)).toBe(true);
  });

  it('caches nothing when the class is unknown or the node is down', async () => {
    const store = new MemoryStore();
    const someClass = '0x' + 'ab'.repeat(20);
    await expect(classSupportsSnip9(chain.provider, store, someClass)).rejects.toSatisfy((e: unknown) => nodeCodeOf(e) !== undefined);
    expect(await store.get(Keys.classSnip9(someClass))).toBeNull();
    const dead = new RpcProvider({ nodeUrl: 'http://127.0.0.1:9' });
    await expect(classSupportsSnip9(dead, store, someClass)).rejects.toBeDefined();
    expect(await store.get(Keys.classSnip9(someClass))).toBeNull();
    expect(await cachedClassHash(chain.provider, store, '0x1234abcd')).toBeUndefined();
    expect(await store.get(Keys.accountClass('0x1234abcd'))).toBeNull();
  });
});
