// The filter builder: rows of field / operator / value in nested AND/OR groups, read from
// and written to the expression AST (docs/expressions.md) with refs by field id.
import { el } from "./views_common.js";

const OPERATOR_TEXT = {
  "=": "is", "<>": "is_not", "<": "lt", "<=": "le", ">": "gt", ">=": "ge", IN: "in",
  CONTAINS: "contains", STARTSWITH: "starts", ISBLANK: "blank", HAS: "has",
};
const MAX_DEPTH = 2;

function hasOptions(field) {
  return field.logical === "choice" || field.logical === "choices";
}

// An input suited to the field type and operator. ``mode`` "filter" or "edit" (bulk edit
// sets API values: a date-time there is a date and time, a multi-select several options).
// Returns {node, read(), set(raw)}; raw is a string, or a list for several options.
export function valueInput(field, op, text, mode = "filter") {
  if (op === "ISBLANK") return { node: null, read: () => "", set() {} };
  const label = text.value;
  if (hasOptions(field) || field.logical === "boolean") {
    const several = op === "IN" || (mode === "edit" && field.logical === "choices");
    const options = field.logical === "boolean"
      ? [{ id: "true", label: text.yes }, { id: "false", label: text.no }] : field.options;
    const select = el("select", { class: "filter-value-input", "aria-label": label, multiple: several });
    if (!several) select.append(el("option", { value: "" , text: text.choose }));
    for (const option of options) select.append(el("option", { value: option.id, text: option.label }));
    return {
      node: select,
      read: () => several ? [...select.selectedOptions].map((o) => o.value) : select.value,
      set(raw) {
        const wanted = new Set([].concat(raw).map(String));
        for (const option of select.options) option.selected = wanted.has(option.value);
      },
    };
  }
  if (field.logical === "user" || field.logical === "department") return peopleInput(field, op, text, mode);
  if (field.type === "region" && op === "=") return regionInput(text);
  if (mode === "filter" && text.today && (field.logical === "date" || field.logical === "datetime")) {
    return dateInput(text);
  }
  let type = "text";
  const attrs = {};
  if (op !== "IN") {
    if (field.logical === "date" || (field.logical === "datetime" && mode === "filter")) type = "date";
    else if (field.logical === "datetime") type = "datetime-local";
    else if (field.logical === "number") attrs.inputmode = "decimal";
  }
  const input = el("input", { type, class: "filter-value-input", "aria-label": label,
                              title: op === "IN" ? text.comma : null, ...attrs });
  return { node: input, read: () => input.value, set(raw) { input.value = [].concat(raw).join(", "); } };
}

// Relative dates the expression language computes when the filter runs: today, and the
// first day of this week, month or year ("at least the start of this month" = this month).
const RELATIVE = [["$today", "today"], ["@week", "week_start"], ["@month", "month_start"], ["@year", "year_start"]];

function dateInput(text) {
  const relative = el("select", { class: "filter-relative", "aria-label": text.value });
  relative.append(el("option", { value: "", text: text.a_date }));
  for (const [value, key] of RELATIVE) relative.append(el("option", { value, text: text[key] }));
  const input = el("input", { type: "date", class: "filter-value-input", "aria-label": text.value });
  const node = el("span", { class: "filter-date" }, relative, input);
  const sync = () => { input.hidden = relative.value !== ""; };
  relative.addEventListener("change", sync);
  return {
    node,
    read: () => relative.value || input.value,
    set(raw) {
      const value = String([].concat(raw)[0] ?? "");
      const known = RELATIVE.some(([v]) => v === value);
      relative.value = known ? value : "";
      input.value = known ? "" : value;
      sync();
    },
  };
}

