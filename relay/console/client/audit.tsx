/** The audit log: every change to policies, keys and the tenant, newest first, with who, when and the diff. */
import { useState } from 'preact/hooks';
import { get } from './api.ts';
import { when } from './format.ts';
import type { AuditEntry } from './types.ts';
import { DiffOps, ErrorNote, Loading, Page, useLoad } from './ui.tsx';

const PAGE = 50;

export function AuditScreen() {
  const [offset, setOffset] = useState(0);
  const log = useLoad(() => get<{ entries: AuditEntry[] }>(`/audit?offset=${offset}&limit=${PAGE}`), [offset]);
  const entries = log.data?.entries ?? [];
  return (
    <Page title="Audit log">
      <ErrorNote error={log.error} />
      {log.loading && !log.data ? <Loading what="the audit log" /> : null}
      {log.data ? (
        <table data-testid="audit">
          <thead><tr><th scope="col">When (UTC)</th><th scope="col">Who</th><th scope="col">Change</th><th scope="col">What</th><th scope="col">Diff</th></tr></thead>
          <tbody>
            {entries.map((e, i) => (
              <tr key={`${e.at}${i}`}>
                <td>{when(e.at)}</td>
                <td><code>{e.who.keyId}</code>{e.who.tenant.startsWith('@') ? <span class="hint"> (operator)</span> : null}</td>
                <td><code>{e.action}</code></td>
                <td>
                  {e.target.kind} <code>{e.target.id}</code>{e.version ? ` v${e.version}` : ''}
                  {e.detail ? Object.entries(e.detail).map(([k, v]) => <span class="hint" key={k}> · {k}: {v}</span>) : null}
                </td>
                <td>{e.diff ? <DiffOps ops={e.diff} /> : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <div class="row">
        <button type="button" class="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Newer</button>
        <button type="button" class="secondary" disabled={entries.length < PAGE} onClick={() => setOffset(offset + PAGE)}>Older</button>
      </div>
    </Page>
  );
}
