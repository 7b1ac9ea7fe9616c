/**
 * ChainClock, pure logic over a scripted node: one read per second at most,
 * shared by concurrent readers, never stepping back. A stand-in provider is
 * enough here; every devnet suite reads the real clock through it.
 */
import { describe, expect, it } from 'vitest';
import { ChainClock } from '../../../relay/chain/clock.ts';

function scripted(timestamps: number[]) {
  let ms = 0;
  const node = {
    reads: 0,
    async getBlock() {
      node.reads++;
      await new Promise((r) => setTimeout(r, 1));
      return { timestamp: timestamps[Math.min(node.reads, timestamps.length) - 1]! };
    },
  };
  const clock = new ChainClock(node as never, 1_000, () => ms);
  return { node, clock, advance: (d: number) => (ms += d) };
}

describe('ChainClock', () => {
  it('reads the latest block once per second, concurrent readers sharing the read', async () => {
    const { node, clock, advance } = scripted([100, 101, 102]);
    expect(await Promise.all([clock.now(), clock.now(), clock.now()])).toEqual([100, 100, 100]);
    advance(999);
    expect(await clock.now()).toBe(100);
    expect(node.reads).toBe(1);
    advance(1);
    expect(await clock.now()).toBe(101);
    expect(node.reads).toBe(2);
  });

  it('read() always asks the node, and what now() answers follows it', async () => {
    const { node, clock } = scripted([100, 400]);
    expect(await clock.now()).toBe(100);
    expect(await clock.read()).toBe(400);
    expect(await clock.now()).toBe(400);
    expect(node.reads).toBe(2);
  });

  it('never steps back when a node answers with an older block', async () => {
    const { clock, advance } = scripted([200, 199, 201]);
    expect(await clock.now()).toBe(200);
    advance(1_000);
    expect(await clock.now()).toBe(200);
    advance(1_000);
    expect(await clock.now()).toBe(201);
  });

  it('passes a failed read on, and reads again on the next call', async () => {
    let fail = true;
    const node = { getBlock: async () => { if (fail) throw new Error('node down'); return { timestamp: 5 }; } };
    const clock = new ChainClock(node as never);
    await expect(clock.now()).rejects.toThrow('node down');
    fail = false;
    expect(await clock.now()).toBe(5);
  });
});