// A user or department chosen by name: a search box and the list it fills from the server
// (GET /api/v1/users:pick, /departments:pick). A filter may also say "me" / "my department".
function peopleInput(field, op, text, mode) {
  const kind = field.logical;
  const several = op === "IN";
  const source = kind === "user" ? "/api/v1/users:pick" : "/api/v1/departments:pick";
  const mine = mode === "filter" && text.me ? (kind === "user" ? ["$me", text.me] : ["$my_department", text.my_department]) : null;
  const search = el("input", { type: "search", class: "filter-search", "aria-label": text.search || text.value,
                               placeholder: text.search || "" });
  const select = el("select", { class: "filter-value-input", "aria-label": text.value, multiple: several });
  const names = new Map();  // id → name of every one seen, so a choice survives a new search
  const read = () => (several ? [...select.selectedOptions].map((o) => o.value) : select.value);
  const fill = (items, wanted) => {
    for (const item of items) names.set(String(item.id), "\u00a0\u00a0".repeat(item.depth || 0) + item.name);
    const chosen = new Set(wanted);
    select.replaceChildren();
    if (!several) select.append(el("option", { value: "", text: text.choose }));
    if (mine) select.append(el("option", { value: mine[0], text: mine[1] }));
    const shown = new Set([...items.map((item) => String(item.id)), ...[...chosen].filter((v) => names.has(v))]);
    for (const id of shown) select.append(el("option", { value: id, text: names.get(id) }));
    for (const option of select.options) option.selected = chosen.has(option.value);
  };
  const ask = async (params) => {
    const response = await fetch(`${source}?${new URLSearchParams(params)}`, { headers: { Accept: "application/json" } });
    return response.ok ? response.json() : [];
  };
  let asked = 0;
  const find = async () => {
    const mark = ++asked;
    const items = await ask({ q: search.value, limit: "20" });
    if (mark === asked) fill(items, [].concat(read()));
  };
  let timer = null;
  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(find, 200); });
  fill([], []);
  find();
  return {
    node: el("span", { class: "filter-people" }, search, select),
    read,
    async set(raw) {
      const wanted = [].concat(raw).map(String).filter((v) => v !== "");
      const missing = wanted.filter((v) => /^\d+$/.test(v) && !names.has(v));
      fill(missing.length ? await ask({ ids: missing.join(",") }) : [], wanted);
    },
  };
}

// A region as the cascade of province, city and district (region.js): the deepest chosen
// code; "=" on a region path compares the whole path, so the condition is built as
// STARTSWITH by ``condition`` below.
function regionInput(text) {
  const lists = ["province", "city", "district"].map((level) => {
    const select = el("select", { "data-level": level, "aria-label": text[level] || level });
    select.append(el("option", { value: "", text: text[level] || level }));
    return select;
  });
  const node = el("span", { class: "region filter-region" }, ...lists);
  const ready = import("./region.js").then(({ regionPicker }) => regionPicker(node));
  const read = () => lists.map((s) => s.value).filter(Boolean).join("/");
  return {
    node,
    read,
    async set(raw) {
      await ready;
      const codes = String([].concat(raw)[0] ?? "").split("/");
      lists.forEach((select, i) => {
        if (!codes[i]) return;
        select.value = codes[i];
        select.dispatchEvent(new Event("change"));
      });
    },
  };
}

function literal(field, value) {
  if (value.startsWith("$")) return { var: value };  // $me, $my_department, $today
  if (value.startsWith("@")) return { fn: "STARTOF", args: [{ fn: "TODAY", args: [] }, { lit: value.slice(1), type: "text" }] };
  switch (field.logical) {
    case "number": return { lit: value, type: "number" };
    case "date": case "datetime": return { lit: value, type: "date" };
    case "choice": case "choices": return { lit: value, type: "choice" };
    case "boolean": return { lit: value === "true", type: "boolean" };
    case "user": case "department": return { lit: Number(value), type: field.logical };
    default: return { lit: value, type: "text" };
  }
}

// A value of a loaded AST as the input holds it: a literal's text, a variable's name,
// "@month" for STARTOF(TODAY(), "month").
function rawOf(node) {
  if (node.var) return node.var;
  if (node.fn === "TODAY") return "$today";
  if (node.fn === "STARTOF" && node.args && node.args[1]) return "@" + node.args[1].lit;
  return String(node.lit);
}

function condition(field, op, raw) {
  const ref = { ref: field.id };
  if (op === "ISBLANK") return { fn: "ISBLANK", args: [ref] };
  // The region cascade: this region or any place in it (its codes start with the path).
  if (field.type === "region" && op === "=" && raw) return { fn: "STARTSWITH", args: [ref, { lit: raw, type: "text" }] };
  let values = Array.isArray(raw) ? raw : (op === "IN" ? raw.split(",") : [raw]);
  values = values.map((v) => v.trim()).filter((v) => v !== "");
  if (!values.length) return null;
  const literals = values.map((v) => literal(field, v));
  return op === "IN" ? { fn: "IN", args: [ref, ...literals] } : { fn: op, args: [ref, literals[0]] };
}

export class FilterBuilder {
  constructor(root, fields, text) {
    this.root = root;
    this.fields = fields;
    this.byId = Object.fromEntries(fields.map((f) => [f.id, f]));
    this.text = text;
    this.load(null);
  }

