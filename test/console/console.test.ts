/**
 * The console in a real browser (Debian's Chromium, playwright-core) against
 * a real relay on devnet, served on a loopback socket: one team's flow from
 * sign-in to a revoked key, each screen checked by axe-core (WCAG 2 A/AA),
 * then another tenant's admin key seeing none of it, an operator key seeing
 * relayers. (How fast the first screen appears is a benchmark,
 * bench/console.ts, not a timed test.) Screenshots of the overview and the
 * policy editor are written to .local/console-screenshots/ (and to
 * relay/console/screenshots/ with CIRO_UPDATE_SCREENSHOTS=1).
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { hash } from 'starknet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keys } from '../../relay/store/keys.ts';
import { a11yViolations, go, openPage, screenshot, signIn, sponsorWallet, startConsoleStack, type ConsoleStack } from './browser.ts';

const POLICY = {
  schemaVersion: 1,
  id: 'console-rewards',
  name: 'Worker rewards (console)',
  enabled: true,
  priority: 5,
  rules: {
    feeModes: ['sponsored'],
    allow: [{ contract: 'cdc_pool', selectors: ['claim_rewards', 'heartbeat'] }],
    budgets: { global: { maxFee: '50000000000000000000', period: 'day' }, perOperation: { maxFee: '200000000000000000' } },
    // The team's approval webhook is down (nothing listens on port 9): failOpen passes, counted, and the overview shows it.
    webhook: { url: 'http://127.0.0.1:9/approve', secretRef: 'console-hook', timeoutMs: 500, failOpen: true, failOpenPerHour: 10 },
  },
};

let c: ConsoleStack;
let page: Page;
let problems: string[];
beforeAll(async () => {
  c = await startConsoleStack();
  ({ page, problems } = await openPage(c));
}, 300_000);
afterAll(async () => c?.stop());

const shot = (name: string) => screenshot(page, name);
const noA11yProblems = async () => expect(await a11yViolations(page)).toEqual([]);
const worker = () => c.stack.chain.demo!.worker;
const cdcCall = (entrypoint: string) => [{ contractAddress: c.stack.chain.manifest.contracts.cdc_pool.address, entrypoint, calldata: [] }];

describe('the console, one team in Chromium', () => {
  it('1. signs in with an admin key (keyboard only), kept in sessionStorage only', async () => {
    await signIn(page, c.url, c.keys.acmeAdmin);
    await expect.poll(() => page.getByTestId('who').textContent()).toContain('Acme Games');
    const stored = await page.evaluate<{ session: string; local: number; cookie: string }>('({ session: JSON.stringify(sessionStorage), local: localStorage.length, cookie: document.cookie })');
    expect(stored.session).toContain('acme-admin');
    expect(stored).toMatchObject({ local: 0, cookie: '' });
    await noA11yProblems();
  });

  it('2. creates a policy in the editor: schema errors marked, hints shown, the diff reviewed before saving', async () => {
    await go(page, 'Policies');
    await noA11yProblems();
    await page.getByRole('link', { name: 'New policy' }).click();
    const editor = page.locator('.cm-content');
    await editor.click();
    await page.keyboard.press('Control+A');
    // A typo is an unknown key for the strict schema: marked, and saving is not offered.
    await page.keyboard.insertText(JSON.stringify({ ...POLICY, rules: { ...POLICY.rules, alow: [] } }, null, 2));
    await expect.poll(() => page.getByTestId('validity').textContent()).toMatch(/must NOT have additional properties 'alow'/);
    expect(await page.getByRole('button', { name: 'Review changes' }).isDisabled()).toBe(true);
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(JSON.stringify(POLICY, null, 2));
    await expect.poll(() => page.getByTestId('validity').textContent()).toBe('Valid against the policy schema.');
    await editor.getByText('"budgets"').click();
    await expect.poll(() => page.getByTestId('hints').textContent()).toContain('perOperation');
    await noA11yProblems();
    await shot('policy-editor');
    await page.getByRole('button', { name: 'Review changes' }).click();
    await expect.poll(() => page.getByTestId('diff-summary').textContent()).toMatch(/^\d+ lines added, 0 removed$/);
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.waitForURL(/#\/policies\/console-rewards$/);
    await expect.poll(() => page.getByText('Version 1 (yours).').count()).toBe(1);
  });

  it('3. dry-runs a call the policy refuses and shows the rule and every verdict', async () => {
    await go(page, 'Dry run');
    await page.getByLabel('Sender').fill(worker().address);
    const withdraw = { to: c.stack.chain.manifest.contracts.cdc_pool.address, selector: hash.getSelectorFromName('withdraw'), calldata: [] };
    await page.getByLabel('Calls or signed typed data').fill(JSON.stringify([withdraw]));
    await page.getByLabel('Policy').selectOption('console-rewards');
    await page.getByRole('button', { name: 'Dry run' }).click();
    const decision = page.getByTestId('decision');
    await expect.poll(() => decision.getByRole('heading').textContent()).toBe('Refused by rule allow');
    expect(await page.getByTestId('reason').textContent()).toBe('selector_not_allowed');
    const verdicts = await page.getByTestId('verdicts').locator('tbody tr').allTextContents();
    expect(verdicts.some((v) => v.startsWith('allowrefuseselector_not_allowed'))).toBe(true);
    expect(verdicts.some((v) => v.startsWith('feeModespass'))).toBe(true);
    await noA11yProblems();
  });

  it('4. a sponsored transaction sent with starknet.js over HTTP lands', async () => {
    const { transaction_hash } = await sponsorWallet(c, c.keys.acmeSponsor).executePaymasterTransaction(cdcCall('claim_rewards'), { feeMode: { mode: 'sponsored' } });
    expect((await c.stack.chain.provider.waitForTransaction(transaction_hash)).isSuccess()).toBe(true);
  });

  it('5. counts it in the overview (per policy, gauges, the webhook failing open) and in usage per user per day, exported as CSV', async () => {
    await go(page, 'Overview');
    const row = page.getByTestId('per-policy').getByRole('row', { name: /Worker rewards \(console\)/ });
    await expect.poll(() => row.textContent()).toMatch(/1 txs · [\d.]+ STRK.*1 txs.*1 txs/);
    expect(await page.getByTestId('total-Today').textContent()).toMatch(/^Today1 txs/);
    const budget = page.getByRole('meter', { name: /Worker rewards \(console\) — global budget per day/ });
    expect(Number(await budget.getAttribute('value'))).toBeGreaterThan(0);
    const failOpen = page.getByTestId('fail-open');
    expect(await failOpen.textContent()).toMatch(/^Worker rewards \(console\) — passed without its webhook 1 of 10 txs \(10%\) · until \d\d:00 UTC/);
    expect(await failOpen.getByRole('meter').getAttribute('value')).toBe('1');
    await noA11yProblems();
    await shot('overview');

    await go(page, 'Usage');
    const usage = page.getByTestId('usage').locator('tbody tr');
    await expect.poll(() => usage.allTextContents()).toEqual([expect.stringContaining(BigInt(worker().address).toString(16))]);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const csv = readFileSync((await (await download).path())!, 'utf8');
    expect(csv).toMatch(new RegExp(`^day,sender,txs,fee_fri\\r\\n\\d{4}-\\d\\d-\\d\\d,0x0*${BigInt(worker().address).toString(16)},1,\\d+\\r\\n$`));
    await noA11yProblems();
  });

  it('6. disables the policy, then rolls it back to version 1 from its history', async () => {
    await go(page, 'Policies');
    await page.getByRole('button', { name: 'Disable Worker rewards (console)' }).click();
    await expect.poll(() => page.getByRole('status').allTextContents()).toContain('Worker rewards (console) disabled (version 2).');
    await page.getByRole('link', { name: 'Worker rewards (console)' }).click();
    await page.getByRole('link', { name: 'History' }).click();
    await page.getByRole('button', { name: 'Roll back to version 1' }).click();
    await expect.poll(() => page.getByRole('status').allTextContents()).toContain('Rolled back: version 3 restores version 1.');
    await expect.poll(() => page.getByTestId('versions').locator('tbody tr').first().textContent()).toMatch(/^3 \(current\)update \(restores v1\)/);
    await noA11yProblems();
    await go(page, 'Audit log');
    const rows = page.getByTestId('audit').locator('tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(3);
    const audit = await rows.allTextContents();
    expect(audit.slice(0, 3).map((r) => r.match(/policy\.(create|update|delete)/)?.[0])).toEqual(['policy.update', 'policy.update', 'policy.create']);
    expect(audit[0]).toContain('rollbackOf: 1');
    expect(audit[0]).toContain('acme-admin');
    await noA11yProblems();
  });

  it('7. creates a sponsor key (secret shown once), revokes it, and the relay refuses it', async () => {
    await go(page, 'Keys');
    await page.getByLabel('Label').fill('game client');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('new-key-secret').textContent())!;
    expect(secret).toMatch(/^[\w-]+\.[\w-]+$/);
    await page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.content()).not.toContain(secret);
    // What the relay answers this key for a heartbeat build: a typed data, or why not.
    const build = () =>
      sponsorWallet(c, secret)
        .paymaster.buildTransaction({ type: 'invoke', invoke: { userAddress: worker().address, calls: cdcCall('heartbeat') } }, { version: '0x1', feeMode: { mode: 'sponsored' } })
        .then((b) => b.type, (e: Error) => e.message);
    expect(await build()).toBe('invoke');
    await page.getByRole('button', { name: `Revoke key ${secret.split('.')[0]}` }).click();
    await expect.poll(() => page.getByRole('status').allTextContents()).toContain(`Key ${secret.split('.')[0]} revoked.`);
    expect(await build()).toMatch(/-32001: .*invalid_api_key/);
    await noA11yProblems();
  });

  it('signs out and forgets the key', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin key').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    expect(problems).toEqual([]);
  });
});

describe('the console for others', () => {
  it("another tenant's admin key sees none of it, in the browser or the API", async () => {
    const other = await openPage(c);
    const p = other.page;
    await signIn(p, c.url, c.keys.globexAdmin);
    await expect.poll(() => p.getByTestId('who').textContent()).toContain('Globex');
    await expect.poll(() => p.getByTestId('total-Today').textContent()).toMatch(/^Today0 txs/);
    expect(await p.getByTestId('per-policy').textContent()).not.toContain('console');
    await go(p, 'Policies');
    await expect.poll(() => p.getByTestId('policies').locator('tbody tr').allTextContents()).toEqual([expect.stringContaining('worker-rewards')]);
    await go(p, 'Usage');
    await expect.poll(() => p.getByTestId('usage').locator('tbody tr').count()).toBe(0);
    await go(p, 'Keys');
    await expect.poll(() => p.getByTestId('keys').textContent()).not.toContain('acme');
    await go(p, 'Audit log');
    await expect.poll(() => p.getByTestId('audit').locator('tbody tr').count()).toBe(0);
    // Another tenant's policy answers exactly like an unknown one, history and rollback included.
    for (const [method, path] of [['GET', '/v1/policies/console-rewards'], ['GET', '/v1/policies/console-rewards/versions'], ['POST', '/v1/policies/console-rewards/rollback']]) {
      const res = await fetch(`${c.url}${path}`, { method, headers: { 'x-paymaster-api-key': c.keys.globexAdmin, 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{"version":1}' } : {}) });
      expect(res.status, path).toBe(404);
    }
    expect(other.problems).toEqual([]);
  });

  it('an operator key sees the relayers and their balances', async () => {
    const op = await openPage(c);
    await signIn(op.page, c.url, c.keys.operator);
    const rows = op.page.getByTestId('relayers').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(c.stack.chain.relayers.length);
    expect(await rows.first().textContent()).toMatch(/[\d,]+(\.\d+)? STRK.*in rotation/);
    expect(await a11yViolations(op.page)).toEqual([]);
  });

  it("an operator key looks up an account's marks and gives back a hold nothing stands behind", async () => {
    const account = '0x5ea1ed';
    // What a give-back lost in a store outage leaves: the account's payment mark, and no transaction.
    await c.stack.relay.deps.store.reserve([{ key: Keys.paymentHold(account), amount: 1n, limit: 1n, ttlMs: 3_600_000 }]);
    const op = await openPage(c);
    await signIn(op.page, c.url, c.keys.operator);
    await go(op.page, 'Accounts');
    await op.page.getByLabel('Account address').fill(account);
    await op.page.getByRole('button', { name: 'Look up' }).click();
    const state = op.page.getByTestId('account');
    await expect.poll(() => state.textContent()).toMatch(/Payment in flightyes/);
    expect(await op.page.getByTestId('in-flight').textContent()).toContain('None');
    expect(await a11yViolations(op.page)).toEqual([]);
    await op.page.getByRole('button', { name: 'Give back holds' }).click();
    await expect.poll(() => op.page.getByRole('status').textContent()).toBe('Holds given back.');
    expect(await state.textContent()).toMatch(/Payment in flightno/);
    expect(await c.stack.relay.deps.store.amount(Keys.paymentHold(account))).toBe(0n);
    expect(op.problems).toEqual([]);
  });
});
