// The form-logic editors of the properties pane (docs/forms.md "Form logic"): a field's
// "Show when", "Keep the value when hidden" and "Fill from" (linked data); a section's
// "Show when"; the form's validation rules. Conditions use designer_condition.js; the
// server checks everything on save.
import { S, changed, select as selectItem } from "/static/js/designer.js";
import { conditionEditor } from "/static/js/designer_condition.js";
import { labelOf } from "/static/js/designer_formula.js";
import { h, newId } from "/static/js/designer_util.js";

const LOCALES = [["zh-CN", "zh"], ["en", "en"]];
// Fields that are computed or numbered by the server cannot be filled by linked data.
const NOT_FILLED = ["formula", "rollup", "lookup", "autonumber", "subform"];
const pending = new Map();  // field id → a fill_from being set up, until it is complete

function select(attrs, choices, chosen) {
  return h("select", attrs, choices.map(([value, text]) => h("option", { value, selected: value === chosen }, text)));
}

function otherForm(key) { return S.boot.forms.find((x) => x.key === key); }

function fillState(f) {
  if (!pending.has(f.id)) {
    pending.set(f.id, structuredClone(f.fill_from || { form: "", match: [{ field: "", equals: "" }], take: "" }));
  }
  return pending.get(f.id);
}

// The body gets fill_from only when it is complete: half a setup is not a mistake yet.
function storeFill(f, st) {
  const complete = st.form && st.take && st.match.length && st.match.every((m) => m.field && m.equals);
  if (complete) f.fill_from = structuredClone(st); else delete f.fill_from;
  changed();
}

function fillFromEditor(f, ctx) {
  const T = S.T;
  const st = fillState(f);
  const other = otherForm(st.form);
  const theirs = (other?.fields || []).map((x) => [x.id, `${labelOf(x)} (${x.key})`]);
  const ours = S.body.fields.filter((x) => x.id !== f.id && !["subform"].includes(x.type))
    .map((x) => [x.id, labelOf(x)]);
  const none = ["", T.none];
  const matches = st.match.map((m, i) => h("li", { class: "dz-match", dataset: { match: String(i) } },
    select({ "aria-label": `${T.fill_match} ${i + 1}`, dataset: { prop: "equals" },
      onchange: (e) => { m.equals = e.target.value; storeFill(f, st); } },
    [none, ["id", T.record_id], ...theirs], m.equals),
    h("span", {}, T.fill_equals),
    select({ "aria-label": `${T.fill_equals} ${i + 1}`, dataset: { prop: "match-field" },
      onchange: (e) => { m.field = e.target.value; storeFill(f, st); } }, [none, ...ours], m.field),
    st.match.length > 1 ? h("button", { type: "button", class: "link", "aria-label": `${T.remove} ${i + 1}`,
      onclick: () => { st.match.splice(i, 1); storeFill(f, st); ctx.rerender(); } }, "✕") : null));
  return h("fieldset", { class: "dz-prop dz-fill", dataset: { testid: "fill-from" } }, h("legend", {}, T.fill_from),
    h("small", { class: "muted" }, T.fill_hint),
    ctx.box(T.fill_form, select({ dataset: { prop: "fill-form" }, onchange: (e) => {
      st.form = e.target.value;
      st.take = "";
      for (const m of st.match) m.equals = "";
      storeFill(f, st);
      ctx.rerender();
    } }, [none, ...S.boot.forms.map((x) => [x.key, `${labelOf(x)} (${x.key})`])], st.form)),
    other ? [
      ctx.box(T.fill_take, select({ dataset: { prop: "fill-take" },
        onchange: (e) => { st.take = e.target.value; storeFill(f, st); } }, [none, ...theirs], st.take)),
      h("p", { class: "dz-sub" }, T.fill_match),
      h("ul", { class: "dz-matches" }, matches),
      h("button", { type: "button", class: "button", onclick: () => {
        st.match.push({ field: "", equals: "" });
        ctx.rerender();
      } }, T.add_match),
    ] : null,
    ctx.errorsOf(f.id, "fill_from"));
}

