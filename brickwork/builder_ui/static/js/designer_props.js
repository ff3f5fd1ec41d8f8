// The properties pane: what the selected field, section or the form itself says.
import Sortable from "/static/vendor/sortable.esm.js";
import {
  S, autoKey, besideAbove, changed, field, move, parentOf, remove, rowType, section, takenKeys,
} from "/static/js/designer.js";
import { computedProps } from "/static/js/designer_computed.js";
import { duplicatesProps } from "/static/js/designer_duplicates.js";
import { fieldLogic, markRulesButton, rulesProps, sectionLogic } from "/static/js/designer_logic.js";
import { KEY_PATTERN, h, newId } from "/static/js/designer_util.js";

const pane = document.querySelector(".dz-props");
const LOCALES = [["zh-CN", "zh"], ["en", "en"]];
// Settings a type change keeps only where the new type reads them (see FieldDef.SETTINGS).
const SETTINGS = ["default", "max_length", "scale", "currency", "min", "max", "pattern", "max_files",
  "max_size_mb", "accept", "levels", "options", "target", "multiple", "on_delete", "formula", "expression",
  "result", "source", "aggregate", "field", "condition", "relation", "min_rows", "max_rows", "fields"];
// Computed fields' settings are edited by designer_computed.js.
const COMPUTED_SETTINGS = ["formula", "expression", "result", "source", "aggregate", "field", "condition", "relation",
  "scale"];

function errorsOf(id, prop, shown) {
  shown.add(prop);
  return (S.errors[id]?.[prop] || []).map((m) => h("span", { class: "field-error", role: "alert" }, m));
}

function box(text, input, errors = [], extra = null) {
  return h("label", { class: "dz-prop" }, text, input, extra, errors);
}

// A translatable text such as the label: one input per language.
function texts(item, prop, names, shown, { keep = false, onInput = null } = {}) {
  return LOCALES.map(([locale, short]) => box(S.T[`${names}_${short}`], h("input", {
    value: item[prop]?.[locale] || "", lang: locale, dataset: { prop: `${prop}.${locale}` },
    oninput: (e) => {
      const value = e.target.value;
      item[prop] ||= {};
      if (value) item[prop][locale] = value; else delete item[prop][locale];
      if (!keep && !Object.keys(item[prop]).length) delete item[prop];
      onInput?.(locale);
      changed();
    },
  }), locale === "en" ? errorsOf(item.id || "form", prop, shown) : []));
}

function setOrDrop(f, prop, value) {
  if (value === "" || value === null || value === undefined) delete f[prop]; else f[prop] = value;
  changed();
}

function numberInput(f, prop, { int = true, min, max } = {}) {
  return h("input", {
    value: f[prop] ?? "", inputmode: int ? "numeric" : "decimal", type: "text", dataset: { prop }, min, max,
    oninput: (e) => {
      const text = e.target.value.trim();
      const n = Number(text);
      setOrDrop(f, prop, text === "" ? null : int ? (Number.isInteger(n) ? n : text) : text);
    },
  });
}

