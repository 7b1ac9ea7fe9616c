/** A policy's versions, newest first, each with who, when and its diff; any earlier version can be restored. */
import { useState } from 'preact/hooks';
import { api, get } from './api.ts';
import { when } from './format.ts';
import type { PolicyVersion, PolicyView } from './types.ts';
import { DiffOps, ErrorNote, Loading, Status, useLoad } from './ui.tsx';

export function HistoryTab({ id }: { id: string }) {
  const path = `/policies/${encodeURIComponent(id)}`;
  const list = useLoad(() => get<{ latest: number; versions: PolicyVersion[] }>(`${path}/versions?limit=100`), [id]);
  const [error, setError] = useState<unknown>();
  const [status, setStatus] = useState<string>();

  async function rollback(v: PolicyVersion, latest: number) {
    if (!confirm(`Restore version ${v.version} of ${id}? It becomes version ${latest + 1}.`)) return;
    setError(undefined);
    try {
      const { data } = await api<PolicyView>(`${path}/rollback`, { method: 'POST', body: { version: v.version }, headers: { 'if-match': `"${latest}"` } });
      setStatus(`Rolled back: version ${data.version} restores version ${v.version}.`);
      list.reload();
    } catch (e) {
      setError(e);
    }
  }

  const data = list.data;
  return (
    <>
      <ErrorNote error={list.error ?? error} />
      <Status text={status} />
      {list.loading && !data ? <Loading what="versions" /> : null}
      {data && data.versions.length === 0 ? <p class="muted">No versions yet: this is the relay's file template, never changed through the API.</p> : null}
      {data && data.versions.length > 0 ? (
        <table data-testid="versions">
          <thead>
            <tr><th scope="col" class="num">Version</th><th scope="col">Change</th><th scope="col">When (UTC)</th><th scope="col">Who</th><th scope="col">Diff</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            {data.versions.map((v) => (
              <tr key={v.version}>
                <td class="num">{v.version}{v.version === data.latest ? <span class="hint"> (current)</span> : null}</td>
                <td>{v.op}{v.rollbackOf ? ` (restores v${v.rollbackOf})` : ''}{v.basedOn === 'file' ? ' (over the file template)' : ''}{v.policy && !v.policy.enabled ? ' · disabled' : ''}</td>
                <td>{when(v.at)}</td>
                <td><code>{v.by.keyId}</code></td>
                <td><DiffOps ops={v.diff} /></td>
                <td>
                  {v.version !== data.latest && v.policy ? (
                    <button type="button" class="secondary" onClick={() => rollback(v, data.latest)} aria-label={`Roll back to version ${v.version}`}>Roll back to this</button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
