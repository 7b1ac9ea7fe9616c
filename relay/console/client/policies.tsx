/** Policies: the tenant's list (file templates it uses and its own), with enable/disable in place. */
import { useState } from 'preact/hooks';
import { api, get } from './api.ts';
import type { PolicySummary, PolicyView } from './types.ts';
import { ErrorNote, Loading, Page, Status, useLoad } from './ui.tsx';

/** Enabling or disabling is an edit like any other: a new version, conditional on the one shown. */
export async function setEnabled(id: string, enabled: boolean): Promise<number> {
  const { data: view, etag } = await api<PolicyView>(`/policies/${encodeURIComponent(id)}`);
  const { data } = await api<PolicyView>(`/policies/${encodeURIComponent(id)}`, {
    method: 'PUT',
    body: { ...view.policy, enabled },
    headers: etag ? { 'if-match': etag } : {},
  });
  return data.version;
}

export function PoliciesScreen() {
  const list = useLoad(() => get<{ policies: PolicySummary[] }>('/policies'), []);
  const [error, setError] = useState<unknown>();
  const [status, setStatus] = useState<string>();

  async function toggle(p: PolicySummary) {
    setError(undefined);
    try {
      const v = await setEnabled(p.id, !p.enabled);
      setStatus(`${p.name} ${p.enabled ? 'disabled' : 'enabled'} (version ${v}).`);
      list.reload();
    } catch (e) {
      setError(e);
    }
  }

  return (
    <Page title="Policies" actions={<a class="button" href="#/policies/new">New policy</a>}>
      <ErrorNote error={list.error ?? error} />
      <Status text={status} />
      {list.loading && !list.data ? <Loading what="policies" /> : null}
      {list.data ? (
        <table data-testid="policies">
          <caption class="muted">
            <code>file</code> policies are the relay's shared templates: editing one saves your own override of it. Policies are tried by priority, highest first.
          </caption>
          <thead>
            <tr><th scope="col">Policy</th><th scope="col">Source</th><th scope="col" class="num">Priority</th><th scope="col" class="num">Version</th><th scope="col">State</th></tr>
          </thead>
          <tbody>
            {list.data.policies.map((p) => (
              <tr key={p.id}>
                <th scope="row"><a href={`#/policies/${encodeURIComponent(p.id)}`}>{p.name}</a> <span class="hint">{p.id}</span></th>
                <td>{p.source}</td>
                <td class="num">{p.priority}</td>
                <td class="num">{p.version}</td>
                <td>
                  <span class={p.enabled ? 'ok' : 'bad'}>{p.enabled ? 'Enabled' : 'Disabled'}</span>{' '}
                  <button type="button" class="secondary" onClick={() => toggle(p)} aria-label={`${p.enabled ? 'Disable' : 'Enable'} ${p.name}`}>
                    {p.enabled ? 'Disable' : 'Enable'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Page>
  );
}
