/**
 * Signed in with an operator key: one account's safeguard marks (GET
 * /v1/accounts/{address}): its holds in flight, its revert count, and the
 * tracked transactions they stand for. A hold nothing stands behind (leaked
 * by a store outage) refuses the account for up to a day; a revert pause, a
 * day. Clearing either is the operator's call (POST …/clear), and holds are
 * refused while a tracked transaction may still land.
 */
import { useState } from 'preact/hooks';
import { api } from './api.ts';
import { when } from './format.ts';
import type { AccountState } from './types.ts';
import { ErrorNote, Page, Status } from './ui.tsx';

export function AccountsScreen() {
  const [address, setAddress] = useState('');
  const [state, setState] = useState<AccountState>();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();

  async function look(e?: Event) {
    e?.preventDefault();
    setError(undefined);
    setDone(undefined);
    try {
      setState((await api<AccountState>(`/accounts/${encodeURIComponent(address.trim())}`)).data);
    } catch (err) {
      setState(undefined);
      setError(err);
    }
  }

  async function clear(what: 'holds' | 'reverts') {
    if (!state || !confirm(what === 'holds' ? `Give back ${state.account}'s holds? Only if nothing of it is in flight.` : `Lift ${state.account}'s revert pause?`)) return;
    setError(undefined);
    try {
      setState((await api<AccountState>(`/accounts/${encodeURIComponent(state.account)}/clear`, { method: 'POST', body: { [what]: true } })).data);
      setDone(what === 'holds' ? 'Holds given back.' : 'Revert count cleared.');
    } catch (err) {
      setError(err);
    }
  }

  const held = state && (state.holds.quota !== '0' || state.holds.payment !== '0');
  return (
    <Page title="Accounts">
      <p class="hint">An account's holds in flight and revert count, through every tenant.</p>
      <form onSubmit={look}>
        <div class="field">
          <label for="acct-address">Account address</label>
          <input id="acct-address" required class="mono" value={address} onInput={(e) => setAddress(e.currentTarget.value)} />
        </div>
        <button type="submit">Look up</button>
      </form>
      <ErrorNote error={error} />
      <Status text={done} />
      {state ? (
        <section aria-label="Account state" data-testid="account">
          <table>
            <tbody>
              <tr><th scope="row">Held against the Paymaster's quota</th><td class="num">{state.holds.quota}</td></tr>
              <tr><th scope="row">Payment in flight</th><td>{state.holds.payment === '0' ? 'no' : 'yes'}</td></tr>
              <tr><th scope="row">Reverts (24 h)</th><td class={state.reverts.paused ? 'bad' : ''}>{state.reverts.count}{state.reverts.paused ? ' · paused' : ''}</td></tr>
            </tbody>
          </table>
          <h3>Tracked transactions that may still land</h3>
          {state.inFlight.length === 0 ? <p data-testid="in-flight">None: any hold above has nothing behind it.</p> : (
            <table data-testid="in-flight">
              <thead><tr><th scope="col">Tracking id</th><th scope="col">Tenant</th><th scope="col">State</th><th scope="col">Sent</th></tr></thead>
              <tbody>
                {state.inFlight.map((t) => <tr key={t.trackingId}><td><code>{t.trackingId}</code></td><td>{t.tenant}</td><td>{t.status}</td><td>{when(new Date(t.createdAt).toISOString())}</td></tr>)}
              </tbody>
            </table>
          )}
          <div class="row">
            <button type="button" class="secondary" disabled={!held || state.inFlight.length > 0} onClick={() => clear('holds')}>Give back holds</button>
            <button type="button" class="secondary" disabled={state.reverts.count === 0} onClick={() => clear('reverts')}>Lift revert pause</button>
          </div>
        </section>
      ) : null}
    </Page>
  );
}
