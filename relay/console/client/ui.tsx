/** Pieces every screen uses: loading a resource, showing an error, a page with a focused heading, a diff-op list. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import type { DiffOp } from './types.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `deps` change; a late answer for old deps is dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error, loading: false }),
    );
    return () => void (live = false);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : undefined;
  return (
    <div class="error" role="alert">
      <strong>{e ? e.reason : 'Error'}</strong>
      {e?.path ? <span> at <code>{e.path}</code></span> : null}: {e?.details ?? (error instanceof Error ? error.message : String(error))}
    </div>
  );
}

/** A screen: its heading takes focus on arrival, so keyboard and screen-reader users land on the new content. */
export function Page({ title, actions, children }: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  const h = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    h.current?.focus();
    document.title = `${title} · CIRO Relay console`;
  }, [title]);
  return (
    <section aria-labelledby="page-title">
      <header class="page-head">
        <h1 id="page-title" tabIndex={-1} ref={h}>{title}</h1>
        {actions ? <div class="actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

export function Loading({ what }: { what: string }) {
  return <p class="muted" role="status">Loading {what}…</p>;
}

const show = (v: unknown) => (v === undefined ? '' : JSON.stringify(v));

/** A JSON diff (the API's `diff` ops) as a readable list. */
export function DiffOps({ ops }: { ops: DiffOp[] }) {
  if (ops.length === 0) return <span class="muted">no change</span>;
  return (
    <ul class="diff-ops">
      {ops.slice(0, 20).map((o) => (
        <li key={o.path + o.op} class={`op-${o.op}`}>
          <code>{o.path || '/'}</code>{' '}
          {o.op === 'add' ? <>added <code>{show(o.value)}</code></> : o.op === 'remove' ? <>removed <code>{show(o.from)}</code></> : <><code>{show(o.from)}</code> → <code>{show(o.value)}</code></>}
        </li>
      ))}
      {ops.length > 20 ? <li class="muted">…and {ops.length - 20} more</li> : null}
    </ul>
  );
}

/** A status message read out by screen readers when it changes. */
export function Status({ text }: { text: string | undefined }) {
  return <p class="status" role="status" aria-live="polite">{text ?? ''}</p>;
}
