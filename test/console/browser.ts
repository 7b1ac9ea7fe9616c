/**
 * Fixtures for the console's browser tests: a real relay on devnet served on
 * a loopback socket (the console and /v1 exactly as `npm start` serves
 * them), two tenants each with an admin and a sponsor key plus an operator
 * key, and Debian's headless Chromium driven by playwright-core. No browser
 * is downloaded: without /usr/bin/chromium the suite fails and says so.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Account, PaymasterRpc, type RpcProvider } from 'starknet';
import { expect } from 'vitest';
import { listen } from '../../relay/entry/node.ts';
import { newApiKey } from '../../relay/tenants/auth.ts';
import { repoRoot } from '../../scripts/local/toolchain.ts';
import { startRelayStack, type RelayStack } from '../helpers/relay.ts';

export const CHROMIUM = process.env.CIRO_CHROMIUM ?? '/usr/bin/chromium';
/** Where the test writes its screenshots; CIRO_UPDATE_SCREENSHOTS=1 also refreshes the README's copies. */
export const SHOT_DIR = join(repoRoot, '.local', 'console-screenshots');
export const README_SHOTS = join(repoRoot, 'relay', 'console', 'screenshots');

export interface ConsoleStack {
  stack: RelayStack;
  url: string;
  keys: { acmeAdmin: string; acmeSponsor: string; globexAdmin: string; operator: string };
  browser: Browser;
  stop(): Promise<void>;
}

export async function startConsoleStack(): Promise<ConsoleStack> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium; scripts/toolchain.sh does) or set CIRO_CHROMIUM.`);
  }
  const [acmeAdmin, acmeSponsor, globexAdmin, globexSponsor, operator] = await Promise.all(
    ['acme-admin', 'acme-sponsor', 'globex-admin', 'globex-sponsor', 'ops'].map((id) => newApiKey(id)),
  );
  const stack = await startRelayStack({
    config: {
      tenants: [
        {
          id: 'acme',
          name: 'Acme Games',
          apiKeys: [
            { id: 'acme-admin', secretHash: acmeAdmin!.secretHash, scope: 'admin' },
            { id: 'acme-sponsor', secretHash: acmeSponsor!.secretHash, scope: 'sponsor' },
          ],
          // Nothing sponsored until the team writes its own policy in the console.
          policies: [],
        },
        {
          id: 'globex',
          name: 'Globex',
          apiKeys: [
            { id: 'globex-admin', secretHash: globexAdmin!.secretHash, scope: 'admin' },
            { id: 'globex-sponsor', secretHash: globexSponsor!.secretHash, scope: 'sponsor' },
          ],
          policies: ['worker-rewards'],
        },
      ],
      operatorKeys: [{ id: 'ops', secretHash: operator!.secretHash }],
    },
    // The console test's policy signs its webhook calls with this (the webhook is down: failOpen, not the signature, decides).
    secrets: { 'acme/console-hook': 'whsec-console' },
  });
  const { server, url } = await listen(stack.relay, 0);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  mkdirSync(SHOT_DIR, { recursive: true });
  return {
    stack,
    url,
    keys: { acmeAdmin: acmeAdmin!.key, acmeSponsor: acmeSponsor!.key, globexAdmin: globexAdmin!.key, operator: operator!.key },
    browser,
    stop: async () => {
      await browser.close().catch(() => undefined);
      await new Promise((r) => server.close(r));
      await stack.stop();
    },
  };
}

/** A laptop-sized page that fails the test on any console error or failed request the console did not expect. */
export async function openPage(c: ConsoleStack): Promise<{ page: Page; problems: string[] }> {
  const ctx = await c.browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // 4xx answers the console shows to the user (a refused key, a conflict) are expected; script errors are not.
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('dialog', (d) => void d.accept());
  return { page, problems };
}

/** Signs in through the form using the keyboard only: the key field has focus order, a label, and Enter submits. */
export async function signIn(page: Page, url: string, key: string): Promise<void> {
  await page.goto(`${url}/console`);
  await page.getByLabel('Admin key').waitFor();
  await page.keyboard.press('Tab');
  await expect.poll(() => page.evaluate('document.activeElement?.id')).toBe('key');
  await page.keyboard.type(key);
  await page.keyboard.press('Enter');
  await page.getByRole('navigation', { name: 'Console' }).waitFor();
}

/** axe-core's WCAG 2 A/AA rules on the current screen (contrast, labels, names, landmarks). */
export async function a11yViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the console's CSP rightly refuses inline scripts. Strings, as this file has no DOM types.
  if (!(await page.evaluate("'axe' in window"))) await page.evaluate(axe.source);
  const res = await page.evaluate<string[]>(`(async () => {
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
    return r.violations.map((v) => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | '));
  })()`);
  return res;
}

/** Goes to a screen by its navigation link, as a person would, and waits for its heading to take focus. */
export async function go(page: Page, link: string, heading = link): Promise<void> {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: link }).click();
  await expect.poll(() => page.evaluate('document.activeElement?.textContent')).toBe(heading);
}

/** A PNG of the page in SHOT_DIR (and the README's copy with CIRO_UPDATE_SCREENSHOTS=1). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const file = join(SHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
  if (process.env.CIRO_UPDATE_SCREENSHOTS === '1') copyFileSync(file, join(README_SHOTS, `${name}.png`));
}

/** The demo worker's starknet.js Account, its paymaster the relay over HTTP with `key`. */
export function sponsorWallet(c: ConsoleStack, key: string): Account {
  const w = c.stack.chain.demo!.worker;
  return new Account({
    provider: c.stack.chain.provider as RpcProvider,
    address: w.address,
    signer: w.privateKey,
    paymaster: new PaymasterRpc({ nodeUrl: `${c.url}/`, headers: { 'x-paymaster-api-key': key } }),
  });
}
