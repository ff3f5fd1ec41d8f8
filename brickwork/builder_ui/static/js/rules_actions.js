// The rule's actions: an ordered list of cards (add, remove, drag to reorder with SortableJS),
// each with the options of its type. Field mappings and messages use the formula editor; an
// action type the page does not know (a connector's) is edited as its JSON settings.
import Sortable from "/static/vendor/sortable.esm.js";
import { h } from "/static/js/designer_util.js";
import { R, box, errorsAt, formOf, formula, labelOf, select, textsOf, triggerForm } from "/static/js/rules_state.js";

const KNOWN = ["create_record", "update_records", "delete_records", "assign_owner", "notify", "wait"];

function checks(items, chosen, onchange, testid) {
  const set = new Set(chosen || []);
  return h("div", { class: "rd-checks", dataset: { testid } }, items.map(([value, text]) => h("label", {},
    h("input", { type: "checkbox", checked: set.has(value), onchange: (e) => {
      if (e.target.checked) set.add(value); else set.delete(value);
      onchange([...set]);
    } }), " ", text)));
}

// A person field's value may be "the manager of" a person field of the trigger's record
// (the organisation answers it when the rule runs), else a formula.
function personSource(key, managers, draw) {
  const T = R.T;
  const people = (triggerForm()?.fields || []).filter((f) => f.logical === "user");
  if (!people.length) return null;
  return box(T.value, select([["", T.by_formula], ...people.map((f) => [f.key, `${T.manager_of} ${labelOf(f)}`])],
    managers[key] || "", (v) => { if (v) managers[key] = v; else delete managers[key]; draw(); },
    { dataset: { testid: "value-source" } }));
}

// Field key → formula rows for the fields of `form`.
function mapping(action, form, path) {
  const T = R.T;
  const { values: own, managers } = textsOf(action);
  const fields = form?.fields || [];
  const rows = h("div", { class: "rd-values", dataset: { testid: "values" } });
  const draw = () => {
    rows.replaceChildren(...Object.keys(own).map((key) => h("div", { class: "rd-value", dataset: { key } },
      box(T.field, select(fields.map((f) => [f.key, labelOf(f)]), key, (next) => {
        if (!next || next in own) return;
        own[next] = own[key]; delete own[key];
        if (managers[key]) { managers[next] = managers[key]; delete managers[key]; }
        draw();
      }, { dataset: { testid: "value-field" } })),
      fields.find((f) => f.key === key)?.logical === "user" ? personSource(key, managers, draw) : null,
      ...(managers[key] ? errorsAt(`${path}.values.${key}`, true) : formula({ text: own[key] || "",
        label: T.value_hint, path: `${path}.values.${key}`, onInput: (text) => { own[key] = text; } })),
      h("button", { type: "button", class: "link", onclick: () => { delete own[key]; delete managers[key]; draw(); } },
        T.remove))));
  };
  draw();
  const add = h("button", { type: "button", class: "button", dataset: { testid: "add-value" }, onclick: () => {
    const free = fields.find((f) => !(f.key in own));
    if (free) { own[free.key] = ""; draw(); }
  } }, T.add_value);
  return h("fieldset", { class: "rd-mapping" }, h("legend", {}, T.values), rows, add);
}

function target(action, onchange) {
  const T = R.T;
  const relations = (triggerForm()?.fields || []).filter((f) => f.type === "relation" || f.target);
  const current = action.target && typeof action.target === "object" && action.target.relation
    ? `relation:${action.target.relation}` : "trigger";
  return box(T.target, select([["trigger", T.target_trigger],
    ...relations.map((f) => [`relation:${f.key}`, `${T.target_relation} ${labelOf(f)}`])], current, (v) => {
    if (v === "trigger") delete action.target; else action.target = { relation: v.slice("relation:".length) };
    onchange();
  }));
}

