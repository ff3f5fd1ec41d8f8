// The form designer's formula editor: the shared one (formula_editor.js) with the designer's
// texts, function help and field names.
import { S } from "/static/js/designer.js";
import { formulaEditor as shared, marked } from "/static/js/formula_editor.js";

export { marked };

export function labelOf(f) { return f.label?.[S.boot.locale] || f.label?.en || f.label?.["zh-CN"] || f.key; }

export function formulaEditor(options) {
  return shared({ T: S.T, functions: S.boot.functions, labelOf, ...options });
}