  load(ast) {
    this.root.replaceChildren(this.group(ast && ["AND", "OR"].includes(ast.fn) ? ast : (ast ? { fn: "AND", args: [ast] } : null), 0));
  }

  // The AST of the complete conditions, or null when there are none.
  build() {
    return this.readGroup(this.root.firstElementChild);
  }

  count() {
    return [...this.root.querySelectorAll(".filter-row")].filter((row) => row.condition()).length;
  }

  group(ast, depth) {
    const t = this.text;
    const op = el("select", { class: "group-op", "aria-label": t.operator },
      el("option", { value: "AND", text: t.all }), el("option", { value: "OR", text: t.any }));
    op.value = ast ? ast.fn : "AND";
    const items = el("ul", { class: "filter-items" });
    const box = el("div", { class: "filter-group", dataset: { depth } },
      el("div", { class: "group-head" }, op), items);
    const foot = el("div", { class: "group-foot" });
    foot.append(el("button", { type: "button", class: "add-condition", text: t.add_condition }));
    if (depth < MAX_DEPTH) foot.append(el("button", { type: "button", class: "add-group", text: t.add_group }));
    if (depth > 0) foot.append(el("button", { type: "button", class: "remove-group", text: t.remove }));
    box.append(foot);
    foot.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button || button.parentElement !== foot) return;
      if (button.classList.contains("add-condition")) items.append(el("li", {}, this.row(null)));
      if (button.classList.contains("add-group")) items.append(el("li", {}, this.group(null, depth + 1)));
      if (button.classList.contains("remove-group")) box.parentElement.remove();
    });
    for (const arg of ast ? ast.args : [null]) {
      const nested = arg && ["AND", "OR"].includes(arg.fn);
      items.append(el("li", {}, nested && depth < MAX_DEPTH ? this.group(arg, depth + 1) : this.row(arg)));
    }
    return box;
  }

  row(ast) {
    const t = this.text;
    const fieldSelect = el("select", { class: "filter-field", "aria-label": t.field });
    for (const f of this.fields) {
      if (f.operators.length) fieldSelect.append(el("option", { value: f.id, text: f.label }));
    }
    const opSelect = el("select", { class: "filter-op", "aria-label": t.operator });
    const slot = el("span", { class: "filter-value" });
    const remove = el("button", { type: "button", class: "remove-row", "aria-label": t.remove, text: "×" });
    const row = el("div", { class: "filter-row" }, fieldSelect, opSelect, slot, remove);
    let input = null;
    const field = () => this.byId[fieldSelect.value];
    const fillOperators = () => {
      const keep = opSelect.value;
      opSelect.replaceChildren(...field().operators.map((o) => el("option", { value: o, text: t[OPERATOR_TEXT[o]] || o })));
      if (field().operators.includes(keep)) opSelect.value = keep;
    };
    const fillValue = () => {
      const before = input ? input.read() : "";
      input = valueInput(field(), opSelect.value, t);
      slot.replaceChildren(...(input.node ? [input.node] : []));
      if (before && !Array.isArray(before)) input.set(before);
    };
    fieldSelect.addEventListener("change", () => { input = null; fillOperators(); fillValue(); });
    opSelect.addEventListener("change", fillValue);
    remove.addEventListener("click", () => row.parentElement.remove());
    row.condition = () => (field() ? condition(field(), opSelect.value, input.read()) : null);

    const known = ast && ast.args && ast.args[0] && this.byId[ast.args[0].ref];
    if (known) fieldSelect.value = known.id;
    fillOperators();
    if (known && field().operators.includes(ast.fn)) opSelect.value = ast.fn;
    if (known && known.type === "region" && ast.fn === "STARTSWITH") opSelect.value = "=";
    fillValue();
    if (known) {
      const values = ast.args.slice(1).map(rawOf);
      input.set(ast.fn === "IN" && !hasOptions(known) ? values.join(", ") : (values.length > 1 ? values : values[0] || ""));
    }
    return row;
  }

  readGroup(box) {
    const args = [];
    for (const item of box.querySelector(":scope > .filter-items").children) {
      const child = item.firstElementChild;
      const ast = child.classList.contains("filter-group") ? this.readGroup(child) : child.condition();
      if (ast) args.push(ast);
    }
    return args.length ? { fn: box.querySelector(":scope > .group-head > .group-op").value, args } : null;
  }
}
