/** The JSON diff the audit log and policy versions record. */
import { describe, expect, it } from 'vitest';
import { jsonDiff } from '../../../relay/tenants/diff.ts';

describe('jsonDiff', () => {
  it('reports adds, removes and replacements with JSON Pointer paths', () => {
    const a = { name: 'x', rules: { allow: [{ c: 'a' }, { c: 'b' }], 'a/b': 1 }, gone: true };
    const b = { name: 'y', rules: { allow: [{ c: 'a' }], 'a/b': 2, feeModes: ['sponsored'] } };
    expect(jsonDiff(a, b)).toEqual([
      { op: 'remove', path: '/gone', from: true },
      { op: 'replace', path: '/name', from: 'x', value: 'y' },
      { op: 'replace', path: '/rules/a~1b', from: 1, value: 2 },
      { op: 'remove', path: '/rules/allow/1', from: { c: 'b' } },
      { op: 'add', path: '/rules/feeModes', value: ['sponsored'] },
    ]);
  });

  it('is empty for equal documents and whole-document for create and delete', () => {
    expect(jsonDiff({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toEqual([]);
    expect(jsonDiff(null, { a: 1 })).toEqual([{ op: 'add', path: '', value: { a: 1 } }]);
    expect(jsonDiff({ a: 1 }, null)).toEqual([{ op: 'remove', path: '', from: { a: 1 } }]);
    expect(jsonDiff({ a: { b: 1 } }, { a: [1] })).toEqual([{ op: 'replace', path: '/a', from: { b: 1 }, value: [1] }]);
  });
});
