/**
 * How long the store and the chain have been failing, as this instance saw
 * it: every Store call and node round trip reports here (instrument.ts), and
 * so does each alert pass's own probe. Kept in memory on purpose: while the
 * store is down it cannot be asked to remember that it is down.
 */
export type Component = 'store' | 'chain';

export class Health {
  private readonly downSince = new Map<Component, number>();

  constructor(private readonly nowMs: () => number = () => Date.now()) {}

  ok(c: Component): void {
    this.downSince.delete(c);
  }

  fail(c: Component): void {
    if (!this.downSince.has(c)) this.downSince.set(c, this.nowMs());
  }

  /** Milliseconds since the first failure with no success after it; undefined while up. */
  downFor(c: Component): number | undefined {
    const since = this.downSince.get(c);
    return since === undefined ? undefined : this.nowMs() - since;
  }
}
