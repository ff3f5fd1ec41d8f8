// A condition editor (visibility and validation rules): built with the table view's filter
// builder (views_filter.js: field / operator / value rows in AND/OR groups, writing the AST)
// or typed as formula text (designer_formula.js). The body keeps what was edited: the AST from
// the builder, text from the formula; the server keeps the AST either way. Switching asks the
// server to turn one into the other, so the browser never parses the language itself.
import { S, changed } from "/static/js/designer.js";
import { formulaEditor, labelOf } from "/static/js/designer_formula.js";
import { fitsBuilder, simplest } from "/static/js/condition_fit.js";
import { h, request } from "/static/js/designer_util.js";
import { FilterBuilder } from "/static/js/views_filter.js";

export { fitsBuilder };

const modes = new Map();  // "<id>.<prop>" → "build" | "write": kept across re-renders
const notes = new Map();  // "<id>.<prop>" → a note on why the builder could not take a condition

// The draft's fields as the filter builder wants them (views_common.py field_meta's shape).
function builderFields(exceptId) {
  return S.body.fields.filter((f) => f.id !== exceptId && S.boot.types[f.type]?.operators.length)
    .map((f) => ({
      id: f.id, key: f.key, label: labelOf(f), type: f.type, logical: S.boot.types[f.type].logical,
      operators: S.boot.types[f.type].operators,
      options: (f.options || []).map((o) => ({ id: o.id, label: labelOf({ label: o.label, key: o.id }) })),
    }));
}

// The other form of a condition from the server: {ast, text}, or {problem} when it is wrong.
async function convert(condition) {
  const url = `/apps/${encodeURIComponent(S.boot.app)}/forms/${encodeURIComponent(S.boot.form)}/design/condition`;
  const res = await request("POST", url, { body: { fields: S.body.fields, condition } }).catch(() => null);
  if (!res) return { problem: { title: S.T.offline } };
  return res.ok ? res.data : { problem: res.data };
}

// item[prop] is the condition (absent: none). ctx: {box, errorsOf(id, prop), rerender(),
// exceptId: the field that may not name itself, testid}.
export function conditionEditor(item, prop, ctx) {
  const T = S.T;
  const key = `${item.id}.${prop}`;
  const fields = builderFields(ctx.exceptId);
  const value = item[prop];
  if (!modes.has(key)) {
    modes.set(key, value === undefined || value === null || fitsBuilder(value, fields) ? "build" : "write");
  }
  const mode = modes.get(key);
  const errors = ctx.errorsOf(item.id, prop);
  const body = h("div", { class: "dz-condition-body" });
  const root = h("fieldset", { class: "dz-prop dz-condition", dataset: { testid: ctx.testid, mode } },
    h("legend", {}, ctx.label),
    h("div", { class: "dz-modes", role: "group" },
      ["build", "write"].map((m) => h("button", {
        type: "button", class: "button", "aria-pressed": String(mode === m), dataset: { mode: m },
        onclick: () => switchTo(m),
      }, m === "build" ? T.build : T.write))),
    notes.get(key) ? h("p", { class: "dz-note" }, notes.get(key)) : null,
    body);

  const set = (next) => {
    if (next === null || next === undefined || next === "") delete item[prop]; else item[prop] = next;
    changed();
  };

  async function switchTo(next) {
    if (next === mode) return;
    const current = item[prop];
    notes.delete(key);
    if (current === undefined || current === null) { modes.set(key, next); ctx.rerender(); return; }
    const answer = await convert(current);
    if (answer.problem) {
      notes.set(key, [answer.problem.title, ...(answer.problem.errors || []).map((e) => e.message)].join(" "));
    } else if (next === "build" && !fitsBuilder(answer.ast, fields)) {
      notes.set(key, T.cannot_build);
    } else {
      modes.set(key, next);
      if (next === "build") set(answer.ast);
      else S.boot.conditions = { ...S.boot.conditions, [key]: answer.text };
    }
    ctx.rerender();
  }

  if (mode === "build" && !fields.length) {
    body.append(h("p", { class: "muted" }, T.no_condition_fields), ...errors);  // the builder needs a field
  } else if (mode === "build") {
    const builder = h("div", { class: "filter-panel dz-builder" });
    const filters = new FilterBuilder(builder, fields, T);
    filters.load(value && typeof value === "object" ? value : null);
    // The builder says nothing when it changes: read it after every edit in it.
    const read = () => setTimeout(() => set(simplest(filters.build())));
    builder.addEventListener("change", read);
    builder.addEventListener("input", read);
    builder.addEventListener("click", (e) => { if (e.target.closest("button")) read(); });
    body.append(builder, ...errors);
  } else {
    const text = typeof value === "string" ? value : (S.boot.conditions?.[key] ?? "");
    const editor = formulaEditor({
      text, prop, label: T.write, hint: T.condition_formula_hint, box: ctx.box, errors,
      span: S.spans?.[key], fields: fields.map((f) => S.body.fields.find((x) => x.id === f.id)),
      onInput: (typed) => set(typed.trim() ? typed : null),
    });
    body.append(...editor.nodes.filter(Boolean));
  }
  return root;
}
