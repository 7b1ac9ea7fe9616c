/** Numbers as a person reads them: fees in STRK (from fri), UTC days, and CSV. */

const FRI = 10n ** 18n;

/** fri (decimal string or bigint) → "0.000123 STRK" with up to 6 decimals, exact (no float). */
export function strk(fri: string | bigint): string {
  const v = BigInt(fri);
  const whole = v / FRI;
  const frac = (v % FRI).toString().padStart(18, '0').slice(0, 6).replace(/0+$/, '');
  if (v > 0n && whole === 0n && frac === '') return '<0.000001 STRK';
  return `${whole.toLocaleString('en-US')}${frac ? '.' + frac : ''} STRK`;
}

/** fri → a float STRK for charts only (precision beyond 1e-9 STRK does not show in a chart). */
export const strkFloat = (fri: string | bigint): number => Number(BigInt(fri) / 10n ** 9n) / 1e9;

export const today = (): string => new Date().toISOString().slice(0, 10);

export const dayOf = (d: Date): string => d.toISOString().slice(0, 10);

/** Monday (UTC) of the current ISO week and the first of the month, as YYYY-MM-DD. */
export function periods(now = new Date()): { today: string; week: string; month: string } {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const monday = new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * 86_400_000);
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return { today: dayOf(day), week: dayOf(monday), month: dayOf(first) };
}

export const shortHex = (h: string): string => (h.length > 14 ? `${h.slice(0, 8)}…${h.slice(-4)}` : h);

export const when = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

/** RFC 4180: quote every field that needs it. */
export function csv(rows: (string | number)[][]): string {
  const cell = (v: string | number) => (/[",\n\r]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
