/**
 * The Cairo-level unit tests (contracts/src/tests/) run by cairo-test 2.16.0,
 * reported as one vitest case per Cairo test so a failure names the test.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, toolchainDir, versions } from '../../scripts/local/toolchain.ts';

const bin = join(toolchainDir, `cairo-${versions.CAIRO_VERSION}`, 'bin', 'cairo-test');

function runCairoTests(): { output: string; ok: boolean } {
  try {
    return { output: execFileSync(bin, ['--starknet', join(repoRoot, 'contracts')], { encoding: 'utf8', maxBuffer: 64 << 20 }), ok: true };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { output: `${err.stdout ?? ''}\n${err.stderr ?? ''}`, ok: false };
  }
}

const run = runCairoTests();
const results = [...run.output.matchAll(/^test (\S+) \.\.\. (ok|fail|FAIL|ignored)/gm)].map((m) => ({ name: m[1]!, status: m[2]!.toLowerCase() }));

describe('Cairo unit tests (cairo-test --starknet)', () => {
  it('ran and reported a summary', () => {
    expect(run.output).toMatch(/test result: (ok|FAILED)\. \d+ passed; \d+ failed/);
    expect(results.length).toBeGreaterThan(0);
  });
  for (const r of results) {
    it(r.name, () => {
      expect(r.status, run.output.slice(-4000)).toBe('ok');
    });
  }
});
