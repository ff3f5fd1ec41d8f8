// The formula editor, wherever formula text is written (the form designer's formula fields and
// conditions, the rule designer's mappings): a text area, field insertion by name, function help
// (insert a function, see how it is written and what it does) and the server's error marked
// where it is. The server parses and checks; this only edits text. The page gives its texts
// (T: insert_field, functions), its function help and how a field is named (labelOf).
import { h } from "/static/js/designer_util.js";

// The text with the part the server complained about marked, under the editor.
export function marked(text, span) {
  if (!span) return null;
  const [start, end] = span;
  return h("pre", { class: "dz-formula-mark", "aria-hidden": "true" },
    text.slice(0, start), h("mark", {}, text.slice(start, end) || " "), text.slice(end));
}

function insertAt(area, text, back = 0) {
  const at = area.selectionStart ?? area.value.length;
  area.value = area.value.slice(0, at) + text + area.value.slice(area.selectionEnd ?? at);
  area.focus();
  const caret = at + text.length - back;
  area.setSelectionRange(caret, caret);
  area.dispatchEvent(new Event("input"));
}

// {area, nodes}: `nodes` are the text area (in `box`), the marked text, and the insert tools.
// text: the formula; span: [start, end] of a problem; fields: what may be inserted;
// onInput(text); prop: the data-prop of the text area; box(label, input, errors, extra).
export function formulaEditor({ text, span, fields, onInput, prop, label, hint, errors, box, T, functions: all,
  labelOf }) {
  const area = h("textarea", {
    rows: 3, spellcheck: "false", autocapitalize: "off", class: "dz-formula", dataset: { prop },
    oninput: (e) => onInput(e.target.value),
  }, text);
  const insertField = h("select", {
    class: "dz-insert", "aria-label": T.insert_field, dataset: { prop: "insert" },
    onchange: (e) => {
      const chosen = fields.find((x) => x.id === e.target.value);
      e.target.value = "";
      if (chosen) insertAt(area, `{${labelOf(chosen)}}`);
    },
  }, h("option", { value: "" }, T.insert_field), fields.map((x) => h("option", { value: x.id }, labelOf(x))));
  const help = h("p", { class: "dz-function-help muted", role: "status" });
  const functions = all || [];
  const insertFunction = h("select", {
    class: "dz-insert", "aria-label": T.functions, dataset: { prop: "function" },
    onchange: (e) => {
      const chosen = functions.find((x) => x.name === e.target.value);
      e.target.value = "";
      if (!chosen) return;
      help.replaceChildren(h("code", {}, chosen.syntax), " ", chosen.help);
      // The caret goes between the parentheses, except where nothing goes there.
      insertAt(area, `${chosen.name}()`, ["TODAY", "NOW"].includes(chosen.name) ? 0 : 1);
    },
  }, h("option", { value: "" }, T.functions),
  functions.map((x) => h("option", { value: x.name, title: x.help }, x.syntax)));
  return {
    area,
    nodes: [box(label, area, errors, hint ? h("small", { class: "muted" }, hint) : null), marked(text, span),
      h("div", { class: "dz-insert-tools" }, insertField, insertFunction), help],
  };
}
