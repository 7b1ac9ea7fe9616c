/**
 * One policy: edit (schema-validated, with hints; the diff against the
 * current version is shown before saving, and the save is conditional on
 * that version) and its history with rollback. `id` undefined = a new policy.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api.ts';
import { LineDiff } from './diffView.tsx';
import type { PolicyEditor } from './editor.ts';
import { HistoryTab } from './history.tsx';
import { describeType, propertiesOf, schemaAt, type Segment } from './schemaHints.ts';
import type { PolicyView } from './types.ts';
import { ErrorNote, Loading, Page, Status } from './ui.tsx';

const NEW_POLICY = {
  schemaVersion: 1,
  id: 'my-policy',
  name: 'My policy',
  enabled: true,
  priority: 0,
  rules: { feeModes: ['sponsored'], allow: [{ contract: 'job_mgr', selectors: ['submit_job'] }], budgets: { perOperation: { maxFee: '1000000000000000000' } } },
};
const pretty = (v: unknown) => JSON.stringify(v, null, 2) + '\n';

export function PolicyScreen({ id, tab }: { id: string | undefined; tab: string | undefined }) {
  const base = `#/policies/${id ? encodeURIComponent(id) : 'new'}`;
  const history = tab === 'history' && id !== undefined;
  return (
    <Page title={id ? `Policy ${id}` : 'New policy'}>
      {id ? (
        <div class="tabs">
          <a href={base} aria-current={history ? undefined : 'page'}>Edit</a>
          <a href={`${base}/history`} aria-current={history ? 'page' : undefined}>History</a>
        </div>
      ) : null}
      {history ? <HistoryTab id={id} /> : <EditTab key={id ?? 'new'} id={id} />}
    </Page>
  );
}

function Hints({ path }: { path: Segment[] }) {
  const node = schemaAt(path);
  return (
    <aside class="hints" id="policy-hints" aria-live="polite" data-testid="hints" tabIndex={0} aria-label="Schema hints">
      <h2>Schema at <code>/{path.join('/')}</code></h2>
      {!node ? <p class="muted">Nothing in the policy schema is at this path.</p> : (
        <>
          <p><strong>Type:</strong> {describeType(node)}</p>
          {node.description ? <p>{node.description}</p> : null}
          {propertiesOf(node).length > 0 ? (
            <ul>{propertiesOf(node).map(([k, n, req]) => <li key={k}><code>{k}</code>{req ? ' (required)' : ''}: <span class="hint">{describeType(n)}</span></li>)}</ul>
          ) : null}
        </>
      )}
      <p class="hint">Ctrl-Space completes property names and values from the schema; errors are marked in the gutter.</p>
    </aside>
  );
}

type EditorModule = typeof import('./editor.ts');

function EditTab({ id }: { id: string | undefined }) {
  const host = useRef<HTMLDivElement>(null);
  // CodeMirror and the compiled schema are a chunk of their own: the other screens never load them.
  const [mod, setMod] = useState<EditorModule>();
  const editor = useRef<PolicyEditor | undefined>(undefined);
  const [current, setCurrent] = useState<{ text: string; version: number; source: string } | undefined>(id ? undefined : { text: '', version: 0, source: 'new' });
  const [text, setText] = useState('');
  const [path, setPath] = useState<Segment[]>([]);
  const [review, setReview] = useState(false);
  const [error, setError] = useState<unknown>();
  const [status, setStatus] = useState<string>();

  useEffect(() => void import('./editor.ts').then(setMod, setError), []);

  useEffect(() => {
    if (!id) return;
    api<PolicyView>(`/policies/${encodeURIComponent(id)}`).then(
      ({ data }) => setCurrent({ text: pretty(data.policy), version: data.version, source: data.source }),
      setError,
    );
  }, [id]);

  useEffect(() => {
    if (!mod || !current || !host.current || editor.current) return;
    const start = id ? current.text : pretty(NEW_POLICY);
    setText(start);
    editor.current = mod.createPolicyEditor(host.current, start, setText, setPath);
    return () => {
      editor.current?.view.destroy();
      editor.current = undefined;
    };
  }, [mod, current === undefined]);

  const problems = mod && text ? mod.schemaDiagnostics(text) : [];

  async function save() {
    setError(undefined);
    try {
      const body = JSON.parse(text) as { id: string };
      const res = id
        ? await api<PolicyView>(`/policies/${encodeURIComponent(id)}`, { method: 'PUT', body, headers: { 'if-match': `"${current!.version}"` } })
        : await api<PolicyView>('/policies', { method: 'POST', body });
      setStatus(`Saved ${res.data.id} as version ${res.data.version}.`);
      setReview(false);
      if (!id) location.hash = `#/policies/${encodeURIComponent(res.data.id)}`;
      else setCurrent({ text: pretty(res.data.policy), version: res.data.version, source: res.data.source });
    } catch (e) {
      setError(e);
    }
  }

  if (!current) return <><ErrorNote error={error} /><Loading what="the policy" /></>;
  if (!mod) return <><ErrorNote error={error} /><Loading what="the editor" /></>;
  return (
    <>
      <p class="hint">
        {id ? <>Version {current.version} ({current.source === 'file' ? 'the relay\'s file template; saving creates your override' : 'yours'}).</> : 'A new policy: version 1 once saved.'}{' '}
        Validated against <a href="/v1/openapi.json">the policy JSON Schema</a> as you type.
      </p>
      <div class="editor-grid" hidden={review}>
        <div>
          <div ref={host} data-testid="editor" />
          <p role="status" class={problems.length ? 'bad' : 'ok'} data-testid="validity">
            {problems.length ? `${problems.length} problem${problems.length > 1 ? 's' : ''}: ${problems[0]!.message}` : 'Valid against the policy schema.'}
          </p>
          <button type="button" disabled={problems.length > 0 || text === ''} onClick={() => setReview(true)}>Review changes</button>
        </div>
        <Hints path={path} />
      </div>
      {review ? (
        <div>
          <h2>Changes against {id ? `version ${current.version}` : 'nothing (new policy)'}</h2>
          <LineDiff before={current.text} after={text} label="Changes to the policy" />
          <div class="row">
            <button type="button" onClick={save}>{id ? `Save as version ${current.version + 1}` : 'Create policy'}</button>
            <button type="button" class="secondary" onClick={() => setReview(false)}>Back to editing</button>
          </div>
        </div>
      ) : null}
      <ErrorNote error={error} />
      <Status text={status} />
    </>
  );
}
