/**
 * Dry run: paste calls (a JSON array of {to, selector, calldata}) or the
 * SNIP-9 typed data a build returned, pick a sender, and see the gate's
 * decision with every rule's verdict (POST /v1/dry-run; nothing is spent).
 */
import { useState } from 'preact/hooks';
import { api, get } from './api.ts';
import { dayOf, shortHex, today } from './format.ts';
import type { DryRunResult, PolicySummary, SenderUsage } from './types.ts';
import { ErrorNote, Page, useLoad } from './ui.tsx';

const EXAMPLE = JSON.stringify([{ to: '0x…', selector: '0x…', calldata: ['0x1'] }], null, 2);

export function DryRunScreen() {
  const policies = useLoad(() => get<{ policies: PolicySummary[] }>('/policies'), []);
  // Senders seen this week make the sender picker; any address may be typed.
  const senders = useLoad(() => get<SenderUsage>(`/usage/senders?from=${dayOf(new Date(Date.now() - 6 * 86_400_000))}&to=${today()}&limit=200`), []);
  const [form, setForm] = useState({ sender: '', payload: '', feeMode: 'sponsored', maxFee: '1000000000000000', policy: '', phase: 'build' });
  const [result, setResult] = useState<DryRunResult>();
  const [error, setError] = useState<unknown>();
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });

  async function run(e: Event) {
    e.preventDefault();
    setError(undefined);
    setResult(undefined);
    try {
      const parsed = JSON.parse(form.payload) as unknown;
      const what = Array.isArray(parsed) ? { calls: parsed } : { typedData: (parsed as { typedData?: unknown }).typedData ?? parsed };
      const body = { sender: form.sender.trim(), feeMode: form.feeMode, maxFee: form.maxFee.trim(), phase: form.phase, ...what, ...(form.policy ? { policy: form.policy } : {}) };
      setResult((await api<DryRunResult>('/dry-run', { method: 'POST', body })).data);
    } catch (err) {
      setError(err instanceof SyntaxError ? new Error(`Calls or typed data: not JSON (${err.message})`) : err);
    }
  }

  const known = [...new Set(senders.data?.rows.map((r) => r.sender) ?? [])];
  return (
    <Page title="Dry run">
      <p class="hint">What would the relay decide? Nothing is consumed; <code>execute</code> also asks policy webhooks.</p>
      <form onSubmit={run}>
        <div class="field">
          <label for="dr-sender">Sender <span class="hint">the user's account address</span></label>
          <input id="dr-sender" list="dr-senders" required value={form.sender} onInput={set('sender')} class="mono" />
          <datalist id="dr-senders">{known.map((s) => <option key={s} value={s} />)}</datalist>
        </div>
        <div class="field">
          <label for="dr-payload">Calls or signed typed data <span class="hint">a JSON array of calls, or the typed data object from paymaster_buildTransaction</span></label>
          <textarea id="dr-payload" rows={10} required value={form.payload} onInput={set('payload')} placeholder={EXAMPLE} />
        </div>
        <div class="row">
          <div class="field">
            <label for="dr-fee-mode">Fee mode</label>
            <select id="dr-fee-mode" value={form.feeMode} onChange={set('feeMode')}><option value="sponsored">sponsored</option><option value="default">default (user pays)</option></select>
          </div>
          <div class="field">
            <label for="dr-max-fee">Max fee <span class="hint">fri</span></label>
            <input id="dr-max-fee" required value={form.maxFee} onInput={set('maxFee')} class="mono" />
          </div>
          <div class="field">
            <label for="dr-policy">Policy</label>
            <select id="dr-policy" value={form.policy} onChange={set('policy')}>
              <option value="">all (as the relay would)</option>
              {policies.data?.policies.map((p) => <option key={p.id} value={p.id}>{p.name} ({p.id})</option>)}
            </select>
          </div>
          <div class="field">
            <label for="dr-phase">Phase</label>
            <select id="dr-phase" value={form.phase} onChange={set('phase')}><option value="build">build</option><option value="execute">execute</option></select>
          </div>
        </div>
        <button type="submit">Dry run</button>
      </form>
      <ErrorNote error={error} />
      {result ? <Decision r={result} /> : null}
    </Page>
  );
}

function Decision({ r }: { r: DryRunResult }) {
  return (
    <section aria-label="Decision" data-testid="decision">
      <h2 class={r.allow ? 'ok' : 'bad'}>{r.allow ? `Sponsored by ${r.policy}` : `Refused${r.rule ? ` by rule ${r.rule}` : ''}`}</h2>
      <p>{r.message}</p>
      {r.reason ? <p>Reason: <code data-testid="reason">{r.reason}</code>{r.retryAfter ? ` · retry after ${r.retryAfter}s` : ''}</p> : null}
      <table data-testid="verdicts">
        <caption class="muted">Every rule's verdict{r.policy ? ` for policy ${r.policy}` : ''}; policies considered: {r.evaluated.join(', ') || 'none'}.</caption>
        <thead><tr><th scope="col">Rule</th><th scope="col">Verdict</th><th scope="col">Reason</th><th scope="col">Detail</th></tr></thead>
        <tbody>
          {r.verdicts.map((v, i) => (
            <tr key={`${v.rule}${i}`}>
              <td><code>{v.rule}</code></td>
              <td class={v.ok ? 'ok' : 'bad'}>{v.ok ? 'pass' : 'refuse'}</td>
              <td>{v.reason ? <code>{v.reason}</code> : ''}</td>
              <td>{v.detail ? shortHexIn(v.detail) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const shortHexIn = (s: string) => s.replace(/0x[0-9a-fA-F]{20,}/g, (h) => shortHex(h));
