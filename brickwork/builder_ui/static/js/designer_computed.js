// The properties of computed fields: the formula editor (designer_formula.js), and the
// settings of rollups and lookups. The server checks everything on save (docs/definitions.md "Computed fields"); this only edits the body.
import { S, changed, siblings } from "/static/js/designer.js";
import { formulaEditor, labelOf } from "/static/js/designer_formula.js";
import { h } from "/static/js/designer_util.js";

const AGGREGATES = ["count", "sum", "avg", "min", "max", "earliest", "latest"];

function set(f, prop, value) {
  if (value === "" || value === null || value === undefined) delete f[prop]; else f[prop] = value;
  changed();
}

function formulaProps(f, ctx) {
  const T = S.T;
  const text = f.formula ?? S.boot.formulas?.[f.id] ?? "";
  const editor = formulaEditor({
    text, prop: "formula", label: T.formula, hint: T.formula_hint, box: ctx.box,
    span: S.spans?.[`${f.id}.formula`] || S.spans?.[`${f.id}.expression`],
    errors: [...ctx.errorsOf(f.id, "formula"), ...ctx.errorsOf(f.id, "expression")],
    fields: siblings(f.id).filter((x) => x.id !== f.id && !["subform", "lookup"].includes(x.type)),
    onInput: (value) => {
      f.formula = value;
      delete f.expression;  // the server makes the AST (fields by id) from the text
      delete f.result;
      changed();
    },
  });
  return [
    editor.nodes,
    f.result === "number" || !f.result ? ctx.box(T.scale, ctx.numberInput(f, "scale"), ctx.errorsOf(f.id, "scale")) : null,
  ];
}

function rollupEditor(f, ctx) {
  const T = S.T;
  const own = S.body.fields.filter((x) => x.type === "subform" || (x.type === "relation" && x.multiple));
  const listId = `dz-sources-${f.id}`;
  return [
    ctx.box(T.source, h("span", {},
      h("input", { value: f.source || "", list: listId, dataset: { prop: "source" }, spellcheck: "false",
        oninput: (e) => set(f, "source", e.target.value.trim()) }),
      h("datalist", { id: listId }, own.map((x) => h("option", { value: x.key }, labelOf(x))))),
    ctx.errorsOf(f.id, "source"), h("small", { class: "muted" }, T.source_hint)),
    ctx.box(T.aggregate, h("select", { dataset: { prop: "aggregate" },
      onchange: (e) => { set(f, "aggregate", e.target.value); ctx.rerender(); } },
    AGGREGATES.map((a) => h("option", { value: a, selected: (f.aggregate || "count") === a }, T[`${a}_agg`]))),
    ctx.errorsOf(f.id, "aggregate")),
    (f.aggregate || "count") === "count" ? null : ctx.box(T.field_of, h("input", {
      value: f.field || "", dataset: { prop: "field" }, spellcheck: "false",
      oninput: (e) => set(f, "field", e.target.value.trim()) }), ctx.errorsOf(f.id, "field")),
    ctx.box(T.condition, h("input", {
      value: typeof f.condition === "string" ? f.condition : "", dataset: { prop: "condition" }, spellcheck: "false",
      oninput: (e) => set(f, "condition", e.target.value) }),
    ctx.errorsOf(f.id, "condition"), h("small", { class: "muted" }, T.condition_hint)),
    ctx.box(T.scale, ctx.numberInput(f, "scale"), ctx.errorsOf(f.id, "scale")),
  ];
}

function lookupEditor(f, ctx) {
  const T = S.T;
  const relations = siblings(f.id).filter((x) => x.type === "relation" && !x.multiple);
  const relation = relations.find((x) => f.relation === x.id || f.relation === x.key);
  // The linked form's fields to choose from, when it is one of the app's forms; else the key is typed.
  const linked = (S.boot.forms || []).find((x) => relation && x.key === relation.target);
  const fields = (linked?.fields || []).filter((x) => x.type !== "subform");
  const chosen = (x) => f.field === x.id || f.field === x.key;
  return [
    ctx.box(T.relation, h("select", { dataset: { prop: "relation" },
      onchange: (e) => { set(f, "relation", e.target.value); ctx.rerender(); } },
    h("option", { value: "" }, T.none),
    relations.map((x) => h("option", { value: x.id, selected: x === relation }, labelOf(x)))),
    ctx.errorsOf(f.id, "relation")),
    ctx.box(T.lookup_field, fields.length && (!f.field || fields.some(chosen))
      ? h("select", { dataset: { prop: "field" }, onchange: (e) => set(f, "field", e.target.value) },
        h("option", { value: "" }, T.none),
        fields.map((x) => h("option", { value: x.id, selected: chosen(x) }, `${labelOf(x)} (${x.key})`)))
      : h("input", { value: f.field || "", dataset: { prop: "field" }, spellcheck: "false",
        oninput: (e) => set(f, "field", e.target.value.trim()) }), ctx.errorsOf(f.id, "field")),
  ];
}

// The editor of a computed field's settings, or null for other types.
export function computedProps(f, ctx) {
  const editor = { formula: formulaProps, rollup: rollupEditor, lookup: lookupEditor }[f.type];
  if (!editor) return null;
  return [h("p", { class: "muted" }, S.T.computed_note), editor(f, ctx)];
}
