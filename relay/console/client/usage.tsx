/** Usage per user (sender) per day, for a chosen range, with CSV export of exactly what is shown. */
import { useState } from 'preact/hooks';
import { get } from './api.ts';
import { csv, dayOf, strk, today } from './format.ts';
import type { SenderUsage } from './types.ts';
import { ErrorNote, Loading, Page, useLoad } from './ui.tsx';

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function UsageScreen() {
  const [range, setRange] = useState({ from: dayOf(new Date(Date.now() - 6 * 86_400_000)), to: today() });
  const [draft, setDraft] = useState(range);
  const usage = useLoad(() => get<SenderUsage & { tenant: string }>(`/usage/senders?from=${range.from}&to=${range.to}&limit=5000`), [range.from, range.to]);
  const rows = usage.data?.rows ?? [];
  const total = rows.reduce((a, r) => ({ txs: a.txs + r.txs, fee: a.fee + BigInt(r.fee) }), { txs: 0, fee: 0n });

  function exportCsv() {
    const body = csv([['day', 'sender', 'txs', 'fee_fri'], ...rows.map((r) => [r.day, r.sender, r.txs, r.fee])]);
    download(`usage-${usage.data?.tenant ?? 'tenant'}-${range.from}-${range.to}.csv`, body);
  }

  return (
    <Page title="Usage" actions={<button type="button" class="secondary" onClick={exportCsv} disabled={rows.length === 0}>Export CSV</button>}>
      <form class="row" onSubmit={(e) => (e.preventDefault(), setRange(draft))}>
        <div class="field"><label for="u-from">From (UTC)</label><input id="u-from" type="date" value={draft.from} max={draft.to} onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })} /></div>
        <div class="field"><label for="u-to">To (UTC)</label><input id="u-to" type="date" value={draft.to} onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })} /></div>
        <div class="field"><button type="submit">Show</button></div>
      </form>
      <ErrorNote error={usage.error} />
      {usage.loading && !usage.data ? <Loading what="usage" /> : null}
      {usage.data ? (
        <table data-testid="usage">
          <caption class="muted">
            {rows.length} row{rows.length === 1 ? '' : 's'}: {total.txs} transactions, {strk(total.fee)} sponsored{usage.data.truncated ? ' (more rows than shown; narrow the range)' : ''}.
          </caption>
          <thead><tr><th scope="col">Day</th><th scope="col">Sender</th><th scope="col" class="num">Transactions</th><th scope="col" class="num">Sponsored fee</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.day}${r.sender}`}><td>{r.day}</td><td><code>{r.sender}</code></td><td class="num">{r.txs}</td><td class="num">{strk(r.fee)}</td></tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Page>
  );
}
