// The form's duplicate detection (decision 0040): switched on or off, the keys that identify
// a likely duplicate (a field and how its values compare), the fuzzy threshold and whether a
// likely duplicate is refused. Written into the body's `duplicates`; saved like every setting.
import { S, changed } from "/static/js/designer.js";
import { h } from "/static/js/designer_util.js";

const COMPARABLE = ["text", "phone", "email"];  // model.DUPLICATE_TYPES
const HOWS = ["phone", "email", "exact", "fuzzy"];

function fieldName(f) {
  return f.label?.[S.boot.locale] || f.label?.en || f.label?.["zh-CN"] || f.key;
}

// The first key a form would want: its phone, else its email, else its first text as a name.
function firstMatch(fields) {
  const by = (type) => fields.find((f) => f.type === type);
  const f = by("phone") || by("email") || by("text");
  if (!f) return null;
  return { field: f.id, how: f.type === "text" ? "fuzzy" : f.type };
}

export function duplicatesProps({ box, errors, rerender }) {
  const T = S.T;
  const form = S.body;
  const fields = (form.fields || []).filter((f) => COMPARABLE.includes(f.type));
  const setting = form.duplicates;
  const edit = () => { changed({ canvasToo: false }); };
  const toggle = h("label", { class: "dz-check" }, h("input", {
    type: "checkbox", checked: Boolean(setting), dataset: { prop: "duplicates" }, disabled: !setting && !fields.length,
    onchange: (e) => {
      if (e.target.checked) form.duplicates = { match: [firstMatch(fields)], threshold: 90, block: false };
      else delete form.duplicates;
      edit();
      rerender();
    },
  }), T.dup_on);
  const parts = [h("h3", {}, T.dup_title), toggle, h("p", { class: "muted" }, fields.length ? T.dup_hint : T.dup_none)];
  if (setting) {
    const rows = (setting.match || []).map((m, i) => h("div", { class: "dz-dup-row", dataset: { match: String(i) } },
      h("select", {
        "aria-label": T.dup_field, dataset: { prop: "duplicates.field" },
        onchange: (e) => { m.field = e.target.value; edit(); },
      }, fields.map((f) => h("option", { value: f.id, selected: f.id === m.field }, fieldName(f))),
      fields.some((f) => f.id === m.field) ? null : h("option", { value: m.field, selected: true }, m.field)),
      h("select", {
        "aria-label": T.dup_how, dataset: { prop: "duplicates.how" },
        onchange: (e) => { m.how = e.target.value; edit(); rerender(); },
      }, HOWS.map((how) => h("option", { value: how, selected: how === m.how }, T[`dup_${how}`]))),
      h("button", {
        type: "button", class: "button", disabled: setting.match.length < 2,
        onclick: () => { setting.match.splice(i, 1); edit(); rerender(); },
      }, T.dup_remove)));
    parts.push(...rows, h("button", {
      type: "button", class: "button", dataset: { action: "dup-add" }, disabled: setting.match.length >= 8,
      onclick: () => { setting.match.push(firstMatch(fields)); edit(); rerender(); },
    }, T.dup_add));
    if (setting.match.some((m) => m.how === "fuzzy")) {
      parts.push(box(T.dup_threshold, h("input", {
        type: "number", min: "50", max: "100", value: setting.threshold ?? 90, dataset: { prop: "duplicates.threshold" },
        oninput: (e) => {
          const n = Number(e.target.value);
          setting.threshold = e.target.value !== "" && Number.isInteger(n) ? n : e.target.value;
          edit();
        },
      })));
    }
    parts.push(h("label", { class: "dz-check" }, h("input", {
      type: "checkbox", checked: Boolean(setting.block), dataset: { prop: "duplicates.block" },
      onchange: (e) => { setting.block = e.target.checked; edit(); },
    }), T.dup_block));
  }
  parts.push(errors);
  return h("section", { class: "dz-duplicates", dataset: { testid: "duplicates-setting" } }, parts.flat());
}
