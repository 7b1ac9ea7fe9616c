/** A line diff of two policy documents by jsdiff, shown as a unified listing (added, removed, kept). */
import { diffLines } from 'diff';

export function LineDiff({ before, after, label }: { before: string; after: string; label: string }) {
  const parts = diffLines(before, after);
  const added = parts.filter((p) => p.added).reduce((a, p) => a + (p.count ?? 0), 0);
  const removed = parts.filter((p) => p.removed).reduce((a, p) => a + (p.count ?? 0), 0);
  return (
    <div>
      <p class="hint" data-testid="diff-summary">{added} line{added === 1 ? '' : 's'} added, {removed} removed</p>
      <pre class="diff" aria-label={label} tabIndex={0}>
        {parts.flatMap((p, i) =>
          p.value.replace(/\n$/, '').split('\n').map((line, j) => (
            <span key={`${i}.${j}`} class={p.added ? 'add' : p.removed ? 'del' : ''}>
              {p.added ? '+ ' : p.removed ? '- ' : '  '}{line}
              {p.added || p.removed ? <span class="sr-only">{p.added ? ' (added)' : ' (removed)'}</span> : null}
            </span>
          )),
        )}
      </pre>
    </div>
  );
}
