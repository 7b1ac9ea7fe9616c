/** API keys: create (the full key is shown once, here) and revoke. Secrets and hashes are never listed. */
import { useState } from 'preact/hooks';
import { api, get } from './api.ts';
import { when } from './format.ts';
import { session } from './session.ts';
import type { KeyInfo } from './types.ts';
import { ErrorNote, Loading, Page, Status, useLoad } from './ui.tsx';

export function KeysScreen() {
  const list = useLoad(() => get<{ keys: KeyInfo[] }>('/keys'), []);
  const [scope, setScope] = useState('sponsor');
  const [name, setName] = useState('');
  const [created, setCreated] = useState<KeyInfo & { key: string }>();
  const [error, setError] = useState<unknown>();
  const [status, setStatus] = useState<string>();

  async function create(e: Event) {
    e.preventDefault();
    setError(undefined);
    try {
      const { data } = await api<KeyInfo & { key: string }>('/keys', { method: 'POST', body: { scope, ...(name.trim() ? { name: name.trim() } : {}) } });
      setCreated(data);
      setName('');
      list.reload();
    } catch (err) {
      setError(err);
    }
  }

  async function revoke(k: KeyInfo) {
    if (!confirm(`Revoke key ${k.id}? Requests with it are refused from the next one on.`)) return;
    setError(undefined);
    try {
      await api(`/keys/${encodeURIComponent(k.id)}`, { method: 'DELETE' });
      setStatus(`Key ${k.id} revoked.`);
      list.reload();
    } catch (err) {
      setError(err);
    }
  }

  const mine = session.get()?.keyId;
  return (
    <Page title="Keys">
      <form class="row" onSubmit={create} aria-label="Create a key">
        <div class="field">
          <label for="k-scope">Scope</label>
          <select id="k-scope" value={scope} onChange={(e) => setScope(e.currentTarget.value)}>
            <option value="sponsor">sponsor (SNIP-29, safe in a dapp)</option>
            <option value="admin">admin (this console and /v1)</option>
          </select>
        </div>
        <div class="field"><label for="k-name">Label <span class="hint">optional</span></label><input id="k-name" value={name} maxLength={120} onInput={(e) => setName(e.currentTarget.value)} /></div>
        <div class="field"><button type="submit">Create key</button></div>
      </form>
      {created ? (
        <div class="note" role="alert" data-testid="new-key">
          <p><strong>Copy this key now: it is shown only once.</strong> Key <code>{created.id}</code> ({created.scope}):</p>
          <p class="secret" data-testid="new-key-secret">{created.key}</p>
          <button type="button" class="secondary" onClick={() => navigator.clipboard?.writeText(created.key).then(() => setStatus('Copied.'))}>Copy</button>{' '}
          <button type="button" class="secondary" onClick={() => setCreated(undefined)}>I have stored it</button>
        </div>
      ) : null}
      <ErrorNote error={list.error ?? error} />
      <Status text={status} />
      {list.loading && !list.data ? <Loading what="keys" /> : null}
      {list.data ? (
        <table data-testid="keys">
          <thead><tr><th scope="col">Key id</th><th scope="col">Scope</th><th scope="col">Label</th><th scope="col">Created</th><th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {list.data.keys.map((k) => (
              <tr key={k.id}>
                <td><code>{k.id}</code>{k.id === mine ? <span class="hint"> (this session)</span> : null}</td>
                <td>{k.scope}</td>
                <td>{k.name ?? ''}</td>
                <td>{k.createdAt ? when(k.createdAt) : k.source === 'config' ? 'relay config' : ''}</td>
                <td>{k.revokedAt ? <span class="bad">revoked {when(k.revokedAt)}</span> : <span class="ok">active</span>}</td>
                <td>{k.revokedAt ? null : <button type="button" class="danger" onClick={() => revoke(k)} aria-label={`Revoke key ${k.id}`}>Revoke</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Page>
  );
}
