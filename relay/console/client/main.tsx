/**
 * The console's shell: sign-in, the navigation, and a hash router (the relay
 * serves one page at /console; every screen is a fragment of it, so a
 * reload keeps the screen and no server route is needed per screen).
 */
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { AuditScreen } from './audit.tsx';
import { DryRunScreen } from './dryRun.tsx';
import { KeysScreen } from './keys.tsx';
import { AccountsScreen } from './accounts.tsx';
import { OperatorScreen } from './operator.tsx';
import { OverviewScreen } from './overview.tsx';
import { PolicyScreen } from './policy.tsx';
import { PoliciesScreen } from './policies.tsx';
import { session, signOut } from './session.ts';
import { SignIn } from './signIn.tsx';
import { useSignal } from './signal.ts';
import { UsageScreen } from './usage.tsx';

const TENANT_NAV = [
  ['overview', 'Overview'],
  ['policies', 'Policies'],
  ['dry-run', 'Dry run'],
  ['usage', 'Usage'],
  ['keys', 'Keys'],
  ['audit', 'Audit log'],
] as const;
const OPERATOR_NAV = [
  ['relayers', 'Relayers'],
  ['accounts', 'Accounts'],
] as const;

function useRoute(): string[] {
  const parse = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const on = () => setRoute(parse());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

function Screen({ route, operator }: { route: string[]; operator: boolean }) {
  if (operator) return route[0] === 'accounts' ? <AccountsScreen /> : <OperatorScreen />;
  const [first = 'overview', second] = route;
  switch (first) {
    case 'policies':
      return second ? <PolicyScreen id={second === 'new' ? undefined : second} tab={route[2]} /> : <PoliciesScreen />;
    case 'dry-run':
      return <DryRunScreen />;
    case 'usage':
      return <UsageScreen />;
    case 'keys':
      return <KeysScreen />;
    case 'audit':
      return <AuditScreen />;
    default:
      return <OverviewScreen />;
  }
}

function App() {
  const s = useSignal(session);
  const route = useRoute();
  if (!s) return <SignIn />;
  const operator = s.kind === 'operator';
  const current = route[0] ?? 'overview';
  return (
    <div class="shell">
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>Skip to content</a>
      <header class="top">
        <span class="brand">CIRO Relay <span class="muted">console</span></span>
        <span class="who" data-testid="who">
          {operator ? 'Operator' : s.name} <span class="muted">· key {s.keyId}</span>
        </span>
        <button type="button" class="secondary" onClick={() => signOut()}>Sign out</button>
      </header>
      <nav aria-label="Console">
        <ul>
          {(operator ? OPERATOR_NAV : TENANT_NAV).map(([id, label]) => (
            <li key={id}>
              <a href={`#/${id}`} aria-current={current === id || (operator && id === 'relayers' && current !== 'accounts') ? 'page' : undefined}>{label}</a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <Screen route={route} operator={operator} />
      </main>
    </div>
  );
}

const root = document.getElementById('app')!;
// The boot message is static HTML; Preact renders next to what is there, so it goes first.
root.textContent = '';
render(<App />, root);