function settingInput(f, name) {
  const T = S.T;
  if (["scale", "max_length", "max_files", "max_size_mb", "min_rows", "max_rows"].includes(name)) {
    return numberInput(f, name);
  }
  if (name === "min" || name === "max") return numberInput(f, name, { int: f.type === "rating" });
  if (name === "levels") {
    return h("select", { dataset: { prop: name }, onchange: (e) => setOrDrop(f, name, e.target.value) },
      h("option", { value: "" }, T.none),
      ["province", "city", "district"].map((l) => h("option", { value: l, selected: f.levels === l }, T[l])));
  }
  if (name === "target") {
    return h("select", { dataset: { prop: name }, onchange: (e) => setOrDrop(f, name, e.target.value) },
      S.boot.forms.map((x) => h("option", { value: x.key, selected: f.target === x.key },
        `${x.label?.[S.boot.locale] || x.label?.en || x.key} (${x.key})`)));
  }
  if (name === "on_delete") {
    return h("select", { dataset: { prop: name }, onchange: (e) => setOrDrop(f, name, e.target.value) },
      ["block", "clear", "cascade"].map((v) => h("option", { value: v, selected: (f.on_delete || "block") === v }, T[v])));
  }
  if (name === "multiple") {
    return h("input", { type: "checkbox", checked: Boolean(f.multiple), dataset: { prop: name },
      onchange: (e) => setOrDrop(f, name, e.target.checked || null) });
  }
  if (name === "accept") {
    return h("input", {
      value: (f.accept || []).join(", "), dataset: { prop: name },
      oninput: (e) => {
        const list = e.target.value.split(",").map((x) => x.trim()).filter(Boolean);
        setOrDrop(f, name, list.length ? list : null);
      },
    });
  }
  return h("input", {
    value: f[name] ?? "", dataset: { prop: name }, maxlength: name === "currency" ? "3" : undefined,
    oninput: (e) => setOrDrop(f, name, name === "currency" ? e.target.value.trim().toUpperCase() : e.target.value),
  });
}

function defaultInput(f) {
  const T = S.T;
  if (f.type === "select") {
    return h("select", { dataset: { prop: "default" }, onchange: (e) => setOrDrop(f, "default", e.target.value) },
      h("option", { value: "" }, T.none),
      (f.options || []).map((o) => h("option", { value: o.id, selected: f.default === o.id }, optionName(o))));
  }
  if (f.type === "boolean") {
    const value = f.default === true ? "true" : f.default === false ? "false" : "";
    return h("select", {
      dataset: { prop: "default" },
      onchange: (e) => setOrDrop(f, "default", e.target.value === "" ? null : e.target.value === "true"),
    }, [["", T.none], ["true", T.yes], ["false", T.no]].map(([v, t]) => h("option", { value: v, selected: v === value }, t)));
  }
  if (f.type === "multiselect") {
    const chosen = new Set(f.default || []);
    return h("span", { class: "dz-choices" }, (f.options || []).map((o) => h("label", { class: "dz-check" },
      h("input", {
        type: "checkbox", checked: chosen.has(o.id),
        onchange: (e) => {
          if (e.target.checked) chosen.add(o.id); else chosen.delete(o.id);
          const list = f.options.map((x) => x.id).filter((id) => chosen.has(id));
          setOrDrop(f, "default", list.length ? list : null);
        },
      }), optionName(o))));
  }
  const listId = `dz-defaults-${f.id}`;
  return h("span", {},
    h("input", { value: f.default ?? "", list: listId, dataset: { prop: "default" },
      oninput: (e) => setOrDrop(f, "default", e.target.value) }),
    h("datalist", { id: listId }, S.boot.types[f.type].dynamic_defaults.map((d) => h("option", { value: d }))));
}

function optionName(o) { return o.label?.[S.boot.locale] || o.label?.en || o.label?.["zh-CN"] || o.id; }