function options(action, path, redraw) {
  const T = R.T;
  const source = triggerForm();
  const people = R.boot.people.map((p) => [p.id, p.name]);
  const userFields = (source?.fields || []).filter((f) => f.logical === "user");
  switch (action.type) {
    case "create_record":
      return [box(T.form, select([["", T.choose_form], ...R.boot.forms.map((f) => [f.key, f.label])], action.form,
        (v) => { action.form = v || undefined; textsOf(action).values = {}; redraw(); },
        { dataset: { testid: "action-form" } }), errorsAt(`${path}.form`, true)),
      action.form ? mapping(action, formOf(action.form), path) : null];
    case "update_records": {
      const relation = action.target?.relation;
      const form = relation ? formOf(source?.fields.find((f) => f.key === relation)?.target) : source;
      return [target(action, redraw), mapping(action, form, path)];
    }
    case "delete_records":
      return [target(action, redraw)];
    case "assign_owner":
      return [box(T.owner_field, select(userFields.map((f) => [f.key, labelOf(f)]), action.field || "owner",
        (v) => { action.field = v; })),
      box(T.strategy, select([["fixed", T.fixed], ["caller", T.caller], ["round_robin", T.round_robin],
        ["least_loaded", T.least_loaded]], action.strategy || "fixed", (v) => { action.strategy = v; })),
      h("fieldset", {}, h("legend", {}, T.to_users), checks(people, action.users, (v) => { action.users = v; }, "users"),
        ...errorsAt(`${path}.users`, true)),
      h("fieldset", {}, h("legend", {}, T.to_roles), checks(R.boot.roles.map((r) => [r.key, r.label]), action.roles,
        (v) => { action.roles = v.length ? v : undefined; }, "assign-roles")),
      box(T.cap, h("input", { type: "number", min: 1, value: action.cap ?? "", class: "rd-number",
        dataset: { testid: "assign-cap" },
        oninput: (e) => { if (e.target.value === "") delete action.cap; else action.cap = Number(e.target.value); } })),
      ...errorsAt(`${path}.cap`, true)];
    case "notify":
      return [...messageEditors(action, path),
      h("fieldset", {}, h("legend", {}, T.to_owner),
        h("label", {}, h("input", { type: "checkbox", checked: !!action.owner, dataset: { testid: "to-owner" },
          onchange: (e) => { action.owner = e.target.checked || undefined; } }), " ", T.to_owner)),
      userFields.length ? h("fieldset", {}, h("legend", {}, T.to_fields),
        checks(userFields.map((f) => [f.key, labelOf(f)]), action.user_fields, (v) => { action.user_fields = v; },
          "user-fields")) : null,
      userFields.length ? h("fieldset", {}, h("legend", {}, T.to_managers),
        checks(userFields.map((f) => [f.key, labelOf(f)]), action.managers_of, (v) => { action.managers_of = v; },
          "manager-fields"), ...errorsAt(`${path}.managers_of`, true)) : null,
      h("fieldset", {}, h("legend", {}, T.to_users), checks(people, action.users, (v) => { action.users = v; }, "users")),
      h("fieldset", {}, h("legend", {}, T.to_roles), checks(R.boot.roles.map((r) => [r.key, r.label]), action.roles,
        (v) => { action.roles = v.length ? v : undefined; }, "notify-roles"), ...errorsAt(`${path}.roles`, true))];
    case "wait":
      return [h("div", { class: "rd-row" }, ["days", "hours", "minutes"].map((unit) => box(T[`wait_${unit}`],
        h("input", { type: "number", min: 0, value: action[unit] ?? "", class: "rd-number",
          oninput: (e) => { if (e.target.value === "") delete action[unit]; else action[unit] = Number(e.target.value); } }))))];
    default:
      return [];
  }
}

