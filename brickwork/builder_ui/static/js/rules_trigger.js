// The rule's trigger: one choice per entry of the trigger registry, each with its own
// options (the form, watched fields and changed from/to, a schedule in words, a date and
// offset, a button's roles, a webhook's address with its secret).
import { h } from "/static/js/designer_util.js";
import { R, box, errorsAt, labelOf, select, triggerForm } from "/static/js/rules_state.js";
import { schedulePart } from "/static/js/rules_schedule.js";

const T = R.T;
const b = R.body;
const { app, key } = R.boot;

function valueChoice(field, value, onchange, testid) {
  if (field?.options?.length) {
    return select([["", T.any_value], ...field.options.map((o) => [o.id, o.label])], value ?? "",
      (v) => onchange(v === "" ? undefined : v), { dataset: { testid } });
  }
  return h("input", { value: value ?? "", placeholder: T.any_value, dataset: { testid },
    oninput: (e) => onchange(e.target.value === "" ? undefined : e.target.value) });
}

const SETTINGS = ["fields", "from", "to", "cron", "secret"];

function triggerOptions() {
  const t = b.trigger;
  const form = triggerForm();
  const entry = R.boot.triggers.find((x) => x.type === t.type);
  const parts = [];
  if (entry?.needs_form) {
    parts.push(box(T.form, select([["", T.choose_form], ...R.boot.forms.map((f) => [f.key, f.label])], t.form,
      (v) => { t.form = v || undefined; delete t.fields; delete t.from; delete t.to; R.render(); },
      { dataset: { testid: "trigger-form" } }), errorsAt("trigger.form", true)));
    if (!R.boot.forms.length) parts.push(h("p", { class: "muted" }, T.no_forms));
  }
  // "Created or updated" watches fields on updates too; a change from/to is an update's alone.
  if ((t.type === "record.updated" || t.type === "record.saved") && form) {
    const watched = t.fields || [];
    parts.push(h("fieldset", { dataset: { testid: "watched" } }, h("legend", {}, T.watch),
      h("div", { class: "rd-checks" }, form.fields.map((f) => h("label", {}, h("input", {
        type: "checkbox", checked: watched.includes(f.key), value: f.key, onchange: (e) => {
          const next = new Set(t.fields || []);
          if (e.target.checked) next.add(f.key); else next.delete(f.key);
          t.fields = [...next];
          if (!t.fields.length) delete t.fields;
          if ((t.fields || []).length !== 1) { delete t.from; delete t.to; }
          R.render();
        } }), " ", labelOf(f)))),
      h("small", { class: "muted" }, T.watch_hint), ...errorsAt("trigger.fields", true)));
    if (watched.length === 1 && t.type === "record.updated") {
      const field = form.fields.find((f) => f.key === watched[0]);
      parts.push(h("div", { class: "rd-row" },
        box(T.changed_from, valueChoice(field, t.from, (v) => changeTo("from", v), "from")),
        box(T.changed_to, valueChoice(field, t.to, (v) => changeTo("to", v), "to"))));
    }
  }
  if (t.type === "date_relative") parts.push(datePart(form));
  if (t.type === "schedule" || t.type === "date_relative") parts.push(schedulePart(t, errorsAt("trigger.cron", true)));
  if (t.type === "button") parts.push(buttonPart());
  if (t.type === "webhook") parts.push(webhookPart(t));
  if (entry && !["record.created", "record.updated", "record.saved", "record.deleted", "schedule", "date_relative", "button",
    "webhook"].includes(t.type)) parts.push(h("p", { class: "muted" }, t.type));
  return parts;
}

// A change from/to a value is the event itself: a condition then only narrows it, so it is
// checked whenever the change happens (not "became true", which a condition already true
// before the change never does).
function changeTo(side, value) {
  if (value === undefined) delete b.trigger[side]; else b.trigger[side] = value;
  if (value !== undefined && !b.mode) { b.mode = "whenever"; R.render(); }
}

// "N days before/after a date field": written as the condition a daily sweep checks.
function datePart(form) {
  const dates = (form?.fields || []).filter((f) => f.logical === "date" || f.logical === "datetime");
  const field = select(dates.map((f) => [f.key, labelOf(f)]), dates[0]?.key, () => {}, { dataset: { testid: "date-field" } });
  const days = h("input", { type: "number", min: 0, value: 30, class: "rd-number", dataset: { testid: "date-days" } });
  const side = select([["after", T.after], ["before", T.before]], "after", () => {});
  const use = h("button", { type: "button", class: "button", onclick: () => {
    const chosen = dates.find((f) => f.key === field.value);
    if (!chosen) return;
    const n = Math.abs(Number(days.value) || 0);
    R.conditionText = `{${labelOf(chosen)}} <= DATEADD(TODAY(), ${side.value === "after" ? -n : n}, "day")`;
    R.conditionMode = "write";
    b.condition = b.condition || {};
    R.render();
  } }, T.use_condition);
  return h("fieldset", { class: "rd-date" }, h("legend", {}, T.date_field),
    h("div", { class: "rd-row" }, box(T.date_field, field), box(T.offset, days), box("", side), use),
    h("small", { class: "muted" }, T.date_hint));
}

function buttonPart() {
  const roles = new Set(b.roles || []);
  return h("fieldset", {}, h("legend", {}, T.roles), h("p", { class: "muted" }, T.button_hint),
    h("div", { class: "rd-checks" }, R.boot.roles.map((r) => h("label", {}, h("input", {
      type: "checkbox", checked: roles.has(r.key), onchange: (e) => {
        if (e.target.checked) roles.add(r.key); else roles.delete(r.key);
        b.roles = [...roles];
      } }), " ", r.label))), h("small", { class: "muted" }, T.roles_hint));
}

function webhookPart(t) {
  t.secret ||= R.boot.secret;
  const url = `${location.origin}/api/v1/hooks/${encodeURIComponent(app)}/${encodeURIComponent(key)}/${t.secret}`;
  return h("div", { class: "rd-webhook" }, box(T.webhook_url, h("input", { readonly: true, value: url,
    class: "rd-url", dataset: { testid: "webhook-url" }, onfocus: (e) => e.target.select() }),
  errorsAt("trigger.secret", true)), h("small", { class: "muted" }, T.webhook_hint),
  h("button", { type: "button", class: "button", onclick: () => {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    t.secret = Array.from(bytes, (x) => x.toString(16).padStart(2, "0")).join("");
    R.render();
  } }, T.new_secret));
}

export function triggerPart() {
  const t = b.trigger;
  return h("section", { class: "card rd-part", dataset: { testid: "part-trigger" } },
    h("h2", {}, T.trigger),
    box(T.trigger, select(R.boot.triggers.map((x) => [x.type, x.name]), t.type, (v) => {
      for (const name of SETTINGS) delete t[name];
      t.type = v;
      R.render();
    }, { dataset: { testid: "trigger-type" } })), ...triggerOptions(), ...errorsAt("trigger"));
}

