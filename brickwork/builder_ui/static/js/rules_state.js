// The rule designer's state and small shared pieces: the rule body as JSON, the formula text
// the editors hold (the server turns it into the AST on save), and the errors of the last
// save or publish, by JSON path, so each part shows the ones that name it.
import { formulaEditor } from "/static/js/formula_editor.js";
import { h, pick } from "/static/js/designer_util.js";

const boot = JSON.parse(document.getElementById("rule-state").textContent);
const body = structuredClone(boot.body);
body.trigger ||= { type: "record.updated" };
body.actions = Array.isArray(body.actions) ? body.actions.filter((a) => a && typeof a === "object") : [];

// Formula text per action object (its `text`, or `langs`: one per language, and its `values`
// by field key): kept beside
// the body, so reordering actions carries their texts with them.
const texts = new Map();
// A value "the manager of the person in field X" is a choice, not a formula: `managers` by field key.
body.actions.forEach((action, i) => {
  const own = { values: {}, managers: {} };
  const prefix = `actions[${i}].`;
  for (const [path, text] of Object.entries(boot.texts || {})) {
    if (path === `${prefix}text`) own.text = text;
    else if (path.startsWith(`${prefix}text.`)) (own.langs ||= {})[path.slice(`${prefix}text.`.length)] = text;
    else if (path.startsWith(`${prefix}values.`)) own.values[path.slice(`${prefix}values.`.length)] = text;
  }
  for (const [key, value] of Object.entries(action.values || {})) {
    if (value && typeof value === "object" && typeof value.manager_of === "string") {
      own.values[key] = ""; own.managers[key] = value.manager_of;
    } else if (value && typeof value === "object" && (typeof value.event === "string"
      || typeof value.before === "string")) {
      // {"event": …} / {"before": …} (docs/rules.md): no formula; kept as written unless replaced
      own.values[key] = ""; own.kept = { ...own.kept, [key]: value };
    }
  }
  texts.set(action, own);
});

export const R = {
  boot, T: boot.strings, body, texts, revision: boot.revision, hasDraft: boot.has_draft, live: boot.live,
  conditionText: boot.texts?.condition ?? "", errors: {}, shown: new Set(), render: () => {},
  // Build (the filter builder) or write (formula text): text when the builder cannot show it.
  conditionMode: "build",
};

export function textsOf(action) {
  if (!texts.has(action)) texts.set(action, { values: {}, managers: {} });
  return texts.get(action);
}

export const formOf = (key) => boot.forms.find((f) => f.key === key) || null;
export const triggerForm = () => formOf(body.trigger.form);
export const labelOf = (f) => (typeof f.label === "string" ? f.label : pick(f.label, boot.locale)) || f.key;

// The messages of the last save or publish at `path` or under it ("trigger", "actions[2]").
// Each path shown is noted (R.shown), so a part can add what none of its inputs showed.
export function errorsAt(path, exact = false) {
  return Object.entries(R.errors).filter(([p]) => !(exact ? false : R.shown.has(p)) && (p === path
    || (!exact && (p.startsWith(`${path}.`) || p.startsWith(`${path}[`)))))
    .flatMap(([p, messages]) => { R.shown.add(p); return messages; })
    .map((m) => h("span", { class: "field-error", dataset: { testid: "error" } }, m));
}

export function box(label, input, errors = [], extra = null) {
  return h("label", { class: "dz-prop" }, h("span", {}, label), input, extra, ...errors);
}

export function select(options, value, onchange, attrs = {}) {
  const el = h("select", { ...attrs, onchange: (e) => onchange(e.target.value) },
    options.map(([v, text]) => h("option", { value: v }, text)));
  el.value = value ?? "";
  return el;
}

// The shared formula editor over the trigger's form.
export function formula({ text, label, path, onInput, hint }) {
  const fields = triggerForm()?.fields || [];
  return formulaEditor({
    text, label, prop: path, hint, box, errors: errorsAt(path, true), fields, onInput, T: R.T,
    functions: boot.functions, labelOf, span: R.spans?.[path],
  }).nodes.filter(Boolean);
}
