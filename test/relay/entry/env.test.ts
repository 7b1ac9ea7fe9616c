/** Webhook and cosigner secrets from the environment: CIRO_SECRET_<tenant>__<ref>. */
import { describe, expect, it } from 'vitest';
import { secretsFromEnv } from '../../../relay/entry/env.ts';

describe('secretsFromEnv', () => {
  it('splits tenant from ref at the double underscore before the ref, whatever underscores the tenant id has', () => {
    expect(secretsFromEnv({
      CIRO_SECRET_acme__HOOK: 'a',
      CIRO_SECRET_acme___HOOK: 'b', // tenant `acme_`
      CIRO_SECRET_big_co__SESSION_COSIGNER: 'c',
      CIRO_SECRET_acme__MY__KEY: 'd', // a ref may hold `__`; a tenant id never does
      CIRO_SECRET_acme__: 'ignored',
      CIRO_SECRET_acme__HOOK2: '',
      OTHER: 'x',
    })).toEqual({ 'acme/HOOK': 'a', 'acme_/HOOK': 'b', 'big_co/SESSION_COSIGNER': 'c', 'acme/MY__KEY': 'd' });
  });
});