// A connector's action: its settings as JSON, applied when they parse.
function settingsJson(action) {
  const { type, ...rest } = action;
  const note = h("span", { class: "field-error", hidden: true }, R.T.bad_json);
  const area = h("textarea", { rows: 5, class: "dz-formula", spellcheck: "false", oninput: (e) => {
    try {
      const parsed = JSON.parse(e.target.value || "{}");
      for (const k of Object.keys(action)) if (k !== "type") delete action[k];
      Object.assign(action, parsed, { type });
      note.hidden = true;
    } catch { note.hidden = false; }
  } }, JSON.stringify(rest, null, 2));
  return box(R.T.settings_json, area, [note]);
}

export function actionsPart() {
  const T = R.T;
  const list = h("ol", { class: "rd-actions", dataset: { testid: "actions" } });
  const redraw = () => R.render();
  R.body.actions.forEach((action, i) => {
    const path = `actions[${i}]`;
    const name = R.boot.actions.find((a) => a.type === action.type)?.name || action.type;
    const settings = KNOWN.includes(action.type) ? options(action, path, redraw) : [settingsJson(action)];
    list.append(h("li", { class: "card rd-action", dataset: { testid: "action", type: action.type, index: i } },
      h("div", { class: "rd-action-head" },
        h("span", { class: "order-grip rd-grip", title: T.move, "aria-hidden": "true" }, "⠿"),
        h("strong", {}, `${i + 1}. ${name}`),
        // Arrows too: a drag is not for everyone (keyboards, screen readers).
        [[-1, "↑", T.move_up], [1, "↓", T.move_down]].map(([step, arrow, text]) => h("button", {
          type: "button", class: "icon-button", "aria-label": text, disabled: !R.body.actions[i + step],
          dataset: { move: step }, onclick: () => {
            const [moved] = R.body.actions.splice(i, 1);
            R.body.actions.splice(i + step, 0, moved);
            redraw();
          } }, arrow)),
        h("button", { type: "button", class: "link", dataset: { testid: "remove-action" }, onclick: () => {
          R.body.actions.splice(i, 1); redraw();
        } }, T.remove)),
      // What none of its options showed: the type, a missing setting, a connector's own.
      ...errorsAt(path), ...settings));
  });
  Sortable.create(list, { handle: ".rd-grip", animation: 120, forceFallback: true, onEnd: (e) => {
    if (e.oldIndex === e.newIndex) return;
    const [moved] = R.body.actions.splice(e.oldIndex, 1);
    R.body.actions.splice(e.newIndex, 0, moved);
    redraw();
  } });
  const add = select([["", T.add_action], ...R.boot.actions.map((a) => [a.type, a.name])], "", (type) => {
    if (!type) return;
    R.body.actions.push(type === "notify" ? { type, owner: true } : { type });
    delete R.errors.actions;  // "give at least one action" is answered
    redraw();
  }, { "aria-label": T.add_action, dataset: { testid: "add-action" } });
  return h("section", { class: "card rd-part", dataset: { testid: "part-actions" } },
    h("h2", {}, T.actions), ...errorsAt("actions", true), list, add);
}

// A notification's message: one formula for everyone, or one per language (each person reads
// their own); the switch copies the one text into both.
function messageEditors(action, path) {
  const T = R.T;
  const own = textsOf(action);
  if (own.langs) {
    return [["zh-CN", T.text_zh], ["en", T.text_en]].flatMap(([locale, label]) => formula({
      text: own.langs[locale] ?? "", label, path: `${path}.text.${locale}`, hint: T.value_hint,
      onInput: (text) => { own.langs[locale] = text; } }));
  }
  return [...formula({ text: own.text ?? "", label: T.text, path: `${path}.text`, hint: T.value_hint,
    onInput: (text) => { own.text = text; } }),
  h("button", { type: "button", class: "button", dataset: { testid: "text-per-language" }, onclick: () => {
    own.langs = { "zh-CN": own.text ?? "", en: own.text ?? "" };
    delete own.text;
    R.render();
  } }, T.text_per_language)];
}
