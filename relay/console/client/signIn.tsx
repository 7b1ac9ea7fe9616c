/**
 * Sign-in with a key: an admin key (its tenant's console) or an operator
 * key (relayers). The key is checked against the API before it is kept, and
 * kept in sessionStorage only (session.ts).
 */
import { useState } from 'preact/hooks';
import { api, ApiError } from './api.ts';
import { signIn, signOutReason } from './session.ts';
import { useSignal } from './signal.ts';
import { ErrorNote } from './ui.tsx';

export function SignIn() {
  const reason = useSignal(signOutReason);
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const k = key.trim();
    try {
      try {
        const { data: t } = await api<{ id: string; name: string; keyId: string }>('/tenant', { key: k });
        signIn({ key: k, kind: 'admin', tenant: t.id, name: t.name, keyId: t.keyId });
      } catch (err) {
        // An operator key is refused by the tenant routes as the wrong scope; it may still list relayers.
        if (!(err instanceof ApiError && err.reason === 'wrong_key_scope')) throw err;
        await api('/relayers', { key: k });
        signIn({ key: k, kind: 'operator', tenant: '', name: 'Operator', keyId: k.split('.')[0] ?? '' });
      }
      location.hash = '#/overview';
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="signin" id="main">
      <h1>CIRO Relay console</h1>
      <p>Sign in with your tenant's admin key (<code>&lt;keyId&gt;.&lt;secret&gt;</code>). It is kept in this browser tab only and forgotten when you sign out or close the tab.</p>
      {reason ? <p class="note" role="status">{reason}</p> : null}
      <form onSubmit={submit}>
        <label for="key">Admin key</label>
        <input id="key" name="key" type="password" autoComplete="off" required value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        <button type="submit" disabled={busy || key.trim() === ''}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      <ErrorNote error={error} />
    </main>
  );
}