export function fieldLogic(f, ctx) {
  const T = S.T;
  return [
    h("h3", { class: "dz-part" }, T.logic),
    conditionEditor(f, "show_when", { ...ctx, label: T.show_when, exceptId: f.id, testid: "show-when" }),
    h("label", { class: "dz-check" }, h("input", {
      type: "checkbox", checked: Boolean(f.keep_when_hidden), dataset: { prop: "keep_when_hidden" },
      onchange: (e) => { if (e.target.checked) f.keep_when_hidden = true; else delete f.keep_when_hidden; changed(); },
    }), T.keep_when_hidden),
    h("small", { class: "muted" }, T.keep_hint),
    NOT_FILLED.includes(f.type) ? null : fillFromEditor(f, ctx),
  ];
}

export function sectionLogic(s, ctx) {
  return [h("h3", { class: "dz-part" }, S.T.logic),
    conditionEditor(s, "show_when", { ...ctx, label: S.T.show_when, testid: "show-when" })];
}

function ruleEditor(rule, n, ctx) {
  const T = S.T;
  rule.message ||= {};
  return h("li", { class: "dz-rule", dataset: { rule: rule.id } },
    h("h3", {}, T.rule.replace("%(n)s", String(n))),
    conditionEditor(rule, "when", { ...ctx, label: T.refuse_when, testid: "rule-when" }),
    LOCALES.map(([locale, short]) => ctx.box(T[`message_${short}`], h("input", {
      value: rule.message[locale] || "", lang: locale, dataset: { prop: `message.${locale}` },
      oninput: (e) => {
        if (e.target.value) rule.message[locale] = e.target.value; else delete rule.message[locale];
        changed();
      },
    }), locale === "en" ? ctx.errorsOf(rule.id, "message") : [])),
    ctx.box(T.message_at, select({ dataset: { prop: "rule-field" }, onchange: (e) => {
      if (e.target.value) rule.field = e.target.value; else delete rule.field;
      changed();
    } }, [["", T.form_top], ...S.body.fields.map((x) => [x.id, labelOf(x)])], rule.field || ""),
    ctx.errorsOf(rule.id, "field")),
    Object.entries(S.errors[rule.id] || {}).filter(([p]) => !["when", "message", "field"].includes(p))
      .flatMap(([, messages]) => messages.map((m) => h("span", { class: "field-error", role: "alert" }, m))),
    h("button", { type: "button", class: "button danger", onclick: () => {
      S.body.rules = S.body.rules.filter((x) => x !== rule);
      delete S.errors[rule.id];
      changed();
      ctx.rerender();
    } }, T.delete));
}

// The form's validation rules, shown in the properties pane by the toolbar's Rules button.
export function rulesProps(ctx) {
  const T = S.T;
  S.body.rules ||= [];
  return [
    h("h2", {}, T.rules), h("p", { class: "muted" }, T.rules_hint),
    S.body.rules.length ? h("ol", { class: "dz-rules", dataset: { testid: "rules" } },
      S.body.rules.map((rule, i) => ruleEditor(rule, i + 1, ctx))) : h("p", { class: "muted" }, T.no_rules),
    h("button", { type: "button", class: "button", dataset: { action: "add-rule" }, onclick: () => {
      S.body.rules.push({ id: newId("r_"), message: {} });
      changed();
      ctx.rerender();
    } }, T.add_rule),
  ];
}

// The toolbar's Rules button shows the rules in the properties pane.
const rulesButton = document.querySelector("[data-action=rules]");
rulesButton?.addEventListener("click", () => selectItem(S.selected === "$rules" ? null : "$rules"));
export function markRulesButton() { rulesButton?.setAttribute("aria-pressed", String(S.selected === "$rules")); }
