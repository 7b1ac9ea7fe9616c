/**
 * The CLI's configuration, with no chain: which value wins (flag, then
 * environment, then the profile file, then the default), where the profile
 * file lives (XDG_CONFIG_HOME, else ~/.config), named profiles, `config set`
 * writing 0600 and masking the API key, usage errors for missing settings,
 * and the package bin itself (`npx ciro --help` from the repository).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/local/toolchain.ts';
import { shown, startCiro } from './harness.ts';

let home: string;
let base: Record<string, string>;
const ciro = (args: string[], env: Record<string, string | undefined> = {}) => startCiro(args, { ...base, ...env }, home).done;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'ciro-cli-config-'));
  base = { HOME: home, PATH: `${join(repoRoot, 'node_modules', '.bin')}:/usr/bin:/bin` };
  mkdirSync(join(home, '.config', 'ciro'), { recursive: true });
  writeFileSync(
    join(home, '.config', 'ciro', 'config.toml'),
    ['[profiles.default]', 'relay_url = "http://profile.default"', 'key_file = "~/keys/w.json"', '', '[profiles.other]', 'relay_url = "http://profile.other"', ''].join('\n'),
  );
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function show(args: string[] = [], env: Record<string, string | undefined> = {}) {
  const r = await ciro(['--json', ...args, 'config', 'show'], env);
  expect(r.code, shown(r)).toBe(0);
  return r.json[0]!;
}

describe('precedence', () => {
  it('flag over environment over profile over default', async () => {
    const env = { CIRO_RELAY_URL: 'http://env' };
    expect((await show(['--relay-url', 'http://flag'], env)).settings.relay_url).toEqual({ value: 'http://flag', source: 'flag', from: '--relay-url' });
    expect((await show([], env)).settings.relay_url).toEqual({ value: 'http://env', source: 'env', from: 'CIRO_RELAY_URL' });
    expect((await show()).settings.relay_url).toMatchObject({ value: 'http://profile.default', source: 'profile' });
    expect((await show()).settings.rpc_url).toEqual({ source: 'unset' });
  });

  it('the key: --key-file over CIRO_PRIVATE_KEY over CIRO_KEY_FILE over the profile over the default', async () => {
    const key = { CIRO_PRIVATE_KEY: '0x1234', CIRO_ACCOUNT_ADDRESS: '0x99' };
    expect((await show(['--key-file', '/k/flag.json'], { ...key, CIRO_KEY_FILE: '/k/env.json' })).key).toEqual({ source: 'flag', file: '/k/flag.json' });
    expect((await show([], { ...key, CIRO_KEY_FILE: '/k/env.json' })).key).toEqual({ source: 'env', from: 'CIRO_PRIVATE_KEY', address: '0x99' });
    expect((await show([], { CIRO_KEY_FILE: '/k/env.json' })).key).toEqual({ source: 'env', file: '/k/env.json' });
    expect((await show()).key).toEqual({ source: 'profile', file: join(home, 'keys', 'w.json') });
    expect((await show(['--profile', 'other'])).key).toEqual({ source: 'default', file: join(home, '.config', 'ciro', 'keys', 'other.json') });
  });

  it('--profile, then CIRO_PROFILE, picks the profile; a named profile must exist', async () => {
    expect((await show(['--profile', 'other'])).settings.relay_url.value).toBe('http://profile.other');
    expect((await show([], { CIRO_PROFILE: 'other' })).settings.relay_url.value).toBe('http://profile.other');
    const missing = await ciro(['--json', '--profile', 'nope', 'config', 'show']);
    expect(missing.code, shown(missing)).toBe(2);
    expect(missing.json[0]).toMatchObject({ ok: false, exit: 2, kind: 'usage' });
    expect(missing.stderr).toContain("no profile 'nope'");
  });
});

describe('the profile file', () => {
  it('lives under XDG_CONFIG_HOME when set, else ~/.config', async () => {
    const xdg = join(home, 'xdg');
    expect((await ciro(['config', 'path'])).stdout.trim()).toBe(join(home, '.config', 'ciro', 'config.toml'));
    expect((await ciro(['config', 'path'], { XDG_CONFIG_HOME: xdg })).stdout.trim()).toBe(join(xdg, 'ciro', 'config.toml'));
    // Nothing configured there: the profile file under ~/.config is not read.
    expect((await show([], { XDG_CONFIG_HOME: xdg })).settings.relay_url).toEqual({ source: 'unset' });
  });

  it('config set writes the profile with mode 0600 and never prints the API key secret', async () => {
    const xdg = join(home, 'xdg-set');
    const secret = 'demo.s3cr3t5ecr3tv4lue';
    const set = await ciro(['--profile', 'w2', 'config', 'set', 'api_key', secret], { XDG_CONFIG_HOME: xdg });
    expect(set.code, shown(set)).toBe(0);
    expect(statSync(join(xdg, 'ciro', 'config.toml')).mode & 0o777).toBe(0o600);
    const r = await show(['--profile', 'w2'], { XDG_CONFIG_HOME: xdg });
    expect(r.settings.api_key).toMatchObject({ value: 'demo.…', source: 'profile' });
    const human = await ciro(['--profile', 'w2', 'config', 'show'], { XDG_CONFIG_HOME: xdg });
    expect(set.stdout + set.stderr + JSON.stringify(r) + human.stdout + human.stderr).not.toContain('s3cr3t');
    const bad = await ciro(['config', 'set', 'relay', 'x'], { XDG_CONFIG_HOME: xdg });
    expect(bad.code, shown(bad)).toBe(2);
  });
});

describe('usage errors need no network', () => {
  it('a missing setting names the flag, the variable and the profile key (exit 2)', async () => {
    const r = await ciro(['--json', 'relay', 'status'], { XDG_CONFIG_HOME: join(home, 'empty') });
    expect(r.code, shown(r)).toBe(2);
    expect(r.json).toHaveLength(1);
    expect(r.json[0]).toMatchObject({ ok: false, exit: 2, reason: 'usage' });
    expect(r.json[0]!.hint).toContain('--relay-url, CIRO_RELAY_URL, or relay_url in [profiles.default]');
  });

  it('commander errors (unknown command, missing argument, unknown option) exit 2', async () => {
    for (const args of [['bogus'], ['worker', 'stake'], ['job', 'status', '1', '--nope'], ['worker']]) {
      const r = await ciro(args);
      expect(r.code, `${args.join(' ')}: ${shown(r)}`).toBe(2);
    }
    const bad = await ciro(['--json', 'worker', 'stake', '1.2.3'], { CIRO_RELAY_URL: 'http://127.0.0.1:9' });
    expect(bad.code, shown(bad)).toBe(2);
    expect(bad.json[0]!.error).toContain('bad amount');
  });
});

describe('the bin', () => {
  it('`npx ciro --help` from the repository lists the command groups and the exit codes', async () => {
    const { stdout } = await promisify(execFile)('npx', ['--no-install', 'ciro', '--help'], { cwd: repoRoot, env: { ...base, npm_config_update_notifier: 'false' } });
    for (const group of ['account', 'worker', 'job', 'model', 'relay', 'config']) expect(stdout).toContain(group);
    expect(stdout).toContain('Exit codes: 0 ok, 1 failed');
    const version = await ciro(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
