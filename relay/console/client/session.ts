/**
 * Who is signed in. The key lives in sessionStorage only: it survives a
 * reload of this tab and nothing else (no cookie, no localStorage), and
 * signing out removes it. Operator keys sign in too, to see relayers.
 */
import { signal } from './signal.ts';

const STORE_KEY = 'ciro.console.session';

export interface Session {
  key: string;
  kind: 'admin' | 'operator';
  /** Tenant id and name for admin keys; the operator key's id otherwise. */
  tenant: string;
  name: string;
  keyId: string;
}

function read(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(STORE_KEY);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

export const session = signal<Session | undefined>(read());
/** Why the last session ended, shown on the sign-in form. */
export const signOutReason = signal<string | undefined>(undefined);

export function signIn(s: Session): void {
  sessionStorage.setItem(STORE_KEY, JSON.stringify(s));
  signOutReason.set(undefined);
  session.set(s);
}

export function signOut(reason?: string): void {
  sessionStorage.removeItem(STORE_KEY);
  signOutReason.set(reason);
  session.set(undefined);
  location.hash = '';
}

export const currentKey = (): string | undefined => session.get()?.key;
