/** Signed in with an operator key: relayer availability (balance against the floor). Tenants' data needs their admin keys. */
import { get } from './api.ts';
import { strk, strkFloat } from './format.ts';
import type { Relayers } from './types.ts';
import { ErrorNote, Loading, Page, useLoad } from './ui.tsx';

export function OperatorScreen() {
  const r = useLoad(() => get<Relayers>('/relayers'), []);
  const d = r.data;
  return (
    <Page title="Relayers" actions={<button type="button" class="secondary" onClick={r.reload}>Refresh</button>}>
      <ErrorNote error={r.error} />
      {r.loading && !d ? <Loading what="relayers" /> : null}
      {d ? (
        <>
          <p>{d.relayers.filter((x) => x.inRotation).length} of {d.relayers.length} relayers in rotation; the floor is {strk(d.minBalance)}.</p>
          <table data-testid="relayers">
            <thead><tr><th scope="col">Relayer</th><th scope="col" class="num">STRK balance</th><th scope="col">Against the floor</th><th scope="col">State</th></tr></thead>
            <tbody>
              {d.relayers.map((x) => (
                <tr key={x.address}>
                  <td><code>{x.address}</code></td>
                  <td class="num">{x.balance === null ? 'unknown (node did not answer)' : strk(x.balance)}</td>
                  <td>{x.balance === null ? '' : <meter min={0} max={strkFloat(d.minBalance) * 10 || 1} low={strkFloat(d.minBalance)} optimum={strkFloat(d.minBalance) * 10} value={strkFloat(x.balance)} aria-label={`Balance of ${x.address}`} />}</td>
                  <td class={x.inRotation ? 'ok' : 'bad'}>{x.inRotation ? 'in rotation' : 'out of rotation'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </Page>
  );
}