function optionsEditor(f, shown) {
  const T = S.T;
  const list = h("ul", { class: "dz-options", dataset: { testid: "options" } }, (f.options || []).map((o, i) => h("li",
    { dataset: { option: o.id } },
    h("span", { class: "dz-opt-grip", title: T.drag, "aria-hidden": "true" }, "⋮⋮"),
    h("input", { type: "color", value: o.color || "#dee0e3", "aria-label": T.color, title: T.color,
      oninput: (e) => { o.color = e.target.value; changed(); } }),
    LOCALES.map(([locale, short]) => h("input", {
      value: o.label?.[locale] || "", lang: locale, "aria-label": `${T.option} ${i + 1} ${T[`label_${short}`]}`,
      oninput: (e) => {
        if (e.target.value) o.label[locale] = e.target.value; else delete o.label[locale];
        changed();
      },
    })),
    h("button", { type: "button", class: "link", "aria-label": `${T.remove} ${i + 1}`,
      onclick: () => { f.options = f.options.filter((x) => x !== o); changed(); renderProps(); } }, "✕"))));
  Sortable.create(list, {
    handle: ".dz-opt-grip", animation: 120, forceFallback: true,
    onEnd: () => {
      const order = [...list.children].map((li) => li.dataset.option);
      f.options.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
      changed();
    },
  });
  return h("fieldset", { class: "dz-prop dz-options-box" }, h("legend", {}, T.options), list,
    h("button", { type: "button", class: "button", onclick: () => {
      f.options ||= [];
      f.options.push({ id: newId("o_"), label: { [S.boot.locale]: `${T.option} ${f.options.length + 1}` } });
      changed();
      renderProps();
      pane.querySelector(".dz-options li:last-child input[lang]")?.select();
    } }, T.add_option), errorsOf(f.id, "options", shown));
}

function keyProblem(f) {
  if (!KEY_PATTERN.test(f.key)) return S.T.key_pattern;
  if (takenKeys(f.id).has(f.key)) return S.T.key_taken;
  return "";
}

function changeType(f, type) {
  const settings = new Set(S.boot.types[type].settings);
  for (const name of SETTINGS) if (!settings.has(name)) delete f[name];
  delete f.default;  // an old default seldom fits the new type
  if (!settings.has("unique")) f.unique = false;
  if (settings.has("options") && !f.options?.length) {
    f.options = [1, 2].map((n) => ({ id: newId("o_"), label: { [S.boot.locale]: `${S.T.option} ${n}` } }));
  }
  if (settings.has("target") && !f.target) f.target = S.boot.form;
  if (type === "rollup" && !f.aggregate) f.aggregate = "count";
  if (type === "subform") f.fields ||= [];
  f.type = type;
  changed();
  renderProps();
}

function tools(id) {
  const T = S.T;
  return h("div", { class: "dz-tools" },
    h("button", { type: "button", class: "button", onclick: () => move(id, -1) }, "↑ ", T.move_up),
    h("button", { type: "button", class: "button", onclick: () => move(id, 1) }, "↓ ", T.move_down),
    field(id) && !parentOf(id)
      ? h("button", { type: "button", class: "button", onclick: () => besideAbove(id) }, T.beside_above) : null,
    h("button", { type: "button", class: "button danger", onclick: () => remove(id) }, T.delete));
}

