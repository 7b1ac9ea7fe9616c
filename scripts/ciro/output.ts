/**
 * What the user sees. Results go to stdout: a few readable lines, or with
 * --json exactly one JSON object per line per result (bigints as decimal
 * strings), so `ciro … --json | jq` never meets anything else. Progress goes
 * to stderr: an ora spinner on a terminal, plain lines when stderr is a file
 * or a pipe (logs keep every step), nothing at all with --json.
 */
import ora, { type Ora } from 'ora';

export interface Progress {
  /** The operation moved on (building, signed, submitted, …). */
  step(text: string): void;
  /** It finished; the line stays. */
  done(text: string): void;
  /** It failed; the spinner is cleared and the caller reports the error. */
  fail(): void;
}

const silent: Progress = { step() {}, done() {}, fail() {} };

/** JSON.stringify that writes bigints as decimal strings. */
export const toJson = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));

export class Output {
  readonly json: boolean;
  private readonly tty: boolean;

  constructor(json: boolean, private readonly out: NodeJS.WriteStream = process.stdout, private readonly err: NodeJS.WriteStream = process.stderr) {
    this.json = json;
    // A terminal that reports no width (a bare pty) would send ora's line-clearing into a loop: plain lines there.
    this.tty = Boolean(err.isTTY) && (err.columns ?? 0) > 0 && !process.env.CI;
  }

  /** One result: `data` as a JSON line with --json, else `human` lines on stdout. */
  result(data: Record<string, unknown>, human: string | string[]): void {
    if (this.json) this.out.write(toJson({ ok: true, ...data }) + '\n');
    else this.out.write((Array.isArray(human) ? human : [human]).join('\n') + '\n');
  }

  /** A remark for humans on stderr (skipped with --json). */
  note(text: string): void {
    if (!this.json) this.err.write(text + '\n');
  }

  progress(first: string): Progress {
    if (this.json) return silent;
    if (!this.tty) {
      this.err.write(`… ${first}\n`);
      return {
        step: (t) => void this.err.write(`… ${t}\n`),
        done: (t) => void this.err.write(`✔ ${t}\n`),
        fail: () => {},
      };
    }
    const spinner: Ora = ora({ text: first, stream: this.err }).start();
    return {
      step: (t) => void (spinner.text = t),
      done: (t) => void spinner.succeed(t),
      fail: () => void spinner.stop(),
    };
  }
}

/** 18-decimal token amounts for humans: 1500000000000000000n → "1.5". */
export function formatUnits(v: bigint, decimals = 18): string {
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const base = 10n ** BigInt(decimals);
  const frac = (abs % base).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${abs / base}${frac ? `.${frac}` : ''}`;
}

/** "1.5" (CIRO) → 1500000000000000000n; refuses more decimals than the token has. */
export function parseUnits(text: string, decimals = 18): bigint {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not an amount (digits, optionally with a decimal point)`);
  const frac = m[2] ?? '';
  if (frac.length > decimals) throw new Error(`'${text}' has more than ${decimals} decimals`);
  return BigInt(m[1]!) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, '0') || '0');
}
