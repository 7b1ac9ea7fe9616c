/**
 * Overview: where the money goes and why requests were refused. Sponsored
 * transactions and fees today / this week / this month per policy (from
 * /v1/usage?policy=…), the last 30 days as charts, refusals by rule and
 * reason (/v1/refusals), and budgets, the ceiling and any webhook failing
 * open as gauges (/v1/limits).
 */
import { get } from './api.ts';
import { DayChart } from './charts.tsx';
import { dayOf, periods, strk, strkFloat } from './format.ts';
import type { Limits, PolicySummary, Refusals, Usage } from './types.ts';
import { ErrorNote, Loading, Page, useLoad } from './ui.tsx';

interface Sums { txs: number; fee: bigint }
const sum = (days: Usage['days'], from: string): Sums =>
  days.filter((d) => d.day >= from).reduce((a, d) => ({ txs: a.txs + d.txs, fee: a.fee + BigInt(d.fee) }), { txs: 0, fee: 0n });

async function loadOverview() {
  const p = periods();
  const last30 = dayOf(new Date(Date.now() - 29 * 86_400_000));
  const from = [p.week, p.month, last30].sort()[0]!;
  const { policies } = await get<{ policies: PolicySummary[] }>('/policies');
  const [total, perPolicy, refusals, limits] = await Promise.all([
    get<Usage>(`/usage?from=${from}&to=${p.today}`),
    Promise.all(policies.map(async (pol) => ({ pol, usage: await get<Usage>(`/usage?policy=${encodeURIComponent(pol.id)}&from=${from}&to=${p.today}`) }))),
    get<Refusals>(`/refusals?from=${from}&to=${p.today}`),
    get<Limits>('/limits'),
  ]);
  return { p, last30, total, perPolicy, refusals, limits };
}

/** A fee gauge (fri strings, shown in STRK) or, with `count`, one of transactions. */
function Gauge({ label, used, limit, note, count }: { label: string; used: string | number; limit: string | number; note: string; count?: boolean }) {
  const u = count ? Number(used) : strkFloat(String(used));
  const l = count ? Number(limit) : strkFloat(String(limit));
  const pct = l > 0 ? Math.min(100, (u / l) * 100) : 0;
  const shown = count ? `${u} of ${l} txs` : `${strk(String(used))} of ${strk(String(limit))}`;
  return (
    <div class="gauge">
      <label>
        {label} <span class="hint">{shown} ({pct.toFixed(pct < 10 ? 1 : 0)}%) · {note}</span>
        <meter min={0} max={l || 1} low={l * 0.7} high={l * 0.9} optimum={0} value={u}>{pct.toFixed(0)}%</meter>
      </label>
    </div>
  );
}

export function OverviewScreen() {
  const { data, error, loading } = useLoad(loadOverview, []);
  return (
    <Page title="Overview">
      <ErrorNote error={error} />
      {loading && !data ? <Loading what="usage" /> : null}
      {data ? <Body {...data} /> : null}
    </Page>
  );
}

function Body({ p, last30, total, perPolicy, refusals, limits }: Awaited<ReturnType<typeof loadOverview>>) {
  const window = total.days.filter((d) => d.day >= last30);
  const refusedByDay = window.map((d) => refusals.refusals.filter((r) => r.day === d.day).reduce((a, r) => a + r.count, 0));
  const byRule = new Map<string, { policy: string; rule: string; reason: string; count: number }>();
  for (const r of refusals.refusals.filter((x) => x.day >= p.month)) {
    const k = `${r.policy}|${r.rule}|${r.reason}`;
    byRule.set(k, { ...r, count: (byRule.get(k)?.count ?? 0) + r.count });
  }
  const cards = [['Today', p.today], ['This week', p.week], ['This month', p.month]] as const;
  return (
    <>
      <div class="cards" aria-label="Sponsored transactions">
        {cards.map(([label, from]) => {
          const s = sum(total.days, from);
          return (
            <div class="card" key={label} data-testid={`total-${label}`}>
              <h3>{label}</h3>
              <div class="big">{s.txs} <span class="hint">txs</span></div>
              <div>{strk(s.fee)} <span class="hint">sponsored</span></div>
            </div>
          );
        })}
      </div>

      <h2>Per policy</h2>
      <table data-testid="per-policy">
        <caption class="muted">Sponsored transactions and fees (sponsored mode; STRK), by UTC day, week from Monday, month from the 1st.</caption>
        <thead>
          <tr><th scope="col">Policy</th>{cards.map(([l]) => <th scope="col" class="num" key={l}>{l}</th>)}</tr>
        </thead>
        <tbody>
          {perPolicy.map(({ pol, usage }) => (
            <tr key={pol.id}>
              <th scope="row"><a href={`#/policies/${encodeURIComponent(pol.id)}`}>{pol.name}</a> <span class="hint">{pol.id}{pol.enabled ? '' : ' · disabled'}</span></th>
              {cards.map(([l, from]) => {
                const s = sum(usage.days, from);
                return <td class="num" key={l}>{s.txs} txs · {strk(s.fee)}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>

      <div class="cards">
        <DayChart title="Sponsored transactions and fees, last 30 days" days={window.map((d) => d.day)} series={[
          { label: 'Transactions', values: window.map((d) => d.txs), color: '#0a58ca', kind: 'bars' },
          { label: 'Fee (STRK)', values: window.map((d) => strkFloat(d.fee)), color: '#bf3989', kind: 'line', scale: 'y2', format: (v) => v.toFixed(6) },
        ]} />
        <DayChart title="Refusals, last 30 days" days={window.map((d) => d.day)} series={[{ label: 'Refusals', values: refusedByDay, color: '#a40e26', kind: 'bars' }]} />
      </div>

      <h2>Refusals this month by rule and reason</h2>
      {byRule.size === 0 ? <p class="muted">No refusals this month.</p> : (
        <table data-testid="refusals">
          <thead><tr><th scope="col">Policy</th><th scope="col">Rule</th><th scope="col">Reason</th><th scope="col" class="num">Count</th></tr></thead>
          <tbody>
            {[...byRule.values()].sort((a, b) => b.count - a.count).map((r) => (
              <tr key={`${r.policy}|${r.rule}|${r.reason}`}><td>{r.policy}</td><td><code>{r.rule}</code></td><td><code>{r.reason}</code></td><td class="num">{r.count}</td></tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Budgets and ceiling</h2>
      <Gauge label="Daily fee ceiling (operator)" used={limits.ceiling.used} limit={limits.ceiling.limit} note={`resets 00:00 UTC; includes transactions in flight`} />
      {limits.budgets.map((b) => (
        <Gauge key={b.policy} label={`${b.name} — global budget per ${b.period}`} used={b.used} limit={b.limit} note={`until ${new Date(b.end * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`} />
      ))}
      {limits.budgets.length === 0 ? <p class="muted">No enabled policy has a global budget.</p> : null}
      {limits.failOpen.length === 0 ? null : (
        <>
          <h2>Approval webhooks failing open</h2>
          <p class="muted">Transactions sponsored this hour with no approval because the policy's webhook could not be reached (<code>failOpen</code>); past the allowance the policy refuses until the hour turns.</p>
          <div data-testid="fail-open">
            {limits.failOpen.map((f) => (
              <Gauge key={f.policy} count label={`${f.name} — passed without its webhook`} used={f.used} limit={f.limit} note={`until ${new Date(f.end * 1000).toISOString().slice(11, 16)} UTC`} />
            ))}
          </div>
        </>
      )}
    </>
  );
}