function fieldProps(f, shown) {
  const T = S.T;
  const info = S.boot.types[f.type];
  const has = new Set(info.settings);
  const keyError = h("span", { class: "field-error", role: "alert" }, keyProblem(f));
  const keyInput = h("input", {
    value: f.key, dataset: { prop: "key" }, spellcheck: "false", autocapitalize: "off",
    oninput: (e) => {
      f.key = e.target.value.trim();
      S.autoKey.delete(f.id);
      keyError.textContent = keyProblem(f);
      changed();
    },
  });
  const parent = parentOf(f.id);  // a sub-form's column: a row's types only, no links to many, no logic
  const liveFields = (S.boot.live?.fields || []).flatMap((x) => [x, ...(x.fields || [])]);
  const wasType = liveFields.find((x) => x.id === f.id)?.type;
  const computed = computedProps(f, {
    box, numberInput, rerender: renderProps, errorsOf: (id, prop) => errorsOf(id, prop, shown),
  });
  return [
    h("h2", {}, T.field),
    tools(f.id),
    box(T.type, h("select", { dataset: { prop: "type" }, onchange: (e) => changeType(f, e.target.value) },
      Object.entries(S.boot.types).filter(([t]) => !parent || rowType(t))
        .map(([t, x]) => h("option", { value: t, selected: t === f.type }, x.name))),
    errorsOf(f.id, "type", shown), wasType && wasType !== f.type ? h("small", { class: "dz-note" }, T.type_changed) : null),
    texts(f, "label", "label", shown, {
      keep: true,
      onInput: (locale) => {
        if (locale === "en" && S.autoKey.has(f.id)) {
          autoKey(f);
          keyInput.value = f.key;
          keyError.textContent = keyProblem(f);
        }
      },
    }),
    box(T.key, keyInput, [keyError, ...errorsOf(f.id, "key", shown)], h("small", { class: "muted" }, T.key_hint)),
    texts(f, "description", "description", shown),
    f.type === "autonumber" || computed ? null : texts(f, "placeholder", "placeholder", shown),
    computed ? null : h("label", { class: "dz-check" }, h("input", {
      type: "checkbox", checked: Boolean(f.required), dataset: { prop: "required" },
      onchange: (e) => { f.required = e.target.checked; changed(); },
    }), T.required),
    has.has("unique") ? h("label", { class: "dz-check" }, h("input", {
      type: "checkbox", checked: Boolean(f.unique), dataset: { prop: "unique" },
      onchange: (e) => { f.unique = e.target.checked; changed(); },
    }), T.unique) : null,
    errorsOf(f.id, "required", shown), errorsOf(f.id, "unique", shown),
    has.has("options") ? optionsEditor(f, shown) : null,
    has.has("default") ? box(T.default, defaultInput(f), errorsOf(f.id, "default", shown),
      h("small", { class: "muted" }, info.dynamic_defaults.length ? `${T.default_dynamic} ${T.default_url}`
        : T.default_url)) : null,
    computed,
    SETTINGS.filter((name) => has.has(name) && !["default", "options", "fields"].includes(name)
      && !(computed && COMPUTED_SETTINGS.includes(name)) && !(parent && name === "multiple"))
      .map((name) => box(T[name], settingInput(f, name), errorsOf(f.id, name, shown))),
    parent ? null : fieldLogic(f, logicContext(shown)),
  ];
}

function logicContext(shown) {
  return { box, rerender: renderProps, errorsOf: (id, prop) => errorsOf(id, prop, shown) };
}

function sectionProps(s, shown) {
  return [h("h2", {}, S.T.section), tools(s.id),
    texts(s, "label", "label", shown, { keep: true }), texts(s, "description", "description", shown),
    sectionLogic(s, logicContext(shown))];
}

function formProps(shown) {
  const form = S.body;
  return [h("h2", {}, S.T.form), h("p", { class: "muted" }, S.T.nothing),
    LOCALES.map(([locale, short]) => box(S.T[`label_${short}`], h("input", {
      value: form.label?.[locale] || "", lang: locale, dataset: { prop: `label.${locale}` },
      oninput: (e) => {
        if (e.target.value) form.label[locale] = e.target.value; else delete form.label[locale];
        changed({ canvasToo: false });
      },
    }), locale === "en" ? errorsOf("form", "label", shown) : [])),
    box(S.T.key, h("input", { value: form.key, readonly: true })),
    duplicatesProps({ box, errors: errorsOf("form", "duplicates", shown), rerender: renderProps })];
}

export function renderProps() {
  const id = S.selected;
  const shown = new Set(["_"]);
  const f = id && field(id);
  const s = id && section(id);
  markRulesButton();
  const content = id === "$rules" ? rulesProps(logicContext(shown))
    : f ? fieldProps(f, shown) : s ? sectionProps(s, shown) : formProps(shown);
  // Problems without an input of their own are listed at the top.
  const rest = id === "$rules" ? [] : Object.entries(S.errors[f || s ? id : "form"] || {})
    .filter(([prop]) => !shown.has(prop) || prop === "_").flatMap(([, messages]) => messages);
  pane.replaceChildren(
    rest.length ? h("div", { class: "alert", role: "alert" }, rest.join(" ")) : "",
    ...content.flat(Infinity).filter((x) => x !== null && x !== undefined && x !== ""));
}
