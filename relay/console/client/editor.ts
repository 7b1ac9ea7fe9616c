/**
 * The policy editor: CodeMirror 6 with JSON, linted by the policy JSON
 * Schema (ajv-compiled at build time, errors placed where jsonc-parser finds
 * their path), completions of property names and literal values from the
 * same schema, and the path under the cursor reported for the hint panel.
 * Tab is left to keyboard navigation (CodeMirror's default); Ctrl-Space completes.
 */
import { autocompletion, closeBrackets, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { json } from '@codemirror/lang-json';
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers } from '@codemirror/view';
import { findNodeAtLocation, getLocation, parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
import validate from 'virtual:policy-validator';
import { describeType, propertiesOf, schemaAt, valuesOf, type Segment } from './schemaHints.ts';

/** JSON Pointer segments of an ajv instancePath (`/rules/allow/0` → ['rules','allow',0]). */
const pointer = (p: string): Segment[] =>
  p === '' ? [] : p.slice(1).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~')).map((s) => (/^\d+$/.test(s) ? Number(s) : s));

export function schemaDiagnostics(text: string): Diagnostic[] {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (errors.length > 0) {
    return errors.map((e) => ({ from: e.offset, to: e.offset + Math.max(1, e.length), severity: 'error', message: `JSON: ${printParseErrorCode(e.error)}` }));
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return [{ from: 0, to: Math.min(1, text.length), severity: 'error', message: String(e) }];
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => {
    const node = tree && findNodeAtLocation(tree, pointer(e.instancePath));
    // An unknown key is worth pointing at itself, not at its whole parent object.
    const extra = e.keyword === 'additionalProperties' ? String(e.params.additionalProperty) : undefined;
    const keyNode = extra && node ? findNodeAtLocation(node, [extra])?.parent?.children?.[0] : undefined;
    const at = keyNode ?? node;
    const where = e.instancePath || '(policy)';
    return {
      from: at?.offset ?? 0,
      to: (at?.offset ?? 0) + Math.max(1, at?.length ?? 1),
      severity: 'error' as const,
      message: `${where}: ${e.message ?? e.keyword}${extra ? ` '${extra}'` : ''}`,
    };
  });
}

function complete(ctx: CompletionContext): CompletionResult | null {
  const text = ctx.state.doc.toString();
  const loc = getLocation(text, ctx.pos);
  const word = ctx.matchBefore(/"?[\w$-]*/);
  if (!word || (word.from === word.to && !ctx.explicit)) return null;
  if (loc.isAtPropertyKey) {
    const node = schemaAt(loc.path.slice(0, -1));
    if (!node) return null;
    return {
      from: word.from,
      options: propertiesOf(node).map(([k, n, req]) => ({ label: `"${k}"`, type: 'property', detail: `${describeType(n)}${req ? ' · required' : ''}`, info: n.description ?? '' })),
    };
  }
  const node = schemaAt(loc.path);
  const values = node ? valuesOf(node) : [];
  return values.length ? { from: word.from, options: values.map((v) => ({ label: v, type: 'constant' })) } : null;
}

export interface PolicyEditor {
  view: EditorView;
  text(): string;
  set(text: string): void;
}

export function createPolicyEditor(parent: HTMLElement, text: string, onChange: (text: string) => void, onPath: (path: Segment[]) => void): PolicyEditor {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(),
        history(),
        bracketMatching(),
        closeBrackets(),
        json(),
        syntaxHighlighting(defaultHighlightStyle),
        lintGutter(),
        linter((v) => schemaDiagnostics(v.state.doc.toString()), { delay: 250 }),
        autocompletion({ override: [complete] }),
        keymap.of([...defaultKeymap, ...historyKeymap]),
        EditorView.contentAttributes.of({ 'aria-label': 'Policy JSON', 'aria-describedby': 'policy-hints' }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange(u.state.doc.toString());
          // jsonc-parser ends the path with '' where a new key would go; the hint is about the object around it.
          if (u.docChanged || u.selectionSet) onPath(getLocation(u.state.doc.toString(), u.state.selection.main.head).path.filter((s) => s !== ''));
        }),
      ],
    }),
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    set: (t) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t } }),
  };
}
